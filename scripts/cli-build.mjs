// The CLI package's two builds, made again when a source is newer than the
// build: the CLI as plain JavaScript (out/node, vite.node.config.ts) and the
// web UI serve mode ships (out/renderer-web, vite.renderer.config.ts). The
// tests run bin/wfvae.mjs, which runs out/node: vitest's and Playwright's
// global setups call ensureCliBuild() so that what is tested is what ships.
// `node scripts/cli-build.mjs` does the same from a shell.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const TARGETS = [
  { name: 'CLI (out/node)', config: 'vite.node.config.ts', output: 'out/node/cli.js', inputs: ['src/cli', 'src/serve', 'src/engine', 'src/hosting', 'src/shared', 'bin/terminal-hangup.mjs', 'vite.node.config.ts', 'package.json'] },
  { name: 'web UI (out/renderer-web)', config: 'vite.renderer.config.ts', output: 'out/renderer-web/index.html', inputs: ['src/renderer', 'src/shared', 'vite.renderer.config.ts'] },
];

/** The newest modification time under `path` (folders count too: a deleted file changes its folder's). */
function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

export function isStale(target, root = ROOT) {
  const out = join(root, target.output);
  if (!existsSync(out)) return true;
  const built = statSync(out).mtimeMs;
  return target.inputs.some((p) => existsSync(join(root, p)) && newest(join(root, p)) > built);
}

/** Builds each stale target; returns the names built. Throws with vite's output when a build fails. */
export function ensureCliBuild({ root = ROOT, force = false, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const built = [];
  for (const target of TARGETS) {
    if (!force && !isStale(target, root)) continue;
    log(`building the ${target.name} (${target.config})…`);
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', target.config], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the ${target.name} failed:\n${r.stdout}${r.stderr}`);
    built.push(target.name);
  }
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const built = ensureCliBuild({ force: process.argv.includes('--force') });
    if (!built.length) process.stderr.write('the CLI build is up to date\n');
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
