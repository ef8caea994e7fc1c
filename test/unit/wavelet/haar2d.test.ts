import { describe, expect, it } from 'vitest';
import { haar2d, inverseHaar2d } from '../../../src/engine/wavelet';
import { SUBBANDS_2D } from '../../../src/shared/subbands';
import { energy, maxAbs, randomTensor } from './helpers';

// The reference's 2D kernels (rows = h, columns = w) in its order aa, ad, da, dd.
const REFERENCE_2D = [
  [[1, 1], [1, 1]],
  [[1, 1], [-1, -1]],
  [[1, -1], [1, -1]],
  [[1, -1], [-1, 1]],
];

describe('haar2d', () => {
  it('matches a direct stride-2 convolution with the reference kernels, filter-major', () => {
    const x = randomTensor([3, 2, 6, 4], 21);
    const [C, T, H, W] = x.shape;
    const got = haar2d(x);
    expect(got.shape).toEqual([12, 2, 3, 2]);
    for (let f = 0; f < 4; f++)
      for (let c = 0; c < C; c++)
        for (let t = 0; t < T; t++)
          for (let y = 0; y < H / 2; y++)
            for (let xo = 0; xo < W / 2; xo++) {
              let s = 0;
              for (let dh = 0; dh < 2; dh++)
                for (let dw = 0; dw < 2; dw++)
                  s += 0.5 * REFERENCE_2D[f][dh][dw] * x.data[((c * T + t) * H + 2 * y + dh) * W + 2 * xo + dw];
              expect(got.data[(((f * C + c) * T + t) * (H / 2) + y) * (W / 2) + xo]).toBeCloseTo(s, 6);
            }
  });

  it('inverts exactly and preserves energy (no temporal padding in 2D)', () => {
    const x = randomTensor([3, 9, 16, 16], 4);
    const c = haar2d(x);
    expect(maxAbs(inverseHaar2d(c).data, x.data)).toBeLessThan(1e-5);
    expect(Math.abs(energy(c.data) - energy(x.data)) / energy(x.data)).toBeLessThan(1e-5);
  });

  it('LH differences along h, HL along w', () => {
    const alongW = { data: new Float32Array(16), shape: [1, 1, 4, 4] };
    const alongH = { data: new Float32Array(16), shape: [1, 1, 4, 4] };
    for (let i = 0; i < 16; i++) {
      alongW.data[i] = i % 4; // varies with w only
      alongH.data[i] = Math.floor(i / 4); // varies with h only
    }
    const bandEnergy = (x: typeof alongW) => {
      const c = haar2d(x);
      return SUBBANDS_2D.map((_, f) => energy(c.data.subarray(f * 4, f * 4 + 4)));
    };
    const w = bandEnergy(alongW);
    const h = bandEnergy(alongH);
    expect(w[2]).toBeCloseTo(4 * 1, 6); // HL: 0.5 * (-1 -1) = -1 at each of 4 positions
    expect(w[1]).toBe(0);
    expect(w[3]).toBe(0);
    expect(h[1]).toBeCloseTo(4 * 1, 6); // LH
    expect(h[2]).toBe(0);
    expect(h[3]).toBe(0);
  });

  it('rejects odd sizes and bad channel counts', () => {
    expect(() => haar2d(randomTensor([1, 1, 3, 4]))).toThrow(/must be even/);
    expect(() => inverseHaar2d(randomTensor([3, 1, 2, 2]))).toThrow(/multiple of 4/);
  });
});
