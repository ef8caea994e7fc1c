// The frequency view's heatmap: one row per level and subband, each video
// frame showing the coefficient frame that covers it, relative or absolute
// error, coloured on a log scale.
import { describe, expect, it } from 'vitest';
import { divergingRgba, heatmapRgba, subbandHeatmap } from '../../../src/renderer/src/diagnostics/diagnostics-images';
import type { Frequency } from '../../../src/shared/diagnostics-contract';
import { SUBBANDS_3D } from '../../../src/shared/subbands';

function frequency(): Frequency {
  // T = 5 video frames: level 1 has 3 coefficient frames, level 2 has 2.
  const band = (level: number, b: number, frames: number) => ({
    name: SUBBANDS_3D[b],
    original: 0,
    reconstruction: 0,
    error: 0,
    relativeError: 0,
    perFrame: {
      original: Array.from({ length: frames }, () => (b === 7 ? 0 : 10)),
      reconstruction: Array.from({ length: frames }, () => 0),
      error: Array.from({ length: frames }, (_, j) => level * 100 + b * 10 + j),
    },
  });
  return {
    clipId: 'c',
    modelId: 'm',
    frames: 5,
    levels: 2,
    subbands: { levels: [1, 2].map((level) => ({ level, frames: level === 1 ? 3 : 2, bands: SUBBANDS_3D.map((_, b) => band(level, b, level === 1 ? 3 : 2)) })), note: '' },
    wl: null,
    spectrum: { frequency: [], error: [], original: [], relativeError: [], gridShare: 0, frames: 5, note: '' },
    grid: { phaseMean: [], amplitude: 0, note: '' },
  };
}

describe('subbandHeatmap', () => {
  it('maps video frames to the coefficient frames that cover them (level 1: 0,1,1,2,2; level 2: 0,1,1,1,1)', () => {
    const h = subbandHeatmap(frequency(), 'error');
    expect(h.labels).toHaveLength(16);
    expect(h.labels[0]).toBe('L1 LLL');
    expect(h.labels[9]).toBe('L2 LLH');
    expect(h.values[0]).toEqual([100, 101, 101, 102, 102]);
    expect(h.values[9]).toEqual([210, 211, 211, 211, 211]);
  });

  it('relative mode divides by the original and leaves cells without original energy empty', () => {
    const h = subbandHeatmap(frequency(), 'relative');
    expect(h.values[1]).toEqual([11, 11.1, 11.1, 11.2, 11.2]);
    expect(h.values[7]).toEqual([null, null, null, null, null]);
  });

  it('colours on a log scale: the smallest value dark purple, the largest yellow, empty cells grey', () => {
    const img = heatmapRgba({ labels: ['a'], frames: 4, values: [[1, 10, 100, null]] });
    expect(img.min).toBe(1);
    expect(img.max).toBe(100);
    expect(Array.from(img.rgba.subarray(0, 4))).toEqual([68, 1, 84, 255]);
    expect(Array.from(img.rgba.subarray(8, 12))).toEqual([253, 231, 37, 255]);
    expect(Array.from(img.rgba.subarray(12, 16))).toEqual([40, 44, 52, 255]);
    // 10 is half-way in log10: viridis' middle.
    expect(img.rgba[5]).toBeGreaterThan(100);
  });

  it('diverging maps are symmetric around 0', () => {
    const rgba = divergingRgba([-1, 0, 1]);
    expect(Array.from(rgba.subarray(4, 7))).toEqual([221, 221, 221]);
    expect(Array.from(rgba.subarray(0, 3))).toEqual([59, 76, 192]);
    expect(Array.from(rgba.subarray(8, 11))).toEqual([180, 4, 38]);
  });
});
