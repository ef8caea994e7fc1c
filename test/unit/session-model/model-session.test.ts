// The model views' session methods through the real worker thread, a golden
// model converted by the engine and a clip made by ffmpeg: reconstruct, the
// chunking comparison, single frames, energy-flow taps and the latent.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { chunkBoundaryFrames } from '../../../src/engine/runtime/stream-model';
import { psnr } from '../../../src/engine/metrics/index';
import { decodeVideo } from '../../../src/engine/video/decode';
import { toRgb8 } from '../../../src/engine/video/rgb';
import type { Tensor } from '../../../src/engine/tensor';
import { ApiError, type ApiEvent, type ClipInfo } from '../../../src/shared/contract';
import { FULL_GOLDENS, SHARED_GOLDENS, SUBSET_GOLDENS } from '../parity/goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { NO_SHARED_GOLDENS } from '../../helpers/shared-goldens';

const FFMPEG = FIXTURE_FFMPEG;
/** A layernorm model whose Causal Cache chunking is exact: wfvae-l-tiny, or the in-repo subset's wfvae2-tiny. */
const EXACT_MODEL = FULL_GOLDENS ? join(SHARED_GOLDENS, 'wfvae-l-tiny') : join(SUBSET_GOLDENS, 'wfvae2-tiny');
const GN_MODEL = join(SHARED_GOLDENS, 'wfvae-gn-nearest');

let dir: string;
let clipPath: string;
let session: WorkerSession;
let clip: ClipInfo;
let local: Tensor;
const saved: Record<string, string | undefined> = {};

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-model-session-'));
  clipPath = join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=25', '-frames:v', '17', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clipPath]);
  // The worker copies the environment when it starts: a private cache, and no demo model.
  for (const k of ['WFVAE_CACHE_DIR', 'WFVAE_DEMO_MODEL']) saved[k] = process.env[k];
  process.env.WFVAE_CACHE_DIR = join(dir, 'cache');
  process.env.WFVAE_DEMO_MODEL = join(dir, 'no-demo-model-here');
  session = createSourceSession();
  clip = await session.openVideo({ taskId: 'open', source: { kind: 'path', path: clipPath } });
  const d = await decodeVideo(clipPath, { frames: 17 });
  local = { data: d.data, shape: d.shape };
}, 60_000);

