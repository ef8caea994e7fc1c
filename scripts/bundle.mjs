// `npm run bundle`: the CLI as one archive that runs with a given `node` on a
// machine with no npm and no internet (a GPU box behind a firewall, the
// container's image). It holds the built CLI (out/node), the web UI for serve
// (out/renderer-web), bin/ and only the node_modules the CLI loads at run time
// for this platform, copied from this checkout's node_modules. The demo model
// is a second archive that unpacks into the same folder, so the size of the
// first is what the CLI itself costs.
//
//   node scripts/bundle.mjs [--out DIR] [--xz-level 0-9]
//
// Writes DIR/wfvae-inspector-<version>-<platform>-<arch>.tar.xz and
// DIR/wfvae-inspector-<version>-demo-model.tar.xz (DIR: dist/bundle) and
// prints what each part weighs. xz because FFmpeg's libraries (node-av's
// 167 MiB binary) pack to 38 MiB with it and to 62 MiB with gzip; the level
// changes only size and time (the tests pack at 0).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCliBuild } from './cli-build.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Packages the run-time closure reaches that the CLI never loads, left out:
 * node-av's optional WebRTC support (node-av/webrtc and node-av/api's RTP
 * streams; the video tool imports only node-av/lib and node-av/constants).
 */
export const LEFT_OUT = { werift: "node-av's optional WebRTC support, which the video tool does not load" };

/** The files of bin/ the CLI runs (bin/run-ts.mjs and with-malloc-tunables.mjs serve the checkout only). */
const BIN = ['wfvae.mjs', 'malloc-tunables.mjs', 'stderr-filter.mjs', 'terminal-hangup.mjs'];

