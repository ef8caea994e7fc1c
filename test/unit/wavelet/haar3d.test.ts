import { describe, expect, it } from 'vitest';
import { haar3d, inverseHaar3d, ORTHONORMAL_HAAR3D_COEFFICIENT } from '../../../src/engine/wavelet';
import { SUBBANDS_3D } from '../../../src/shared/subbands';
import type { Tensor } from '../../../src/engine/tensor';
import { at, energy, firstFrameEnergy, maxAbs, randomTensor } from './helpers';

// The reference's kernels written out as [t][h][w] sign patterns, in its order
// h, g, hh, gh, h_v, g_v, hh_v, gh_v (= LLL ... HHH).
const REFERENCE_KERNELS = [
  [[[1, 1], [1, 1]], [[1, 1], [1, 1]]],
  [[[1, -1], [1, -1]], [[1, -1], [1, -1]]],
  [[[1, 1], [-1, -1]], [[1, 1], [-1, -1]]],
  [[[1, -1], [-1, 1]], [[1, -1], [-1, 1]]],
  [[[1, 1], [1, 1]], [[-1, -1], [-1, -1]]],
  [[[1, -1], [1, -1]], [[-1, 1], [-1, 1]]],
  [[[1, 1], [-1, -1]], [[-1, -1], [1, 1]]],
  [[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]],
];

/** Direct causal conv3d (pad front with frame 0, kernel 2, stride 2), filter-major output. */
function directHaar3d(x: Tensor, k: number): Tensor {
  const [C, T, H, W] = x.shape;
  const To = (T + 1) / 2, Ho = H / 2, Wo = W / 2;
  const out = new Float32Array(8 * C * To * Ho * Wo);
  for (let f = 0; f < 8; f++)
    for (let c = 0; c < C; c++)
      for (let j = 0; j < To; j++)
        for (let y = 0; y < Ho; y++)
          for (let xo = 0; xo < Wo; xo++) {
            let s = 0;
            for (let dt = 0; dt < 2; dt++)
              for (let dh = 0; dh < 2; dh++)
                for (let dw = 0; dw < 2; dw++) {
                  const tp = 2 * j + dt - 1; // padded index -> input frame
                  s += REFERENCE_KERNELS[f][dt][dh][dw] * k * at(x, c, Math.max(0, tp), 2 * y + dh, 2 * xo + dw);
                }
            out[(((f * C + c) * To + j) * Ho + y) * Wo + xo] = s;
          }
  return { data: out, shape: [8 * C, To, Ho, Wo] };
}

