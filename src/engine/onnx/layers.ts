// WF-VAE's building blocks as ONNX subgraphs, one function per reference module,
// each taking the checkpoint key prefix of that module. Tensors are (B, C, T, H, W).
// Everything that touches time goes through a `Timeline`, which decides how the
// causal front padding, the first-frame special cases and the look-ahead of
// temporal upsampling are realised: in one pass over the whole clip, or chunk by
// chunk with cached state (see timeline.ts).
import type { GraphBuilder, Value } from './graph';
import type { Timeline } from './timeline';

export type NormType = 'layernorm' | 'groupnorm';
/** Whether a norm sees one frame at a time (2D blocks) or the whole 5D tensor. */
export type NormScope = 'frame' | 'video';

const INT64_MAX = Number.MAX_SAFE_INTEGER;

export interface Ctx {
  g: GraphBuilder;
  time: Timeline;
  norm: NormType;
}

// ---------- tensor plumbing ----------

export function shapeOf(g: GraphBuilder, x: Value): Value {
  return g.op1('Shape', [x]);
}

/** Dimensions [from, to) of a shape tensor. */
export function dims(g: GraphBuilder, shape: Value, from: number, to: number): Value {
  return g.op1('Slice', [shape, g.int64([from]), g.int64([to]), g.int64([0])]);
}

export function slice(g: GraphBuilder, x: Value, axis: number, start: number, end: number = INT64_MAX): Value {
  return g.op1('Slice', [x, g.int64([start]), g.int64([end]), g.int64([axis])]);
}

/** Slice with bounds computed in the graph (int64[1] values). */
export function sliceDyn(g: GraphBuilder, x: Value, axis: number, start: Value, end: Value): Value {
  return g.op1('Slice', [x, start, end, g.int64([axis])]);
}

export function concat(g: GraphBuilder, xs: Value[], axis: number): Value {
  return xs.length === 1 ? xs[0] : g.op1('Concat', xs, { axis });
}

export function channels(g: GraphBuilder, x: Value, start: number, end: number = INT64_MAX): Value {
  return slice(g, x, 1, start, end);
}

export function swish(g: GraphBuilder, x: Value): Value {
  return g.op1('Mul', [x, g.op1('Sigmoid', [x])]);
}

export function add(g: GraphBuilder, a: Value, b: Value): Value {
  return g.op1('Add', [a, b]);
}

/** x[:, :n] += y, as the reference's in-place `h[:, :3] = h[:, :3] + y`. */
export function addToLeadingChannels(g: GraphBuilder, x: Value, y: Value, n: number): Value {
  return concat(g, [add(g, channels(g, x, 0, n), y), channels(g, x, n)], 1);
}

// ---------- convolutions ----------

function convWeights(g: GraphBuilder, key: string, cout: number, cin: number, k: readonly number[], as3d: readonly number[]): [Value, Value] {
  const w = g.weight(`${key}.weight`, [cout, cin, ...k], [cout, cin, ...as3d]);
  const b = g.weight(`${key}.bias`, [cout]);
  return [w, b];
}

/**
 * torch Conv2d applied frame by frame (the reference's `video_to_image`),
 * realised as a 3D convolution with a 1-frame kernel so no reshape is needed.
 */
export function conv2d(
  c: Ctx,
  key: string,
  x: Value,
  cin: number,
  cout: number,
  opts: { k?: number; stride?: number; pad?: 'same' | 'bottom-right' | 'none' } = {},
): Value {
  const k = opts.k ?? 3;
  const stride = opts.stride ?? 1;
  const p = opts.pad ?? (k === 1 ? 'none' : 'same');
  const pads = p === 'same' ? [0, (k - 1) / 2, (k - 1) / 2, 0, (k - 1) / 2, (k - 1) / 2] : p === 'bottom-right' ? [0, 0, 0, 0, 1, 1] : [0, 0, 0, 0, 0, 0];
  const [w, b] = convWeights(c.g, key, cout, cin, [k, k], [1, k, k]);
  return c.g.op1('Conv', [x, w, b], { kernel_shape: [1, k, k], strides: [1, stride, stride], pads });
}

