// The difference heatmap of two 8-bit frames, the same in the A/B viewer
// (renderer) and in the exported diff mp4 (engine). Absolute: per pixel the
// largest |b - a| over R, G, B, viridis from 0 to 255/gain levels. Signed:
// luma(b) - luma(a), cool-warm over ±255/gain levels (blue: b darker, red: b
// brighter). The gain amplifies; values past the top of the scale saturate.
import { divergingColor, sequentialColor } from './colormap';
import type { DiffMode } from './workflow-contract';

const LUMA = [0.299, 0.587, 0.114] as const;

/** What the scale bar says: the value at each end of the colours, in 8-bit levels. */
export function diffScale(mode: DiffMode, gain: number): { min: number; max: number; unit: string } {
  const top = 255 / gain;
  return mode === 'abs' ? { min: 0, max: top, unit: 'max |B − A| over R, G, B (8-bit levels)' } : { min: -top, max: top, unit: 'luma(B) − luma(A) (8-bit levels)' };
}

/** Colour tables indexed by the amplified difference: 256 entries (abs), 511 (signed, index 255 = 0). */
const lutCache = new Map<DiffMode, Uint8Array>();
function lut(mode: DiffMode): Uint8Array {
  let t = lutCache.get(mode);
  if (t) return t;
  const n = mode === 'abs' ? 256 : 511;
  t = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = mode === 'abs' ? sequentialColor(i, 0, 255) : divergingColor(i - 255, -255, 255);
    t[3 * i] = r;
    t[3 * i + 1] = g;
    t[3 * i + 2] = b;
  }
  lutCache.set(mode, t);
  return t;
}

/**
 * Writes the heatmap of frames a and b (`stride` bytes per pixel: 3 for RGB, 4 for RGBA, both
 * the same) into `out` with the same stride (alpha, if any, set to 255).
 */
export function diffHeatmap(a: Uint8Array | Uint8ClampedArray, b: Uint8Array | Uint8ClampedArray, out: Uint8Array | Uint8ClampedArray, stride: 3 | 4, mode: DiffMode, gain: number): void {
  const table = lut(mode);
  const pixels = Math.floor(a.length / stride);
  for (let p = 0, i = 0; p < pixels; p++, i += stride) {
    let k: number;
    if (mode === 'abs') {
      const d = Math.max(Math.abs(b[i] - a[i]), Math.abs(b[i + 1] - a[i + 1]), Math.abs(b[i + 2] - a[i + 2]));
      k = Math.min(255, Math.round(d * gain));
    } else {
      const d = LUMA[0] * (b[i] - a[i]) + LUMA[1] * (b[i + 1] - a[i + 1]) + LUMA[2] * (b[i + 2] - a[i + 2]);
      k = 255 + Math.max(-255, Math.min(255, Math.round(d * gain)));
    }
    out[i] = table[3 * k];
    out[i + 1] = table[3 * k + 1];
    out[i + 2] = table[3 * k + 2];
    if (stride === 4) out[i + 3] = 255;
  }
}
