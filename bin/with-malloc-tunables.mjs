#!/usr/bin/env node
// Runs a command (here: the Electron app, from `npm start`) with the engine's
// malloc tunables set (see malloc-tunables.mjs); glibc reads them only when a
// process starts, and the app's compute worker is a thread of its main process.
import { spawn } from 'node:child_process';
import { withMallocTunables } from './malloc-tunables.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: with-malloc-tunables.mjs COMMAND [ARG...]');
  process.exit(2);
}
const child = spawn(command, args, { stdio: 'inherit', env: withMallocTunables(process.env), shell: process.platform === 'win32' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('error', (e) => {
  console.error(`could not start ${command}: ${e.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
