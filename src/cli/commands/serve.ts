// `wfvae serve` starts the serve host (src/serve) as a process of its own, with
// the arguments it was given, and ends as it ends. The serve host is another
// host: the CLI starts it, it never imports it.
import { spawn } from 'node:child_process';
import { entryFile } from '../../engine/package-files';
import type { Command } from '../../hosting/command';
import { signalExitCode, TERMINATION_SIGNALS } from '../../hosting/interrupt';

/** The serve host's entry: serve.js beside the CLI's code in a build, src/serve/main.ts from source (tsx). */
const serveHostEntry = () => entryFile('serve.js', 'src/serve/main.ts');

export const serveCommand: Command = {
  name: 'serve',
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
