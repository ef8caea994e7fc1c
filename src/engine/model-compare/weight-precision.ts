// "The same checkpoint in BF16 (or F16) weights": a copy of a checkpoint with
// every weight rounded to nearest-even in that format and stored in it, as
// `model.to(torch.bfloat16).save_pretrained(...)` would write it. Written one
// tensor at a time (never the whole model in memory), under a temporary name
// renamed into place, and kept in the cache keyed by the source's SHA-256.
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_FILE, openCheckpoint, WEIGHTS_FILE } from '../checkpoint/index';
import { bfloat16BitsToNumber, halfBitsToNumber } from '../checkpoint/dtype';
import { HEADER_PREFIX_BYTES } from '../checkpoint/safetensors-header';
import { graphCacheRoot } from '../onnx/cache';

export type WeightDtype = 'bf16' | 'f16';

const F32_VIEW = new Float32Array(1);
const U32_VIEW = new Uint32Array(F32_VIEW.buffer);

/** bfloat16 bits of a float32, rounded to nearest even (NaN stays NaN). */
export function bf16Bits(v: number): number {
  F32_VIEW[0] = v;
  const u = U32_VIEW[0];
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return 0x7fc0 | ((u >>> 16) & 0x8000);
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** IEEE half bits of a number, rounded to nearest even; beyond the range it becomes +-Inf. */
export function f16Bits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a / 2 ** -24); // subnormal (1024 lands on the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

const SAFETENSORS_DTYPE: Record<WeightDtype, 'BF16' | 'F16'> = { bf16: 'BF16', f16: 'F16' };

export interface RoundedCheckpoint {
  dir: string;
  /** True when it was already in the cache. */
  cached: boolean;
  /** Tensors whose values changed by the rounding (0: the source was already in this precision). */
  changedTensors: number;
  tensors: number;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * The checkpoint at `source` with weights rounded to `dtype`, in
 * `<cache>/variants/<sha256>-<dtype>` unless `outDir` is given.
 */
export async function roundedCheckpoint(source: string, dtype: WeightDtype, opts: { outDir?: string; cacheDir?: string; signal?: AbortSignal } = {}): Promise<RoundedCheckpoint> {
  const ckpt = await openCheckpoint(source, { signal: opts.signal });
  try {
    const dir = opts.outDir ?? join(opts.cacheDir ?? graphCacheRoot(), 'variants', `${ckpt.sha256}-${dtype}`);
    const entries = [...ckpt.weights.entries.values()].sort((a, b) => a.byteOffset - b.byteOffset);
    if ((await exists(join(dir, CONFIG_FILE))) && (await exists(join(dir, WEIGHTS_FILE)))) {
      return { dir, cached: true, changedTensors: -1, tensors: entries.length };
    }
    await mkdir(dir, { recursive: true });
    const header: Record<string, unknown> = { __metadata__: { format: 'pt', wfvae_inspector: `weights of ${ckpt.sha256} rounded to ${SAFETENSORS_DTYPE[dtype]}` } };
    let offset = 0;
    for (const e of entries) {
      const bytes = e.shape.reduce((a, b) => a * b, 1) * 2;
      header[e.name] = { dtype: SAFETENSORS_DTYPE[dtype], shape: e.shape, data_offsets: [offset, offset + bytes] };
      offset += bytes;
    }
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - ((Buffer.byteLength(json) + HEADER_PREFIX_BYTES) % 8)) % 8);
    const jsonBytes = Buffer.from(json, 'utf8');
    const prefix = Buffer.alloc(HEADER_PREFIX_BYTES);
    prefix.writeBigUInt64LE(BigInt(jsonBytes.length));
    const tmp = join(dir, `.${WEIGHTS_FILE}.partial-${process.pid}`);
    const fh = await open(tmp, 'w');
    let changed = 0;
    try {
      await fh.write(prefix);
      await fh.write(jsonBytes);
      const toBits = dtype === 'bf16' ? bf16Bits : f16Bits;
      const back = dtype === 'bf16' ? bfloat16BitsToNumber : halfBitsToNumber;
      for (const e of entries) {
        opts.signal?.throwIfAborted();
        const data = await ckpt.weights.readF32(e.name);
        const out = new Uint16Array(data.length);
        let overflow = 0;
        let differs = false;
        for (let i = 0; i < data.length; i++) {
          const bits = toBits(data[i]);
          out[i] = bits;
          if ((bits & 0x7fff) === (dtype === 'bf16' ? 0x7f80 : 0x7c00) && Number.isFinite(data[i])) overflow++;
          if (!differs) differs = back(bits) !== data[i];
        }
        if (overflow > 0) throw new Error(`weight ${e.name} has ${overflow} values beyond the ${SAFETENSORS_DTYPE[dtype]} range (|w| >= 65520); this checkpoint cannot be stored in ${SAFETENSORS_DTYPE[dtype]}`);
        if (differs) changed++;
        await fh.write(new Uint8Array(out.buffer));
      }
      await fh.close();
      await copyFile(join(ckpt.dir, CONFIG_FILE), join(dir, CONFIG_FILE));
      await rename(tmp, join(dir, WEIGHTS_FILE));
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    }
    return { dir, cached: false, changedTensors: changed, tensors: entries.length };
  } finally {
    await ckpt.weights.close();
  }
}
