#!/usr/bin/env node
// Runs a TypeScript entry point (benchmarks, scripts) with the tsx loader.
import { spawn } from 'node:child_process';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.mjs <file.ts> [args…]');
  process.exit(2);
}
const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
