// What a Node script says to a host that started it without a stdin and
// without a trustworthy exit status — Electron's utilityProcess: the script's
// stdin arrives as messages on process.parentPort, and before exiting the
// script announces its exit code and waits for the host to confirm it has
// read all of stdout and stderr. (Electron reports waitpid's raw status as the
// exit code, 0 for a process it was asked to kill, and drops the pipes'
// listeners at exit, so the tail of stdout could otherwise be lost.)
// av-tool.mjs speaks this in plain JavaScript; keep the two in step.
import { z } from 'zod';

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected a Uint8Array' });

/** Host -> script (process.parentPort 'message' events carry these as `data`). */
export const toScriptSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stdin'), chunk: bytes }),
  z.object({ kind: z.literal('stdin-end') }),
  z.object({ kind: z.literal('exit-ack') }),
]);
export type ToScript = z.infer<typeof toScriptSchema>;

/** Script -> host (process.parentPort.postMessage). */
export const fromScriptSchema = z.discriminatedUnion('kind', [
  /** The script took `bytes` of stdin off its queue: the host may send that much more. */
  z.object({ kind: z.literal('stdin-consumed'), bytes: z.number().int().nonnegative() }),
  /** The script is done: its exit code and how many bytes it wrote to stdout. */
  z.object({ kind: z.literal('exit'), code: z.number().int().min(0).max(255), stdoutBytes: z.number().int().nonnegative() }),
]);
export type FromScript = z.infer<typeof fromScriptSchema>;

/** The script's last stderr line, after everything else it and its libraries printed there. */
export const STDERR_END_MARKER = '--wfvae-script-stderr-end--';

/** How long a script waits for 'exit-ack' before exiting anyway (the host is gone or wedged). */
export const EXIT_ACK_TIMEOUT_MS = 10_000;
