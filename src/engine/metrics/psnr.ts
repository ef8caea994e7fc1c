// PSNR of two videos (C, T, H, W). The clip value comes from the MSE over the
// whole clip (not the mean of per-frame PSNRs, which over-weights good frames).
import type { Tensor } from '../tensor';
import { videoPairShape } from './shape';

export interface PsnrOptions {
  /** Peak-to-peak range of the signal: 2 for videos in [-1, 1] (default), 255 for 8-bit. */
  range?: number;
}

export interface PsnrResult {
  /** dB; Infinity for identical videos. */
  clip: number;
  perFrame: number[];
  mse: number;
  perFrameMse: number[];
  range: number;
}

export function psnrFromMse(mse: number, range: number): number {
  return mse === 0 ? Infinity : 10 * Math.log10((range * range) / mse);
}

export function psnr(a: Tensor, b: Tensor, opts: PsnrOptions = {}): PsnrResult {
  const range = opts.range ?? 2;
  if (!(range > 0)) throw new Error(`psnr: range must be positive (got ${range})`);
  const [C, T, H, W] = videoPairShape(a, b, 'psnr');
  const n = H * W;
  const sse = new Array<number>(T).fill(0);
  for (let c = 0; c < C; c++) {
    for (let t = 0; t < T; t++) {
      const base = (c * T + t) * n;
      let s = 0;
      for (let i = 0; i < n; i++) {
        const d = a.data[base + i] - b.data[base + i];
        s += d * d;
      }
      sse[t] += s;
    }
  }
  const perFrameMse = sse.map((s) => s / (C * n));
  const mse = sse.reduce((x, y) => x + y, 0) / (C * T * n);
  return {
    clip: psnrFromMse(mse, range),
    perFrame: perFrameMse.map((m) => psnrFromMse(m, range)),
    mse,
    perFrameMse,
    range,
  };
}
