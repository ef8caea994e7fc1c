// The workflow API end to end through the worker-thread session and serve
// mode's HTTP server, with real ffmpeg and a real golden model: another part
// of a clip decoded exactly, thumbnails of the whole source, the whole video
// reconstructed with Causal Cache equal to whole-clip inference, exports that
// read back to the same numbers, downloads, cancel, and uploads kept only as
// long as a clip needs them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeServer, type ServeServer } from '../../../src/serve/server';
import { readSafetensorsTensor } from '../../../src/engine/checkpoint/index';
import { psnr } from '../../../src/engine/metrics/index';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { decodeVideo } from '../../../src/engine/video/index';
import { planarFramesToRgb24 } from '../../../src/engine/video/rgb';
import type { ApiEvent } from '../../../src/shared/contract';
import type { ClipSelection } from '../../../src/shared/workflow-contract';

import { FIXTURE_FFMPEG as FFMPEG } from '../../helpers/fixture-ffmpeg';
import { FIXTURE_FFPROBE as FFPROBE } from '../../helpers/fixture-ffmpeg';
const MODEL = resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny');

let dir: string;
let clip: string;
let session: WorkerSession;
let server: ServeServer;
let model: WfvaeModel;
const savedTmp = process.env.TMPDIR;
const savedCache = process.env.WFVAE_CACHE_DIR;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-workflows-test-'));
  // The session's private folders (uploads, results) go here, so the test can see them come and go.
  mkdirSync(join(dir, 'tmp'));
  process.env.TMPDIR = join(dir, 'tmp');
  process.env.WFVAE_CACHE_DIR = join(dir, 'cache');
  clip = join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=84x48:rate=20', '-frames:v', '60', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
  const web = join(dir, 'web');
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>');
  session = createSourceSession();
  server = await startServeServer({ session, staticDir: web, port: 0 });
  model = await WfvaeModel.load(MODEL);
});

afterAll(async () => {
  await server?.close();
  await session?.dispose();
  await model?.dispose();
  process.env.TMPDIR = savedTmp;
  if (savedTmp === undefined) delete process.env.TMPDIR;
  process.env.WFVAE_CACHE_DIR = savedCache;
  if (savedCache === undefined) delete process.env.WFVAE_CACHE_DIR;
  rmSync(dir, { recursive: true, force: true });
});

const tmpEntries = (prefix: string) => readdirSync(join(dir, 'tmp')).filter((n) => n.startsWith(prefix));

describe('clip selection', () => {
  it('decodes any start frame, sample rate and snap exactly as the decoder does, and says so before decoding', async () => {
    const opened = await session.openVideo({ taskId: 'open-1', source: { kind: 'path', path: clip } });
    expect(opened.selection).toEqual({ start: 0, frames: 57, sampleRate: 1, size: 'native', snap: 8 });
    const selection: ClipSelection = { start: 7, frames: 23, sampleRate: 2, size: 'native', snap: 4 };
    const est = await session.estimateClip({ clipId: opened.clipId, selection });
    expect(est.error).toBeNull();
    expect(est.plan).toMatchObject({ frames: 21, wanted: 23, width: 80, height: 48, fps: 10, firstFrame: 7, lastFrame: 47, resized: null, crop: { x: 2, y: 0, width: 80, height: 48 } });
    expect(est.plan!.notes).toContain('frame count 23 snapped down to 21 (the model takes 1 + 4k frames)');
    expect(est.decode!.bytes).toBe(21 * 48 * 80 * 3 * 4);
    expect(est.decode!.seconds).toBeGreaterThan(0);
    expect(est.reconstruct).toBeNull();
    expect(est.model).toMatch(/no model loaded/);

    const picked = await session.selectClip({ taskId: 'sel-1', clipId: opened.clipId, selection });
    expect(picked).toMatchObject({ frames: 21, width: 80, height: 48, selection });
    expect(picked.frameIndices).toEqual(Array.from({ length: 21 }, (_, i) => 7 + 2 * i));
    const local = await decodeVideo(clip, { startFrame: 7, sampleRate: 2, frames: 21, temporalMultiple: 4 });
    const block = await session.getFrames({ ref: { kind: 'clip', clipId: picked.clipId, layer: 'original' }, from: 3, count: 100 });
    expect([block.from, block.count]).toEqual([3, 18]);
    expect(Buffer.from(block.rgb).equals(Buffer.from(planarFramesToRgb24(local.data, 21, 48 * 80, 3, 18)))).toBe(true);

    const past = await session.estimateClip({ clipId: picked.clipId, selection: { ...selection, start: 60 } });
    expect(past.plan).toBeNull();
    expect(past.error).toMatch(/start frame 60 is past the end: .*clip\.mp4 has 60 frames/);
    await session.closeClip({ clipId: opened.clipId });
    await session.closeClip({ clipId: picked.clipId });
  });

  it('makes 17 thumbnails spread over the whole source in one pass', async () => {
    const opened = await session.openVideo({ taskId: 'open-2', source: { kind: 'path', path: clip } });
    const th = await session.getThumbnails({ taskId: 'th-1', clipId: opened.clipId });
    // 60 frames: every 3rd (floor(59 / 16)); 84x48 is already at the 48-pixel short side, cropped to 80.
    expect(th.frameIndices).toEqual(Array.from({ length: 17 }, (_, i) => 3 * i));
    expect([th.width, th.height, th.rgb.length]).toEqual([80, 48, 17 * 80 * 48 * 3]);
    const local = await decodeVideo(clip, { sampleRate: 3, frames: 17, size: 48, temporalMultiple: 4 });
    expect(Buffer.from(th.rgb).equals(Buffer.from(planarFramesToRgb24(local.data, 17, 48 * 80, 0, 17)))).toBe(true);
    await session.closeClip({ clipId: opened.clipId });
  });
});

