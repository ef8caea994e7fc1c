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

/** Valid separable filtering of an H x W image with G: (H-10) x (W-10). */
function filterValid(src: Float64Array, H: number, W: number, tmp: Float64Array, out: Float64Array): void {
  const Wo = W - WINDOW + 1;
  const Ho = H - WINDOW + 1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < Wo; x++) {
      let s = 0;
      const base = y * W + x;
      for (let k = 0; k < WINDOW; k++) s += G[k] * src[base + k];
      tmp[y * Wo + x] = s;
    }
  }
  for (let y = 0; y < Ho; y++) {
    for (let x = 0; x < Wo; x++) {
      let s = 0;
      for (let k = 0; k < WINDOW; k++) s += G[k] * tmp[(y + k) * Wo + x];
      out[y * Wo + x] = s;
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
  const prod = new Float64Array(n);
  const tmp = new Float64Array(H * Wo);
  const mx = new Float64Array(m);
  const my = new Float64Array(m);
  const sxx = new Float64Array(m);
  const syy = new Float64Array(m);
  const sxy = new Float64Array(m);
  const perFrame: number[] = [];
  for (let t = 0; t < T; t++) {
    let frameSum = 0;
    for (let c = 0; c < C; c++) {
      const base = (c * T + t) * n;
      // The luminance term depends on the means, so the mapping to [0, 255] matters, not only the scale.
      for (let i = 0; i < n; i++) {
        x[i] = (a.data[base + i] - low) * scale;
        y[i] = (b.data[base + i] - low) * scale;
      }
      filterValid(x, H, W, tmp, mx);
      filterValid(y, H, W, tmp, my);
      for (let i = 0; i < n; i++) prod[i] = x[i] * x[i];
      filterValid(prod, H, W, tmp, sxx);
      for (let i = 0; i < n; i++) prod[i] = y[i] * y[i];
      filterValid(prod, H, W, tmp, syy);
      for (let i = 0; i < n; i++) prod[i] = x[i] * y[i];
      filterValid(prod, H, W, tmp, sxy);
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
  }
  return { clip: perFrame.reduce((p, v) => p + v, 0) / T, perFrame };
}
