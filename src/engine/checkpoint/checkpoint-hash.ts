/**
 * The identity of a checkpoint, keying the converted-graph cache: SHA-256 over
 * config.json's bytes and the whole safetensors file (header and data).
 *
 * A full hash rather than size+mtime sampling: a retrained checkpoint saved
 * over the old one can keep the same size, and a stale cached graph would show
 * the old model's numbers without any sign of it. Reads are double-buffered so
 * disk reads overlap hashing; measured ~1 GB/s on this machine's CPU with
 * SHA extensions (see the report / bench), i.e. about 1 s per GB of weights.
 */
import { createHash } from 'node:crypto';
import { CheckpointError, ioError } from './errors';
import { openRegularFile } from './regular-file';

export const HASH_BLOCK_BYTES = 8 * 1024 * 1024;
const DOMAIN = 'wfvae-inspector checkpoint v1\n';

export interface HashOptions {
  signal?: AbortSignal;
  /** Called after each block with bytes hashed so far and the file size. */
  onProgress?: (done: number, total: number) => void;
}

function abortError(): CheckpointError {
  return new CheckpointError('io', 'checkpoint hashing was cancelled.');
}

export async function hashCheckpoint(configBytes: Uint8Array, weightsPath: string, opts: HashOptions = {}): Promise<string> {
  const hash = createHash('sha256');
  hash.update(DOMAIN);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(configBytes.length));
  hash.update(len);
  hash.update(configBytes);

  const { fh, size: total } = await openRegularFile(weightsPath, 'safetensors file');
  try {
    const sizeBytes = Buffer.alloc(8);
    sizeBytes.writeBigUInt64LE(BigInt(total));
    hash.update(sizeBytes);
    const buffers = [Buffer.allocUnsafe(HASH_BLOCK_BYTES), Buffer.allocUnsafe(HASH_BLOCK_BYTES)];
    let position = 0;
    let which = 0;
    let pending = total > 0 ? fh.read(buffers[0], 0, Math.min(HASH_BLOCK_BYTES, total), 0) : undefined;
    while (pending) {
      if (opts.signal?.aborted) throw abortError();
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) throw new CheckpointError('truncated', `${weightsPath} shrank while it was being hashed.`);
      position += bytesRead;
      which ^= 1;
      // Start the next read before hashing this block so the two overlap.
      pending = position < total ? fh.read(buffers[which], 0, Math.min(HASH_BLOCK_BYTES, total - position), position) : undefined;
      hash.update(buffer.subarray(0, bytesRead));
      opts.onProgress?.(position, total);
    }
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw ioError(err, weightsPath, 'safetensors file');
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}
