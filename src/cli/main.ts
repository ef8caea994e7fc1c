// `wfvae` command line: one file per command under ./commands, all calling the
// same engine entry points as the app and serve mode.
import { exitWith, runCommandLine } from '../hosting/run-main';
import { commands } from './commands/index';

exitWith('wfvae', runCommandLine('wfvae', commands, process.argv.slice(2)));