function parseArgs(argv) {
  const opts = { out: join(ROOT, 'dist', 'bundle'), xzLevel: 6 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') opts.out = argv[++i];
    else if (argv[i] === '--xz-level') opts.xzLevel = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}; usage: node scripts/bundle.mjs [--out DIR] [--xz-level 0-9]`);
  }
  if (!Number.isInteger(opts.xzLevel) || opts.xzLevel < 0 || opts.xzLevel > 9) throw new Error('--xz-level takes 0 to 9');
  return opts;
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** `name` as Node would find it from `fromDir`: the nearest node_modules/name above it, within the checkout. */
function findPackage(name, fromDir) {
  for (let d = fromDir; ; d = dirname(d)) {
    const dir = join(d, 'node_modules', name);
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (d === ROOT || dirname(d) === d) return null;
  }
}

/** Every package the run-time dependencies reach (dependencies, and optional ones installed here), by folder. */
export function runtimeClosure(rootPkg = readJson(join(ROOT, 'package.json'))) {
  const found = new Map(); // folder -> package name
  const visit = (name, fromDir, optional) => {
    if (Object.keys(LEFT_OUT).some((p) => name === p || name.startsWith(`${p}-`))) return;
    const dir = findPackage(name, fromDir);
    if (!dir) {
      if (optional) return;
      throw new Error(`${name} is not installed in this checkout (needed from ${relative(ROOT, fromDir) || 'the package'}); run npm ci`);
    }
    if (found.has(dir)) return;
    found.set(dir, name);
    const pkg = readJson(join(dir, 'package.json'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const dep of Object.keys(rootPkg.dependencies ?? {})) visit(dep, ROOT, false);
  return found;
}

/** Bytes under `path`, symlinks not followed. */
export function sizeOf(path) {
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, n) => sum + sizeOf(join(path, n)), 0);
}

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** onnxruntime-node ships every platform's binaries in one package: keep this one's. */
function pruneOtherPlatforms(stageModules, log) {
  const napi = join(stageModules, 'onnxruntime-node', 'bin', 'napi-v6');
  if (!existsSync(napi)) return 0;
  let pruned = 0;
  for (const platform of readdirSync(napi)) {
    for (const arch of readdirSync(join(napi, platform))) {
      if (platform === process.platform && arch === process.arch) continue;
      const dir = join(napi, platform, arch);
      const bytes = sizeOf(dir);
      rmSync(dir, { recursive: true, force: true });
      log(`  left out onnxruntime-node/bin/napi-v6/${platform}/${arch}: ${mib(bytes)}`);
      pruned += bytes;
    }
    if (!readdirSync(join(napi, platform)).length) rmSync(join(napi, platform), { recursive: true });
  }
  return pruned;
}

function tarXz(cwd, entry, archive, level) {
  const r = spawnSync('tar', ['--owner=0', '--group=0', '--numeric-owner', '--sort=name', '-cJf', archive, '-C', cwd, entry], {
    env: { ...process.env, XZ_OPT: `-${level} -T0` },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`tar failed (${r.error?.message ?? r.stderr}); it needs GNU tar and xz (apt-get install xz-utils)`);
}

export function bundle({ out, xzLevel, log = (line) => process.stdout.write(`${line}\n`) }) {
  ensureCliBuild({ log });
  const pkg = readJson(join(ROOT, 'package.json'));
  const name = `${pkg.name}-${pkg.version}-${process.platform}-${process.arch}`;
  const stageRoot = join(out, '.stage');
  const stage = join(stageRoot, name);
  rmSync(stageRoot, { recursive: true, force: true });
  mkdirSync(join(stage, 'bin'), { recursive: true });

  // What the package ships, less the demo model (its own archive).
  for (const f of BIN) cpSync(join(ROOT, 'bin', f), join(stage, 'bin', f));
  for (const d of ['out/node', 'out/renderer-web']) cpSync(join(ROOT, d), join(stage, d), { recursive: true });
  for (const f of ['README.md', 'LICENSE']) cpSync(join(ROOT, f), join(stage, f));
  const { name: n, version, description, license, type, bin, engines, dependencies } = pkg;
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify({ name: n, version, description, license, type, bin, engines, dependencies }, null, 2)}\n`);

  // The run-time node_modules, where npm put them here (hoisting kept), never a nested node_modules wholesale.
  const closure = runtimeClosure(pkg);
  for (const dir of closure.keys()) {
    cpSync(dir, join(stage, relative(ROOT, dir)), { recursive: true, filter: (src) => src === dir || !relative(dir, src).split('/').includes('node_modules') });
  }
  log(`${closure.size} run-time packages (${[...new Set(closure.values())].sort().join(', ')})`);
  for (const [p, why] of Object.entries(LEFT_OUT)) log(`  left out ${p}*: ${why}`);
  pruneOtherPlatforms(join(stage, 'node_modules'), log);

  const modules = join(stage, 'node_modules');
  const parts = [
    ['onnxruntime-node', sizeOf(join(modules, 'onnxruntime-node'))],
    [`node-av + @seydx/node-av-${process.platform}-${process.arch}`, sizeOf(join(modules, 'node-av')) + (existsSync(join(modules, '@seydx')) ? sizeOf(join(modules, '@seydx')) : 0)],
  ];
  parts.push(['other node_modules', sizeOf(modules) - parts[0][1] - parts[1][1]]);
  parts.push(['the CLI, web UI, bin', sizeOf(stage) - sizeOf(modules)]);

  mkdirSync(out, { recursive: true });
  const archive = join(out, `${name}.tar.xz`);
  log(`packing ${archive} (xz -${xzLevel})…`);
  tarXz(stageRoot, name, archive, xzLevel);

  // The demo model unpacks into the same folder: <name>/resources/models/wfvae-demo.
  rmSync(stage, { recursive: true, force: true });
  cpSync(join(ROOT, 'resources', 'models', 'wfvae-demo'), join(stage, 'resources', 'models', 'wfvae-demo'), { recursive: true });
  const demoArchive = join(out, `${pkg.name}-${pkg.version}-demo-model.tar.xz`);
  tarXz(stageRoot, name, demoArchive, xzLevel);
  rmSync(stageRoot, { recursive: true, force: true });

  const sizes = { archiveBytes: statSync(archive).size, demoArchiveBytes: statSync(demoArchive).size, unpackedBytes: parts.reduce((s, [, b]) => s + b, 0) };
  log('\n| part | unpacked |\n|---|---|');
  for (const [what, bytes] of parts) log(`| ${what} | ${mib(bytes)} |`);
  log(`\n${archive}: ${mib(sizes.archiveBytes)} (xz -${xzLevel}; unpacks to ${mib(sizes.unpackedBytes)})`);
  log(`${demoArchive}: ${mib(sizes.demoArchiveBytes)} (optional; unpack it beside the first)`);
  log(`both: ${mib(sizes.archiveBytes + sizes.demoArchiveBytes)}`);
  return { name, archive, demoArchive, ...sizes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    bundle(parseArgs(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`bundle: ${err.message}\n`);
    process.exit(1);
  }
}
