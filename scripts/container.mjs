// `npm run container`: the container image of the CLI (container/Dockerfile).
// Writes its build context, dist/container: the Dockerfile, nvidia_icd.json,
// the bundle and demo-model archives (scripts/bundle.mjs) and Node 22 for
// Linux from the npm registry (the node-linux-<arch> package: the official
// binary, fetched with npm like every other package here), then builds it
// with the first of podman, buildah or docker found.
//
//   node scripts/container.mjs [--tag T] [--base IMAGE] [--no-build] [--xz-level N]
//
// --base replaces the Dockerfile's base image (a Debian 12 slim by default),
// e.g. one made locally where no registry can be reached.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The Node the image runs: 22 LTS, pinned so that an image is rebuilt the same. */
export const NODE_VERSION = '22.23.5';

function parseArgs(argv) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const opts = { tag: `wfvae-inspector:${pkg.version}`, base: undefined, build: true, xzLevel: 6, out: join(ROOT, 'dist', 'container') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tag') opts.tag = argv[++i];
    else if (a === '--base') opts.base = argv[++i];
    else if (a === '--no-build') opts.build = false;
    else if (a === '--xz-level') opts.xzLevel = Number(argv[++i]);
    else if (a === '--out') opts.out = argv[++i];
    else throw new Error(`unknown option ${a}; usage: node scripts/container.mjs [--tag T] [--base IMAGE] [--no-build] [--xz-level N] [--out DIR]`);
  }
  return opts;
}

/** The first container builder on PATH: its command and how it builds. */
export function findBuilder() {
  for (const tool of ['podman', 'buildah', 'docker']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0) return { tool, args: tool === 'buildah' ? ['bud'] : ['build'] };
  }
  return null;
}

/** Writes the build context into `out`; returns its path. */
export function writeContext({ out, xzLevel, log = (line) => process.stdout.write(`${line}\n`) }) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const made = bundle({ out: join(out, '.bundle'), xzLevel, log });
  copyFileSync(made.archive, join(out, 'wfvae.tar.xz'));
  copyFileSync(made.demoArchive, join(out, 'wfvae-demo-model.tar.xz'));
  rmSync(join(out, '.bundle'), { recursive: true, force: true });
  for (const f of ['Dockerfile', 'nvidia_icd.json']) copyFileSync(join(ROOT, 'container', f), join(out, f));
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (!arch) throw new Error(`no Node build for Linux on ${process.arch} in the npm registry's node-linux-* packages`);
  const spec = `node-linux-${arch}@${NODE_VERSION}`;
  log(`fetching ${spec} (npm)…`);
  const r = spawnSync('npm', ['pack', spec, '--prefer-offline', '--pack-destination', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm pack ${spec} failed: ${r.stderr}`);
  const tgz = readdirSync(out).find((n) => n.startsWith(`node-linux-${arch}-`) && n.endsWith('.tgz'));
  copyFileSync(join(out, tgz), join(out, 'node.tgz'));
  rmSync(join(out, tgz));
  return { context: out, bundle: made };
}

/** Builds the image from the context with `builder`; returns the spawn result (output inherited unless `quiet`). */
export function buildImage({ context, tag, base, builder = findBuilder(), quiet = false, extraArgs = [], env = process.env }) {
  if (!builder) throw new Error('no container builder: install podman (apt-get install podman), buildah or docker');
  const args = [...builder.args, ...extraArgs, '-t', tag, '-f', join(context, 'Dockerfile'), ...(base ? ['--build-arg', `BASE=${base}`] : []), context];
  return spawnSync(builder.tool, args, { stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8', env, maxBuffer: 64 << 20 });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const { context } = writeContext(opts);
    if (!opts.build) {
      process.stdout.write(`build context written to ${context}; build it with: podman build -t ${opts.tag} ${context}\n`);
    } else {
      const r = buildImage({ context, tag: opts.tag, base: opts.base });
      if (r.status !== 0) throw new Error(`the image build failed (exit ${r.status})`);
      process.stdout.write(`built ${opts.tag}\n`);
    }
  } catch (err) {
    process.stderr.write(`container: ${err.message}\n`);
    process.exit(1);
  }
}
