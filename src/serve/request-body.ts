// Reads a request body with a hard size limit and a stall timeout, so neither
// a large nor a trickled body can exhaust memory or hold a socket forever.
import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(
    readonly limit: number,
    advice = 'open a shorter or smaller file',
  ) {
    super(`request body is larger than ${formatBytes(limit)}; ${advice}`);
  }
}

export class BodyStalledError extends Error {
  override name = 'BodyStalledError';
  constructor(readonly idleMs: number) {
    super(`the request body stopped arriving for ${Math.round(idleMs / 1000)} s; send it again`);
  }
}

export function formatBytes(n: number): string {
  return n >= 2 ** 20 ? `${Math.round(n / 2 ** 20)} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`;
}

/** The declared Content-Length when it is over the limit, checked before reading a byte. */
export function declaredTooLarge(req: IncomingMessage, limit: number): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > limit;
}

/** Calls `onStall` when no data arrived for idleMs; returns a function that stops watching. */
export function watchStall(req: IncomingMessage, idleMs: number, onStall: () => void): () => void {
  let timer = setTimeout(onStall, idleMs);
  const bump = () => {
    clearTimeout(timer);
    timer = setTimeout(onStall, idleMs);
  };
  req.on('data', bump);
  return () => {
    clearTimeout(timer);
    req.off('data', bump);
  };
}

export function readBody(req: IncomingMessage, limit: number, idleMs = 30_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (declaredTooLarge(req, limit)) {
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (err: Error | undefined, value?: Buffer) => {
      if (settled) return;
      settled = true;
      stop();
      if (err) reject(err);
      else resolve(value!);
    };
    const stop = watchStall(req, idleMs, () => settle(new BodyStalledError(idleMs)));
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        settle(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle(undefined, Buffer.concat(chunks, size)));
    req.on('error', (err) => settle(err));
    req.on('close', () => settle(new Error('the client closed the connection before sending the whole request')));
  });
}
