// The serve host's process: `wfvae serve` starts it with the command's own
// arguments (src/cli/commands/serve.ts), and it runs until a signal stops it.
import { exitWith, runCommandLine } from '../hosting/run-main';
import { serveCommand } from './command';

exitWith('wfvae serve', runCommandLine('wfvae', [serveCommand], ['serve', ...process.argv.slice(2)]));
