// The evaluation's measures on synthetic inputs whose answers are known.
import { describe, expect, it } from 'vitest';
import { fft, powerSpectrum2d } from '../../../src/engine/eval/fft';
import { StreamingHaar3d } from '../../../src/engine/eval/haar-stream';
import { SubbandErrorAccumulator, fittingLevels } from '../../../src/engine/eval/subband-error';
import { SpectrumAccumulator, SPECTRUM_BINS } from '../../../src/engine/eval/spectrum';
import { flatProbeClip, GridPhaseAccumulator } from '../../../src/engine/eval/grid-probe';
import { ClipMeasures } from '../../../src/engine/eval/clip-measures';
import { poolClip, quantize } from '../../../src/engine/eval/pooling';
import { WlAccumulator, wlPairs } from '../../../src/engine/eval/wl-consistency';
import { multiLevelHaar3d, reconstructMultiLevel, ORTHONORMAL_HAAR3D_COEFFICIENT, SUBBANDS_3D, type HaarLevel } from '../../../src/engine/wavelet/index';
import type { Tensor } from '../../../src/engine/tensor';

/** Deterministic pseudo-random numbers in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

function randomVideo(shape: [number, number, number, number], seed: number, scale = 1): Tensor {
  const r = rng(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = scale * r();
  return { data, shape };
}

/** Frame t of a (C, T, H, W) tensor as (C, H, W) planar. */
function frameOf(v: Tensor, t: number): Float32Array {
  const [C, T, H, W] = v.shape;
  const out = new Float32Array(C * H * W);
  for (let c = 0; c < C; c++) out.set(v.data.subarray((c * T + t) * H * W, (c * T + t + 1) * H * W), c * H * W);
  return out;
}

describe('fft', () => {
  it.each([1, 2, 6, 8, 12, 17, 64])('matches the direct DFT at length %i', (n) => {
    const r = rng(n);
    const re = Float64Array.from({ length: n }, r);
    const im = Float64Array.from({ length: n }, r);
    const want = Array.from({ length: n }, (_, k) => {
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        const a = (-2 * Math.PI * j * k) / n;
        sr += re[j] * Math.cos(a) - im[j] * Math.sin(a);
        si += re[j] * Math.sin(a) + im[j] * Math.cos(a);
      }
      return [sr, si];
    });
    fft(re, im);
    for (let k = 0; k < n; k++) {
      expect(re[k]).toBeCloseTo(want[k][0], 9);
      expect(im[k]).toBeCloseTo(want[k][1], 9);
    }
  });

  it('puts a 2D cosine at its two frequencies (Parseval: power sums to H W * sum x^2)', () => {
    const H = 12;
    const W = 20;
    const plane = Float64Array.from({ length: H * W }, (_, i) => Math.cos((2 * Math.PI * 3 * (i % W)) / W));
    const p = powerSpectrum2d(plane, H, W);
    const energy = plane.reduce((a, v) => a + v * v, 0);
    expect(p.reduce((a, v) => a + v, 0)).toBeCloseTo(H * W * energy, 6);
    expect(p[3] + p[W - 3]).toBeCloseTo(H * W * energy, 6);
  });
});

describe('StreamingHaar3d', () => {
  it('fed frame by frame, equals the whole-clip multi-level Haar', () => {
    const v = randomVideo([3, 17, 16, 24], 7);
    const whole = multiLevelHaar3d(v, 3);
    const got: Map<string, Float32Array[]> = new Map();
    const s = new StreamingHaar3d(3, 3, 16, 24, ORTHONORMAL_HAAR3D_COEFFICIENT, (f) => got.set(`${f.level}/${f.index}`, f.bands));
    for (let t = 0; t < 17; t++) s.push(frameOf(v, t));
    expect(s.unpaired).toBe(0);
    for (const lv of whole) {
      const [, T] = lv.shape;
      for (let j = 0; j < T; j++) {
        const bands = got.get(`${lv.level}/${j}`)!;
        SUBBANDS_3D.forEach((name, f) => {
          const want = frameOf(lv.subbands[name], j);
          let m = 0;
          for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(want[i] - bands[f][i]));
          expect(m).toBeLessThan(1e-6);
        });
      }
    }
    expect(got.size).toBe(9 + 5 + 3);
  });

  it('fittingLevels: stops where the frame count or sides stop allowing a level', () => {
    expect(fittingLevels(3, 33, 256, 256)).toBe(3);
    expect(fittingLevels(3, 17, 64, 64)).toBe(3);
    expect(fittingLevels(3, 13, 64, 64)).toBe(2); // 13 -> 7 -> 4 (even)
    expect(fittingLevels(3, 9, 12, 12)).toBe(2); // sides 12 -> 6 -> 3
  });
});

