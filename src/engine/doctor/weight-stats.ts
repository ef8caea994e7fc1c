// Statistics of every weight of a safetensors file, read one tensor at a
// time. Unlike loading for inference, a NaN or Inf does not stop the read:
// the doctor's job is to count them and say where they are.
import { open } from 'node:fs/promises';
import { countNonFinite, widenInPlace, type StorageDtype } from '../checkpoint/dtype';
import { SafetensorsFile, readFully } from '../checkpoint/safetensors-file';

export interface WeightStat {
  name: string;
  dtype: StorageDtype;
  shape: number[];
  numel: number;
  /** Over the finite values. */
  mean: number;
  std: number;
  min: number;
  max: number;
  maxAbs: number;
  /** Smallest |w| (equal to maxAbs in a Haar filter). */
  minAbs: number;
  nan: number;
  inf: number;
  /** Exact zeros. */
  zeros: number;
}

export async function weightStats(path: string, opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<WeightStat[]> {
  const file = await SafetensorsFile.open(path);
  const entries = [...file.entries.values()].sort((a, b) => a.byteOffset - b.byteOffset);
  await file.close();
  const fh = await open(path, 'r');
  const total = entries.reduce((s, e) => s + e.byteLength, 0);
  let done = 0;
  try {
    const out: WeightStat[] = [];
    for (const e of entries) {
      opts.signal?.throwIfAborted();
      const numel = e.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(numel);
      if (e.dtype === 'F32') await readFully(fh, new Uint8Array(data.buffer, 0, e.byteLength), e.byteOffset, path);
      else {
        await readFully(fh, new Uint8Array(data.buffer, e.byteLength, e.byteLength), e.byteOffset, path);
        widenInPlace(data, e.dtype);
      }
      const { nan, inf } = countNonFinite(data);
      let n = 0;
      let mean = 0;
      let m2 = 0;
      let min = Infinity;
      let max = -Infinity;
      let zeros = 0;
      let minAbs = Infinity;
      for (let i = 0; i < numel; i++) {
        const v = data[i];
        if (v === 0) zeros++;
        if (!Number.isFinite(v)) continue;
        if (Math.abs(v) < minAbs) minAbs = Math.abs(v);
        n++;
        const d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (n === 0) min = max = minAbs = 0;
      out.push({
        name: e.name,
        dtype: e.dtype,
        shape: [...e.shape],
        numel,
        mean,
        std: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0,
        min,
        max,
        maxAbs: Math.max(Math.abs(min), Math.abs(max)),
        minAbs,
        nan,
        inf,
        zeros,
      });
      done += e.byteLength;
      opts.onProgress?.(done, total);
    }
    return out;
  } finally {
    await fh.close();
  }
}
