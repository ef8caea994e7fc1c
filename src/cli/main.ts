// `wfvae` command line: one file per command under ./commands, all calling the
// same engine entry points as the app and serve mode.
import { toolVersion } from '../engine/eval/tool-version';
import { exitWith, runCommandLine } from '../hosting/run-main';
import { commands } from './commands/index';

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  const { name, version } = toolVersion();
  process.stdout.write(`${name} ${version}\n`);
} else {
  exitWith('wfvae', runCommandLine('wfvae', commands, argv));
}
