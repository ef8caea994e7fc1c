import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frameMaxAbsDiff, maxAbsDiff, perFrameMaxAbsDiff, psnr, ssim } from '../../../src/engine/metrics';
import type { Tensor } from '../../../src/engine/tensor';

function video(C: number, T: number, H: number, W: number, f: (c: number, t: number, y: number, x: number) => number): Tensor {
  const data = new Float32Array(C * T * H * W);
  for (let c = 0; c < C; c++)
    for (let t = 0; t < T; t++)
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[((c * T + t) * H + y) * W + x] = f(c, t, y, x);
  return { data, shape: [C, T, H, W] };
}

const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

describe('psnr', () => {
  it('is Infinity for identical videos', () => {
    const a = video(3, 2, 4, 4, (c, t, y, x) => Math.sin(c + t + y * x));
    const r = psnr(a, a);
    expect(r.clip).toBe(Infinity);
    expect(r.perFrame).toEqual([Infinity, Infinity]);
  });

  it('gives 10 log10(range^2 / d^2) for a constant offset d, per frame and per clip', () => {
    const a = video(3, 3, 4, 6, (c, t, y, x) => 0.1 * (c - y + x) - 0.3);
    const d = [0.1, 0.02, 0.5];
    const b = video(3, 3, 4, 6, (c, t, y, x) => 0.1 * (c - y + x) - 0.3 + d[t]);
    const r = psnr(a, b);
    d.forEach((dt, t) => expect(r.perFrame[t]).toBeCloseTo(10 * Math.log10(4 / (dt * dt)), 4));
    const mse = d.reduce((s, dt) => s + dt * dt, 0) / 3;
    expect(r.mse).toBeCloseTo(mse, 8);
    expect(r.clip).toBeCloseTo(10 * Math.log10(4 / mse), 4);
    expect(psnr(a, b, { range: 255 }).perFrame[0]).toBeCloseTo(10 * Math.log10(255 ** 2 / 0.01), 4);
  });

  it('rejects videos of different shapes', () => {
    expect(() => psnr(video(3, 2, 4, 4, () => 0), video(3, 3, 4, 4, () => 0))).toThrow(/differ in shape: \(3, 2, 4, 4\) vs \(3, 3, 4, 4\)/);
  });
});

