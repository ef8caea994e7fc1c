// float32 -> IEEE half conversion for the fp16 graph variants: bit
// arithmetic (round to nearest even, overflow to ±Inf, subnormals kept, NaN
// stays NaN), fast enough for a whole model's weights.

const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** Half bits of one float32 given as its 32 bits. */
function halfOfBits(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const a = u & 0x7fffffff;
  if (a >= 0x7f800000) return sign | 0x7c00 | (a > 0x7f800000 ? 0x200 : 0);
  if (a >= 0x477ff000) return sign | 0x7c00; // >= 65520 rounds past the largest half
  if (a < 0x38800000) {
    // Below 2^-14: a subnormal half, in units of 2^-24 (exact in double arithmetic).
    F32[0] = 0;
    U32[0] = a;
    return sign | roundHalfEven(F32[0] * 2 ** 24);
  }
  let h = ((((a >>> 23) - 112) << 10) | ((a & 0x7fffff) >>> 13)) >>> 0;
  const rest = a & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // a carry into the exponent is the right result
  return sign | h;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** IEEE half bits of each value. */
export function toHalfBits(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = halfOfBits(bits[i]);
  return out;
}

/** Half bits of one number (as float32 first, as onnxruntime would see it). */
export function halfBits(v: number): number {
  F32[0] = v;
  return halfOfBits(U32[0]);
}
