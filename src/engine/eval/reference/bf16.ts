// bfloat16 rounding as torch's .to(torch.bfloat16) does it (round to nearest,
// ties to even, on the float32 bits; NaN stays NaN), returned as the float32
// value the bf16 number stands for. The reference evaluation runs its model
// and writes its videos in bfloat16, so its inputs and outputs carry this
// rounding.
const word = new Float32Array(1);
const bits = new Uint32Array(word.buffer);

export function roundBf16(x: number): number {
  word[0] = x;
  const u = bits[0];
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x007fffff) !== 0) return NaN;
  bits[0] = ((u + 0x7fff + ((u >>> 16) & 1)) >>> 0) & 0xffff0000;
  return word[0];
}

/** Rounds every value in place. */
export function roundBf16Array(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = roundBf16(a[i]);
  return a;
}
