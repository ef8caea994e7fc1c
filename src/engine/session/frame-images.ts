// Single frames of model outputs as RGBA bytes for the UI: a reconstruction
// frame as the viewer shows it, or |a - b| amplified so that rounding-sized
// differences are visible, with the gain reported so no one mistakes them for
// large ones.
import { sequentialColor } from '../../shared/colormap';
import type { Tensor } from '../tensor';
import { toRgb8 } from '../video/rgb';

export function rgbaFrame(video: Tensor, t: number): Uint8Array {
  const rgb = toRgb8(video, t);
  const rgba = new Uint8Array((rgb.length / 3) * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba[j] = rgb[i];
    rgba[j + 1] = rgb[i + 1];
    rgba[j + 2] = rgb[i + 2];
    rgba[j + 3] = 255;
  }
  return rgba;
}

export interface DiffImage {
  rgba: Uint8Array;
  /** Max over pixels of the per-pixel max over channels of |a - b|. */
  maxAbs: number;
  /** Multiplier that maps maxAbs to the top of the colormap (0 when the frames are identical). */
  gain: number;
}

/** |a - b| of frame t of two (3, T, H, W) videos, per pixel the max over channels, viridis from 0 to the frame's max. */
export function diffFrame(a: Tensor, b: Tensor, t: number): DiffImage {
  const [, T, H, W] = a.shape;
  const pixels = H * W;
  const plane = T * pixels;
  const d = new Float32Array(pixels);
  let maxAbs = 0;
  for (let c = 0; c < 3; c++) {
    const base = c * plane + t * pixels;
    for (let p = 0; p < pixels; p++) {
      const v = Math.abs(a.data[base + p] - b.data[base + p]);
      if (v > d[p]) d[p] = v;
      if (v > maxAbs) maxAbs = v;
    }
  }
  const rgba = new Uint8Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    // Identical frames stay at the colormap's dark end rather than its middle.
    const [r, g, bl] = maxAbs > 0 ? sequentialColor(d[p], 0, maxAbs) : sequentialColor(0, 0, 1);
    rgba[4 * p] = r;
    rgba[4 * p + 1] = g;
    rgba[4 * p + 2] = bl;
    rgba[4 * p + 3] = 255;
  }
  return { rgba, maxAbs, gain: maxAbs > 0 ? 1 / maxAbs : 0 };
}
