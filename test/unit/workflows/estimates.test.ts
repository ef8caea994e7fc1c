// Estimates said before anything runs: the decode plan of a selection (start
// frame, snap, resize, crop), and memory and time from the one planner
// (engine/plan/plan-work.ts): memory from the model's config and the clip's
// shape, time from this machine's measured speed (calibration), the same
// figures wherever the app shows them, and the frames the run will take.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { Calibration, fitLine, KIND_FACTOR } from '../../../src/engine/plan/calibration';
import { planDecodeSelection, planWork } from '../../../src/engine/plan/plan-work';
import { refusalFacts } from '../../../src/engine/plan/refusal';
import { estimateCached, estimateWhole } from '../../../src/engine/runtime/memory-plan';
import { cliRefusal } from '../../../src/cli/refusal-text';
import { guiRefusal } from '../../../src/engine/session/gui-messages';
import type { ClipSource } from '../../../src/engine/session/clip-sources';
import { estimateSelection, wholeVideoDecode } from '../../../src/engine/session/clip-selection';
import { SessionPlans, wireRunPlan } from '../../../src/engine/session/session-plans';
import { planDecode, type VideoInfo } from '../../../src/engine/video/index';
import { clock, formatDuration } from '../../../src/shared/duration';

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

const KEY = { modelSha256: 'test', provider: 'cpu', threads: 2 };
/** A calibration holding one measured app reconstruct at 48x80: 2 us per voxel. */
const measured = () => Calibration.memory(KEY, { 'app-reconstruct': [{ area: 48 * 80, secondsPerVoxel: 2e-6, voxels: 1e6, runs: 1, last: 'a run' }] });

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

