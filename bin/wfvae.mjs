#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, in a child process started with
// `--import tsx` so that worker threads the engine starts inherit the loader.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createStderrFilter } from './stderr-filter.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `npm run wfvae` runs in the package root; relative paths mean the caller's directory (INIT_CWD).
// stderr goes through a filter (see stderr-filter.mjs); progress bars still draw when it is a terminal.
const env = { ...process.env };
if (process.stderr.isTTY && env.WFVAE_PROGRESS === undefined) env.WFVAE_PROGRESS = '1';
const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...process.argv.slice(2)], {
  stdio: ['inherit', 'inherit', 'pipe'],
  cwd: process.env.INIT_CWD ?? process.cwd(),
  env,
});
const filter = createStderrFilter(process.stderr, { verbose: process.env.WFVAE_VERBOSE === '1' });
child.stderr.setEncoding('utf8');
child.stderr.on('data', (chunk) => filter.write(chunk));
child.stderr.on('end', () => filter.end());
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
// 'close' (not 'exit'): after the child's stderr has drained through the filter.
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