describe('whole-video reconstruction', () => {
  it('streams the whole video with Causal Cache: equal to whole-clip inference, kept on disk, exported and downloadable', async () => {
    const opened = await session.openVideo({ taskId: 'open-3', source: { kind: 'path', path: clip } });
    await session.loadModel({ taskId: 'load-1', path: MODEL });
    const est = await session.estimateClip({ clipId: opened.clipId, selection: opened.selection });
    expect(est.wholeVideo).toMatchObject({ frames: 57, width: 80, height: 48, encChunk: 8, decChunk: 2 });
    expect(est.reconstruct!.seconds).toBeGreaterThan(0);

    const events: ApiEvent[] = [];
    const off = session.onEvent((e) => events.push(e));
    const v = await session.reconstructVideo({ taskId: 'video-1', clipId: opened.clipId });
    off();
    expect(v).toMatchObject({ frames: 57, width: 80, height: 48, fps: 20, firstFrame: 0, lastFrame: 56, encChunk: 8, decChunk: 2, exact: true, latentShape: [8, 15, 6, 10] });
    expect(v.boundaries.decoder).toEqual([1, 9, 17, 25, 33, 41, 49]);
    // Resident memory sampled after every block the decoder finishes (the first holds frame 0 only).
    expect(v.memory.map((m) => m.frame)).toEqual([1, 7, 15, 23, 31, 39, 47, 57]);
    const progress = events.filter((e) => e.type === 'progress' && e.taskId === 'video-1');
    expect(progress.at(-1)).toMatchObject({ phase: 'reconstruct', done: 57, total: 57 });

    // The same video through whole-clip inference in this thread: Causal Cache (layernorm) equals it.
    const local = await decodeVideo(clip, { temporalMultiple: 4 });
    expect(local.shape).toEqual([3, 57, 48, 80]);
    const whole = await model.reconstruct({ data: local.data, shape: [1, ...local.shape] });
    const clipped = { data: whole.video.data.map((x) => Math.min(1, Math.max(-1, x))), shape: local.shape };
    const expected = psnr(local, clipped, { range: 2 });
    v.psnr.perFrame.forEach((p, f) => expect(p!).toBeCloseTo(expected.perFrame[f], 2));
    const rec = await session.getFrames({ ref: { kind: 'video', videoId: v.videoId, layer: 'reconstruction' }, from: 0, count: 57 });
    const want = planarFramesToRgb24(clipped.data, 57, 48 * 80, 0, 57);
    let maxLevel = 0;
    for (let i = 0; i < want.length; i++) maxLevel = Math.max(maxLevel, Math.abs(want[i] - rec.rgb[i]));
    expect(maxLevel).toBeLessThanOrEqual(1);
    const orig = await session.getFrames({ ref: { kind: 'video', videoId: v.videoId, layer: 'original' }, from: 50, count: 57 });
    expect(orig.count).toBe(7);
    expect(Buffer.from(orig.rgb).equals(Buffer.from(planarFramesToRgb24(local.data, 57, 48 * 80, 50, 7)))).toBe(true);

    // Exports read back: the latent equals the whole-clip encoder's mean, the videos have every frame.
    const lat = await session.prepareExport({ taskId: 'x-1', source: { kind: 'video', videoId: v.videoId }, what: 'latents' });
    expect(lat.fileName).toBe('clip-f0-56-latent.safetensors');
    const latPath = (await session.exportInfo({ exportId: lat.exportId })).path;
    const mean = await readSafetensorsTensor(latPath, 'latent.mean');
    expect(mean.shape).toEqual([1, 8, 15, 6, 10]);
    let maxAbs = 0;
    for (let i = 0; i < mean.data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(mean.data[i] - whole.mean.data[i]));
    expect(maxAbs).toBeLessThan(1e-4);
    // The videos stream from the files on disk: the side-by-side one is twice as wide, every frame there (the e2e test checks the others).
    const side = await session.prepareExport({ taskId: 'x-side', source: { kind: 'video', videoId: v.videoId }, what: 'side-by-side-mp4' });
    const probed = execFileSync(FFPROBE, ['-v', 'error', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'csv=p=0', (await session.exportInfo({ exportId: side.exportId })).path], { encoding: 'utf8' });
    expect(probed.trim()).toBe('160,48,57');
    const csv = await session.prepareExport({ taskId: 'x-csv', source: { kind: 'video', videoId: v.videoId }, what: 'metrics-csv' });
    const text = readFileSync((await session.exportInfo({ exportId: csv.exportId })).path, 'utf8');
    const rows = text.trim().split('\n').filter((l) => !l.startsWith('#'));
    expect(rows).toHaveLength(58);
    expect(text).toMatch(/^# model: WFVAE2Model /m);
    expect(text).toMatch(/^# inference: Causal Cache, streamed: encoder chunks of 8 video frames, decoder chunks of 2 latent frames/m);

    // Serve mode hands it out as a download with its own name; only ids the session gave out resolve.
    const res = await fetch(`http://127.0.0.1:${server.port}/download/${csv.exportId}?token=${server.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="clip-f0-56-metrics.csv"; filename*=UTF-8''clip-f0-56-metrics.csv`);
    expect(await res.text()).toBe(text);
    expect((await fetch(`http://127.0.0.1:${server.port}/download/export-999?token=${server.token}`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/download/${csv.exportId}`)).status).toBe(403);

    // A clip's whole-clip reconstruction exports too, and the taps give per-frame energy timelines.
    await session.reconstruct({ taskId: 'rec-1', clipId: opened.clipId });
    const tl = await session.getTapTimeline({ clipId: opened.clipId, tap: 'enc.coeffs.0', label: 'LH' });
    expect(tl.energy).toHaveLength(29);
    expect(tl.energy.every((e) => e > 0)).toBe(true);
    await expect(session.getTapTimeline({ clipId: opened.clipId, tap: 'enc.coeffs.0', label: 'LLL' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const json = await session.prepareExport({ taskId: 'x-json', source: { kind: 'clip', clipId: opened.clipId }, what: 'metrics-json' });
    const report = JSON.parse(readFileSync((await session.exportInfo({ exportId: json.exportId })).path, 'utf8')) as { selection: ClipSelection; protocol: { inference: string }; perFrame: unknown[] };
    expect(report.selection).toMatchObject(opened.selection);
    expect(report.protocol.inference).toBe('Causal Cache: encoder chunks of 8 video frames, decoder chunks of 2 latent frames (equal to whole-clip inference for this model)');
    expect(report.perFrame).toHaveLength(57);
    await session.closeClip({ clipId: opened.clipId });
  });

  it('cancels a run: CANCELLED, and nothing of it is left on disk', async () => {
    const opened = await session.openVideo({ taskId: 'open-4', source: { kind: 'path', path: clip } });
    const off = session.onEvent((e) => {
      if (e.type === 'progress' && e.taskId === 'video-2' && e.done > 0) void session.cancel({ taskId: 'video-2' });
    });
    await expect(session.reconstructVideo({ taskId: 'video-2', clipId: opened.clipId })).rejects.toMatchObject({ code: 'CANCELLED' });
    off();
    const [results] = tmpEntries('wfvae-results-');
    expect(readdirSync(join(dir, 'tmp', results)).filter((n) => n.startsWith('video-'))).toEqual([]);
    await session.closeClip({ clipId: opened.clipId });
  });
});

it('keeps an upload while a clip decoded from it is open, and deletes it with the last one', async () => {
  const bytes = new Uint8Array(readFileSync(clip));
  const a = await session.openVideo({ taskId: 'up-1', source: { kind: 'bytes', name: 'uploaded.mp4', bytes } });
  expect(a.path).toBe('');
  const [uploads] = tmpEntries('wfvae-upload-');
  const files = () => readdirSync(join(dir, 'tmp', uploads));
  expect(files()).toHaveLength(1);
  const b = await session.selectClip({ taskId: 'up-2', clipId: a.clipId, selection: { start: 10, frames: 9, sampleRate: 1, size: 16, snap: 4 } });
  expect(b).toMatchObject({ name: 'uploaded.mp4', frames: 9, width: 24, height: 16 });
  await session.closeClip({ clipId: a.clipId });
  expect(files()).toHaveLength(1);
  await session.closeClip({ clipId: b.clipId });
  expect(existsSync(join(dir, 'tmp', uploads)) ? files() : []).toEqual([]);
});