describe('the planner', () => {
  it("reconstructing in the app holds the clip and its taps, so it grows with T; the whole video streamed does not", () => {
    const app = (frames: number, budget = ROOM) => planWork({ kind: 'app-reconstruct', manifest: model.manifest, clip: { frames, height: 48, width: 80 }, budget, baseBytes: 100 * MB }, null);
    const small = app(17);
    const big = app(277);
    expect(small.settings).toEqual({ mode: 'cached', encChunk: 8, decChunk: 2 });
    // 260 more frames of 48x80: at least the compute thread's copy and the reconstruction, 2 x 260 x 3 x 48 x 80 x 4 bytes.
    expect(big.estimate.totalBytes - small.estimate.totalBytes).toBeGreaterThan(2 * 260 * 3 * 48 * 80 * 4);
    expect(app(17, TIGHT)).toMatchObject({ fits: false });
    expect(refusalFacts(app(17, TIGHT).refusal!)).toMatch(/more than the budget of 0 MB \(test\)/);
    const video = (frames: number) => planWork({ kind: 'whole-video', manifest: model.manifest, clip: { frames, height: 48, width: 80 }, budget: ROOM, baseBytes: 100 * MB }, null);
    expect(video(277).estimate.totalBytes).toBe(video(17).estimate.totalBytes);
    expect(video(277).settings).toEqual({ mode: 'cached', encChunk: 8, decChunk: 2 });
  });

  it('time: none before anything is measured; the same kind measured here; another kind scaled until its own run', async () => {
    const clip = { frames: 277, height: 48, width: 80 };
    expect(planWork({ kind: 'whole-video', manifest: model.manifest, clip, budget: ROOM }, Calibration.memory(KEY)).time).toBeNull();
    const cal = measured();
    const own = planWork({ kind: 'app-reconstruct', manifest: model.manifest, clip, budget: ROOM }, cal).time!;
    expect(own.seconds).toBeCloseTo(277 * 48 * 80 * 2e-6, 12);
    expect(own.basis).toMatch(/^measured here: a run/);
    const scaled = planWork({ kind: 'whole-video', manifest: model.manifest, clip, budget: ROOM }, cal).time!;
    expect(scaled.seconds).toBeCloseTo(277 * 48 * 80 * 2e-6 * KIND_FACTOR['whole-video'], 12);
    expect(scaled.basis).toMatch(/no whole-video run measured yet/);
    // Then a whole-video run is recorded, and refined by the next (the new run weighs half).
    await cal.record('whole-video', { voxels: 1000, area: 48 * 80, seconds: 1, what: 'x' });
    await cal.record('whole-video', { voxels: 1000, area: 48 * 80, seconds: 3, what: 'y' });
    expect(planWork({ kind: 'whole-video', manifest: model.manifest, clip, budget: ROOM }, cal).time!.seconds).toBeCloseTo(277 * 48 * 80 * 0.002, 9);
    // A measurement nearer in frame size wins.
    await cal.record('whole-video', { voxels: 1000, area: 256 * 256, seconds: 10, what: 'z' });
    expect(planWork({ kind: 'whole-video', manifest: model.manifest, clip: { frames: 9, height: 256, width: 256 }, budget: ROOM }, cal).time!.seconds).toBeCloseTo(9 * 256 * 256 * 0.01, 9);
  });

  it('decoding a selection: the memory it adds; its time once the file decode speed is measured', () => {
    expect(planDecodeSelection({ frames: 9, height: 8, width: 8 }, 9, null)).toMatchObject({ bytes: 9 * 8 * 8 * 12, seconds: null });
    expect(planDecodeSelection({ frames: 9, height: 8, width: 8 }, 100, { seconds: 0.01, basis: 'b' }).seconds).toBeCloseTo(1, 10);
  });

  it("the Clip panel's estimate and the views' plans are the same plan; the whole video's frames are the run's", () => {
    const source: ClipSource = { id: 's', path: '/v/long.mp4', name: 'long.mp4', temporary: false, info: info(84, 48, 280), decodeRate: { seconds: 0.001, basis: 'm' }, refs: 1 };
    const plans = new SessionPlans(model.manifest, measured());
    const e = estimateSelection('clip-1', source, { start: 100, frames: 97, sampleRate: 1, size: 'native', snap: 4 }, { plans, className: 'WFVAE2Model', temporalCompression: 4 });
    expect(e.plan).toMatchObject({ frames: 97, wanted: 97, firstFrame: 100, lastFrame: 196, width: 80, height: 48, startSeconds: 5, crop: { x: 2, y: 0, width: 80, height: 48 } });
    expect(e.decode).toMatchObject({ bytes: 97 * 48 * 80 * 12 });
    expect(e.decode!.seconds).toBeCloseTo(0.197, 10);
    // What the Reconstruct view shows for the decoded clip (planRuns): the same bytes and seconds.
    const view = wireRunPlan(plans.plan({ kind: 'app-reconstruct', clip: { frames: 97, height: 48, width: 80 } }));
    expect([e.reconstruct!.bytes, e.reconstruct!.seconds]).toEqual([view.estimateBytes, view.seconds]);
    expect(e.reconstruct!.how).toBe('Causal Cache, chunks of 8 video / 2 latent frames');
    expect(e.reconstruct!.seconds).toBeCloseTo(97 * 48 * 80 * 2e-6, 12);
    // The whole video: the run's own decode plan (the model's snap), frame for frame.
    const run = planDecode(source.info, wholeVideoDecode({ start: 100, frames: 97, sampleRate: 1, size: 'native', snap: 4 }));
    expect(e.wholeVideo).toMatchObject({ frames: run.frames, width: 80, height: 48, encChunk: 8, decChunk: 2 });
    expect(run.frames).toBe(277);
    expect(e.wholeVideo!.bytes).toBeLessThan(e.reconstruct!.bytes);
    const snapped8 = estimateSelection('clip-1', source, { start: 0, frames: 9, sampleRate: 1, size: 'native', snap: 8 }, { plans, className: 'WFVAE2Model', temporalCompression: 4 });
    expect(snapped8.wholeVideo!.frames).toBe(277);
    const off = estimateSelection('clip-1', source, { start: 0, frames: 5, sampleRate: 1, size: 'native', snap: 4 }, { plans, className: 'WFVAE2Model', temporalCompression: 8 });
    expect(off.error).toMatch(/5 frames do not fit this 8× model/);
    const none = estimateSelection('clip-1', source, { start: 0, frames: 5, sampleRate: 1, size: 'native', snap: 4 }, { missing: 'no model loaded' });
    expect([none.reconstruct, none.wholeVideo, none.model]).toEqual([null, null, 'no model loaded']);
  });

  it('durations: whole seconds rounded once, never ":60"', () => {
    expect(clock(59.6)).toBe('1:00');
    expect(clock(119.5)).toBe('2:00');
    expect(clock(3599.5)).toBe('1:00:00');
    expect(clock(3725)).toBe('1:02:05');
    expect(formatDuration(35.4)).toBe('35 s');
    expect(formatDuration(1063)).toBe('17:43');
    for (let s = 0; s < 7300; s += 0.37) expect(clock(s)).not.toMatch(/:60/);
  });
});

