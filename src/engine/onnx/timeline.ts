// How a graph handles time. Every causal operation in the model asks the
// Timeline for its padded input; the whole-clip timeline pads with copies of the
// first frame as the reference does over a full clip.
import type { GraphBuilder, Value } from './graph';
import { concat, dims, shapeOf, slice } from './layers';

export type TimeInterpolation = 'nearest' | 'trilinear';

export interface Timeline {
  /** The input of a causal conv with temporal kernel `k` and stride `stride`, padded in front. */
  causalPad(x: Value, k: number, stride: number, key: string): Value;
  /** Spatial2xTime2x3DUpsample's time doubling: the first frame once, the others twice (T -> 2T-1). */
  upsampleTime(x: Value, mode: TimeInterpolation, key: string): Value;
  /**
   * After an inverse 3D Haar (`x` = the time-doubled blocks of `coeffs`): drop
   * the frame that the forward transform's front padding produced.
   */
  dropPaddingFrame(x: Value, key: string, coeffs: Value): Value;
  /** Brings streams that meet (concat, add) to the same frames; a no-op over a whole clip. */
  align(xs: Value[], key: string): Value[];
}

/**
 * Doubles every frame of `x` in time as torch's interpolate(scale 2) does on a
 * sequence of its own: `nearest` repeats each frame; `trilinear`
 * (align_corners=False) gives 0.25/0.75 blends of neighbours, clamped at both
 * ends (`prev` and `next` supply the neighbours, already clamped; `weights`
 * replaces the 0.75 / 0.25 blend where a graph must switch it).
 */
export function doubleFrames(
  g: GraphBuilder,
  x: Value,
  mode: TimeInterpolation,
  prev: Value,
  next: Value,
  weights: { near: Value; far: Value } = { near: g.scalar(0.75), far: g.scalar(0.25) },
): Value {
  let even = x;
  let odd = x;
  if (mode === 'trilinear') {
    const { near, far } = weights;
    even = g.op1('Add', [g.op1('Mul', [prev, far]), g.op1('Mul', [x, near])]);
    odd = g.op1('Add', [g.op1('Mul', [x, near]), g.op1('Mul', [next, far])]);
  }
  // Interleave: (B, C, n, H, W) x2 -> (B, C, n, 2, H, W) -> (B, C, 2n, H, W).
  const pair = g.op1('Concat', [g.op1('Unsqueeze', [even, g.int64([3])]), g.op1('Unsqueeze', [odd, g.int64([3])])], { axis: 3 });
  const shp = shapeOf(g, x);
  const target = concat(g, [dims(g, shp, 0, 2), g.op1('Mul', [dims(g, shp, 2, 3), g.int64([2])]), dims(g, shp, 3, 5)], 0);
  return g.op1('Reshape', [pair, target], { allowzero: 1 });
}

/** One pass over a complete clip (also what naive chunking runs on every chunk). */
export class WholeClipTimeline implements Timeline {
  constructor(private readonly g: GraphBuilder) {}

  causalPad(x: Value, k: number): Value {
    if (k <= 1) return x;
    const first = slice(this.g, x, 2, 0, 1);
    return concat(this.g, [...Array<Value>(k - 1).fill(first), x], 2);
  }

  upsampleTime(x: Value, mode: TimeInterpolation): Value {
    const g = this.g;
    const first = slice(g, x, 2, 0, 1);
    const rest = slice(g, x, 2, 1); // empty for a 1-frame clip: the doubling then yields nothing
    const prev = concat(g, [slice(g, rest, 2, 0, 1), slice(g, rest, 2, 0, -1)], 2);
    const next = concat(g, [slice(g, rest, 2, 1), slice(g, rest, 2, -1)], 2);
    return concat(g, [first, doubleFrames(g, rest, mode, prev, next)], 2);
  }

  dropPaddingFrame(x: Value): Value {
    return slice(this.g, x, 2, 1);
  }

  align(xs: Value[]): Value[] {
    return xs;
  }
}
