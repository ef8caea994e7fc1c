// The last line of defence between names from files and the user's terminal.
// Messages quote names through clipText/quoteName (escaped there), but a name
// can also reach the output through a table row, a progress label or a path
// listed from a folder: every string a host process writes to stdout or
// stderr passes through escapeControl here, so no file can make the terminal
// act (retitle it, clear it, rewrite what was printed). Only what we emit on
// purpose stays: newlines, tabs, the progress bar's carriage return and its
// erase-to-end-of-line (ESC [ K). In --json output the escapes are JSON's
// own (\u009b), so the document still parses to the same strings.
import { escapeControl } from '../engine/checkpoint/clip-text';

const ERASE_LINE = '\x1b[K';

/** `text` as it may reach a terminal: control characters escaped, except line breaks, tabs, \r and ESC [ K. */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]/.test(text)) return text;
  return text
    .split(ERASE_LINE)
    .map((part) =>
      part
        .split('\r')
        .map((piece) => escapeControl(piece, { keepLines: true }))
        .join('\r'),
    )
    .join(ERASE_LINE);
}

let guarded = false;

/** Routes every string this process writes to stdout and stderr through terminalSafe (once per process). */
export function guardTerminalOutput(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => write(typeof chunk === 'string' ? terminalSafe(chunk) : chunk, ...rest)) as typeof stream.write;
  }
}
