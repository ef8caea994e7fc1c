// The wfvae-paper preset against the reference's pipeline reproduced in torch
// (test/helpers/reference_pipeline.py: recon_video.py's reading, torchvision
// resize, centre crop, bf16 input, custom_to_video, eval.py's resize, crop,
// cal_psnr and cal_ssim), on real clips made by ffmpeg. The same model on both
// sides: the bundled demo model, here through onnxruntime (float32), there
// through the training code's torch port (float32), both fed the same
// bf16-rounded input. Compared: the model input value by value, the saved
// originals byte by byte, and per clip PSNR (<= 0.02 dB) and SSIM (<= 0.001).
// Real footage too: OpenCV's tree.avi (720x528 MPEG-4, from Debian's opencv-doc;
// scripts/sample-clips.sh unpacks it into .cache/sample-clips, WFVAE_SAMPLE_CLIPS
// names another folder) at the preset's 33 frames, at a 128 short side and
// crop so both sides run the demo model in seconds; and the other crop order
// (--reference-crop eval: the model sees the whole resized frame, only the
// evaluation crops, as examples/gen_video.sh runs recon_video.py).
// Skips, saying so, where Debian's python3-torch is not installed, or the
// sample clip is not there.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../../src/engine/checkpoint/index';
import { listClips } from '../../../src/engine/eval/clip-list';
import { resolveProtocol } from '../../../src/engine/eval/protocol';
import { savedBytes } from '../../../src/engine/eval/reference/pipeline';
import { referenceFileSource } from '../../../src/engine/eval/reference/source';
import { runEval } from '../../../src/engine/eval/run-eval';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { REPO_ROOT } from '../parity/goldens';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const run = promisify(execFile);
const SCRIPT = join(REPO_ROOT, 'test', 'helpers', 'reference_pipeline.py');
const DEMO = join(REPO_ROOT, 'resources', 'models', 'wfvae-demo');
// The preset with fewer frames, so that both sides run the demo model in seconds.
const FRAMES = 5;
const MODEL_CLIPS = ['a-mandelbrot-320x240.mp4', 'b-testsrc2-176x144.mp4'];
const ODD_CLIP = 'c-odd-portrait-187x331.mkv';
const SAMPLE_DIR = process.env.WFVAE_SAMPLE_CLIPS || join(REPO_ROOT, '.cache', 'sample-clips');
const REAL = join(SAMPLE_DIR, 'tree.avi');
const hasReal = existsSync(REAL);
const REAL_SIZE = 128;
// Where each run is compared: the clip name torch reports and our run's settings.
const REAL_RUN = { frames: 33, size: REAL_SIZE, crop: { width: REAL_SIZE, height: REAL_SIZE } };

