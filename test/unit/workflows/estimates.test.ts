// Estimates said before anything runs: the decode plan of a selection (start
// frame, snap, resize, crop), and memory and time computed from the model's
// config and the clip's shape, not constants.
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/main/engine/checkpoint/index';
import type { ClipSource } from '../../../src/main/engine/session/clip-sources';
import { estimateSelection } from '../../../src/main/engine/session/clip-selection';
import { estimateDecode, estimateReconstruct, estimateStreamed, LIVE_ACTIVATION_COPIES, widestFloatsPerVoxel, type ModelCostFacts } from '../../../src/main/engine/session/work-estimate';
import { planDecode, type VideoInfo } from '../../../src/main/engine/video/index';
import demoConfig from '../../../resources/models/wfvae-demo/config.json';
import tinyConfig from '../../fixtures/goldens-subset/wfvae2-tiny/config.json';

const info = (width: number, height: number, frames: number, fps = 20): VideoInfo => ({ path: '/v/long.mp4', width, height, frames, fps, codec: 'h264', durationSec: frames / fps, isImage: false });
const demo = parseModelConfig(demoConfig, 'demo');
const tiny = parseModelConfig(tinyConfig, 'tiny');

function facts(config = tiny, rate: ModelCostFacts['rate'] = { seconds: 2e-6, basis: 'measured' }): ModelCostFacts {
  return { className: config.className, config, temporalCompression: 4, latentChannels: 8, weightBytes: 1_000_000, rate };
}

describe('planDecode with a source start frame', () => {
  it('starts at any source frame, also between sample-rate multiples, and reports the resize and crop', () => {
    const p = planDecode(info(84, 48, 280), { startFrame: 101, sampleRate: 2, frames: 23, temporalMultiple: 4 });
    expect(p.frameIndices).toEqual(Array.from({ length: 21 }, (_, i) => 101 + 2 * i));
    expect(p.filter.startsWith("select='between(n,101,141)*not(mod(n-101,2))'")).toBe(true);
    expect([p.resized, p.crop]).toEqual([null, { x: 2, y: 0, width: 80, height: 48 }]);
    const r = planDecode(info(84, 48, 280), { size: 256, frames: 5 });
    expect([r.width, r.height, r.resized, r.crop]).toEqual([448, 256, { width: 448, height: 256 }, null]);
    expect(() => planDecode(info(84, 48, 280), { startFrame: 280 })).toThrow(/start frame 280 is past the end: .* has 280 frames/);
    expect(() => planDecode(info(84, 48, 280), { startFrame: 1, start: 1 })).toThrow(/not both/);
    // Fewer remain than asked: clamped, then snapped.
    expect(planDecode(info(84, 48, 280), { startFrame: 270, frames: 97, temporalMultiple: 4 }).frames).toBe(9);
  });
});

describe('work estimates', () => {
  it('takes the widest decoder activation from the config', () => {
    expect(widestFloatsPerVoxel(demo)).toBe(6); // 2 * 24 channels at (T/2, H/2, W/2)
    expect(widestFloatsPerVoxel(tiny)).toBe(4); // 32 channels at (T/2, H/2, W/2)
  });

  it('grows with T in memory for a whole-clip run and stays flat when streamed', () => {
    const f = facts();
    const small = estimateReconstruct(f, { frames: 17, height: 48, width: 80 });
    const big = estimateReconstruct(f, { frames: 277, height: 48, width: 80 });
    expect(small.bytes).toBe(17 * 48 * 80 * 4 * (LIVE_ACTIVATION_COPIES * 4 + 3));
    expect(big.bytes / small.bytes).toBeCloseTo(277 / 17, 10);
    expect(big.seconds).toBeCloseTo(277 * 48 * 80 * 2e-6, 12);
    const s17 = estimateStreamed(f, { frames: 17, height: 48, width: 80 }, 8, 2);
    const s277 = estimateStreamed(f, { frames: 277, height: 48, width: 80 }, 8, 2);
    expect(s277.bytes).toBe(s17.bytes);
    // 12 frames of activations (2 latent frames = 8 video frames, plus 4 of look-ahead), 2 x (8 + 8 + 4) frames in flight, 2 step sessions.
    expect(s17.bytes).toBe(12 * 3840 * LIVE_ACTIVATION_COPIES * 4 * 4 + 2 * 20 * 3840 * 12 + 2_000_000);
    expect(s277.basis).toContain('flat in T');
  });

  it('says so when a speed is not measured yet instead of guessing', () => {
    expect(estimateReconstruct(facts(tiny, null), { frames: 9, height: 8, width: 8 }).seconds).toBeNull();
    expect(estimateDecode({ frames: 9, height: 8, width: 8 }, 9, null)).toMatchObject({ bytes: 9 * 8 * 8 * 12, seconds: null });
    expect(estimateDecode({ frames: 9, height: 8, width: 8 }, 100, { seconds: 0.01, basis: 'b' }).seconds).toBeCloseTo(1, 10);
  });

  it('estimates a selection: frames 100-196 at native size, and the whole video streamed', () => {
    const source: ClipSource = { id: 's', path: '/v/long.mp4', name: 'long.mp4', temporary: false, info: info(84, 48, 280), decodeRate: { seconds: 0.001, basis: 'm' }, refs: 1 };
    const e = estimateSelection('clip-1', source, { start: 100, frames: 97, sampleRate: 1, size: 'native', snap: 4 }, facts());
    expect(e.plan).toMatchObject({ frames: 97, wanted: 97, firstFrame: 100, lastFrame: 196, width: 80, height: 48, startSeconds: 5, crop: { x: 2, y: 0, width: 80, height: 48 } });
    expect(e.decode).toMatchObject({ bytes: 97 * 48 * 80 * 12 });
    expect(e.decode!.seconds).toBeCloseTo(0.197, 10);
    expect(e.wholeVideo).toMatchObject({ frames: 277, width: 80, height: 48, encChunk: 8, decChunk: 2 });
    expect(e.wholeVideo!.seconds).toBeCloseTo(277 * 3840 * 2e-6 + 0.277, 10);
    expect(e.wholeVideo!.bytes).toBeLessThan(e.reconstruct!.bytes);
    const wrongSnap = estimateSelection('clip-1', source, { start: 0, frames: 9, sampleRate: 1, size: 'native', snap: 8 }, { ...facts(), temporalCompression: 8 });
    expect(wrongSnap.error).toBeNull();
    const off = estimateSelection('clip-1', source, { start: 0, frames: 5, sampleRate: 1, size: 'native', snap: 4 }, { ...facts(), temporalCompression: 8 });
    expect(off.error).toMatch(/5 frames do not fit this 8× model/);
    const none = estimateSelection('clip-1', source, { start: 0, frames: 5, sampleRate: 1, size: 'native', snap: 4 }, { missing: 'no model loaded' });
    expect([none.reconstruct, none.wholeVideo, none.model]).toEqual([null, null, 'no model loaded']);
  });
});
