// Raw sockets against a local HTTP server, for what fetch cannot do: hold a
// connection idle, trickle a body, see exactly when the server hangs up.
import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Everything the server sent before it closed (or before the wait ended). */
  text: string;
  /** Milliseconds from the first byte written to the server closing the socket; undefined if it stayed open. */
  closedAfterMs: number | undefined;
}

export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `head`, then one byte of `trickle` every `everyMs`, until the server closes or `waitMs` passes. */
export async function trickle(port: number, head: string, opts: { trickle?: string; everyMs?: number; waitMs: number }): Promise<RawExchange> {
  const s = await openSocket(port);
  let text = '';
  const start = Date.now();
  let closedAfterMs: number | undefined;
  s.on('data', (d: Buffer) => (text += d.toString('latin1')));
  s.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => s.once('close', () => ((closedAfterMs = Date.now() - start), resolve())));
  s.write(head);
  const rest = opts.trickle ?? '';
  let i = 0;
  const timer = setInterval(() => {
    if (i < rest.length && !s.destroyed) s.write(rest[i++]);
  }, opts.everyMs ?? 100);
  await Promise.race([closed, new Promise((r) => setTimeout(r, opts.waitMs))]);
  clearInterval(timer);
  s.destroy();
  return { text, closedAfterMs };
}

/** Resolves with the time until the server closes `s`, or undefined after waitMs. */
export function closedWithin(s: Socket, waitMs: number): Promise<number | undefined> {
  const start = Date.now();
  if (s.destroyed) return Promise.resolve(0);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), waitMs);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - start);
    });
  });
}
