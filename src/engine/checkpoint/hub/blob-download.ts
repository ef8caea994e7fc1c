/**
 * One blob from the Hub into the cache: bytes go to `blobs/{etag}.incomplete`
 * (kept when the download is cut or cancelled, and resumed by Range the next
 * time, in this process or another), then the whole file is checked against
 * what the Hub reported — its size, and its hash where the etag is one (sha256
 * for LFS files, the git blob sha1 for the others) — and only then renamed to
 * `blobs/{etag}`. A file that fails the check is deleted: nothing wrong ever
 * enters the cache.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat, truncate } from 'node:fs/promises';
import { HUB_ERROR_CODES, HubError } from './hub-errors';
import { fetchBytes, networkError, type FileMetadata, type FileRef } from './hub-http';
import type { HubSettings } from './hub-env';

/** Attempts in a row that bring no new byte before a cut connection is given up on. */
const MAX_FRUITLESS_TRIES = 5;

export interface DownloadProgress {
  /** download: bytes arriving; verify: the finished file being hashed. */
  stage: 'download' | 'verify';
  done: number;
  total: number;
}

export interface BlobDownload {
  settings: HubSettings;
  ref: FileRef;
  meta: FileMetadata;
  /** blobs/{etag} */
  dest: string;
  signal: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

/** The hash the etag stands for: sha256 (64 hex) or git's blob sha1 (40 hex); null when it is neither. */
export function etagAlgorithm(etag: string): 'sha256' | 'git-sha1' | null {
  if (/^[0-9a-f]{64}$/.test(etag)) return 'sha256';
  if (/^[0-9a-f]{40}$/.test(etag)) return 'git-sha1';
  return null;
}

async function hashFile(path: string, algorithm: 'sha256' | 'git-sha1', size: number, signal: AbortSignal): Promise<string> {
  const h = createHash(algorithm === 'sha256' ? 'sha256' : 'sha1');
  if (algorithm === 'git-sha1') h.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(path, { signal, highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

const sizeOf = (path: string) => stat(path).then((s) => s.size, () => 0);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Appends the response body to `path`; returns how many bytes it wrote. Cuts and stalls throw. */
async function appendBody(res: Response, path: string, stall: AbortController, settings: HubSettings, onBytes: (n: number) => void): Promise<void> {
  const fh = await open(path, 'a');
  let timer = setTimeout(() => stall.abort(new DOMException('no data', 'TimeoutError')), settings.stallTimeoutS * 1000);
  try {
    if (!res.body) return;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      clearTimeout(timer);
      timer = setTimeout(() => stall.abort(new DOMException('no data', 'TimeoutError')), settings.stallTimeoutS * 1000);
      await fh.write(chunk);
      onBytes(chunk.byteLength);
    }
  } finally {
    clearTimeout(timer);
    await fh.close();
  }
}

/** Downloads (resuming what an earlier try left) and checks one blob, then moves it into place; returns the bytes received. */
export async function downloadBlob(d: BlobDownload): Promise<number> {
  const { meta, ref, settings, signal } = d;
  const partial = `${d.dest}.incomplete`;
  const total = meta.size;
  let have = await sizeOf(partial);
  if (have > total) {
    await truncate(partial, 0);
    have = 0;
  }
  d.onProgress?.({ stage: 'download', done: have, total });
  let fruitless = 0;
  let received = 0;
  let lastError: unknown;
  while (have < total) {
    signal.throwIfAborted();
    if (fruitless >= MAX_FRUITLESS_TRIES) {
      throw lastError instanceof HubError ? lastError : networkError(lastError, meta.location, `download ${ref.repo}/${ref.file} (the connection dropped ${fruitless} times without progress; what arrived is kept and the next run resumes it)`);
    }
    const stall = new AbortController();
    const both = AbortSignal.any([signal, stall.signal]);
    const before = have;
    try {
      const res = await fetchBytes(meta.location, have, settings, ref, both);
      if (res.status === 416) {
        // The partial file is not a prefix the server can continue: start over.
        await res.body?.cancel();
        await truncate(partial, 0);
        have = 0;
        fruitless++;
        continue;
      }
      if (have > 0 && res.status !== 206) {
        // The server ignored the Range and sends the whole file.
        await truncate(partial, 0);
        have = 0;
      }
      await appendBody(res, partial, stall, settings, (n) => {
        have += n;
        received += n;
        d.onProgress?.({ stage: 'download', done: have, total });
      });
      have = await sizeOf(partial);
      if (have < total) throw new Error(`the connection closed after ${have} of ${total} bytes`);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      // A status the Hub refuses with (gated, not found) will not change on a retry.
      if (err instanceof HubError && err.code !== HUB_ERROR_CODES.network) throw err;
      lastError = err;
      have = await sizeOf(partial);
      fruitless = have > before ? 1 : fruitless + 1;
      await sleep(Math.min(2000, 100 * 2 ** fruitless));
    }
  }
  await verifyAndPublish(d, partial);
  return received;
}

async function verifyAndPublish(d: BlobDownload, partial: string): Promise<void> {
  const { meta, ref } = d;
  const size = await sizeOf(partial);
  const refuse = async (what: string) => {
    await rm(partial, { force: true });
    return new HubError(
      HUB_ERROR_CODES.checksum,
      `the downloaded ${ref.file} of ${ref.repo} does not match what the Hub reports (${what}); it was deleted and nothing entered the cache. Run it again; if this repeats, something between you and the Hub (a proxy, a mirror in HF_ENDPOINT) changes the file.`,
    );
  };
  if (size !== meta.size) throw await refuse(`size ${meta.size} bytes, got ${size}`);
  const algorithm = etagAlgorithm(meta.etag);
  if (algorithm) {
    d.onProgress?.({ stage: 'verify', done: 0, total: size });
    const got = await hashFile(partial, algorithm, size, d.signal);
    if (got !== meta.etag) throw await refuse(`${algorithm === 'sha256' ? 'SHA-256' : 'git blob SHA-1'} ${meta.etag}, got ${got}`);
  }
  await rename(partial, d.dest);
}
