// Multi-level causal 3D Haar: every level transforms the previous level's LLL
// band, as WF-VAE's energy-flow pathway does.
import { SUBBANDS_3D, type Subband3D } from '../../shared/subbands';
import type { Tensor } from '../tensor';
import { shapeString } from '../tensor';
import { haar3d, inverseHaar3d, ORTHONORMAL_HAAR3D_COEFFICIENT, type Haar3dOptions } from './haar3d';

export interface HaarLevel {
  level: number;
  /** Shape of each subband: (C, T, H, W). */
  shape: [number, number, number, number];
  subbands: Record<Subband3D, Tensor>;
  /** Filter coefficient used, so reconstruction can invert with the same one. */
  coefficient: number;
}

/**
 * How many levels a (T, H, W) clip allows: each level needs an odd frame count
 * and even height and width of at least 2. Equivalently T = 1 + 2^N k (or T = 1)
 * and H, W multiples of 2^N.
 */
export function maxHaarLevels(t: number, h: number, w: number): number {
  let levels = 0;
  let T = t;
  let H = h;
  let W = w;
  while (T >= 1 && T % 2 === 1 && H >= 2 && W >= 2 && H % 2 === 0 && W % 2 === 0) {
    levels++;
    T = (T + 1) / 2;
    H /= 2;
    W /= 2;
  }
  return levels;
}

/** Splits filter-major coefficients (8C, T, H, W) into the 8 named subbands (copies). */
export function splitSubbands(coeffs: Tensor): Record<Subband3D, Tensor> {
  const [C8, T, H, W] = coeffs.shape;
  const C = C8 / 8;
  const band = C * T * H * W;
  const out = {} as Record<Subband3D, Tensor>;
  SUBBANDS_3D.forEach((name, f) => {
    out[name] = { data: coeffs.data.slice(f * band, (f + 1) * band), shape: [C, T, H, W] };
  });
  return out;
}

/** Inverse of splitSubbands: concatenates the 8 subbands filter-major. */
export function joinSubbands(subbands: Record<Subband3D, Tensor>): Tensor {
  const shape = subbands.LLL.shape;
  const band = subbands.LLL.data.length;
  const data = new Float32Array(8 * band);
  SUBBANDS_3D.forEach((name, f) => {
    const s = subbands[name];
    if (s.data.length !== band || s.shape.join(',') !== shape.join(',')) {
      throw new Error(`subband ${name} has shape ${shapeString(s.shape)} but LLL has ${shapeString(shape)}`);
    }
    data.set(s.data, f * band);
  });
  return { data, shape: [8 * shape[0], shape[1], shape[2], shape[3]] };
}

export function multiLevelHaar3d(x: Tensor, levels: number, opts?: Haar3dOptions & { signal?: AbortSignal }): HaarLevel[] {
  if (x.shape.length !== 4) throw new Error(`multiLevelHaar3d: expected a (C, T, H, W) tensor, got shape ${shapeString(x.shape)}`);
  if (!Number.isInteger(levels) || levels < 1) throw new Error(`Haar levels must be a whole number of at least 1 (got ${levels})`);
  const [, T, H, W] = x.shape;
  const max = maxHaarLevels(T, H, W);
  if (levels > max) {
    throw new Error(
      `cannot take ${levels} Haar levels of a clip of ${T} frames at ${W}x${H}: at most ${max}. ` +
        `Each level needs an odd frame count and even height and width, so ${levels} levels need ` +
        `T = 1 + ${2 ** levels}k frames and height and width multiples of ${2 ** levels}.`,
    );
  }
  const coefficient = opts?.coefficient ?? ORTHONORMAL_HAAR3D_COEFFICIENT;
  const out: HaarLevel[] = [];
  let input = x;
  for (let level = 1; level <= levels; level++) {
    opts?.signal?.throwIfAborted();
    const coeffs = haar3d(input, { coefficient });
    const subbands = splitSubbands(coeffs);
    const s = subbands.LLL.shape;
    out.push({ level, shape: [s[0], s[1], s[2], s[3]], subbands, coefficient });
    input = subbands.LLL;
  }
  return out;
}

/**
 * Synthesis from the deepest level up: each level's LLL is replaced by the
 * reconstruction of the level below it, so edits to any subband propagate.
 */
export function reconstructMultiLevel(levels: readonly HaarLevel[]): Tensor {
  if (levels.length === 0) throw new Error('reconstructMultiLevel: no levels given');
  let lll: Tensor | undefined;
  for (let i = levels.length - 1; i >= 0; i--) {
    const lv = levels[i];
    const subbands = lll ? { ...lv.subbands, LLL: lll } : lv.subbands;
    lll = inverseHaar3d(joinSubbands(subbands), { coefficient: lv.coefficient });
  }
  return lll as Tensor;
}
