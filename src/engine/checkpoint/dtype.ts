/**
 * Storage dtypes a WF-VAE checkpoint may hold, and their widening to float32.
 * Widening works in place inside the destination Float32Array's buffer so a
 * tensor is never held twice (see SafetensorsFile.readF32).
 */
export type StorageDtype = 'F32' | 'F16' | 'BF16';

export const DTYPE_BYTES: Readonly<Record<StorageDtype, number>> = { F32: 4, F16: 2, BF16: 2 };

export function isStorageDtype(s: unknown): s is StorageDtype {
  return s === 'F32' || s === 'F16' || s === 'BF16';
}

/** Every dtype name the safetensors format defines; used to tell "unsupported" from "garbage". */
export const SAFETENSORS_DTYPES: readonly string[] = [
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2',
  'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'I64', 'U64', 'F64', 'C64',
];

let f16Table: Float32Array | undefined;

/** All 65536 half-precision values as float32: a lookup beats bit twiddling in JS. */
function halfToFloatTable(): Float32Array {
  if (f16Table) return f16Table;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    let v: number;
    if (exp === 0) v = frac * 2 ** -24; // subnormal
    else if (exp === 31) v = frac === 0 ? Infinity : NaN;
    else v = (1 + frac / 1024) * 2 ** (exp - 15);
    table[h] = sign * v;
  }
  f16Table = table;
  return table;
}

/** Decodes one IEEE half (as its 16 bits) to a number. */
export function halfBitsToNumber(bits: number): number {
  return halfToFloatTable()[bits & 0xffff];
}

/** Decodes one bfloat16 (as its 16 bits) to a number. */
export function bfloat16BitsToNumber(bits: number): number {
  const u = new Uint32Array([(bits & 0xffff) << 16]);
  return new Float32Array(u.buffer)[0];
}

/**
 * Widens `n` 16-bit values stored (little-endian) in the upper half of
 * `out`'s buffer, bytes [2n, 4n), into float32 values at out[0..n).
 *
 * Going front to back is safe: writing out[i] (bytes 4i..4i+3) can only clobber
 * source elements j <= i, and source element i is read before out[i] is written.
 */
export function widenInPlace(out: Float32Array, dtype: 'F16' | 'BF16'): void {
  const n = out.length;
  const src = new Uint16Array(out.buffer, out.byteOffset + 2 * n, n);
  if (dtype === 'BF16') {
    const dst = new Uint32Array(out.buffer, out.byteOffset, n);
    for (let i = 0; i < n; i++) dst[i] = src[i] << 16;
  } else {
    const table = halfToFloatTable();
    for (let i = 0; i < n; i++) out[i] = table[src[i]];
  }
}

/** Counts of NaN and ±Inf values; (v - v) is NaN exactly for those. */
export function countNonFinite(data: Float32Array): { nan: number; inf: number; firstNan: number; firstInf: number } {
  let nan = 0;
  let inf = 0;
  let firstNan = -1;
  let firstInf = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      if (v !== v) {
        if (nan++ === 0) firstNan = i;
      } else if (inf++ === 0) firstInf = i;
    }
  }
  return { nan, inf, firstNan, firstInf };
}

/** The multi-index of flat element `i` of a row-major tensor of `shape`, as "[c, t, y, x]". */
export function indexText(i: number, shape: readonly number[]): string {
  const at = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    at[d] = shape[d] > 0 ? i % shape[d] : 0;
    i = shape[d] > 0 ? Math.floor(i / shape[d]) : 0;
  }
  return `[${at.join(', ')}]`;
}
