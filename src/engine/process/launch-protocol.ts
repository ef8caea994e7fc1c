// The messages between a thread that wants a Node script started (the
// engine's workers, through port-launcher.ts) and the thread that can start
// it (Electron's main thread, which alone may call utilityProcess.fork). Both
// sides parse what they receive with these schemas.
//
// Flow control: stdout is paused and resumed on request ('stdout-flow'), and
// stdin chunks are acknowledged once the child side has taken them
// ('stdin-drained'), so neither direction buffers without bound.
import { MessagePort } from 'node:worker_threads';
import { z } from 'zod';

const id = z.number().int().positive();
const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected a Uint8Array' });

export const toHostSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('spawn'),
    id,
    script: z.string().min(1),
    args: z.array(z.string()),
    env: z.record(z.string(), z.string()).optional(),
    stdin: z.boolean(),
    stdout: z.boolean(),
  }),
  z.object({ kind: z.literal('stdin'), id, chunk: bytes }),
  z.object({ kind: z.literal('stdin-end'), id }),
  z.object({ kind: z.literal('stdout-flow'), id, paused: z.boolean() }),
  z.object({ kind: z.literal('kill'), id }),
  /** A nested worker's own channel to the host (the session worker hands one to its compute worker). */
  z.object({ kind: z.literal('adopt'), port: z.instanceof(MessagePort) }),
]);
export type ToHost = z.infer<typeof toHostSchema>;

const signal = z.string().regex(/^SIG[A-Z0-9]+$/);

export const toClientSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('spawned'), id, pid: z.number().int().positive() }),
  z.object({ kind: z.literal('spawn-error'), id, code: z.string(), message: z.string() }),
  z.object({ kind: z.literal('stdout'), id, chunk: bytes }),
  z.object({ kind: z.literal('stdout-end'), id }),
  z.object({ kind: z.literal('stderr'), id, chunk: bytes }),
  z.object({ kind: z.literal('stderr-end'), id }),
  z.object({ kind: z.literal('stdin-drained'), id, bytes: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('exit'), id, code: z.number().int().nullable(), signal: signal.nullable() }),
]);
export type ToClient = z.infer<typeof toClientSchema>;

/** Bytes of stdin a client sends ahead of the child's acknowledgements. */
export const STDIN_WINDOW_BYTES = 4 << 20;

/** A message's description for errors, without echoing its (possibly large) content. */
export function describeInvalid(what: string, error: z.ZodError): string {
  return `${what}: ${error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ')}`;
}
