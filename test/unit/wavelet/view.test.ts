import { describe, expect, it } from 'vitest';
import { lumaTile, multiLevelHaar3d, subbandView } from '../../../src/engine/wavelet';
import { coefficientFrameFor, SUBBANDS_3D } from '../../../src/shared/subbands';
import type { Tensor } from '../../../src/engine/tensor';
import { randomTensor } from './helpers';

/** A (3, T, H, W) video in which frame t has value (t + 1) / T in every pixel and channel. */
function rampVideo(T: number, H: number, W: number): Tensor {
  const data = new Float32Array(3 * T * H * W);
  for (let c = 0; c < 3; c++) for (let t = 0; t < T; t++) data.fill((t + 1) / T, (c * T + t) * H * W, (c * T + t + 1) * H * W);
  return { data, shape: [3, T, H, W] };
}

describe('coefficientFrameFor', () => {
  it('maps frames causally: frame 0 alone, then pairs (2j-1, 2j)', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((f) => coefficientFrameFor(f, 1))).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((f) => coefficientFrameFor(f, 2))).toEqual([0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect([0, 1, 4, 5, 8, 9, 16].map((f) => coefficientFrameFor(f, 3))).toEqual([0, 1, 1, 1, 1, 2, 2]);
  });
});

describe('subbandView', () => {
  it('picks the coefficient frame that covers the requested frame at every level', () => {
    // Frame means are (t+1)/T; a level-1 LLL coefficient frame j averages frames 2j-1 and 2j, so its
    // value identifies j. Level 2's LLL frame covers 4 input frames.
    const T = 17;
    const video = rampVideo(T, 8, 8);
    const k = 1 / Math.sqrt(8);
    const view = subbandView(video, 2, 6);
    expect(view.frame).toBe(6);
    expect(view.levels.map((l) => l.coefficientFrame)).toEqual([3, 2]);
    const lll1 = view.levels[0].tiles[0];
    expect(lll1.name).toBe('LLL');
    expect(lll1.width).toBe(4);
    expect(lll1.height).toBe(4);
    // luma weights sum to 1, so the luma tile of identical channels is that channel's band
    expect(lll1.data[0]).toBeCloseTo(8 * k * ((5 + 1) / T + (6 + 1) / T) / 2, 5);
    expect(lll1.min).toBeCloseTo(lll1.max, 6);
    // level 2 frame 2 covers level-1 frames 3 and 4 = input frames 5..8
    const mean58 = ((6 + 7 + 8 + 9) / 4) / T;
    expect(view.levels[1].tiles[0].data[0]).toBeCloseTo(64 * k * k * mean58, 4);
    // HLL carries the temporal difference: first frame minus second
    const hll1 = view.levels[0].tiles[4];
    expect(hll1.name).toBe('HLL');
    expect(hll1.data[0]).toBeCloseTo(4 * k * ((6 - 7) / T), 5);
    expect(view.levels[0].tiles.map((t) => t.name)).toEqual([...SUBBANDS_3D]);
    expect(view.note).toMatch(/0\.299 R \+ 0\.587 G \+ 0\.114 B/);
  });

  it('frame 0 maps to coefficient frame 0 whose temporal high bands are exactly zero', () => {
    const view = subbandView(randomTensor([3, 9, 8, 8], 4), 3, 0);
    expect(view.levels.map((l) => l.coefficientFrame)).toEqual([0, 0, 0]);
    for (const l of view.levels) for (const tile of l.tiles.slice(4)) expect(Math.max(Math.abs(tile.min), Math.abs(tile.max))).toBe(0);
  });

  it('tiles are the luma combination of the colour subbands', () => {
    const video = randomTensor([3, 5, 8, 8], 6);
    const levels = multiLevelHaar3d(video, 1);
    const band = levels[0].subbands.LHL;
    const tile = lumaTile('LHL', band, 2);
    const [, T, H, W] = band.shape;
    const i = 5;
    const want = 0.299 * band.data[(0 * T + 2) * H * W + i] + 0.587 * band.data[(1 * T + 2) * H * W + i] + 0.114 * band.data[(2 * T + 2) * H * W + i];
    expect(tile.data[i]).toBeCloseTo(want, 6);
  });

  it('keeps min and max finite when a tile holds NaN', () => {
    const band = randomTensor([3, 1, 2, 2], 3);
    band.data[1] = NaN;
    const tile = lumaTile('LLL', band, 0);
    expect(Number.isFinite(tile.min) && Number.isFinite(tile.max)).toBe(true);
    const allNaN = { data: new Float32Array(12).fill(NaN), shape: [3, 1, 2, 2] };
    expect([lumaTile('HHH', allNaN, 0).min, lumaTile('HHH', allNaN, 0).max]).toEqual([0, 0]);
  });

  it('rejects an out-of-range frame and a non-RGB input', () => {
    expect(() => subbandView(randomTensor([3, 9, 8, 8]), 1, 9)).toThrow(/frame 9 is out of range: the clip has 9 frames/);
    expect(() => subbandView(randomTensor([3, 9, 8, 8]), 1, -1)).toThrow(/out of range/);
    expect(() => subbandView(randomTensor([1, 9, 8, 8]), 1, 0)).toThrow(/\(3, T, H, W\)/);
  });
});