describe('haar3d', () => {
  it('matches a direct causal convolution with the reference kernels, filter-major', () => {
    const x = randomTensor([3, 5, 6, 8], 7);
    for (const k of [ORTHONORMAL_HAAR3D_COEFFICIENT, 0.3536]) {
      const got = haar3d(x, { coefficient: k });
      const want = directHaar3d(x, k);
      expect(got.shape).toEqual([24, 3, 3, 4]);
      expect(maxAbs(got.data, want.data)).toBeLessThan(1e-6);
    }
  });

  it('inverts exactly: inverse(forward(x)) == x on random (3, 9, 16, 16)', () => {
    const x = randomTensor([3, 9, 16, 16], 3);
    const c = haar3d(x);
    expect(c.shape).toEqual([24, 5, 8, 8]);
    const y = inverseHaar3d(c);
    expect(y.shape).toEqual([3, 9, 16, 16]);
    expect(maxAbs(x.data, y.data)).toBeLessThan(1e-5);
  });

  it('keeps T = 1 at 1 frame and inverts it', () => {
    const x = randomTensor([2, 1, 4, 4], 5);
    const c = haar3d(x);
    expect(c.shape).toEqual([16, 1, 2, 2]);
    expect(maxAbs(inverseHaar3d(c).data, x.data)).toBeLessThan(1e-6);
  });

  it('preserves the energy of the causally padded signal within 1e-5 relative', () => {
    const x = randomTensor([3, 9, 16, 16], 11);
    const e = energy(haar3d(x).data);
    const padded = energy(x.data) + firstFrameEnergy(x);
    expect(Math.abs(e - padded) / padded).toBeLessThan(1e-5);
    // and not the unpadded one: the replicated frame is really counted
    expect(Math.abs(e - energy(x.data)) / padded).toBeGreaterThan(0.05);
  });

  it('a constant video has only LLL non-zero, equal to 8 * value * coefficient', () => {
    const x = { data: new Float32Array(2 * 3 * 4 * 4).fill(0.5), shape: [2, 3, 4, 4] };
    const c = haar3d(x);
    const band = 2 * 2 * 2 * 2;
    for (let i = 0; i < c.data.length; i++) {
      if (i < band) expect(c.data[i]).toBeCloseTo(8 * 0.5 / Math.sqrt(8), 6);
      else expect(Math.abs(c.data[i])).toBeLessThan(1e-7);
    }
  });

  it('a video varying only along w puts energy only in LLL and LLH', () => {
    const [C, T, H, W] = [1, 5, 4, 8];
    const x = { data: new Float32Array(C * T * H * W), shape: [C, T, H, W] };
    for (let i = 0; i < x.data.length; i++) x.data[i] = Math.sin((i % W) * 1.3) + 0.2;
    const c = haar3d(x);
    const band = c.data.length / 8;
    SUBBANDS_3D.forEach((name, f) => {
      const e = energy(c.data.subarray(f * band, (f + 1) * band));
      if (name === 'LLL' || name === 'LLH') expect(e, name).toBeGreaterThan(0.1);
      else expect(e, name).toBeLessThan(1e-10);
    });
  });

  it('a single impulse at the first tap of a coefficient frame gives each filter coefficient', () => {
    // frames 1 and 2 form coefficient frame 1; an impulse at (t=1, h=0, w=0) is tap (0,0,0): +k in all 8
    const x = { data: new Float32Array(1 * 3 * 2 * 2), shape: [1, 3, 2, 2] };
    x.data[1 * 4] = 1;
    const c = haar3d(x, { coefficient: 0.3536 });
    expect(c.shape).toEqual([8, 2, 1, 1]);
    for (let f = 0; f < 8; f++) {
      expect(c.data[f * 2 + 0]).toBe(0); // coefficient frame 0 only sees frame 0
      expect(c.data[f * 2 + 1]).toBeCloseTo(0.3536, 7);
    }
    // impulse at the last tap (t=2, h=1, w=1): sign = product over the high-pass axes
    const y = { data: new Float32Array(1 * 3 * 2 * 2), shape: [1, 3, 2, 2] };
    y.data[2 * 4 + 3] = 1;
    const d = haar3d(y);
    const k = 1 / Math.sqrt(8);
    const expected = [1, -1, -1, 1, -1, 1, 1, -1].map((s) => s * k); // LLL..HHH
    for (let f = 0; f < 8; f++) expect(d.data[f * 2 + 1], SUBBANDS_3D[f]).toBeCloseTo(expected[f], 7);
  });

  it('channel f*C + c holds filter f of input channel c', () => {
    const x = { data: new Float32Array(3 * 1 * 2 * 2), shape: [3, 1, 2, 2] };
    // channel c: constant (c+1); frame 0 only, so HLL.. are 0 and LLL = 8 (c+1) k
    for (let c = 0; c < 3; c++) x.data.fill(c + 1, c * 4, c * 4 + 4);
    const out = haar3d(x);
    const k = 1 / Math.sqrt(8);
    expect(Array.from(out.data.subarray(0, 3)).map((v) => v / (8 * k))).toEqual([
      expect.closeTo(1, 6), expect.closeTo(2, 6), expect.closeTo(3, 6),
    ]);
    expect(energy(out.data.subarray(3))).toBeLessThan(1e-12);
  });

  it('inverse with coefficient c scales by 8c^2 and drops the replicated frame', () => {
    const x = randomTensor([1, 3, 2, 2], 9);
    const k = 0.3536;
    const y = inverseHaar3d(haar3d(x, { coefficient: k }), { coefficient: k });
    const s = 8 * k * k;
    for (let i = 0; i < x.data.length; i++) expect(y.data[i]).toBeCloseTo(s * x.data[i], 6);
  });

  it('rejects even frame counts and odd sizes with a clear message', () => {
    expect(() => haar3d(randomTensor([1, 4, 4, 4]))).toThrow(/frame count must be odd/);
    expect(() => haar3d(randomTensor([1, 3, 5, 4]))).toThrow(/must be even/);
    expect(() => haar3d(randomTensor([3, 4, 4]))).toThrow(/\(C, T, H, W\)/);
    expect(() => inverseHaar3d(randomTensor([7, 2, 2, 2]))).toThrow(/multiple of 8/);
  });
});
