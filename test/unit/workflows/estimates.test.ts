// Estimates said before anything runs: the decode plan of a selection (start
// frame, snap, resize, crop), and memory and time computed from the model's
// config and the clip's shape, not constants.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import type { ClipSource } from '../../../src/engine/session/clip-sources';
import { estimateSelection } from '../../../src/engine/session/clip-selection';
import { estimateDecode, estimateReconstruct, estimateStreamed, type ModelCostFacts } from '../../../src/engine/session/work-estimate';
import { planDecode, type VideoInfo } from '../../../src/engine/video/index';

const info = (width: number, height: number, frames: number, fps = 20): VideoInfo => ({ path: '/v/long.mp4', width, height, frames, fps, codec: 'h264', durationSec: frames / fps, isImage: false });
const MB = 2 ** 20;
const ROOM = { bytes: 1e15, source: 'test' };
const TIGHT = { bytes: 1, source: 'test' };

let dir: string;
let model: WfvaeModel;
const saved = process.env.WFVAE_CACHE_DIR;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-estimates-test-'));
  process.env.WFVAE_CACHE_DIR = dir;
  model = await WfvaeModel.load(resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny'));
});
afterAll(async () => {
  await model?.dispose();
  if (saved === undefined) delete process.env.WFVAE_CACHE_DIR;
  else process.env.WFVAE_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

function facts(rate: ModelCostFacts['rate'] = { seconds: 2e-6, basis: 'measured' }): ModelCostFacts {
  return { className: 'WFVAE2Model', manifest: model.manifest, temporalCompression: 4, rate };
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
  it("reconstructing whole grows with T; streamed with Causal Cache it does not (the runtime's memory plan)", () => {
    const small = estimateReconstruct(facts(), { frames: 17, height: 48, width: 80 }, ROOM);
    const big = estimateReconstruct(facts(), { frames: 277, height: 48, width: 80 }, ROOM);
    expect([small.bytesMeaning, small.fits]).toEqual(['peak', true]);
    // 260 more frames of 48x80: at least the clip and its reconstruction, 2 x 260 x 3 x 48 x 80 x 4 bytes.
    expect(big.bytes - small.bytes).toBeGreaterThan(2 * 260 * 3 * 48 * 80 * 4);
    expect(big.seconds).toBeCloseTo(277 * 48 * 80 * 2e-6, 12);
    expect(estimateReconstruct(facts(), { frames: 17, height: 48, width: 80 }, TIGHT).fits).toBe(false);
    const s17 = estimateStreamed(facts(), { frames: 17, height: 48, width: 80 }, ROOM);
    const s277 = estimateStreamed(facts(), { frames: 277, height: 48, width: 80 }, ROOM);
    expect([s17.encChunk, s17.decChunk]).toEqual([8, 2]);
    // Equal but for the process's own memory moving between the two calls.
    expect(Math.abs(s277.bytes - s17.bytes)).toBeLessThan(8 * MB);
    expect(s277.basis).toContain('flat in T (277 frames)');
    // A budget nothing fits: the smallest chunks on the ladder, said not to fit.
    expect(estimateStreamed(facts(), { frames: 17, height: 48, width: 80 }, TIGHT)).toMatchObject({ encChunk: 4, decChunk: 1, fits: false });
  });

  it('says so when a speed is not measured yet instead of guessing', () => {
    expect(estimateReconstruct(facts(null), { frames: 9, height: 8, width: 8 }, ROOM).seconds).toBeNull();
    expect(estimateDecode({ frames: 9, height: 8, width: 8 }, 9, null)).toMatchObject({ bytes: 9 * 8 * 8 * 12, bytesMeaning: 'added', seconds: null });
    expect(estimateDecode({ frames: 9, height: 8, width: 8 }, 100, { seconds: 0.01, basis: 'b' }).seconds).toBeCloseTo(1, 10);
  });

  it('estimates a selection: frames 100-196 at native size, and the whole video streamed', () => {
    const source: ClipSource = { id: 's', path: '/v/long.mp4', name: 'long.mp4', temporary: false, info: info(84, 48, 280), decodeRate: { seconds: 0.001, basis: 'm' }, refs: 1 };
    const e = estimateSelection('clip-1', source, { start: 100, frames: 97, sampleRate: 1, size: 'native', snap: 4 }, facts());
    expect(e.plan).toMatchObject({ frames: 97, wanted: 97, firstFrame: 100, lastFrame: 196, width: 80, height: 48, startSeconds: 5, crop: { x: 2, y: 0, width: 80, height: 48 } });
    expect(e.decode).toMatchObject({ bytes: 97 * 48 * 80 * 12 });
    expect(e.decode!.seconds).toBeCloseTo(0.197, 10);
    expect(e.wholeVideo).toMatchObject({ frames: 277, width: 80, height: 48 });
    expect(e.wholeVideo!.seconds).toBeCloseTo(277 * 3840 * 2e-6 + 0.277, 10);
    expect(e.wholeVideo!.bytes).toBeLessThan(e.reconstruct!.bytes);
    const off = estimateSelection('clip-1', source, { start: 0, frames: 5, sampleRate: 1, size: 'native', snap: 4 }, { ...facts(), temporalCompression: 8 });
    expect(off.error).toMatch(/5 frames do not fit this 8× model/);
    const none = estimateSelection('clip-1', source, { start: 0, frames: 5, sampleRate: 1, size: 'native', snap: 4 }, { missing: 'no model loaded' });
    expect([none.reconstruct, none.wholeVideo, none.model]).toEqual([null, null, 'no model loaded']);
  });
});
