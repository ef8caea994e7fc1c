// The serve host's process: `wfvae serve` starts it with the command's own
// arguments (src/cli/commands/serve.ts), and it runs until a signal stops it.
import { exitWith, runCommandLine } from '../hosting/run-main';
import { serveCommand } from './command';

const entry = { name: 'serve', summary: 'serve the UI to a local browser', load: async () => serveCommand };
exitWith('wfvae serve', runCommandLine('wfvae', [entry], ['serve', ...process.argv.slice(2)]));
