// The top of a host process (the CLI, the serve host): run its commands and
// turn what they end with into an exit status and one line on stderr.
import type { CommandEntry } from './command';
import { UsageError } from './errors';
import { escapeControl } from '../engine/checkpoint/clip-text';
import { guardTerminalOutput } from './terminal-guard';
import { releaseHungUpTerminal, surviveLostOutput } from '../../bin/terminal-hangup.mjs';

function usage(program: string, commands: readonly CommandEntry[]): string {
  const lines = [`usage: ${program} <command> [options]`, '', 'commands:'];
  const width = Math.max(...commands.map((c) => c.name.length));
  for (const c of commands) lines.push(`  ${c.name.padEnd(width)}  ${c.summary}`);
  lines.push('', `Run \`${program} <command> --help\` for a command's options.`);
  return lines.join('\n');
}

/** Runs the command `argv` names; `--help` anywhere after it prints its help instead (unless it prints its own). */
export async function runCommandLine(program: string, commands: readonly CommandEntry[], argv: readonly string[]): Promise<number> {
  guardTerminalOutput();
  surviveLostOutput();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage(program, commands) + '\n');
    return name ? 0 : 2;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) throw new UsageError(`unknown command "${name}"\n\n${usage(program, commands)}`);
  const cmd = await entry.load();
  if (!cmd.ownHelp && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(cmd.help + '\n');
    return 0;
  }
  return (await cmd.run(rest)) ?? 0;
}

/** Exits the process with what `work` resolves to, or with the error's exit status and its message. */
export function exitWith(program: string, work: Promise<number>): void {
  work.then(
    (code) => {
      releaseHungUpTerminal();
      process.exit(code);
    },
    (err: unknown) => {
      const e = err as Error & { exitCode?: number; code?: string };
      // Messages quote names and values from files: whatever quoted them, nothing in them reaches the terminal raw.
      const msg = escapeControl(e?.message ?? String(err), { keepLines: true });
      process.stderr.write(`\n${program}: error: ${msg}\n`);
      if (process.env.WFVAE_DEBUG && e?.stack) process.stderr.write(e.stack + '\n');
      releaseHungUpTerminal();
      process.exit(typeof e?.exitCode === 'number' ? e.exitCode : 1);
    },
  );
}
