// Ctrl-C, `kill` (SIGTERM) and a closed terminal (SIGHUP) all stop a command
// the same way: the work is cancelled through its AbortSignal, so partial
// files are removed before the process exits.
//
// bin/wfvae.mjs forwards the signals it gets to the host process, and a terminal
// sends Ctrl-C to both, so one Ctrl-C can arrive twice: repeats within a
// moment are ignored; a later repeat means the user insists, and exits at once.
import { constants } from 'node:os';

export const TERMINATION_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type TerminationSignal = (typeof TERMINATION_SIGNALS)[number];

/** Repeats closer together than this are one signal delivered twice. */
const REPEAT_MS = 1500;

/** The conventional exit status of a process stopped by `sig`: 128 + its number. */
export function signalExitCode(sig: NodeJS.Signals): number {
  return 128 + (constants.signals[sig] ?? 0);
}

/** Calls `onFirst` on the first termination signal; returns a function that stops listening. */
export function onTerminationSignal(onFirst: (sig: TerminationSignal) => void): () => void {
  let first: { sig: TerminationSignal; at: number } | null = null;
  const handlers = TERMINATION_SIGNALS.map((sig) => {
    const h = () => {
      if (!first) {
        first = { sig, at: Date.now() };
        onFirst(sig);
      } else if (Date.now() - first.at > REPEAT_MS) {
        process.stderr.write(`\nwfvae: ${sig} again: stopping without cleaning up\n`);
        process.exit(signalExitCode(sig));
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

/**
 * Runs `fn` with a signal that SIGINT, SIGTERM or SIGHUP fires, so long work stops
 * cleanly and cleans up; the error it then ends with carries the signal's exit status.
 * A signal that arrives when nothing is left to cancel (the outputs are being renamed
 * into place, the summary printed) still ends the run with that status: a scheduler
 * (Slurm, Kubernetes) that sent it reads 143 or 129, never a success.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const state: { got: TerminationSignal | null } = { got: null };
  const stop = onTerminationSignal((sig) => {
    state.got = sig;
    abort.abort();
  });
  let value: T;
  try {
    value = await fn(abort.signal);
  } catch (err) {
    const got = state.got;
    if (!got) throw err;
    // Whichever step noticed the abort says so ("decoding x was cancelled"); add the signal. AbortSignal's
    // own bare "This operation was aborted" is replaced.
    const message = err instanceof Error && !(err instanceof DOMException) ? `${err.message} (${got})` : `cancelled by ${got}; partial files were removed`;
    throw Object.assign(new Error(message, { cause: err }), { exitCode: signalExitCode(got) });
  } finally {
    stop();
  }
  if (state.got) {
    throw Object.assign(new Error(`${state.got} arrived as the work was finishing: every output reported above is complete`), { exitCode: signalExitCode(state.got) });
  }
  return value;
}