/**
 * The reference's CausalConv3d (weights under `${key}.conv`): the time axis is
 * padded in front (first frame replicated, or the cached frames of the previous
 * chunk), space with zeros.
 */
export function causalConv3d(
  c: Ctx,
  key: string,
  x: Value,
  cin: number,
  cout: number,
  opts: { k?: number; stride?: number; spatialPad?: 'same' | 'bottom-right' } = {},
): Value {
  const k = opts.k ?? 3;
  const stride = opts.stride ?? 1;
  const [w, b] = convWeights(c.g, `${key}.conv`, cout, cin, [k, k, k], [k, k, k]);
  const padded = c.time.causalPad(x, k, stride, key);
  const sp = opts.spatialPad === 'bottom-right' ? [0, 0, 0, 0, 1, 1] : [0, (k - 1) / 2, (k - 1) / 2, 0, (k - 1) / 2, (k - 1) / 2];
  return c.g.op1('Conv', [padded, w, b], { kernel_shape: [k, k, k], strides: [stride, stride, stride], pads: sp });
}

// ---------- normalisation ----------

/**
 * The reference's Normalize: `layernorm` normalises over channels at each
 * (t, h, w) position; `groupnorm` (32 groups) pools over channels of a group and
 * over space, and, on a 5D tensor, over time as well. Key layout differs: the
 * LayerNorm wrapper nests its affine under `.norm`.
 */
export function normalize(c: Ctx, key: string, x: Value, ch: number, scope: NormScope): Value {
  const g = c.g;
  const eps = g.scalar(1e-6);
  if (c.norm === 'layernorm') {
    // Channels last, one fused LayerNormalization, channels first again: faster
    // than the decomposed mean/variance graph and fewer full-size temporaries.
    const gamma = g.weight(`${key}.norm.weight`, [ch]);
    const beta = g.weight(`${key}.norm.bias`, [ch]);
    const last = g.op1('Transpose', [x], { perm: [0, 2, 3, 4, 1] });
    const y = g.op1('LayerNormalization', [last, gamma, beta], { axis: -1, epsilon: { float: 1e-6 } });
    return g.op1('Transpose', [y], { perm: [0, 4, 1, 2, 3] });
  }
  const groups = 32;
  if (ch % groups !== 0) throw new Error(`${key}: GroupNorm needs channels (${ch}) divisible by ${groups}`);
  const gamma = g.weight(`${key}.weight`, [ch], [ch, 1, 1, 1]);
  const beta = g.weight(`${key}.bias`, [ch], [ch, 1, 1, 1]);
  const shp = shapeOf(g, x);
  // Statistics over whole groups (and time) stay float32 in the fp16 graphs.
  const back = g.float32(() => {
    // (B, C, T, H, W) -> (B, G, C/G, T, H, W)
    const grouped = g.op1('Reshape', [x, concat(g, [dims(g, shp, 0, 1), g.int64([groups, ch / groups]), dims(g, shp, 2, 5)], 0)]);
    const axes = scope === 'video' ? [2, 3, 4, 5] : [2, 4, 5];
    const mean = g.op1('ReduceMean', [grouped], { axes, keepdims: 1 });
    const d = g.op1('Sub', [grouped, mean]);
    const variance = g.op1('ReduceMean', [g.op1('Mul', [d, d])], { axes, keepdims: 1 });
    const y = g.op1('Div', [d, g.op1('Sqrt', [g.op1('Add', [variance, eps])])]);
    return g.op1('Reshape', [y, shp]);
  });
  return g.op1('Add', [g.op1('Mul', [back, gamma]), beta]);
}

// ---------- residual blocks ----------

/** ResnetBlock2D: everything per frame; 1x1 Conv2d shortcut when widths differ. */
export function resnetBlock2D(c: Ctx, key: string, x: Value, cin: number, cout: number): Value {
  let h = swish(c.g, normalize(c, `${key}.norm1`, x, cin, 'frame'));
  h = conv2d(c, `${key}.conv1`, h, cin, cout);
  h = swish(c.g, normalize(c, `${key}.norm2`, h, cout, 'frame'));
  h = conv2d(c, `${key}.conv2`, h, cout, cout);
  const skip = cin === cout ? x : conv2d(c, `${key}.nin_shortcut`, x, cin, cout, { k: 1 });
  return add(c.g, skip, h);
}

