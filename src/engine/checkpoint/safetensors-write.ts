/**
 * Writes float32 tensors as a safetensors file, streaming one tensor at a time
 * (no whole-file buffer). The file appears atomically: it is written beside
 * the target under a temporary name and renamed when complete, so a crash or
 * a full disk never leaves a half-written file that looks valid. The
 * temporary carries the writer's pid: one a killed writer left (SIGKILL, the
 * OOM killer) is swept by the next write into the same folder. A cancel (the
 * signal) is honoured up to the rename: the file then either is not there or
 * is complete, and a cancelled write always says so.
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { sweepStalePartials } from '../fs/stale-partials';
import { CheckpointError, ioError } from './errors';
import { HEADER_PREFIX_BYTES } from './safetensors-header';
import { quoteName } from './clip-text';

export interface TensorToWrite {
  name: string;
  data: Float32Array;
  shape: readonly number[];
}

/** A UTF-16 surrogate without its pair: no UTF-8 encoding holds it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** safetensors recommends the data section start 8-byte aligned; pad the JSON with spaces. */
const HEADER_ALIGN = 8;

/** Single write calls are capped near 2 GiB by the OS; larger tensors go in pieces. */
const MAX_WRITE_BYTES = 1 << 30;

function buildHeader(tensors: readonly TensorToWrite[], metadata: Record<string, string> | undefined): Uint8Array {
  // No prototype, and own properties only: a tensor named "__proto__" or "toString" is a name like any other.
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = Object.assign(Object.create(null) as Record<string, string>, metadata);
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name.length === 0) {
      throw new CheckpointError('bad_header', `cannot write a tensor named ${quoteName(t.name)}.`);
    }
    if (LONE_SURROGATE.test(t.name)) throw new CheckpointError('bad_header', `tensor name ${quoteName(t.name)} is not valid text (a lone surrogate): it cannot be stored as UTF-8.`);
    if (Object.hasOwn(header, t.name)) throw new CheckpointError('bad_header', `tensor name ${quoteName(t.name)} is given twice.`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new CheckpointError('bad_header', `tensor ${quoteName(t.name)}: shape [${t.shape.join(', ')}] must be non-negative integers.`);
    }
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length) {
      throw new CheckpointError('bad_header', `tensor ${quoteName(t.name)}: shape [${t.shape.join(', ')}] holds ${numel} values but the data has ${t.data.length}.`);
    }
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const pad = (HEADER_ALIGN - ((Buffer.byteLength(json) + HEADER_PREFIX_BYTES) % HEADER_ALIGN)) % HEADER_ALIGN;
  json += ' '.repeat(pad);
  const jsonBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(HEADER_PREFIX_BYTES + jsonBytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, HEADER_PREFIX_BYTES);
  return out;
}

/** `<file>.partial-<pid>-<ms>`: what writeSafetensors writes before the rename. */
const PARTIAL = /^(.+)\.partial-(\d+)-\d+$/;

/** Sweeps the stale temporaries of killed writers beside `path`: of any .safetensors file there, and of `path` itself. */
export function sweepSafetensorsPartials(path: string): Promise<string[]> {
  const own = basename(path);
  return sweepStalePartials(dirname(path), {
    ownerOf: (name) => {
      const m = PARTIAL.exec(name);
      return m && (m[1].endsWith('.safetensors') || m[1] === own) ? Number(m[2]) : null;
    },
  });
}

export async function writeSafetensors(
  path: string,
  tensors: { name: string; data: Float32Array; shape: readonly number[] }[],
  metadata?: Record<string, string>,
  opts: { signal?: AbortSignal } = {},
): Promise<void> {
  const header = buildHeader(tensors, metadata);
  const { signal } = opts;
  signal?.throwIfAborted();
  await sweepSafetensorsPartials(path);
  const tmp = `${path}.partial-${process.pid}-${Date.now()}`;
  let fh;
  try {
    fh = await open(tmp, 'w');
  } catch (err) {
    throw ioError(err, tmp, 'output file');
  }
  try {
    let position = 0;
    const writeAll = async (bytes: Uint8Array) => {
      let done = 0;
      while (done < bytes.length) {
        signal?.throwIfAborted();
        const { bytesWritten } = await fh.write(bytes, done, Math.min(bytes.length - done, MAX_WRITE_BYTES), position + done);
        done += bytesWritten;
      }
      position += bytes.length;
    };
    await writeAll(header);
    for (const t of tensors) await writeAll(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    await fh.close();
    // The last moment a cancel can still leave nothing behind.
    signal?.throwIfAborted();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    if (err instanceof CheckpointError || signal?.aborted) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new CheckpointError('io', `cannot write ${path}: ${reason}`, undefined, { cause: err });
  }
}
