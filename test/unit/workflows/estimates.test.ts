// Estimates said before anything runs: the decode plan of a selection (start
// frame, snap, resize, crop), and memory and time from the one planner
// (engine/plan/plan-work.ts): memory from the model's config and the clip's
// shape, time from this machine's measured speed (calibration), the same
// figures wherever the app shows them, and the frames the run will take.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { Calibration, entryKey, fitLine, KIND_FACTOR, loadFactor, machineId } from '../../../src/engine/plan/calibration';
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

describe('calibration.json: what is measured here, kept per machine, model, provider, threads and precision', () => {
  it('a recorded run is saved under its key, read back by the same key (by default from the cache folder), and by no other', async () => {
    const file = join(dir, 'calibration.json');
    rmSync(file, { force: true });
    // Another machine's entry for the same model in the same file (a shared home folder) is not this machine's.
    const other = `0000000000000000|test|cpu|2`;
    expect(entryKey(KEY)).toBe(`${machineId()}|test|cpu|2`);
    writeFileSync(file, JSON.stringify({ [other]: { reconstruct: [{ area: 64 * 64, secondsPerVoxel: 1, voxels: 1, runs: 1, last: 'elsewhere' }] } }));
    // A fixed machine load: the estimates below are the recorded runs' own.
    const load = () => 3;
    const first = await Calibration.load(KEY, undefined, load);
    expect(first.empty).toBe(true);
    await first.record('reconstruct', { voxels: 33 * 64 * 64, area: 64 * 64, seconds: 6.6, what: 'a reconstruct of 33x64x64' });
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown[]>>;
    expect(Object.keys(saved).sort()).toEqual([other, entryKey(KEY)].sort());
    expect(saved[entryKey(KEY)].reconstruct).toHaveLength(1);

    // Read back: the same estimate from a fresh load.
    const again = await Calibration.load(KEY, dir, load);
    expect(again.estimate('reconstruct', 2 * 33 * 64 * 64, 64 * 64)).toEqual({ seconds: 13.2, basis: 'measured here: a reconstruct of 33x64x64 took 6.6 s' });
    // Any other model, provider, thread count or precision starts from nothing.
    for (const k of [{ ...KEY, modelSha256: 'other' }, { ...KEY, provider: 'cuda' }, { ...KEY, threads: 4 }, { ...KEY, threads: undefined }, { ...KEY, precision: 'fp16' as const }]) {
      expect((await Calibration.load(k, dir)).empty, JSON.stringify(k)).toBe(true);
    }
    // fp32 is the default precision: the same key either way.
    expect(entryKey({ ...KEY, precision: 'fp32' })).toBe(entryKey(KEY));

    // fp16 runs keep their own speed in the same file, beside fp32's, which they leave as it was.
    const half = await Calibration.load({ ...KEY, precision: 'fp16' }, dir, load);
    await half.record('reconstruct', { voxels: 33 * 64 * 64, area: 64 * 64, seconds: 2.2, what: 'a reconstruct in fp16' });
    expect((await Calibration.load({ ...KEY, precision: 'fp16' }, dir, load)).estimate('reconstruct', 33 * 64 * 64, 64 * 64)!.seconds).toBeCloseTo(2.2, 9);
    expect((await Calibration.load(KEY, dir, load)).estimate('reconstruct', 33 * 64 * 64, 64 * 64)!.seconds).toBeCloseTo(6.6, 9);
    // The same measurement read when the machine is twice as busy: twice the time, and the estimate says why.
    const busier = (await Calibration.load(KEY, dir, () => 6)).estimate('reconstruct', 33 * 64 * 64, 64 * 64)!;
    expect(busier.seconds).toBeCloseTo(13.2, 1);
    expect(busier.basis).toMatch(/×2\.00 for the machine's load now \(6\.0, then 3\.0, \d+ cores\)$/);
    // An in-memory calibration writes nothing.
    await Calibration.memory(KEY).record('reconstruct', { voxels: 1, area: 1, seconds: 1, what: 'x' });
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object)).toHaveLength(3);
  });
});

describe('the load factor', () => {
  it('scales a measured time by the machine load now against then (our own run counted in both), never below the core count', () => {
    const t0 = 1e12;
    // Back to back: load 8 now, 4 when measured (2 cores, our 2 threads in both): twice as slow.
    expect(loadFactor({ load: 4, at: t0 }, { load: 8, at: t0 }, 2, 2)).toBeCloseTo(2, 9);
    // Ten minutes idle: our run has left the 1-minute average; what decayed of it is added back.
    expect(loadFactor({ load: 4, at: t0 }, { load: 2, at: t0 + 600_000 }, 2, 2)).toBeCloseTo(1, 4);
    // An idle machine runs at full speed whatever the small load: no faster than measured on free cores.
    expect(loadFactor({ load: 1.5, at: t0 }, { load: 0.2, at: t0 + 600_000 }, 2, 8)).toBe(1);
    // Clamped; and a sample without a load (older files) is taken as it is.
    expect(loadFactor({ load: 2, at: t0 }, { load: 40, at: t0 }, 2, 2)).toBe(2);
    expect(loadFactor({}, { load: 8, at: t0 }, 2, 2)).toBe(1);
  });
});

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
    const cal = Calibration.memory(KEY, {}, () => 3);
    // 61 frames took 25 s, 10 of them before the first block: 15 s for the other 53 frames.
    await cal.record('whole-video', { voxels: v(61), area: 48 * 80, seconds: 25, what: 'a', steady: { voxels: v(53), seconds: 15 } });
    const long = planWork({ kind: 'whole-video', manifest: model.manifest, clip: clip(241), budget: ROOM }, cal).time!.seconds;
    expect(long).toBeCloseTo(25 - (15 / 53) * 61 + (15 / 53) * 241, 6);
    const two = Calibration.memory(KEY, {}, () => 3);
    await two.record('app-reconstruct', { voxels: v(17), area: 48 * 80, seconds: 3, what: 'a' });
    await two.record('app-reconstruct', { voxels: v(33), area: 48 * 80, seconds: 4.6, what: 'b' });
    expect(planWork({ kind: 'app-reconstruct', manifest: model.manifest, clip: clip(49), budget: ROOM }, two).time!.seconds).toBeCloseTo(6.2, 6);
  });
});