/** ResnetBlock3D: causal 3x3x3 convolutions; causal 1x1x1 shortcut when widths differ. */
export function resnetBlock3D(c: Ctx, key: string, x: Value, cin: number, cout: number): Value {
  let h = swish(c.g, normalize(c, `${key}.norm1`, x, cin, 'video'));
  h = causalConv3d(c, `${key}.conv1`, h, cin, cout);
  h = swish(c.g, normalize(c, `${key}.norm2`, h, cout, 'video'));
  h = causalConv3d(c, `${key}.conv2`, h, cout, cout);
  const skip = cin === cout ? x : causalConv3d(c, `${key}.nin_shortcut`, x, cin, cout, { k: 1 });
  return add(c.g, skip, h);
}

export type ResBlockType = 'ResnetBlock2D' | 'ResnetBlock3D';

export function resBlock(type: ResBlockType, c: Ctx, key: string, x: Value, cin: number, cout: number): Value {
  return type === 'ResnetBlock2D' ? resnetBlock2D(c, key, x, cin, cout) : resnetBlock3D(c, key, x, cin, cout);
}

// ---------- attention ----------

/** A 1x1x1 causal conv as a matrix product over channel-last tokens. */
function tokenLinear(c: Ctx, key: string, tokens: Value, ch: number): Value {
  const w = c.g.weight(`${key}.conv.weight`, [ch, ch, 1, 1, 1], [ch, ch]);
  const b = c.g.weight(`${key}.conv.bias`, [ch]);
  return c.g.op1('Add', [c.g.op1('MatMul', [tokens, c.g.op1('Transpose', [w], { perm: [1, 0] })]), b]);
}

/**
 * AttnBlock3DFix: single-head self-attention within each frame over its H*W
 * positions, with 1x1x1 q/k/v/out projections and a residual connection.
 */
export function attention3DFix(c: Ctx, key: string, x: Value, ch: number): Value {
  const g = c.g;
  const h = normalize(c, `${key}.norm`, x, ch, 'video');
  // (B, C, T, H, W) -> (B, T, H, W, C) -> (B, T, H*W, C)
  const cl = g.op1('Transpose', [h], { perm: [0, 2, 3, 4, 1] });
  const clShape = shapeOf(g, cl);
  const tokens = g.op1('Reshape', [cl, g.int64([0, 0, -1, ch])]);
  const q = tokenLinear(c, `${key}.q`, tokens, ch);
  const k = tokenLinear(c, `${key}.k`, tokens, ch);
  const v = tokenLinear(c, `${key}.v`, tokens, ch);
  // Logits and softmax stay float32 in the fp16 graphs (a dot product over all channels can leave half's range).
  const weights = g.float32(() => {
    const scores = g.op1('Mul', [g.op1('MatMul', [q, g.op1('Transpose', [k], { perm: [0, 1, 3, 2] })]), g.scalar(1 / Math.sqrt(ch))]);
    return g.op1('Softmax', [scores], { axis: -1 });
  });
  const attended = g.op1('MatMul', [weights, v]);
  const out = tokenLinear(c, `${key}.proj_out`, attended, ch);
  const back = g.op1('Transpose', [g.op1('Reshape', [out, clShape])], { perm: [0, 4, 1, 2, 3] });
  return add(g, x, back);
}

/**
 * AttnBlock3D (the reference's older block, kept for old checkpoints): it
 * reshapes the contiguous (B, C, T, H, W) tensor to (B*T, C, H*W) without
 * permuting, which mixes channels and frames; reproduced exactly as it is.
 */
