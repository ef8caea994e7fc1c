// The Haar wavelet transforms WF-VAE uses, as graph ops. The filters are the
// checkpoint's own tensors (released models store 0.3536, not 1/sqrt(8)), so
// the graph reproduces whatever the model was trained with.
import type { Value } from './graph';
import { concat, dims, shapeOf, type Ctx } from './layers';

/** Filter names in the reference's order: (t, h, w) patterns LLL, LLH, LHL, LHH, HLL, HLH, HHL, HHH. */
export const HAAR3D_FILTERS = ['h', 'g', 'hh', 'gh', 'h_v', 'g_v', 'hh_v', 'gh_v'] as const;
/** 2D filters in the reference's order: aa (LL), ad, da, dd. */
export const HAAR2D_FILTERS = ['aa', 'ad', 'da', 'dd'] as const;

/**
 * Convolves every input channel with the same filter bank (B, C, T, H, W) ->
 * (B, F*C, T', H', W'), filter-major. The channels are folded into the batch
 * so the convolution is an ordinary one: execution providers such as WebGPU,
 * CoreML and DirectML reject grouped 3D convolutions.
 */
function perChannelConv(c: Ctx, x: Value, bank: Value, nf: number, cin: number, kernel: number[]): Value {
  const g = c.g;
  const shp = shapeOf(g, x);
  const folded = g.op1('Reshape', [x, concat(g, [g.int64([-1, 1]), dims(g, shp, 2, 5)], 0)]);
  const y = g.op1('Conv', [folded, bank], { kernel_shape: kernel, strides: kernel });
  const yShape = shapeOf(g, y);
  // (B*C, F, ...) -> (B, C, F, ...) -> (B, F, C, ...) -> (B, F*C, ...)
  const split = g.op1('Reshape', [y, concat(g, [dims(g, shp, 0, 1), g.int64([cin, nf]), dims(g, yShape, 2, 5)], 0)]);
  const swapped = g.op1('Transpose', [split], { perm: [0, 2, 1, 3, 4, 5] });
  return g.op1('Reshape', [swapped, concat(g, [dims(g, shp, 0, 1), g.int64([nf * cin]), dims(g, yShape, 2, 5)], 0)]);
}

/**
 * HaarWaveletTransform3D (filters under `${key}.<f>_conv.conv.weight`): a causal
 * kernel-2 stride-2 convolution of every channel with the 8 filters; output
 * channels filter-major (f * C + c).
 */
export function haar3d(c: Ctx, key: string, x: Value, cin: number): Value {
  const g = c.g;
  const bank = concat(g, HAAR3D_FILTERS.map((f) => g.weight(`${key}.${f}_conv.conv.weight`, [1, 1, 2, 2, 2])), 0);
  return perChannelConv(c, c.time.causalPad(x, 2, 2, key), bank, 8, cin, [2, 2, 2]);
}

/** HaarWaveletTransform2D (buffers `${key}.aa` …): per frame, stride 2, filter-major output. */
export function haar2d(c: Ctx, key: string, x: Value, cin: number): Value {
  const g = c.g;
  const bank = concat(g, HAAR2D_FILTERS.map((f) => g.weight(`${key}.${f}`, [1, 1, 2, 2], [1, 1, 1, 2, 2])), 0);
  return perChannelConv(c, x, bank, 4, cin, [1, 2, 2]);
}

/**
 * The transposed transform: with kernel = stride = 2 every coefficient spreads
 * over its own 2x2x2 block, so each block is an 8x8 mixing of the 8
 * coefficients (one matrix product over the filter axis, which is outermost in
 * the filter-major layout) followed by depth-to-space.
 */
function inverse(c: Ctx, x: Value, cout: number, filters: Value[], taps: number, axes: 2 | 3): Value {
  const g = c.g;
  const nf = filters.length;
  // bank[f, p] = filter f at block position p; the mixing needs [p, f].
  const bank = g.op1('Reshape', [concat(g, filters, 0), g.int64([nf, taps])]);
  const mix = g.op1('Transpose', [bank], { perm: [1, 0] });
  const shp = shapeOf(g, x);
  const b = dims(g, shp, 0, 1);
  const t = dims(g, shp, 2, 3);
  const h = dims(g, shp, 3, 4);
  const wd = dims(g, shp, 4, 5);
  const flat = g.op1('Reshape', [x, concat(g, [b, g.int64([nf, -1])], 0)]);
  const blocks = g.op1('MatMul', [mix, flat]); // (B, taps, C*t*h*w)
  const two = (v: Value) => g.op1('Mul', [v, g.int64([2])]);
  if (axes === 3) {
    // (B, pt, ph, pw, C, t, h, w) -> (B, C, t, pt, h, ph, w, pw)
    const split = g.op1('Reshape', [blocks, concat(g, [b, g.int64([2, 2, 2, cout]), t, h, wd], 0)]);
    const inter = g.op1('Transpose', [split], { perm: [0, 4, 5, 1, 6, 2, 7, 3] });
    return g.op1('Reshape', [inter, concat(g, [b, g.int64([cout]), two(t), two(h), two(wd)], 0)]);
  }
  // (B, ph, pw, C, t, h, w) -> (B, C, t, h, ph, w, pw)
  const split = g.op1('Reshape', [blocks, concat(g, [b, g.int64([2, 2, cout]), t, h, wd], 0)]);
  const inter = g.op1('Transpose', [split], { perm: [0, 3, 4, 5, 1, 6, 2] });
  return g.op1('Reshape', [inter, concat(g, [b, g.int64([cout]), t, two(h), two(wd)], 0)]);
}
/** InverseHaarWaveletTransform3D (buffers `${key}.h` …): drops the frame the causal padding made. */
export function inverseHaar3d(c: Ctx, key: string, x: Value, cout: number): Value {
  const filters = HAAR3D_FILTERS.map((f) => c.g.weight(`${key}.${f}`, [1, 1, 2, 2, 2]));
  return c.time.dropPaddingFrame(inverse(c, x, cout, filters, 8, 3), key, x);
}

/** InverseHaarWaveletTransform2D (buffers `${key}.aa` …), per frame. */
export function inverseHaar2d(c: Ctx, key: string, x: Value, cout: number): Value {
  const filters = HAAR2D_FILTERS.map((f) => c.g.weight(`${key}.${f}`, [1, 1, 2, 2]));
  return inverse(c, x, cout, filters, 4, 2);
}