describe.skipIf(!hasTorch)('wfvae-paper vs the reference pipeline in torch (python3-torch)', () => {
  const work = mkdtempSync(join(tmpdir(), 'wfvae-refpipe-'));
  const clips = join(work, 'clips');
  const odd = join(work, 'odd');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const make = (out: string, source: string, frames: number, extra: string[] = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '16']) =>
    run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-frames:v', String(frames), ...extra, out]);

  beforeAll(async () => {
    mkdirSync(clips);
    mkdirSync(odd);
    // Shrunk to a 256 short side (341x256, crop offset 42.5 -> 42), and enlarged (312x256).
    await make(join(clips, 'a-mandelbrot-320x240.mp4'), 'mandelbrot=s=320x240:rate=25', 12);
    await make(join(clips, 'b-testsrc2-176x144.mp4'), 'testsrc2=s=176x144:rate=25', 12);
    // Odd sizes and a portrait frame (the short side is the width): input only.
    await make(join(odd, ODD_CLIP), 'testsrc2=s=187x331:rate=25', 9, ['-c:v', 'libx264', '-pix_fmt', 'yuv444p', '-crf', '16']);
  });

  interface TorchClip {
    clip: string;
    psnr?: number;
    ssim?: number;
    frames: number;
    height: number;
    width: number;
  }
  const torchOut = join(work, 'torch');
  const torchRun = (() => {
    let p: Promise<Map<string, TorchClip>> | undefined;
    // One python process for every clip (its start and the model load take seconds), started once.
    return () =>
      (p ??= (async () => {
        mkdirSync(torchOut, { recursive: true });
        const real = hasReal ? [`${REAL}::frames=33,resolution=${REAL_SIZE},crop=${REAL_SIZE}`] : [];
        // The other crop order on the 320x240 clip (resized 341x256, cut to 336x256 for the model).
        const evalOrder = `${join(clips, MODEL_CLIPS[0])}::crop_order=eval`;
        const args = [SCRIPT, DEMO, torchOut, ...MODEL_CLIPS.map((c) => join(clips, c)), evalOrder, ...real, '--input-only', join(odd, ODD_CLIP), '--frames', String(FRAMES)];
        const r = await run(PYTHON, args, { maxBuffer: 1 << 20 });
        const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as TorchClip);
        return new Map(lines.map((l) => [l.clip, l]));
      })());
  })();

  it.each([...MODEL_CLIPS, ODD_CLIP])("model input and saved originals equal torch's: %s", async (name) => {
    const path = name === ODD_CLIP ? join(odd, name) : join(clips, name);
    await torchRun();
    const f = await SafetensorsFile.open(join(torchOut, `${name}.safetensors`));
    const want = await f.readF32('input');
    const wantOriginal = await f.readF32('original');
    const shape = [...f.entries.get('input')!.shape];
    await f.close();
    const source = await referenceFileSource(path, { first: 0, frames: FRAMES, temporalMultiple: 4, sampleRate: 1, stageA: { size: 256, crop: { width: 256, height: 256 } }, chunkFrames: 4 });
    expect([1, 3, source.frames, source.height, source.width]).toEqual(shape);
    const got = new Float32Array(want.length);
    let t0 = 0;
    const T = source.frames;
    const plane = source.height * source.width;
    for await (const b of source.blocks) {
      const n = b.shape[1];
      for (let c = 0; c < 3; c++) got.set(b.data.subarray(c * n * plane, (c + 1) * n * plane), (c * T + t0) * plane);
      t0 += n;
    }
    let differ = 0;
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i] - want[i]);
      if (d > 0) differ++;
      maxDiff = Math.max(maxDiff, d);
    }
    // Our resize equals torch's to ~1e-7; a value that lands on a bf16 rounding tie could go either way (one bf16 step).
    console.log(`[reference-pipeline] ${name}: input ${differ} of ${want.length} values differ (max ${maxDiff})`);
    expect(maxDiff).toBeLessThanOrEqual(2 ** -7);
    expect(differ / want.length).toBeLessThanOrEqual(1e-4);
    // Saved originals: (T, H, W, 3) there, planar (3, T, H, W) here.
    const ours = savedBytes(got, false);
    let byteDiff = 0;
    for (let t = 0; t < T; t++) for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) if (ours[(c * T + t) * plane + p] !== wantOriginal[(t * plane + p) * 3 + c]) byteDiff++;
    expect(byteDiff).toBeLessThanOrEqual(differ);
  });

  const evaluate = async (model: WfvaeModel, folder: string, out: string, overrides: Parameters<typeof resolveProtocol>[1]) =>
    runEval({
      list: await listClips(folder),
      outDir: join(work, out),
      model,
      protocol: resolveProtocol('wfvae-paper', overrides),
      chunking: { mode: 'cached', encChunk: 8, decChunk: 2 },
      levels: 3,
      frequency: false,
      lpips: null,
      shard: null,
      probe: false,
    });

  it('per-clip PSNR within 0.02 dB and SSIM within 0.001 of the torch pipeline, the same model on both sides; both crop orders', async () => {
    const model = await WfvaeModel.load(DEMO, { provider: 'cpu', threads: 2, convert: { cacheDir: join(work, 'cache') } });
    const pairs: [string, NonNullable<Awaited<ReturnType<typeof runEval>>['results']['clips'][number]>][] = [];
    try {
      const plain = await evaluate(model, clips, 'out', { frames: FRAMES });
      for (const name of MODEL_CLIPS) pairs.push([name, plain.results.clips.find((c) => c.clip === name)!]);
      const evalOrder = await evaluate(model, clips, 'out-eval-crop', { frames: FRAMES, referenceCrop: 'eval' });
      expect(evalOrder.results.protocol.referenceCommands!.reconVideo).toBe(`scripts/recon_video.py --num_frames ${FRAMES} --sample_rate 1 --resolution 256 --output_origin --sample_fps 24`);
      const a = evalOrder.results.clips.find((c) => c.clip === MODEL_CLIPS[0])!;
      // The model saw the whole resized frame (341x256 cut to 336x256); the evaluation cropped it.
      expect([a.width, a.height]).toEqual([336, 256]);
      pairs.push([`${MODEL_CLIPS[0]}#eval`, a]);
    } finally {
      await model.dispose();
    }
    const reference = await torchRun();
    for (const [name, ours] of pairs) {
      const ref = reference.get(name)!;
      expect(ours.status).toBe('ok');
      const dPsnr = Math.abs(ours.metrics!.psnr! - ref.psnr!);
      const dSsim = Math.abs(ours.metrics!.ssim - ref.ssim!);
      expect(ours.frames).toBe(ref.frames);
      console.log(`[reference-pipeline] ${name}: PSNR ${ours.metrics!.psnr!.toFixed(5)} vs torch ${ref.psnr!.toFixed(5)} (Δ ${dPsnr.toExponential(1)} dB), SSIM ${ours.metrics!.ssim.toFixed(6)} vs ${ref.ssim!.toFixed(6)} (Δ ${dSsim.toExponential(1)})`);
      expect(dPsnr).toBeLessThanOrEqual(0.02);
      expect(dSsim).toBeLessThanOrEqual(0.001);
      // Not a vacuous match: a real reconstruction, neither perfect nor noise.
      expect(ref.psnr!).toBeGreaterThan(15);
      expect(ref.psnr!).toBeLessThan(60);
    }
  });

  it.skipIf(!hasReal)(`real footage, 33 frames (OpenCV's tree.avi; skipped where ${REAL} is not there: run scripts/sample-clips.sh, or set WFVAE_SAMPLE_CLIPS)`, async () => {
    const model = await WfvaeModel.load(DEMO, { provider: 'cpu', threads: 2, convert: { cacheDir: join(work, 'cache') } });
    let ours;
    try {
      const realDir = join(work, 'real');
      mkdirSync(realDir, { recursive: true });
      symlinkSync(REAL, join(realDir, 'tree.avi'));
      const real = await evaluate(model, realDir, 'out-real', REAL_RUN);
      expect(real.results.protocol.referenceCommands).toEqual({
        reconVideo: `scripts/recon_video.py --num_frames 33 --sample_rate 1 --resolution ${REAL_SIZE} --crop_size_width ${REAL_SIZE} --crop_size_height ${REAL_SIZE} --output_origin --sample_fps 24`,
        eval: `scripts/eval.py --num_frames 33 --sample_rate 1 --resolution ${REAL_SIZE} --crop_size ${REAL_SIZE}`,
      });
      ours = real.results.clips[0];
    } finally {
      await model.dispose();
    }
    const ref = (await torchRun()).get('tree.avi')!;
    expect([ours.status, ours.frames, ref.frames, ours.width, ours.height]).toEqual(['ok', 33, 33, REAL_SIZE, REAL_SIZE]);
    const dPsnr = Math.abs(ours.metrics!.psnr! - ref.psnr!);
    const dSsim = Math.abs(ours.metrics!.ssim - ref.ssim!);
    console.log(`[reference-pipeline] tree.avi (33 frames): PSNR ${ours.metrics!.psnr!.toFixed(5)} vs torch ${ref.psnr!.toFixed(5)} (Δ ${dPsnr.toExponential(1)} dB), SSIM Δ ${dSsim.toExponential(1)}`);
    expect(dPsnr).toBeLessThanOrEqual(0.02);
    expect(dSsim).toBeLessThanOrEqual(0.001);
    expect(ref.psnr!).toBeGreaterThan(15);
    expect(ref.psnr!).toBeLessThan(60);
  });
});