afterAll(async () => {
  await session?.dispose();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('model views in the session', () => {
  it('says what to do before a model is loaded, and names the missing demo model', async () => {
    expect(clip).toMatchObject({ frames: 17, width: 64, height: 64 });
    const before = await session.getModel({});
    expect(before.model).toBeNull();
    expect(before.defaultModel.path).toBeNull();
    expect(before.defaultModel.error).toContain('bundled demo model is not installed');
    const noModel = await rejection(session.reconstruct({ taskId: 'r0', clipId: clip.clipId }));
    expect(noModel.code).toBe('NO_MODEL');
    expect(noModel.message).toMatch(/no model is loaded: load one/);
    const noDemo = await rejection(session.loadModel({ taskId: 'l0' }));
    expect(noDemo.message).toContain('bundled demo model is not installed');
    expect(noDemo.message).toContain('no-demo-model-here');
    const bad = await rejection(session.loadModel({ taskId: 'l1', path: join(dir, 'nothing') }));
    expect(bad.message).toContain(join(dir, 'nothing'));
  });

  it('loads a model with progress and reports its facts, taps and chunking verdict', async () => {
    const events: ApiEvent[] = [];
    const off = session.onEvent((e) => events.push(e));
    const info = await session.loadModel({ taskId: 'load', path: EXACT_MODEL });
    off();
    expect(info.path).toBe(EXACT_MODEL);
    expect(info.cached).toBe(false);
    expect(info.dir.startsWith(join(dir, 'cache'))).toBe(true);
    expect(info).toMatchObject({ temporalCompression: 4, causalSafe: true, provider: 'cpu' });
    expect(info.className).toBe(FULL_GOLDENS ? 'WFVAEModel' : 'WFVAE2Model');
    expect(info.latentChannels).toBe(FULL_GOLDENS ? 16 : 8);
    expect(info.parameterCount).toBeGreaterThan(1_000_000);
    expect(info.taps).toHaveLength(8);
    expect(info.taps.filter((t) => t.side === 'encoder')).toHaveLength(4);
    expect(info.chunking).toMatchObject({ exact: true, timeMixingLayers: 0 });
    const phases = events.filter((e) => e.type === 'progress' && e.taskId === 'load').map((e) => (e as { phase: string }).phase);
    expect(phases).toContain('load');
    expect(phases.some((p) => p.startsWith('convert: building graphs'))).toBe(true);
    // The model loaded last is what a request without a path loads now.
    expect(await session.getModel({})).toEqual({ model: info, defaultModel: { path: EXACT_MODEL, error: null } });
  }, 60_000);

  it('reconstructs the clip: finite PSNR and SSIM per frame, equal to the engine run in this thread', async () => {
    const noRecon = await rejection(session.getTaps({ clipId: clip.clipId, t: 0 }));
    expect(noRecon.code).toBe('NO_RESULT');
    const events: ApiEvent[] = [];
    const off = session.onEvent((e) => events.push(e));
    const r = await session.reconstruct({ taskId: 'recon', clipId: clip.clipId });
    off();
    const progress = events.flatMap((e) => (e.type === 'progress' && e.taskId === 'recon' ? [e] : []));
    // A causal-safe model reconstructs with the Causal Cache (equal to whole-clip), chunk by chunk.
    expect(progress[0]).toMatchObject({ phase: 'encode (Causal Cache)', total: 17 });
    expect(progress.some((p) => p.phase === 'decode (Causal Cache)' && p.done === 5 && p.total === 5)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ phase: 'SSIM', done: 17, total: 17 });
    expect(r).toMatchObject({ clipId: clip.clipId, frames: 17, width: 64, height: 64, provider: 'cpu' });
    expect(r.latentShape).toEqual([FULL_GOLDENS ? 16 : 8, 5, 8, 8]);
    expect(r.psnr.perFrame).toHaveLength(17);
    expect(r.ssim.perFrame).toHaveLength(17);
    for (const v of [r.psnr.clip, ...r.psnr.perFrame]) expect(Number.isFinite(v)).toBe(true);
    for (const v of [r.ssim.clip, ...r.ssim.perFrame]) {
      expect(v).toBeGreaterThan(-1);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(r.encodeSeconds).toBeGreaterThan(0);
    expect(r.plan).toMatchObject({ mode: 'cached', encChunk: 8, decChunk: 2, fits: true });
    expect(r.plan.estimateBytes).toBeGreaterThan(0);
    expect(r.plan.text).toMatch(/^about \d+ MB peak \(process \d+ MB, activations \d+ MB, frames \d+ MB, chunk state \d+ MB\); budget /);

    const model = await WfvaeModel.load(EXACT_MODEL, { convert: { cacheDir: join(dir, 'cache') } });
    try {
      const mine = await model.reconstruct({ data: local.data, shape: [1, ...local.shape] }, { taps: true });
      const out: Tensor = { data: mine.video.data, shape: mine.video.shape.slice(1) };
      // Measured on the reconstruction clipped to [-1, 1], as the CLI and the reference measure it.
      const clipped: Tensor = { data: out.data.map((v) => Math.min(1, Math.max(-1, v))), shape: out.shape };
      expect(r.psnr.clip!).toBeCloseTo(psnr(clipped, local, { range: 2 }).clip, 3);

      // One frame of the reconstruction as RGBA, the same bytes the engine's RGB conversion gives (±1 for float rounding).
      const f = await session.getModelFrame({ clipId: clip.clipId, t: 9, kind: 'reconstruction' });
      expect([f.width, f.height, f.rgba.length]).toEqual([64, 64, 64 * 64 * 4]);
      const rgb = toRgb8(out, 9);
      let worst = 0;
      for (let p = 0; p < 64 * 64; p++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(f.rgba[4 * p + c] - rgb[3 * p + c]));
      expect(worst).toBeLessThanOrEqual(1);

      // Taps at video frame 9 of 17: 9-frame taps show frame ceil(9*8/16) = 5, 5-frame ones ceil(9*4/16) = 3.
      const taps = await session.getTaps({ clipId: clip.clipId, t: 9, maxTilesPerTap: 4 });
      expect(taps.taps.map((t) => t.name)).toEqual(model.manifest.graphs.encoder.taps.map((t) => t.name).concat(model.manifest.graphs.decoder.taps.map((t) => t.name)));
      for (const tap of taps.taps) {
        const tensor = mine.taps![tap.name];
        const [, C, T, H, W] = tensor.shape;
        expect([tap.tapFrames, tap.height, tap.width, tap.channels]).toEqual([T, H, W, C]);
        expect(tap.tapFrame).toBe(Math.ceil((9 * (T - 1)) / 16));
        for (const tile of tap.tiles) expect([tile.width, tile.height, tile.data.length]).toEqual([W, H, W * H]);
        if (tap.kind === 'coefficients') {
          expect(tap.totalTiles).toBe(C / 3);
          expect(tap.tiles.map((t) => t.label)).toEqual(C === 24 ? ['LLL', 'LLH', 'LHL', 'LHH'] : ['LL', 'LH', 'HL', 'HH']);
          // Tile 1 is the luma of subband 1: channels 3..5 at the tap frame.
          const at = (c: number, i: number) => tensor.data[(c * T + tap.tapFrame) * H * W + i];
          for (const i of [0, 17, H * W - 1]) expect(tap.tiles[1].data[i]).toBeCloseTo(0.299 * at(3, i) + 0.587 * at(4, i) + 0.114 * at(5, i), 5);
        } else {
          expect(tap.totalTiles).toBe(C);
          expect(tap.tiles).toHaveLength(Math.min(4, C));
          const plane = tensor.data.subarray((2 * T + tap.tapFrame) * H * W, (2 * T + tap.tapFrame + 1) * H * W);
          // The session ran the Causal Cache, this thread the whole clip: equal within float32 rounding.
          expect(maxDiff(tap.tiles[2].data, plane)).toBeLessThanOrEqual(1e-5);
          expect(tap.tiles[2].min).toBeCloseTo(Math.min(...plane), 5);
        }
      }
      expect(taps.taps.filter((t) => t.kind === 'coefficients')).toHaveLength(4);

      const latent = await session.getLatent({ clipId: clip.clipId });
      expect(latent.shape).toEqual(mine.mean.shape.slice(1));
      expect(maxDiff(latent.data, mine.mean.data)).toBeLessThanOrEqual(1e-5);
      expect(latent.channelRanges).toHaveLength(latent.shape[0]);
      expect(latent.latentFrameOf).toEqual([0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]);
    } finally {
      await model.dispose();
    }
  }, 120_000);

  it('compares chunking: Causal Cache equals whole-clip within 1e-5 at odd chunk sizes, naive does not', async () => {
    const events: ApiEvent[] = [];
    const off = session.onEvent((e) => events.push(e));
    const c = await session.compareChunking({ taskId: 'cmp', clipId: clip.clipId, encChunk: 5, decChunk: 3 });
    off();
    const phases = [...new Set(events.flatMap((e) => (e.type === 'progress' && e.taskId === 'cmp' ? [e.phase] : [])))];
    expect(phases).toEqual(['whole-clip run', 'cached encode', 'cached decode', 'naive encode', 'naive decode']);
    expect(c.frames).toBe(17);
    expect(c.boundaries).toEqual(chunkBoundaryFrames(17, { encChunk: 5, decChunk: 3 }, 4));
    expect(c.boundaries.decoder).toEqual([1, 13]);
    expect(c.cachedExact).toBe(true);
    expect(c.cached.maxAbs).toBeLessThanOrEqual(1e-5);
    expect(c.naive.maxAbs).toBeGreaterThan(1e-4);
    expect(c.cached.perFrame).toHaveLength(17);
    expect(Math.max(...c.cached.perFrame.map((f) => f.maxAbs))).toBe(c.cached.maxAbs);
    expect(c.verdict.exact).toBe(true);

    const whole = await session.getModelFrame({ clipId: clip.clipId, t: 14, kind: 'whole' });
    const dc = await session.getModelFrame({ clipId: clip.clipId, t: 14, kind: 'diff-cached' });
    const dn = await session.getModelFrame({ clipId: clip.clipId, t: 14, kind: 'diff-naive' });
    expect(whole.rgba.length).toBe(64 * 64 * 4);
    expect(dc.diff!.maxAbs).toBe(c.cached.perFrame[14].maxAbs);
    expect(dn.diff!.maxAbs).toBe(c.naive.perFrame[14].maxAbs);
    expect(dn.diff!.gain).toBeCloseTo(1 / dn.diff!.maxAbs, 6);
  }, 120_000);

  it('cancels a running comparison', async () => {
    const run = session.compareChunking({ taskId: 'cmp-cancel', clipId: clip.clipId, encChunk: 1, decChunk: 1 });
    await new Promise((r) => setTimeout(r, 50));
    await session.cancel({ taskId: 'cmp-cancel' });
    expect((await rejection(run)).code).toBe('CANCELLED');
  }, 60_000);

  it.skipIf(!FULL_GOLDENS)(`says before a GroupNorm model runs that chunking cannot be exact, and measures the deviation${NO_SHARED_GOLDENS}`, async () => {
    const info = await session.loadModel({ taskId: 'load-gn', path: GN_MODEL });
    expect(info.causalSafe).toBe(false);
    expect(info.chunking.exact).toBe(false);
    expect(info.chunking.headline).toBe('GroupNorm over time in 36 layers: cannot be exact');
    expect(info.chunking.timeMixing).toBe('GroupNorm over time in 36 layers');
    // Results of the previous model are gone with it.
    expect((await rejection(session.getLatent({ clipId: clip.clipId }))).code).toBe('NO_RESULT');
    const c = await session.compareChunking({ taskId: 'cmp-gn', clipId: clip.clipId, encChunk: 8, decChunk: 2 });
    expect(c.cachedExact).toBe(false);
    expect(c.cached.maxAbs).toBeGreaterThan(1e-4);
    expect(c.verdict.headline).toBe(info.chunking.headline);
  }, 120_000);
});