describe('SubbandErrorAccumulator', () => {
  it('an error built in level 2 HLH alone shows up there and nowhere else, with its energy', () => {
    const T = 17;
    const [H, W] = [32, 32];
    const orig = randomVideo([3, T, H, W], 3, 0.5);
    // A pyramid of zeros with random coefficients in level-2 HLH, frames j >= 1.
    const levels = multiLevelHaar3d({ data: new Float32Array(orig.data.length), shape: orig.shape }, 2);
    const r = rng(11);
    const band = levels[1].subbands.HLH;
    const [, T2, H2, W2] = band.shape;
    let want = 0;
    for (let c = 0; c < 3; c++) {
      for (let j = 1; j < T2; j++) {
        for (let i = 0; i < H2 * W2; i++) {
          const v = 0.05 * r();
          band.data[(c * T2 + j) * H2 * W2 + i] = v;
          want += v * v;
        }
      }
    }
    const delta = reconstructMultiLevel(levels as HaarLevel[]);
    const acc = new SubbandErrorAccumulator(2, 3, H, W);
    for (let t = 0; t < T; t++) {
      const o = frameOf(orig, t);
      const d = frameOf(delta, t);
      acc.push(o, o.map((x, i) => x - d[i]));
    }
    const rep = acc.report();
    expect(rep.levels.map((l) => l.frames)).toEqual([9, 5]);
    const err = (level: number, name: string) => rep.levels[level - 1].bands.find((b) => b.name === name)!.error;
    expect(err(2, 'HLH')).toBeCloseTo(want, 6);
    for (const name of SUBBANDS_3D) {
      if (name !== 'HLH') expect(err(2, name)).toBeLessThan(want * 1e-9);
      if (name !== 'LLL') expect(err(1, name)).toBeLessThan(want * 1e-9);
    }
    // Level 1 LLL holds the whole error (the level-2 subbands decompose it; no frame-0 padding was touched).
    expect(err(1, 'LLL')).toBeCloseTo(want, 6);
    const hlh = rep.levels[1].bands.find((b) => b.name === 'HLH')!;
    expect(hlh.perFrame.error[0]).toBe(0);
    expect(hlh.perFrame.error.reduce((a, b) => a + b, 0)).toBeCloseTo(want, 6);
    expect(hlh.relativeError).toBeCloseTo(want / hlh.original, 9);
  });
});

describe('SpectrumAccumulator and the grid', () => {
  const H = 32;
  const W = 48;
  const cosPlane = (k: number, a: number) => Float64Array.from({ length: H * W }, (_, i) => a * Math.cos((2 * Math.PI * k * (i % W)) / W));

  it('a cosine error of amplitude a puts a^2 / 2 in the bin of its frequency', () => {
    const acc = new SpectrumAccumulator(H, W);
    const a = 0.1;
    acc.push(cosPlane(5, a), cosPlane(5, 1));
    acc.push(cosPlane(5, a), cosPlane(5, 1));
    const s = acc.result();
    const bin = Math.floor((5 / W / 0.5) * SPECTRUM_BINS);
    expect(s.error[bin]).toBeCloseTo((a * a) / 2, 12);
    expect(s.error.reduce((x, y) => x + y, 0)).toBeCloseTo((a * a) / 2, 12);
    expect(s.relativeError[bin]).toBeCloseTo(a * a, 9);
    expect(s.frames).toBe(2);
    expect(s.gridShare).toBeLessThan(1e-20);
  });

  it('an error at the 8-pixel grid frequency has grid share 1; the phase map shows its pattern', () => {
    const acc = new SpectrumAccumulator(H, W);
    const err = cosPlane(W / 8, 0.02);
    acc.push(err, cosPlane(1, 1));
    expect(acc.result().gridShare).toBeCloseTo(1, 12);
    const grid = new GridPhaseAccumulator(H, W);
    grid.push(err);
    const g = grid.result();
    for (let px = 0; px < 8; px++) expect(g.phaseMean[3 * 8 + px]).toBeCloseTo(0.02 * Math.cos((2 * Math.PI * px) / 8), 12);
    expect(g.amplitude).toBeCloseTo(0.04 * 255, 9);
  });

  it('the flat probe clip is flat: every frame one colour', () => {
    const p = flatProbeClip(17, 16, 16);
    expect(p.shape).toEqual([3, 17, 16, 16]);
    expect(p.data[0]).toBeCloseTo(128 / 127.5 - 1, 7);
    const f9 = frameOf(p, 9);
    expect(new Set(f9.subarray(0, 256)).size).toBe(1);
    expect(f9[0]).toBeCloseTo(32 / 127.5 - 1, 7);
  });
});

