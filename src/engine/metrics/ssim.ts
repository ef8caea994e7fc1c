// SSIM (Wang, Bovik, Sheikh, Simoncelli 2004) as in their reference
// implementation: 11x11 Gaussian window, sigma 1.5, K1 = 0.01, K2 = 0.03,
// computed on values mapped to [0, 255], 'valid' windows only (no padding,
// no downsampling), mean of the SSIM map per channel, then averaged over the
// channels. The clip value is the mean of the per-frame values.
import type { Tensor } from '../tensor';
import { videoPairShape } from './shape';

export const SSIM_DESCRIPTION =
  'SSIM (Wang et al. 2004): 11x11 Gaussian window sigma 1.5, K1 0.01, K2 0.03, on values mapped to [0, 255], valid windows, averaged over the 3 channels; clip = mean over frames.';

const WINDOW = 11;
const SIGMA = 1.5;
const K1 = 0.01;
const K2 = 0.03;
const L = 255;

export interface SsimOptions {
  /** Peak-to-peak range of the input: 2 for [-1, 1] (default); 255 for 8-bit. */
  range?: number;
  /** Lowest input value, mapped to 0 (default -range / 2, i.e. -1 for [-1, 1]; pass 0 for 8-bit). */
  low?: number;
  /** Checked between frames. */
  signal?: AbortSignal;
  onProgress?: (doneFrames: number, totalFrames: number) => void;
}

export interface SsimResult {
  clip: number;
  perFrame: number[];
}

/** Normalised 1D Gaussian; the 2D window is its outer product (separable). */
export function gaussianWindow1d(size = WINDOW, sigma = SIGMA): Float64Array {
  const g = new Float64Array(size);
  const mid = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    g[i] = Math.exp(-((i - mid) ** 2) / (2 * sigma * sigma));
    sum += g[i];
  }
  for (let i = 0; i < size; i++) g[i] /= sum;
  return g;
}

const G = gaussianWindow1d();

/**
 * Valid separable Gaussian filtering of x, y, x^2, y^2 and xy in one sweep:
 * out[k] receives the (H-10) x (W-10) map of moment k. tmp holds 5 * H * Wo values.
 */
function filteredMoments(x: Float64Array, y: Float64Array, H: number, W: number, tmp: Float64Array, out: Float64Array[]): void {
  const Wo = W - WINDOW + 1;
  const Ho = H - WINDOW + 1;
  const plane = H * Wo;
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < Wo; c++) {
      let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      const base = r * W + c;
      for (let k = 0; k < WINDOW; k++) {
        const g = G[k];
        const a = x[base + k];
        const b = y[base + k];
        sx += g * a;
        sy += g * b;
        sxx += g * a * a;
        syy += g * b * b;
        sxy += g * a * b;
      }
      const o = r * Wo + c;
      tmp[o] = sx;
      tmp[plane + o] = sy;
      tmp[2 * plane + o] = sxx;
      tmp[3 * plane + o] = syy;
      tmp[4 * plane + o] = sxy;
    }
  }
  for (let m = 0; m < 5; m++) {
    const dst = out[m];
    const off = m * plane;
    for (let r = 0; r < Ho; r++) {
      for (let c = 0; c < Wo; c++) {
        let s = 0;
        for (let k = 0; k < WINDOW; k++) s += G[k] * tmp[off + (r + k) * Wo + c];
        dst[r * Wo + c] = s;
      }
    }
  }
}

export function ssim(a: Tensor, b: Tensor, opts: SsimOptions = {}): SsimResult {
  const range = opts.range ?? 2;
  if (!(range > 0)) throw new Error(`ssim: range must be positive (got ${range})`);
  const [C, T, H, W] = videoPairShape(a, b, 'ssim');
  if (H < WINDOW || W < WINDOW) {
    throw new Error(`ssim: frames must be at least ${WINDOW}x${WINDOW} for the 11x11 window, got ${W}x${H}`);
  }
  const low = opts.low ?? -range / 2;
  const scale = 255 / range;
  const n = H * W;
  const Ho = H - WINDOW + 1;
  const Wo = W - WINDOW + 1;
  const m = Ho * Wo;
  const C1 = (K1 * L) ** 2;
  const C2 = (K2 * L) ** 2;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const tmp = new Float64Array(5 * H * Wo);
  const moments = Array.from({ length: 5 }, () => new Float64Array(m));
  const [mx, my, sxx, syy, sxy] = moments;
  const perFrame: number[] = [];
  for (let t = 0; t < T; t++) {
    opts.signal?.throwIfAborted();
    let frameSum = 0;
    for (let c = 0; c < C; c++) {
      const base = (c * T + t) * n;
      // The luminance term depends on the means, so the mapping to [0, 255] matters, not only the scale.
      for (let i = 0; i < n; i++) {
        x[i] = (a.data[base + i] - low) * scale;
        y[i] = (b.data[base + i] - low) * scale;
      }
      filteredMoments(x, y, H, W, tmp, moments);
      let s = 0;
      for (let i = 0; i < m; i++) {
        const ux = mx[i];
        const uy = my[i];
        const vx = sxx[i] - ux * ux;
        const vy = syy[i] - uy * uy;
        const cov = sxy[i] - ux * uy;
        s += ((2 * ux * uy + C1) * (2 * cov + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
      }
      frameSum += s / m;
    }
    perFrame.push(frameSum / C);
    opts.onProgress?.(t + 1, T);
  }
  return { clip: perFrame.reduce((p, v) => p + v, 0) / T, perFrame };
}
