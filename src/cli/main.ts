// `wfvae` command line: one file per command under ./commands, all calling the
// same engine entry points as the app and serve mode.
import { UsageError } from './errors';
import { commands } from './commands/index';

function usage(): string {
  const lines = ['usage: wfvae <command> [options]', '', 'commands:'];
  const width = Math.max(...commands.map((c) => c.name.length));
  for (const c of commands) lines.push(`  ${c.name.padEnd(width)}  ${c.summary}`);
  lines.push('', 'Run `wfvae <command> --help` for a command\'s options.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) throw new UsageError(`unknown command "${name}"\n\n${usage()}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.help + '\n');
    return 0;
  }
  return (await cmd.run(rest)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as Error & { exitCode?: number; code?: string };
    const msg = e?.message ?? String(err);
    process.stderr.write(`\nwfvae: error: ${msg}\n`);
    if (process.env.WFVAE_DEBUG && e?.stack) process.stderr.write(e.stack + '\n');
    process.exit(typeof e?.exitCode === 'number' ? e.exitCode : 1);
  },
);
