// `npm test`: the whole suite. Types, lint and the builds the tests run (the
// CLI and the web UI) first, side by side (they only read the sources), then
// the unit tests (Vitest) and the end-to-end tests (Playwright). Output lines carry
// their runner's name; the suite stops at the first stage that fails, after
// the runners of that stage have finished.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale, TARGETS } from './cli-build.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NODE = process.execPath;
const bin = (pkg, file) => join(ROOT, 'node_modules', pkg, file);
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

const children = new Set();

/** Runs one command with its output prefixed line by line; resolves with its exit status. */
function run(label, args) {
  return new Promise((resolve) => {
    const child = spawn(NODE, args, { cwd: ROOT, env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : '0') }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const started = Date.now();
    for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop();
        for (const line of lines) out.write(`[${label}] ${line}\n`);
      });
      stream.on('end', () => rest && out.write(`[${label}] ${rest}\n`));
    }
    child.on('close', (code, signal) => {
      children.delete(child);
      const status = code ?? 128 + (SIGNALS[signal] ?? 15);
      process.stdout.write(`[${label}] ${status === 0 ? 'passed' : `FAILED (exit ${status})`} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      resolve(status);
    });
  });
}

async function stage(name, jobs) {
  const statuses = await Promise.all(jobs.map(([label, args]) => run(label, args)));
  const failed = jobs.filter((_, i) => statuses[i] !== 0).map(([label]) => label);
  if (failed.length) {
    process.stderr.write(`npm test: ${name} failed (${failed.join(', ')})\n`);
    process.exit(1);
  }
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    for (const c of children) c.kill(sig);
    process.exit(128 + SIGNALS[sig]);
  });
}

const began = Date.now();
// The builds the tests run (the CLI and the web UI, each only where a source is newer than it) go beside
// the checks: all of them only read the sources, and tsc and ESLint leave a core idle much of the time.
const builds = TARGETS.filter((t) => isStale(t)).map((t) => [`build ${t.config.replace(/^vite\.|\.config\.ts$/g, '')}`, [bin('vite', 'bin/vite.js'), 'build', '--config', t.config, '--logLevel', 'warn']]);
await stage('the checks and the builds', [
  ['types', [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.node.json']],
  ['types-web', [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.web.json']],
  ['lint', [bin('eslint', 'bin/eslint.js'), '.']],
  ['lint-electron', [join(ROOT, 'scripts', 'lint-electron.mjs')]],
  ...builds,
]);
// One runner at a time (Vitest runs two files at once, see vitest.config.ts). The two runners side by side
// saved a minute of 17 on two cores (unit 600 -> 930 s, e2e 390 -> 620 s) at loads of 6-7, where waits in
// the end-to-end tests began to run out; the end-to-end tests with two workers took 348 s instead of 379.
await stage('the unit tests', [['unit', [bin('vitest', 'vitest.mjs'), 'run']]]);
await stage('the end-to-end tests', [['e2e', [bin('@playwright/test', 'cli.js'), 'test']]]);
process.stdout.write(`npm test: everything passed in ${((Date.now() - began) / 60000).toFixed(1)} min\n`);