describe('ssim', () => {
  // 1D Gaussian (11 taps, sigma 1.5): weight of the centre column of the 11x11 window.
  const g = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const centre = g[5] / g.reduce((p, v) => p + v, 0);

  it('is 1 for identical videos', () => {
    const a = video(3, 2, 16, 20, (c, t, y, x) => Math.sin(0.3 * x + y * 0.7 + c + t));
    const r = ssim(a, a);
    expect(r.clip).toBeCloseTo(1, 12);
    r.perFrame.forEach((v) => expect(v).toBeCloseTo(1, 12));
  });

  it('matches the hand-computed luminance term for a constant offset', () => {
    // a = s * sign(x - 5) on 11x11: its Gaussian-weighted mean is exactly 0 (symmetry), so in
    // [0, 255] mu_a = 127.5 and mu_b = 127.5 (1 + delta); variances and covariance are equal.
    const delta = 0.3;
    const a = video(3, 1, 11, 11, (_c, _t, _y, x) => 0.4 * Math.sign(x - 5));
    const b = video(3, 1, 11, 11, (_c, _t, _y, x) => 0.4 * Math.sign(x - 5) + delta);
    const ma = 127.5;
    const mb = 127.5 * (1 + delta);
    const want = (2 * ma * mb + C1) / (ma * ma + mb * mb + C1);
    expect(ssim(a, b).clip).toBeCloseTo(want, 5);
  });

  it('matches the hand-computed structure term for a contrast-reversed pattern', () => {
    // b = -a: equal means (127.5), sigma^2 = (127.5 s)^2 (1 - centre column weight), covariance -sigma^2.
    const s = [0.5, 0.1];
    const a = video(3, 2, 11, 11, (_c, t, _y, x) => s[t] * Math.sign(x - 5));
    const b = video(3, 2, 11, 11, (_c, t, _y, x) => -s[t] * Math.sign(x - 5));
    const r = ssim(a, b);
    s.forEach((st, t) => {
      const v = (127.5 * st) ** 2 * (1 - centre);
      expect(r.perFrame[t]).toBeCloseTo((-2 * v + C2) / (2 * v + C2), 5);
    });
    expect(r.clip).toBeCloseTo((r.perFrame[0] + r.perFrame[1]) / 2, 12);
  });

  it('averages the channels and the valid windows', () => {
    // channel 0 identical (1), channels 1, 2 offset on a constant image: every window has the same value.
    const a = video(3, 1, 16, 13, () => 0);
    const b = video(3, 1, 16, 13, (c) => (c === 0 ? 0 : 0.2));
    const lum = (2 * 127.5 * 153 + C1) / (127.5 ** 2 + 153 ** 2 + C1);
    expect(ssim(a, b).perFrame[0]).toBeCloseTo((1 + 2 * lum) / 3, 6);
  });

  it('maps 8-bit input with low = 0', () => {
    const a = video(1, 1, 11, 11, () => 100);
    const b = video(1, 1, 11, 11, () => 120);
    expect(ssim(a, b, { range: 255, low: 0 }).clip).toBeCloseTo((2 * 100 * 120 + C1) / (100 ** 2 + 120 ** 2 + C1), 6);
  });

  it('agrees with an independent NumPy/SciPy computation (correlate2d valid, outer-product window)', () => {
    // The value scripts/reference/ssim_reference.py computes with scipy (and torch) on the same float32 inputs.
    const reference = JSON.parse(readFileSync(new URL('../../fixtures/ssim-reference.json', import.meta.url), 'utf8')) as { ssim: number };
    const a = video(3, 1, 24, 20, (c, _t, y, x) => 0.8 * Math.sin(0.37 * x + 0.61 * y + c));
    const b = video(3, 1, 24, 20, () => 0);
    for (let i = 0; i < b.data.length; i++) {
      const x = i % 20;
      const y = Math.floor(i / 20) % 24;
      b.data[i] = 0.7 * a.data[i] + 0.1 * Math.cos(1.3 * x - 0.4 * y);
    }
    // Both sum in float64 over the same float32 inputs: they agree to rounding (measured 5e-16).
    expect(ssim(a, b).clip).toBeCloseTo(reference.ssim, 12);
  });

  it('reports progress per frame and stops when cancelled', () => {
    const a = video(3, 3, 12, 12, (c, t, y, x) => Math.sin(x + y + t));
    const seen: number[] = [];
    ssim(a, a, { onProgress: (d, t) => seen.push(d / t) });
    expect(seen).toEqual([1 / 3, 2 / 3, 1]);
    const ac = new AbortController();
    ac.abort();
    expect(() => ssim(a, a, { signal: ac.signal })).toThrow(/abort/i);
  });

  it('says frames are too small for the window', () => {
    expect(() => ssim(video(3, 1, 8, 8, () => 0), video(3, 1, 8, 8, () => 0))).toThrow(/at least 11x11/);
  });
});

describe('max abs diff', () => {
  it('finds the clip and per-frame maxima', () => {
    const a = video(3, 3, 4, 4, () => 0);
    const b = video(3, 3, 4, 4, (c, t, y, x) => (c === 2 && y === 3 && x === 1 ? [0.5, -0.25, 0][t] : 0.01 * t));
    expect(maxAbsDiff(a, b)).toBeCloseTo(0.5, 7);
    expect(perFrameMaxAbsDiff(a, b).map((v) => Number(v.toFixed(6)))).toEqual([0.5, 0.25, 0.02]);
    expect(frameMaxAbsDiff(a, b).clip).toBeCloseTo(0.5, 7);
  });

  it('does not let a NaN hide', () => {
    const a = video(1, 2, 2, 2, () => 0);
    const b = video(1, 2, 2, 2, (_c, t, y) => (t === 1 && y === 1 ? NaN : 0));
    expect(perFrameMaxAbsDiff(a, b)[1]).toBeNaN();
    expect(maxAbsDiff(a, b)).toBeNaN();
  });
});