describe('a refused run: the planner gives facts and actions, the CLI words them with flags, the app with its controls', () => {
  const clip = { frames: 33, height: 48, width: 80 };
  const base = { baseBytes: 100 * MB };
  const plan = (kind: 'app-reconstruct' | 'compare' | 'encode', budget: { bytes: number; source: string }, chunking?: { mode: 'whole' | 'cached'; encChunk?: number; decChunk?: number }) =>
    planWork({ kind, manifest: model.manifest, clip, chunking, budget, ...base }, null);
  const NO_FLAG = /--[a-z]/;

  it('whole clip over the budget: how many frames fit, Causal Cache first; CLI flags, the app the Clip selection panel', () => {
    // Room for exactly 9 frames whole at 48x80 (the estimate grows with T).
    const budget = { bytes: estimateWhole(model.manifest, { ...clip, frames: 9 }, base).totalBytes, source: 'test' };
    expect(estimateWhole(model.manifest, { ...clip, frames: 13 }, base).totalBytes).toBeGreaterThan(budget.bytes);
    const p = plan('encode', budget, { mode: 'whole' });
    expect(p.fits).toBe(false);
    expect(p.refusal).toMatchObject({ run: 'whole', fitFrames: 9, chunks: null, timeMixing: null, actions: ['use-cache', 'fewer-frames', 'smaller-size', 'more-memory'] });
    const cli = cliRefusal(p.refusal!);
    expect(cli).toMatch(/^whole-clip inference of 33x48x80 \(TxHxW\) needs about \d+ MB peak .*, more than the budget of \d+ MB \(test\)\. Run it with the Causal Cache instead /);
    expect(cli).toContain('leave out --whole');
    expect(cli).toContain('pick fewer frames (--frames; at most 9 frames fit at this size)');
    expect(cli).toContain('pick a smaller size (--size)');
    expect(cli).toMatch(/, or raise the budget \(--memory-budget \/ WFVAE_MEMORY_BUDGET\) if you know the memory is there\.$/);
    const gui = guiRefusal(p.refusal!);
    expect(gui).toMatch(/^Whole-clip inference of 33x48x80 \(TxHxW\) needs about \d+ MB peak/);
    expect(gui).toContain('Reconstruct runs it with the Causal Cache instead');
    expect(gui).toContain('In the Clip selection panel, lower Frames (at most 9 frames fit at this size) or pick a smaller Size, then press Decode selection.');
    expect(gui).toContain('Closing other clips, tabs or programs frees memory for it.');
    expect(gui).not.toMatch(NO_FLAG);
  });

  it("the app's Reconstruct (Causal Cache) and the comparison over the budget; a budget set by WFVAE_MEMORY_BUDGET is said as such", () => {
    const env = { bytes: 101 * MB, source: 'WFVAE_MEMORY_BUDGET' };
    const rec = plan('app-reconstruct', env);
    expect(rec.refusal).toMatchObject({ run: 'cached', chunks: { encChunk: 4, decChunk: 1 } });
    // Not even one frame fits beside the 100 MB process? Then no "lower Frames", but a smaller Size still may.
    const fit = rec.refusal!.fitFrames;
    expect(fit === 0 || estimateCached(model.manifest, { ...clip, frames: fit }, { encChunk: 4, decChunk: 1 }, base).totalBytes <= env.bytes).toBe(true);
    const gui = guiRefusal(rec.refusal!);
    expect(gui).toMatch(/^Chunked inference of 33x48x80 \(TxHxW\) with encoder chunks of 4 frames and decoder chunks of 1 latent frames needs .*\(WFVAE_MEMORY_BUDGET\)\./);
    expect(gui).toContain('In the Clip selection panel,');
    expect(gui).toContain('The budget is fixed by WFVAE_MEMORY_BUDGET in the environment the app was started with.');
    expect(gui).not.toMatch(NO_FLAG);
    // Chunks asked for (the CLI's --enc-chunk): smaller ones are an action, in each host's terms.
    const asked = plan('encode', env, { mode: 'cached', encChunk: 8, decChunk: 2 });
    expect(asked.refusal!.actions).toContain('smaller-chunks');
    expect(cliRefusal(asked.refusal!)).toContain('use smaller chunks (--enc-chunk / --dec-chunk)');
    expect(guiRefusal(asked.refusal!)).toContain('lower Encoder chunk and Decoder chunk in the Chunking view');

    const cmp = plan('compare', { bytes: estimateWhole(model.manifest, { ...clip, frames: 17 }, base).totalBytes, source: 'test' });
    expect(cmp.refusal).toMatchObject({ run: 'compare' });
    // The comparison also holds three more reconstructions: fewer than 17 frames fit.
    expect(cmp.refusal!.fitFrames).toBeLessThan(17);
    expect(cmp.refusal!.actions).not.toContain('use-cache');
    expect(cliRefusal(cmp.refusal!)).toMatch(/\. The comparison needs the whole-clip run as its ground truth: pick fewer frames \(--frames; at most \d+ frames fit at this size\), pick a smaller size \(--size\), or raise the budget/);
    const g = guiRefusal(cmp.refusal!);
    expect(g).toMatch(/The comparison needs the whole-clip run as its ground truth\. In the Clip selection panel, lower Frames \(at most \d+ frames fit at this size\) or pick a smaller Size, then press Decode selection\./);
    expect(g).not.toMatch(NO_FLAG);
  });

  it("the wire's plan and the engine's refusal say the app's wording", () => {
    const plans = new SessionPlans(model.manifest, measured());
    const saved = process.env.WFVAE_MEMORY_BUDGET;
    process.env.WFVAE_MEMORY_BUDGET = '1M';
    try {
      const wire = wireRunPlan(plans.plan({ kind: 'app-reconstruct', clip }));
      expect(wire.fits).toBe(false);
      expect(wire.text).toMatch(/^Chunked inference of 33x48x80 .* \(WFVAE_MEMORY_BUDGET\)\..*The budget is fixed by WFVAE_MEMORY_BUDGET/);
      expect(wire.text).not.toMatch(NO_FLAG);
    } finally {
      if (saved === undefined) delete process.env.WFVAE_MEMORY_BUDGET;
      else process.env.WFVAE_MEMORY_BUDGET = saved;
    }
  });
});

