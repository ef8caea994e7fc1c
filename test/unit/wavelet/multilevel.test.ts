import { describe, expect, it } from 'vitest';
import {
  haar3d,
  maxHaarLevels,
  multiLevelHaar3d,
  reconstructMultiLevel,
  subbandEnergy,
} from '../../../src/engine/wavelet';
import { SUBBANDS_3D } from '../../../src/shared/subbands';
import { energy, firstFrameEnergy, maxAbs, randomTensor } from './helpers';

describe('maxHaarLevels', () => {
  it('counts levels while T is odd and H, W even', () => {
    expect(maxHaarLevels(17, 64, 64)).toBe(4); // 17 -> 9 -> 5 -> 3 -> 2
    expect(maxHaarLevels(9, 64, 64)).toBe(3);
    expect(maxHaarLevels(5, 64, 64)).toBe(2);
    expect(maxHaarLevels(7, 64, 64)).toBe(1);
    expect(maxHaarLevels(4, 64, 64)).toBe(0);
    expect(maxHaarLevels(1, 64, 64)).toBe(6); // spatially limited: 64 -> 1
    expect(maxHaarLevels(33, 24, 64)).toBe(3); // 24 -> 12 -> 6 -> 3
  });
});

describe('multiLevelHaar3d', () => {
  it('has the right shapes for T=17, 64x64, 3 levels, and each level is haar3d of the previous LLL', () => {
    const x = randomTensor([3, 17, 64, 64], 2);
    const levels = multiLevelHaar3d(x, 3);
    expect(levels.map((l) => l.shape)).toEqual([
      [3, 9, 32, 32],
      [3, 5, 16, 16],
      [3, 3, 8, 8],
    ]);
    for (const l of levels) for (const name of SUBBANDS_3D) expect(l.subbands[name].shape).toEqual(l.shape);
    const l2 = haar3d(levels[0].subbands.LLL);
    const band = l2.data.length / 8;
    SUBBANDS_3D.forEach((name, f) => {
      expect(maxAbs(levels[1].subbands[name].data, l2.data.subarray(f * band, (f + 1) * band))).toBe(0);
    });
  });

  it('reconstructs the input within 1e-5 from 3 levels', () => {
    const x = randomTensor([3, 17, 64, 64], 8);
    const y = reconstructMultiLevel(multiLevelHaar3d(x, 3));
    expect(y.shape).toEqual([3, 17, 64, 64]);
    expect(maxAbs(x.data, y.data)).toBeLessThan(1e-5);
  });

  it('propagates edits of deep subbands into the reconstruction', () => {
    const x = randomTensor([3, 9, 16, 16], 8);
    const levels = multiLevelHaar3d(x, 2);
    levels[1].subbands.HHH.data.fill(0);
    const y = reconstructMultiLevel(levels);
    expect(maxAbs(x.data, y.data)).toBeGreaterThan(1e-3);
  });

  it('keeps the padded-signal energy at every level within 1e-5 relative', () => {
    const x = randomTensor([3, 17, 32, 32], 13);
    const levels = multiLevelHaar3d(x, 3);
    const report = subbandEnergy(levels);
    let input = x;
    levels.forEach((lv, i) => {
      const padded = energy(input.data) + firstFrameEnergy(input);
      const got = report.levels[i].subbands.reduce((a, s) => a + s.energy, 0);
      expect(Math.abs(got - padded) / padded).toBeLessThan(1e-5);
      input = lv.subbands.LLL;
    });
    expect(report.total).toBeCloseTo(report.levels[0].total, 9);
    expect(report.note).toMatch(/padded/);
  });

  it('reports shares that add up and per-frame energies that sum to the band energy', () => {
    const x = randomTensor([3, 9, 16, 16], 17);
    const report = subbandEnergy(multiLevelHaar3d(x, 2));
    for (const lv of report.levels) {
      expect(lv.subbands.map((s) => s.name)).toEqual([...SUBBANDS_3D]);
      expect(lv.subbands.reduce((a, s) => a + s.share, 0)).toBeCloseTo(1, 9);
      for (const s of lv.subbands) {
        expect(s.perFrame).toHaveLength(lv.frames);
        expect(s.perFrame.reduce((a, p) => a + p.energy, 0)).toBeCloseTo(s.energy, 6);
        expect(s.shareOfTotal).toBeCloseTo(s.energy / report.total, 12);
      }
      for (let t = 0; t < lv.frames; t++) {
        expect(lv.subbands.reduce((a, s) => a + s.perFrame[t].share, 0)).toBeCloseTo(1, 9);
      }
    }
    expect(report.levels[0].subbands.reduce((a, s) => a + s.shareOfTotal, 0)).toBeCloseTo(1, 9);
  });

  it('says clearly when there are too many levels', () => {
    expect(() => multiLevelHaar3d(randomTensor([3, 5, 16, 16]), 3)).toThrow(/at most 2.*1 \+ 8k frames/);
    expect(() => multiLevelHaar3d(randomTensor([3, 9, 8, 8]), 4)).toThrow(/at most 3/);
    expect(() => multiLevelHaar3d(randomTensor([3, 9, 8, 8]), 0)).toThrow(/at least 1/);
  });
});