describe('ClipMeasures: temporal measures and pooling', () => {
  it('alternating brightness +-a: tde = flicker = 2a on [0, 1], mse = a^2', async () => {
    const [T, H, W] = [5, 16, 16];
    const a = 0.05;
    const orig: Tensor = { data: new Float32Array(3 * T * H * W), shape: [3, T, H, W] };
    const rec: Tensor = { data: new Float32Array(3 * T * H * W), shape: [3, T, H, W] };
    for (let c = 0; c < 3; c++) for (let t = 0; t < T; t++) rec.data.fill((t % 2 ? -1 : 1) * 2 * a, (c * T + t) * H * W, (c * T + t + 1) * H * W);
    const m = new ClipMeasures({ frames: T, height: H, width: W, levels: 2, frequency: true });
    await m.push(orig, rec);
    const col = m.columns;
    expect(col.tde[0]).toBeNull();
    for (let t = 1; t < T; t++) {
      expect(col.tde[t]).toBeCloseTo(2 * a, 6);
      expect(col.flicker[t]).toBeCloseTo(2 * a, 6);
    }
    for (const mse of col.mse) expect(mse).toBeCloseTo(a * a, 7);
    const pooled = poolClip(col, { psnr: 'mean-of-frames', psnrCap: 100 }, [2]);
    expect(pooled.psnr).toBeCloseTo(10 * Math.log10(1 / (a * a)), 4);
    expect(pooled.seams.tdeAtSeams).toBeCloseTo(2 * a, 6);
    expect(pooled.flickerMax).toBeCloseTo(2 * a, 6);
    // Constant error over the frame: all of it is DC, no grid pattern.
    expect(m.frequency()!.grid.amplitude).toBeCloseTo(0, 9);
  });

  it('pools PSNR as the protocol says: mean of per-frame PSNRs, or one MSE; identical frames cap at 100 for the paper', () => {
    const col = { mse: [1e-2, 1e-4], ssim: [1, 1], lpips: null, tde: [null, 0], flicker: [null, 0], lumaOriginal: [0, 0], lumaReconstruction: [0, 0] };
    expect(poolClip(col, { psnr: 'mean-of-frames', psnrCap: 100 }, []).psnr).toBeCloseTo(30, 9);
    expect(poolClip(col, { psnr: 'video-mse', psnrCap: null }, []).psnr).toBeCloseTo(10 * Math.log10(1 / 0.00505), 9);
    const same = { ...col, mse: [0, 1e-2] };
    expect(poolClip(same, { psnr: 'mean-of-frames', psnrCap: 100 }, [])).toMatchObject({ psnr: 100, psnrCapped: true, identicalFrames: 1 });
    expect(poolClip(col, { psnr: 'mean-of-frames', psnrCap: 100 }, [])).toMatchObject({ psnrCapped: false, identicalFrames: 0 });
    expect(poolClip(same, { psnr: 'video-mse', psnrCap: null }, []).psnr).toBeCloseTo(10 * Math.log10(1 / 0.005), 9);
  });

  it('quantize: floor (the reference\'s astype(uint8)) vs round, clamped, NaN to 0', () => {
    const x = Float32Array.from([-2, -1, 0.5 / 127.5 - 1 + 0.3 / 127.5, 0, 0.999, 2, NaN]);
    const floor = quantize(x, 'uint8-floor');
    const round = quantize(x, 'uint8-round');
    const lv = (v: number) => Math.round((v + 1) * 127.5);
    expect(Array.from(floor, lv)).toEqual([0, 0, 0, 127, 254, 255, 0]);
    expect(Array.from(round, lv)).toEqual([0, 0, 1, 128, 255, 255, 0]);
    expect(Array.from(quantize(x, 'float')).slice(0, 2)).toEqual([-1, -1]);
  });
});

