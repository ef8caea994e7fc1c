// The small pieces behind the model views, on synthetic inputs: the video ->
// tap frame mapping, diff images, tap tiles, latent slices and the verdict line.
import { describe, expect, it } from 'vitest';
import { diffFrame } from '../../../src/engine/session/frame-images';
import { verdictInfo } from '../../../src/engine/session/model-workbench';
import { tapFrameFor, tapView } from '../../../src/engine/session/tap-views';
import { latentSlice } from '../../../src/renderer/src/model/latent-slices';
import { sequentialColor } from '../../../src/shared/colormap';
import type { Latent } from '../../../src/shared/contract';

describe('tapFrameFor', () => {
  it('maps frame f of T to ceil(f (t - 1) / (T - 1)): causal, first to first, last to last', () => {
    expect(Array.from({ length: 17 }, (_, f) => tapFrameFor(f, 17, 5))).toEqual([0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]);
    expect(Array.from({ length: 17 }, (_, f) => tapFrameFor(f, 17, 9))).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8]);
    expect(Array.from({ length: 5 }, (_, f) => tapFrameFor(f, 5, 5))).toEqual([0, 1, 2, 3, 4]);
    for (const [T, t] of [[57, 15], [57, 29], [33, 5], [65, 9]]) {
      for (let f = 0; f < T; f++) expect(tapFrameFor(f, T, t)).toBe(Math.ceil((f * (t - 1)) / (T - 1)));
    }
    expect(tapFrameFor(0, 1, 1)).toBe(0);
    expect(Object.is(tapFrameFor(0, 17, 5), 0)).toBe(true);
  });
});

describe('diffFrame', () => {
  it('takes per pixel the max over channels of |a - b| and maps 0..max onto viridis', () => {
    // (3, T=2, H=1, W=2)
    const a = { data: Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), shape: [3, 2, 1, 2] };
    const b = { data: Float32Array.from([0, 0, 0.1, -0.2, 0, 0, 0, 0.5, 0, 0, 0.3, 0]), shape: [3, 2, 1, 2] };
    const d = diffFrame(a, b, 1);
    // frame 1: pixel 0 max(0.1, 0, 0.3) = 0.3, pixel 1 max(0.2, 0.5, 0) = 0.5
    expect(d.maxAbs).toBeCloseTo(0.5, 7);
    expect(d.gain).toBeCloseTo(2, 6);
    expect(Array.from(d.rgba.slice(0, 3))).toEqual(sequentialColor(0.3, 0, 0.5));
    expect(Array.from(d.rgba.slice(4, 7))).toEqual(sequentialColor(1, 0, 1));
    const same = diffFrame(a, a, 0);
    expect([same.maxAbs, same.gain]).toEqual([0, 0]);
    expect(Array.from(same.rgba.slice(0, 3))).toEqual(sequentialColor(0, 0, 1));
  });
});

describe('tapView', () => {
  const meta = { side: 'encoder' as const, what: 'test' };
  it('shows a 2D coefficient tap as 4 luma subband tiles at the mapped frame', () => {
    // (1, 12, t=3, 1, 1): channel c at frame k holds 100 c + k.
    const data = Float32Array.from({ length: 36 }, (_, i) => 100 * Math.floor(i / 3) + (i % 3));
    const v = tapView({ ...meta, name: 'enc.l1', channels: 12 }, { data, shape: [1, 12, 3, 1, 1] }, 3, 5, 16);
    expect(v.kind).toBe('coefficients');
    expect(v.tapFrame).toBe(2); // ceil(3 * 2 / 4)
    expect(v.tiles.map((t) => t.label)).toEqual(['LL', 'LH', 'HL', 'HH']);
    // Subband s = channels 3s..3s+2: luma = 0.299 (300s + 2) + 0.587 (300s + 102) + 0.114 (300s + 202)
    for (let s = 0; s < 4; s++) expect(v.tiles[s].data[0]).toBeCloseTo(300 * s + 0.299 * 2 + 0.587 * 102 + 0.114 * 202, 3);
    expect(v.tiles.map((t) => t.colormap)).toEqual(['sequential', 'diverging', 'diverging', 'diverging']);
    expect([v.min, v.max]).toEqual([2, 1102]);
  });

  it('caps activation taps at the tile limit and says so', () => {
    const data = Float32Array.from({ length: 32 * 2 * 4 }, (_, i) => i);
    const v = tapView({ ...meta, name: 'enc.inflow.l1', channels: 32 }, { data, shape: [1, 32, 2, 2, 2] }, 0, 5, 6);
    expect(v.kind).toBe('activation');
    expect(v.tiles).toHaveLength(6);
    expect(v.totalTiles).toBe(32);
    expect(v.note).toBe('showing channels 0–5 of 32');
    expect(Array.from(v.tiles[5].data)).toEqual([40, 41, 42, 43]); // channel 5, frame 0
    expect(v.tiles[5].label).toBe('ch 5');
  });
});

describe('latentSlice', () => {
  // (L=3, t=2, h=1, w=2)
  const latent: Latent = {
    clipId: 'c',
    modelId: 'm',
    shape: [3, 2, 1, 2],
    data: Float32Array.from([0, 1, 2, 3, /* ch1 */ -1, -1, 1, 1, /* ch2 */ 5, 5, 5, 5]),
    channelRanges: [
      { min: 0, max: 3 },
      { min: -1, max: 1 },
      { min: 5, max: 5 },
    ],
    latentFrameOf: [0, 1],
  };
  it('normalises channels 0-2 separately as RGB; a flat channel goes to 0', () => {
    expect(Array.from(latentSlice(latent, 'rgb', 1))).toEqual([170, 255, 0, 255, 255, 255, 0, 255]);
  });
  it('colours one channel cool-warm around 0 (blue, red ends)', () => {
    const s = latentSlice(latent, 1, 0);
    expect(Array.from(s.slice(0, 4))).toEqual([59, 76, 192, 255]);
    const t = latentSlice(latent, 1, 1);
    expect(Array.from(t.slice(0, 4))).toEqual([180, 4, 38, 255]);
  });
});

describe('verdictInfo', () => {
  it('says in one line whether chunking can be exact', () => {
    const base = { temporalCompression: 4 as const, spatialCompression: 8 as const, latentChannels: 8 };
    expect(verdictInfo({ ...base, causalSafe: true, timeMixingLayers: [], timeMixing: '' })).toMatchObject({ exact: true, timeMixingLayers: 0, timeMixing: '' });
    const gn = verdictInfo({ ...base, causalSafe: false, timeMixingLayers: ['encoder.mid.0.norm1'], timeMixing: 'GroupNorm over time in 1 layer' });
    expect(gn.headline).toBe('GroupNorm over time in 1 layer: cannot be exact');
    expect(gn.message).toContain('encoder.mid.0.norm1');
  });
});
