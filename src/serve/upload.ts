// Serve mode's uploads: the browser sends the file itself as the body of
// POST /api/openVideo (application/octet-stream) and the rest of the request
// in a header, and the body streams straight to a private temp file, so a
// 512 MiB video never sits in memory as one buffer or string.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { makeOwnedTempDir } from '../engine/fs/owned-temp';
import { ApiError, ERROR_CODES, decodeOptionsSchema } from '../shared/contract';
import { UPLOAD_REQUEST_HEADER } from '../shared/serve-upload';
import { BodyStalledError, BodyTooLargeError, declaredTooLarge, watchStall } from './request-body';

export const uploadRequestSchema = z
  .object({
    taskId: z.string().min(1).max(128),
    /** The file's own name, for display and for ffmpeg's format guess. */
    name: z.string().min(1).max(255),
    options: decodeOptionsSchema.optional(),
  })
  .strict();
export type UploadRequest = z.infer<typeof uploadRequestSchema>;

export function isUpload(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/octet-stream';
}

/** The request that travels beside an upload, URI-encoded JSON in a header (file names need not be ASCII). */
export function parseUploadRequest(req: IncomingMessage): UploadRequest {
  const raw = req.headers[UPLOAD_REQUEST_HEADER];
  if (typeof raw !== 'string') throw new ApiError(ERROR_CODES.badRequest, `an upload needs its request in the ${UPLOAD_REQUEST_HEADER} header`);
  let value: unknown;
  try {
    value = JSON.parse(decodeURIComponent(raw));
  } catch {
    throw new ApiError(ERROR_CODES.badRequest, `the ${UPLOAD_REQUEST_HEADER} header is not URI-encoded JSON`);
  }
  const r = uploadRequestSchema.safeParse(value);
  if (!r.success) throw new ApiError(ERROR_CODES.badRequest, `invalid upload request: ${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

export const UPLOAD_ADVICE = 'run `wfvae serve <file>` on the machine that has the file to open it from disk instead';

export class UploadStore {
  private dir: Promise<string> | undefined;
  private serial = 0;

  constructor(
    private readonly limit: number,
    private readonly idleMs: number,
  ) {}

  /** Streams the body to a new temp file and returns its path; the caller removes it. Nothing is left behind on failure. */
  async receive(req: IncomingMessage, name: string): Promise<string> {
    if (declaredTooLarge(req, this.limit)) throw new BodyTooLargeError(this.limit, UPLOAD_ADVICE);
    this.dir ??= makeOwnedTempDir('wfvae-upload-');
    const safe = name.replace(/[^\w.-]+/g, '_').slice(-100) || 'upload';
    const path = join(await this.dir, `${++this.serial}-${safe}`);
    let size = 0;
    const limit = this.limit;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(size > limit ? new BodyTooLargeError(limit, UPLOAD_ADVICE) : null, chunk);
      },
    });
    const stopWatching = watchStall(req, this.idleMs, () => req.destroy(new BodyStalledError(this.idleMs)));
    try {
      await pipeline(req, counter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
      if (size === 0) throw new ApiError(ERROR_CODES.badRequest, 'the upload is empty: choose a video file');
      return path;
    } catch (err) {
      await rm(path, { force: true });
      if (err instanceof BodyTooLargeError || err instanceof BodyStalledError || err instanceof ApiError) throw err;
      if ((err as Error).name === 'BodyStalledError') throw new BodyStalledError(this.idleMs);
      throw new ApiError(ERROR_CODES.badRequest, `the upload did not arrive whole: ${(err as Error).message}`);
    } finally {
      stopWatching();
    }
  }

  async dispose(): Promise<void> {
    const dir = this.dir;
    this.dir = undefined;
    if (dir) await rm(await dir, { recursive: true, force: true });
  }
}
