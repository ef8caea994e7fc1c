// `wfvae serve` starts the serve host (src/serve) as a process of its own, with
// the arguments it was given, and ends as it ends. The serve host is another
// host: the CLI starts it, it never imports it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from '../../hosting/command';
import { signalExitCode, TERMINATION_SIGNALS } from '../../hosting/interrupt';

/** The serve host's entry: beside the CLI's in a build, in src/serve from source (tsx). */
function serveHostEntry(): string {
  const here = import.meta.url;
  return fileURLToPath(here.endsWith('.ts') ? new URL('../../serve/main.ts', here) : new URL('../serve/main.js', here));
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the UI to a local browser (127.0.0.1, token-protected)',
  help: 'usage: wfvae serve [video] [--model M] [--port P] [--jobs N] [--no-open]',
  ownHelp: true,
  run(argv) {
    const child = spawn(process.execPath, [...process.execArgv, serveHostEntry(), ...argv], { stdio: 'inherit' });
    // The serve host cleans up (uploads, workers) on each of these: hand them on rather than die first.
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    for (const sig of TERMINATION_SIGNALS) process.on(sig, forward);
    return new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        for (const sig of TERMINATION_SIGNALS) process.off(sig, forward);
        resolve(signal ? signalExitCode(signal) : (code ?? 1));
      });
    });
  },
};