describe('WL consistency', () => {
  it('pairs the taps each model class exposes', () => {
    expect(wlPairs(['enc.l1', 'enc.l2', 'dec.l2', 'dec.l1', 'enc.inflow.l1'])).toEqual([
      { level: 'l1', encoder: 'enc.l1', decoder: 'dec.l1' },
      { level: 'l2', encoder: 'enc.l2', decoder: 'dec.l2' },
    ]);
    expect(wlPairs(['enc.coeffs.0', 'enc.coeffs.1', 'dec.coeffs.0', 'dec.coeffs.1'])).toEqual([
      { level: 'block 0', encoder: 'enc.coeffs.0', decoder: 'dec.coeffs.1' },
      { level: 'block 1', encoder: 'enc.coeffs.1', decoder: 'dec.coeffs.0' },
    ]);
  });

  it('chunks arriving on each side at their own pace: mean |d|, sum |d|, relative L2 and per-subband values', () => {
    const [C, T, H, W] = [24, 5, 2, 2];
    const enc = new Float32Array(C * T * H * W).fill(1);
    const dec = new Float32Array(C * T * H * W).fill(1);
    // Subband HLH (channels 15..17) is off by 0.5 in every frame.
    for (let c = 15; c < 18; c++) dec.fill(1.5, c * T * H * W, (c + 1) * T * H * W);
    const slice = (d: Float32Array, a: number, b: number): Tensor => {
      const out = new Float32Array(C * (b - a) * H * W);
      for (let c = 0; c < C; c++) out.set(d.subarray((c * T + a) * H * W, (c * T + b) * H * W), c * (b - a) * H * W);
      return { data: out, shape: [1, C, b - a, H, W] };
    };
    const wl = new WlAccumulator([{ level: 'l2', encoder: 'enc.l2', decoder: 'dec.l2' }]);
    wl.pushEncoder({ 'enc.l2': slice(enc, 0, 3) });
    wl.pushDecoder({ 'dec.l2': slice(dec, 0, 1) });
    wl.pushEncoder({ 'enc.l2': slice(enc, 3, 5) });
    wl.pushDecoder({ 'dec.l2': slice(dec, 1, 5) });
    const [lv] = wl.report().levels;
    expect(lv.frames).toBe(5);
    expect(lv.sumAbs).toBeCloseTo(0.5 * 3 * T * H * W, 9);
    expect(lv.meanAbs).toBeCloseTo(0.5 / 8, 12);
    expect(lv.relativeL2).toBeCloseTo((0.25 * 3) / C, 12);
    expect(lv.perFrame.meanAbs).toEqual(Array(5).fill(0.5 / 8));
    expect(lv.perSubband.find((s) => s.name === 'HLH')!.meanAbs).toBeCloseTo(0.5, 12);
    expect(lv.perSubband.find((s) => s.name === 'LLL')!.meanAbs).toBe(0);
  });
});

describe('shards', () => {
  it('--shard i/n, Slurm arrays (offset by their first id) and Kubernetes Indexed Jobs; bad values named', async () => {
    const { parseShard, shardFromEnv, shardIndices } = await import('../../../src/engine/eval/shard');
    expect(parseShard('3/10')).toMatchObject({ index: 3, count: 10 });
    expect(() => parseShard('10/10')).toThrow(/outside 0..9/);
    expect(() => parseShard('3')).toThrow(/takes i\/n/);
    expect(shardFromEnv({})).toBeNull();
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_COUNT: '8' })).toMatchObject({ index: 7, count: 8 });
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '12', SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_COUNT: '4' })).toMatchObject({ index: 2, count: 4 });
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '1' })).toThrow(/SLURM_ARRAY_TASK_COUNT is not/);
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '4' }, 5)).toMatchObject({ index: 4, count: 5, source: 'JOB_COMPLETION_INDEX' });
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '4' })).toThrow(/--shard-count N or set WFVAE_SHARD_COUNT/);
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: 'x' })).toThrow(/not a whole number/);
    expect(shardIndices(10, { index: 1, count: 3, source: '' })).toEqual([1, 4, 7]);
    expect(shardIndices(3, null)).toEqual([0, 1, 2]);
  });
});