export function attention3DLegacy(c: Ctx, key: string, x: Value, ch: number): Value {
  const g = c.g;
  const h = normalize(c, `${key}.norm`, x, ch, 'video');
  const conv1 = (name: string, v: Value) => causalConv3d(c, `${key}.${name}`, v, ch, ch, { k: 1 });
  const q = conv1('q', h);
  const k = conv1('k', h);
  const v = conv1('v', h);
  const shp = shapeOf(g, q);
  const hw = g.op1('Mul', [dims(g, shp, 3, 4), dims(g, shp, 4, 5)]);
  const flat = concat(g, [g.int64([-1, ch]), hw], 0);
  const qf = g.op1('Transpose', [g.op1('Reshape', [q, flat])], { perm: [0, 2, 1] });
  const kf = g.op1('Reshape', [k, flat]);
  const w = g.float32(() => g.op1('Softmax', [g.op1('Mul', [g.op1('MatMul', [qf, kf]), g.scalar(1 / Math.sqrt(ch))])], { axis: 2 }));
  const vf = g.op1('Reshape', [v, flat]);
  const o = g.op1('MatMul', [vf, g.op1('Transpose', [w], { perm: [0, 2, 1] })]);
  return add(g, x, conv1('proj_out', g.op1('Reshape', [o, shp])));
}

export type AttentionType = 'AttnBlock3DFix' | 'AttnBlock3D';

export function attention(type: AttentionType, c: Ctx, key: string, x: Value, ch: number): Value {
  return type === 'AttnBlock3DFix' ? attention3DFix(c, key, x, ch) : attention3DLegacy(c, key, x, ch);
}

// ---------- resampling ----------

/** Downsample: per frame, pad right/bottom by one, 3x3 conv with stride 2. */
export function downsample2D(c: Ctx, key: string, x: Value, cin: number, cout: number): Value {
  return conv2d(c, `${key}.conv`, x, cin, cout, { stride: 2, pad: 'bottom-right' });
}

/** Spatial2xTime2x3DDownsample: pad right/bottom, causal 3x3x3 conv with stride 2 in t, h, w. */
export function downsample3D(c: Ctx, key: string, x: Value, cin: number, cout: number): Value {
  return causalConv3d(c, `${key}.conv`, x, cin, cout, { stride: 2, spatialPad: 'bottom-right' });
}

/** Bilinear x2 in space (torch trilinear with scale (1, 2, 2), align_corners=False). */
export function upsampleSpaceLinear(g: GraphBuilder, x: Value): Value {
  const shp = shapeOf(g, x);
  // Fold (C, T) together so the resize is a plain 4D bilinear one.
  const flat = g.op1('Reshape', [x, concat(g, [dims(g, shp, 0, 1), g.int64([-1]), dims(g, shp, 3, 5)], 0)]);
  const up = g.op1('Resize', [flat, null, g.float([1, 1, 2, 2])], {
    mode: 'linear',
    coordinate_transformation_mode: 'pytorch_half_pixel',
  });
  const upShape = concat(g, [dims(g, shp, 0, 3), g.op1('Mul', [dims(g, shp, 3, 5), g.int64([2])])], 0);
  return g.op1('Reshape', [up, upShape]);
}

/** Nearest x2 in space, per frame (as a 4D resize over (B, C*T, H, W): much faster than a 5D one). */
export function upsampleSpaceNearest(g: GraphBuilder, x: Value): Value {
  const shp = shapeOf(g, x);
  const flat = g.op1('Reshape', [x, concat(g, [dims(g, shp, 0, 1), g.int64([-1]), dims(g, shp, 3, 5)], 0)]);
  const up = g.op1('Resize', [flat, null, g.float([1, 1, 2, 2])], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
  const upShape = concat(g, [dims(g, shp, 0, 3), g.op1('Mul', [dims(g, shp, 3, 5), g.int64([2])])], 0);
  return g.op1('Reshape', [up, upShape]);
}

/** Upsample: per frame nearest x2, then a 3x3 Conv2d. */
export function upsample2D(c: Ctx, key: string, x: Value, cin: number, cout: number): Value {
  return conv2d(c, `${key}.conv`, upsampleSpaceNearest(c.g, x), cin, cout);
}

/**
 * Spatial2xTime2x3DUpsample: T -> 2T-1 (the first frame is only upsampled in
 * space; the others are doubled in time, by `nearest` or linear interpolation),
 * x2 bilinear in space, then a causal 3x3x3 conv.
 */
export function upsample3D(c: Ctx, key: string, x: Value, cin: number, cout: number, tInterp: 'nearest' | 'trilinear'): Value {
  const t2 = c.time.upsampleTime(x, tInterp, key);
  return causalConv3d(c, `${key}.conv`, upsampleSpaceLinear(c.g, t2), cin, cout);
}
