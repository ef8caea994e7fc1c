// The energy-flow taps of a reconstruction at one video frame, as tiles the
// UI colours. Coefficient taps (enc.l1, dec.coeffs.0, …) hold 3 colour
// channels per Haar subband, filter-major, so they are shown as one luma tile
// per subband (4 in 2D, 8 in 3D); activation taps (inflow / outflow block
// outputs) are shown channel by channel, capped so the view stays readable.
import type { TapView } from '../../shared/contract';
import { SUBBANDS_2D, SUBBANDS_3D } from '../../shared/subbands';
import type { Tensor } from '../tensor';
import { LUMA_WEIGHTS } from '../wavelet/index';

export const DEFAULT_TAP_TILES = 16;

export interface TapMeta {
  name: string;
  side: 'encoder' | 'decoder';
  channels: number;
  what: string;
}

/** enc.l1, enc.l2, dec.l1, dec.l2 (WFVAEModel) and enc.coeffs.N, dec.coeffs.N (WFVAE2Model). */
export function isCoefficientTap(name: string): boolean {
  return /^(enc|dec)\.(l\d+|coeffs\.\d+)$/.test(name);
}

/** Frame f of a T-frame video maps to frame ceil(f (t - 1) / (T - 1)) of a t-frame tensor (causal: frame 0 to 0, last to last). */
export function tapFrameFor(f: number, videoFrames: number, tapFrames: number): number {
  if (videoFrames <= 1 || tapFrames <= 1) return 0;
  // The epsilon keeps exact multiples from rounding up through float error; max(0, …) turns -0 into 0.
  return Math.min(tapFrames - 1, Math.max(0, Math.ceil((f * (tapFrames - 1)) / (videoFrames - 1) - 1e-9)));
}

/** The smallest and largest value ({0, 0} for no values). */
export function rangeOf(data: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return data.length ? { min, max } : { min: 0, max: 0 };
}

function channelPlane(t: Tensor, c: number, frame: number): Float32Array {
  const [, , T, H, W] = t.shape;
  const n = H * W;
  const start = (c * T + frame) * n;
  return t.data.slice(start, start + n);
}

export function tapView(meta: TapMeta, tensor: Tensor, videoFrame: number, videoFrames: number, maxTiles: number): TapView {
  if (tensor.shape.length !== 5) throw new Error(`tap ${meta.name}: expected a (1, C, t, h, w) tensor, got (${tensor.shape.join(', ')})`);
  const [, C, T, H, W] = tensor.shape;
  const tapFrame = tapFrameFor(videoFrame, videoFrames, T);
  const subbandNames = C === 24 ? SUBBANDS_3D : C === 12 ? SUBBANDS_2D : undefined;
  const coefficients = isCoefficientTap(meta.name) && subbandNames !== undefined;
  let min = Infinity;
  let max = -Infinity;
  for (let c = 0; c < C; c++) {
    const r = rangeOf(channelPlane(tensor, c, tapFrame));
    min = Math.min(min, r.min);
    max = Math.max(max, r.max);
  }
  const tiles: TapView['tiles'] = [];
  let totalTiles: number;
  let note: string;
  if (coefficients) {
    totalTiles = subbandNames.length;
    for (let s = 0; s < Math.min(totalTiles, maxTiles); s++) {
      const luma = new Float32Array(H * W);
      for (let c = 0; c < 3; c++) {
        const plane = channelPlane(tensor, 3 * s + c, tapFrame);
        for (let i = 0; i < luma.length; i++) luma[i] += LUMA_WEIGHTS[c] * plane[i];
      }
      tiles.push({ label: subbandNames[s], width: W, height: H, data: luma, ...rangeOf(luma), colormap: s === 0 ? 'sequential' : 'diverging' });
    }
    note = `${C} channels = ${subbandNames.length} ${subbandNames.length === 8 ? '3D' : '2D'} Haar subbands × RGB (filter-major); each tile is the luma 0.299 R + 0.587 G + 0.114 B of one subband`;
  } else {
    totalTiles = C;
    const labels = C === 3 ? ['R', 'G', 'B'] : undefined;
    for (let c = 0; c < Math.min(C, maxTiles); c++) {
      const data = channelPlane(tensor, c, tapFrame);
      tiles.push({ label: labels?.[c] ?? `ch ${c}`, width: W, height: H, data, ...rangeOf(data), colormap: 'diverging' });
    }
    note = C > maxTiles ? `showing channels 0–${maxTiles - 1} of ${C}` : `all ${C} channels`;
  }
  return {
    ...meta,
    kind: coefficients ? 'coefficients' : 'activation',
    tapFrame,
    tapFrames: T,
    width: W,
    height: H,
    min: Number.isFinite(min) ? min : 0,
    max: Number.isFinite(max) ? max : 0,
    tiles,
    totalTiles,
    note: totalTiles > tiles.length && coefficients ? `${note}; showing ${tiles.length} of ${totalTiles}` : note,
  };
}

/**
 * A tap tile over all the tap's frames: the energy (sum of squares) of its channels per frame
 * (for a coefficient tap the subband's 3 colour channels, else the one channel) and its value
 * range over every frame. `label` is a tile label as tapView gives it.
 */
export function tapTimeline(meta: TapMeta, tensor: Tensor, label: string): { energy: number[]; min: number; max: number } {
  const [, C, T, H, W] = tensor.shape;
  const subbandNames: readonly string[] | undefined = C === 24 ? SUBBANDS_3D : C === 12 ? SUBBANDS_2D : undefined;
  let channels: number[];
  if (isCoefficientTap(meta.name) && subbandNames) {
    const s = subbandNames.indexOf(label);
    if (s < 0) throw new RangeError(`tap ${meta.name} has no subband "${label}" (it has ${subbandNames.join(', ')})`);
    channels = [3 * s, 3 * s + 1, 3 * s + 2];
  } else {
    const c = C === 3 ? ['R', 'G', 'B'].indexOf(label) : /^ch (\d+)$/.test(label) ? Number(label.slice(3)) : -1;
    if (c < 0 || c >= C) throw new RangeError(`tap ${meta.name} has no channel "${label}" (it has ${C} channels)`);
    channels = [c];
  }
  const n = H * W;
  const energy = new Array<number>(T).fill(0);
  let min = Infinity;
  let max = -Infinity;
  for (const c of channels) {
    for (let f = 0; f < T; f++) {
      const start = (c * T + f) * n;
      let e = 0;
      for (let i = start; i < start + n; i++) {
        const v = tensor.data[i];
        e += v * v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      energy[f] += e;
    }
  }
  return { energy, min: Number.isFinite(min) ? min : 0, max: Number.isFinite(max) ? max : 0 };
}