describe('calibration: a run has a fixed cost and a cost per voxel', () => {
  it('two runs of different lengths separate them (least squares); runs of about one length do not', () => {
    expect(fitLine([[100, 3], [300, 7]])).toEqual({ fixed: 1, perVoxel: 0.02 });
    expect(fitLine([[100, 3], [105, 3.1]])).toBeNull();
    expect(fitLine([[100, 3]])).toBeNull();
    // A negative fixed part is noise: the pace through the origin.
    expect(fitLine([[100, 1], [200, 4]])).toEqual({ fixed: 0, perVoxel: 5 / 300 });
  });

  it('a run measured against its steady pace, or two runs, predict a longer run with its fixed cost', async () => {
    const clip = (frames: number) => ({ frames, height: 48, width: 80 });
    const v = (frames: number) => frames * 48 * 80;
    const cal = Calibration.memory(KEY);
    // 61 frames took 25 s, 10 of them before the first block: 15 s for the other 53 frames.
    await cal.record('whole-video', { voxels: v(61), area: 48 * 80, seconds: 25, what: 'a', steady: { voxels: v(53), seconds: 15 } });
    const long = planWork({ kind: 'whole-video', manifest: model.manifest, clip: clip(241), budget: ROOM }, cal).time!.seconds;
    expect(long).toBeCloseTo(25 - (15 / 53) * 61 + (15 / 53) * 241, 6);
    const two = Calibration.memory(KEY);
    await two.record('app-reconstruct', { voxels: v(17), area: 48 * 80, seconds: 3, what: 'a' });
    await two.record('app-reconstruct', { voxels: v(33), area: 48 * 80, seconds: 4.6, what: 'b' });
    expect(planWork({ kind: 'app-reconstruct', manifest: model.manifest, clip: clip(49), budget: ROOM }, two).time!.seconds).toBeCloseTo(6.2, 6);
  });
});
