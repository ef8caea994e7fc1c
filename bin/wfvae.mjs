#!/usr/bin/env node
// Runs the built CLI (out/node/cli.js, made by `npm run build`: plain
// JavaScript, no TypeScript at run time) in a child process, so that the
// engine's malloc tunables apply to it (glibc reads them at process start).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { createStderrFilter } from './stderr-filter.mjs';
import { withMallocTunables } from './malloc-tunables.mjs';
import { releaseHungUpTerminal, surviveLostOutput } from './terminal-hangup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'out', 'node', 'cli.js');
const argv = process.argv.slice(2);

// Answered here, without starting the CLI or the engine.
if (argv.length === 1 && argv[0] === '--version') {
  const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  process.stdout.write(`${name} ${version}\n`);
  process.exit(0);
}
if (!existsSync(cli)) {
  process.stderr.write(`wfvae: the CLI is not built (${cli} is missing). In a checkout, run \`npm run build\` (or \`npm run build:node\`) first.\n`);
  process.exit(1);
}

// `npm run wfvae` runs in the package root; relative paths mean the caller's directory (INIT_CWD).
const cwd = process.env.INIT_CWD ?? process.cwd();

// Commands that run no model need neither the malloc tunables nor the Dawn filter: they run in
// this process, one Node start fewer (`wfvae info` is otherwise this, the CLI and the video tool).
const IN_PROCESS = new Set(['info', 'help', '--help', '-h']);
if (argv.length === 0 || IN_PROCESS.has(argv[0])) {
  process.chdir(cwd);
  await import(pathToFileURL(cli).href);
} else {
  runChild();
}

function runChild() {
  // stderr goes through a filter (see stderr-filter.mjs); progress bars still draw when it is a terminal.
  // Malloc tunables for the engine's large tensors (see malloc-tunables.mjs).
  const env = withMallocTunables(process.env);
  if (process.stderr.isTTY && env.WFVAE_PROGRESS === undefined) env.WFVAE_PROGRESS = '1';
  const child = spawn(process.execPath, [cli, ...argv], {
    stdio: ['inherit', 'inherit', 'pipe'],
    cwd,
    env,
  });
  surviveLostOutput();
  const filter = createStderrFilter(process.stderr, { verbose: process.env.WFVAE_VERBOSE === '1' });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => filter.write(chunk));
  child.stderr.on('end', () => filter.end());
  // The CLI cleans up (partial files, ffmpeg) on each of these; forward them rather than die first.
  let forwarded = null;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      forwarded ??= sig;
      child.kill(sig);
    });
  }

  /** Why a process that died from `signal` died, in words a user can act on. */
  function explain(signal) {
    if (signal === forwarded) return `stopped by ${signal}`;
    if (signal === 'SIGKILL') {
      return 'killed by SIGKILL, most likely by the system running out of memory (the kernel OOM killer; `dmesg` or `journalctl -k` will say). ' +
        'Use less memory: the Causal Cache (the default; drop --whole), a lower --memory-budget, fewer --frames or a smaller --size';
    }
    if (['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGABRT'].includes(signal)) {
      return `crashed with ${signal} (a fault in Node, onnxruntime or another native library); run again with WFVAE_DEBUG=1 and report it`;
    }
    return `killed by ${signal}`;
  }

  child.on('error', (err) => {
    process.stderr.write(`wfvae: cannot start the CLI (${err.message})\n`);
    process.exit(1);
  });
  // 'close' (not 'exit'): after the child's stderr has drained through the filter.
  child.on('close', (code, signal) => {
    if (signal) {
      process.stderr.write(`\nwfvae: the CLI process was ${explain(signal)}.\n`);
      // Exit as a shell reports a signal death: 128 + the signal's number.
      releaseHungUpTerminal();
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    releaseHungUpTerminal();
    process.exit(code ?? 1);
  });
}
