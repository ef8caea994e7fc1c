/**
 * A validated, open safetensors file. Opening reads only the header; tensors
 * are read on demand with positioned reads, each straight into the
 * Float32Array that is returned (16-bit dtypes are widened in place), so a
 * weight is never held twice and a large checkpoint is never loaded whole.
 */
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { CheckpointError, cappedList, ioError } from './errors';
import { clipText, quoteName } from './clip-text';
import { openRegularFile } from './regular-file';
import { countNonFinite, indexText, widenInPlace } from './dtype';
import { HEADER_PREFIX_BYTES, parseHeaderJson, parseHeaderLength, type TensorEntry } from './safetensors-header';

export type { TensorEntry } from './safetensors-header';
export type { StorageDtype } from './dtype';

/** One read call moves at most this much: the OS and libuv cap single reads near 2 GiB. */
const MAX_READ_BYTES = 1 << 30;

/** Fills `target` from `position`, looping over short reads. */
export async function readFully(fh: FileHandle, target: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await fh.read(target, done, Math.min(target.length - done, MAX_READ_BYTES), position + done);
    if (bytesRead === 0) {
      throw new CheckpointError('truncated', `${path}: file ended after ${position + done} bytes while reading ${target.length} bytes at ${position}; it was truncated (or changed) while open.`);
    }
    done += bytesRead;
  }
}

export class SafetensorsFile {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly fileSize: number,
    /** Byte length of the JSON header (without the 8-byte prefix). */
    readonly headerLength: number,
    readonly entries: ReadonlyMap<string, TensorEntry>,
    readonly metadata: Record<string, string>,
  ) {}

  static async open(path: string): Promise<SafetensorsFile> {
    if (endianness() !== 'LE') {
      throw new CheckpointError('io', 'safetensors data is little-endian and this machine is big-endian; it is not supported.');
    }
    const { fh, size: fileSize } = await openRegularFile(path, 'safetensors file');
    try {
      const prefix = new Uint8Array(HEADER_PREFIX_BYTES);
      if (fileSize >= HEADER_PREFIX_BYTES) await readFully(fh, prefix, 0, path);
      const headerLength = parseHeaderLength(prefix, fileSize, path);
      const headerBytes = new Uint8Array(headerLength);
      await readFully(fh, headerBytes, HEADER_PREFIX_BYTES, path);
      const { entries, metadata } = parseHeaderJson(headerBytes, headerLength, fileSize, path);
      return new SafetensorsFile(path, fh, fileSize, headerLength, entries, metadata);
    } catch (err) {
      await fh.close().catch(() => undefined);
      if (err instanceof CheckpointError) throw err;
      throw ioError(err, path, 'safetensors file');
    }
  }

  entry(name: string): TensorEntry {
    const e = this.entries.get(name);
    if (!e) {
      const names = [...this.entries.keys()];
      throw new CheckpointError('missing_weights', `${this.path} has no tensor ${quoteName(name)}. It has ${names.length}: ${cappedList(names.map((n) => clipText(n)))}`, names.map((n) => clipText(n)));
    }
    return e;
  }

  /**
   * The tensor widened to float32; throws non_finite if it holds NaN or Inf. A weight holding one
   * comes from a diverged training run; an input (a clip or a latent given as FILE:NAME) says which
   * tensor and where, since nothing about training explains it.
   */
  async readF32(name: string, opts: { role?: 'weight' | 'input' } = {}): Promise<Float32Array> {
    this.assertOpen();
    const e = this.entry(name);
    const numel = e.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(numel);
    if (e.dtype === 'F32') {
      await readFully(this.fh, new Uint8Array(out.buffer, 0, e.byteLength), e.byteOffset, this.path);
    } else {
      await readFully(this.fh, new Uint8Array(out.buffer, e.byteLength, e.byteLength), e.byteOffset, this.path);
      widenInPlace(out, e.dtype);
    }
    const { nan, inf, firstNan, firstInf } = countNonFinite(out);
    if (nan + inf > 0) {
      const parts = [nan > 0 ? `${nan} NaN` : '', inf > 0 ? `${inf} Inf` : ''].filter(Boolean).join(' and ');
      const what = `${this.path}: tensor ${quoteName(name)} (${e.dtype} [${e.shape.join(', ')}]) holds ${parts} value${nan + inf > 1 ? 's' : ''} out of ${numel}`;
      if (opts.role === 'input') {
        const where = [firstNan >= 0 ? `first NaN at ${indexText(firstNan, e.shape)}` : '', firstInf >= 0 ? `first Inf at ${indexText(firstInf, e.shape)}` : ''].filter(Boolean).join(', ');
        throw new CheckpointError('non_finite', `${what} (${where}). An input must be finite: check what wrote it (a run that overflowed, a failed conversion), or pass another tensor.`);
      }
      throw new CheckpointError('non_finite', `${what}. The checkpoint was saved from a diverged run; pick an earlier checkpoint.`);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new CheckpointError('io', `${this.path} was already closed.`);
  }
}
