// wfvae eval end to end on real clips (ffmpeg lavfi) with the in-repo golden
// model: per-clip and per-frame output under a protocol, LPIPS wired through a
// tiny network, shards (from --shard, Slurm and Kubernetes variables) merged
// into exactly the unsharded files, and a run interrupted (with a journal line
// cut in half, as a kill leaves it) resumed into exactly the same files.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listClips } from '../../../src/engine/eval/clip-list';
import { JOURNAL_FILE } from '../../../src/engine/eval/journal';
import { LpipsNet } from '../../../src/engine/eval/lpips';
import { resolveProtocol } from '../../../src/engine/eval/protocol';
import { CLIPS_CSV, FRAMES_CSV, RESULTS_FILE, type EvalResults } from '../../../src/engine/eval/results';
import { runEval, type EvalRunOptions } from '../../../src/engine/eval/run-eval';
import { mergeResults, readResults } from '../../../src/engine/eval/merge';
import { shardFromEnv } from '../../../src/engine/eval/shard';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { FIXTURE_FFMPEG, FIXTURE_FFPROBE } from '../../helpers/fixture-ffmpeg';
import { goldenModels, SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';
import { buildTinyLpips } from '../../helpers/tiny-lpips';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-eval-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cacheDir = join(work, 'cache');
const [golden] = goldenModels(SUBSET_GOLDENS);
const data = join(work, 'clips');
const lpipsPath = join(work, 'tiny-lpips.onnx');
const FILES = [RESULTS_FILE, CLIPS_CSV, FRAMES_CSV];
// The paper protocol at a size the tiny model runs fast: 9 frames, 64x64 centre crop.
const protocol = resolveProtocol('wfvae-paper', { frames: 9, size: 64, crop: { width: 64, height: 64 } });
const protocolFlags = ['--frames', '9', '--size', '64', '--crop', '64x64'];

let model: WfvaeModel;
let lpips: LpipsNet;

async function clip(name: string, source: string, frames: number): Promise<void> {
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-frames:v', String(frames), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '12', join(data, name)]);
}

beforeAll(async () => {
  mkdirSync(join(data, 'sub'), { recursive: true });
  await clip('a.mp4', 'testsrc2=size=96x64:rate=24', 20);
  await clip('sub/b.mp4', 'mandelbrot=size=80x80:rate=24', 18);
  await clip('c.mp4', 'testsrc=size=72x64:rate=24', 8); // too short for 9 frames: skipped
  await clip('d.mp4', 'smptebars=size=64x96:rate=24', 17);
  writeFileSync(lpipsPath, buildTinyLpips(3).bytes);
  model = await WfvaeModel.load(golden.dir, { provider: 'cpu', threads: 2, convert: { cacheDir } });
  lpips = await LpipsNet.load(lpipsPath, { provider: 'cpu', threads: 2 });
});

afterAll(async () => {
  await lpips?.dispose();
  await model?.dispose();
});

async function options(outDir: string, extra: Partial<EvalRunOptions> = {}): Promise<EvalRunOptions> {
  return {
    list: await listClips(data),
    outDir,
    model,
    protocol,
    chunking: { mode: 'cached', encChunk: 5, decChunk: 2 },
    levels: 3,
    frequency: true,
    lpips,
    shard: null,
    probe: true,
    ...extra,
  };
}

const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [WFVAE_CLI, ...args], { env: { ...process.env, WFVAE_CACHE_DIR: cacheDir, ...env } });

describe('wfvae eval', () => {
  const whole = join(work, 'whole');
  let results: EvalResults;

  it('writes per-clip and per-frame numbers under the protocol, with model SHA, tool version, settings and LPIPS SHA', async () => {
    const r = await runEval(await options(whole));
    results = JSON.parse(read(whole, RESULTS_FILE)) as EvalResults;
    expect(r.evaluated).toBe(4);
    expect(results.clips.map((c) => [c.index, c.clip, c.status])).toEqual([
      [0, 'a.mp4', 'ok'],
      [1, 'c.mp4', 'skipped'],
      [2, 'd.mp4', 'ok'],
      [3, 'sub/b.mp4', 'ok'],
    ]);
    // The reference reads frames unsnapped: 8 are there, 9 are needed.
    expect(results.clips[1].reason).toMatch(/only 8 of the 9 frames/);
    expect(results.model.sha256).toBe(model.manifest.sha256);
    expect(results.tool.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(results.protocol.preset).toBe('wfvae-paper');
    expect(results.protocol.overrides).toEqual({ frames: 9, size: 64, crop: { width: 64, height: 64 } });
    expect(results.settings.lpips).toEqual({ file: 'tiny-lpips.onnx', sha256: createHash('sha256').update(readFileSync(lpipsPath)).digest('hex') });
    expect(results.summary).toMatchObject({ clips: 4, ok: 3, skipped: 1, failed: 0, frames: 27, psnrCapped: 0 });
    // Where and how the model ran: float32 on the CPU, unlike the reference (bfloat16 on a GPU).
    expect(results.settings.precision).toBe('float32');
    expect(results.protocol.modelPrecision).toBe('float32 (the reference runs its model in bfloat16)');
    expect(results.summary.compute).toBe('float32 on cpu; the reference runs bfloat16 on GPU');
    expect(results.clips.filter((c) => c.status === 'ok').map((c) => c.provider)).toEqual(['cpu', 'cpu', 'cpu']);
    for (const c of results.clips.filter((x) => x.status === 'ok')) {
      expect([c.frames, c.width, c.height]).toEqual([9, 64, 64]);
      const f = c.perFrame!;
      expect(f.psnr).toHaveLength(9);
      expect(f.lpips).toHaveLength(9);
      for (const v of f.lpips!) expect(v).toBeGreaterThan(0);
      // The paper's PSNR: mean of per-frame PSNRs on [0, 1].
      const mean = (f.psnr as number[]).reduce((a, b) => a + b, 0) / 9;
      expect(c.metrics!.psnr).toBeCloseTo(mean, 10);
      expect(f.psnr[5]).toBeCloseTo(10 * Math.log10(1 / f.mse[5]), 10);
      // Causal Cache seams: encoder runs of 4 frames after frame 0 (chunk 5), decoder chunks of 2 latent frames (8 video frames).
      expect(c.metrics!.seams.frames).toEqual([1, 5]);
      expect(f.seam.slice(0, 6)).toEqual(['', 'ED', '', '', '', 'E']);
      expect(c.frequency!.subbands!.levels.map((l) => l.frames)).toEqual([5, 3, 2]);
      expect(c.frequency!.wl!.levels.map((l) => l.level)).toEqual(['block 0', 'block 1']);
      expect(c.frequency!.spectrum.error).toHaveLength(32);
      expect(c.frequency!.grid.phaseMean).toHaveLength(64);
    }
    expect(results.probe!.clip).toBe('probe:flat-colour 64x64x9');
    expect(results.probe!.perFrame!.lumaOriginal[0]).toBeCloseTo(128 / 255, 6);
    const clipsCsv = read(whole, CLIPS_CSV).trim().split('\n');
    expect(clipsCsv).toHaveLength(1 + 1 + 4);
    expect(clipsCsv[0].split(',').slice(0, 4)).toEqual(['index', 'clip', 'status', 'reason']);
    expect(read(whole, FRAMES_CSV).trim().split('\n')).toHaveLength(1 + 9 * 4);
  });

  it('shards from --shard, Slurm and Kubernetes variables merge into exactly the unsharded files', async () => {
    const dirs = [0, 1, 2].map((i) => join(work, `shard-${i}`));
    // Shard 0 from a Slurm array task (ids 1..3), shard 1 from a Kubernetes Indexed Job, shard 2 through the CLI's --shard.
    const slurm = shardFromEnv({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' });
    const k8s = shardFromEnv({ JOB_COMPLETION_INDEX: '1', WFVAE_SHARD_COUNT: '3' });
    expect([slurm, k8s].map((s) => [s!.index, s!.count])).toEqual([[0, 3], [1, 3]]);
    await runEval(await options(dirs[0], { shard: slurm }));
    await runEval(await options(dirs[1], { shard: k8s }));
    const flags = ['--model', golden.dir, '--provider', 'cpu', '--threads', '2', '--lpips', lpipsPath, '--enc-chunk', '5', '--dec-chunk', '2', '--probe', ...protocolFlags];
    const shard2 = await cli(['eval', data, '--out', dirs[2], '--shard', '2/3', ...flags]);
    // Before the run, the plan: memory beside time (the CLI probes this machine's speed first when nothing was measured).
    expect(shard2.stderr).toMatch(/^memory: about \d+(\.\d+)? [MG]B peak \(.*\); budget /m);
    expect(shard2.stderr).toMatch(/^time: about (\d+ s|\d+:\d\d(:\d\d)?) \((measured here|from a probe here|from a \S+ run here)/m);
    expect(shard2.stderr).toMatch(/^time: about [^\n]*\n[^]*^time: \d+\.\d s \(estimated \d+\.\d s\)$/m);
    // The model's precision and provider, beside the reference's.
    expect(shard2.stdout).toMatch(/^compute {3}float32 on cpu; the reference runs bfloat16 on GPU$/m);
    const shard1 = JSON.parse(read(dirs[1], RESULTS_FILE)) as EvalResults;
    expect(shard1.shard).toEqual({ index: 1, count: 3 });
    expect(shard1.clips.map((c) => c.index)).toEqual([1]);
    expect(shard1.probe).toBeNull();
    const merged = join(work, 'merged');
    // Order of the folders does not matter.
    const mergedJson = JSON.parse((await cli(['eval', 'merge', dirs[2], dirs[0], dirs[1], '--out', merged, '--json'])).stdout) as { compute: string };
    expect(mergedJson.compute).toBe('float32 on cpu; the reference runs bfloat16 on GPU');
    for (const f of FILES) expect(read(merged, f), f).toBe(read(whole, f));

    // Incomplete or mismatched sets are refused.
    const parts = await Promise.all(dirs.map(async (dir) => ({ dir, results: await readResults(dir) })));
    expect(() => mergeResults([parts[0], parts[2]])).toThrow(/shard 1\/3 missing/);
    expect(() => mergeResults([parts[0], parts[0], parts[1], parts[2]])).toThrow(/shard 0\/3 is given twice/);
    expect(() => mergeResults([...parts, { dir: whole, results: JSON.parse(read(whole, RESULTS_FILE)) as EvalResults }])).toThrow(/is not a shard/);
  });

  it('an interrupted run (last journal line cut in half) resumes into exactly the same files', async () => {
    const dir = join(work, 'resumed');
    const stop = new AbortController();
    await expect(runEval(await options(dir, { signal: stop.signal, onClip: (r) => r.index === 0 && stop.abort() }))).rejects.toThrow();
    const journal = read(dir, JOURNAL_FILE).trim().split('\n');
    expect(journal.map((l) => (JSON.parse(l) as { kind: string }).kind)).toEqual(['header', 'probe', 'clip']);
    // What a kill in the middle of writing the next record leaves behind.
    appendFileSync(join(dir, JOURNAL_FILE), '{"kind":"clip","record":{"index":1,"clip":"c.mp4","sta');
    const r = await runEval(await options(dir));
    expect([r.resumed, r.evaluated]).toEqual([1, 3]);
    for (const f of FILES) expect(read(dir, f), f).toBe(read(whole, f));
    // Running once more finds nothing to do and writes the same files again.
    const again = await runEval(await options(dir));
    expect([again.resumed, again.evaluated]).toEqual([4, 0]);
    for (const f of FILES) expect(read(dir, f), f).toBe(read(whole, f));
  });

  it('per-video preset: every frame at native size, one MSE per video over 8-bit values', async () => {
    const dir = join(work, 'per-video');
    const { results: r } = await runEval(await options(dir, { protocol: resolveProtocol('per-video'), frequency: false, lpips: null, probe: false }));
    expect(r.protocol).toMatchObject({ preset: 'per-video', frames: null, size: null, crop: null, quantize: 'uint8-round', psnr: 'video-mse' });
    expect(r.clips.map((c) => [c.clip, c.status, c.frames, c.width, c.height])).toEqual([
      ['a.mp4', 'ok', 17, 96, 64],
      ['c.mp4', 'ok', 5, 72, 64],
      ['d.mp4', 'ok', 17, 64, 96],
      ['sub/b.mp4', 'ok', 17, 80, 80],
    ]);
    for (const c of r.clips) {
      const mse = c.perFrame!.mse;
      const mean = mse.reduce((a, b) => a + b, 0) / mse.length;
      expect(c.metrics!.psnr).toBeCloseTo(10 * Math.log10(1 / mean), 10);
      // Both videos hold 8-bit levels: each frame's squared error is a whole number of levels^2.
      for (const m of mse) {
        const levels = m * 255 * 255 * 3 * c.width * c.height;
        expect(Math.abs(levels - Math.round(levels))).toBeLessThan(1e-3 * Math.max(1, levels) ** 0.5);
      }
      expect(c.frequency).toBeNull();
    }
  });

  it('--reference-io: measured on MPEG-4 Part 2 (mp4v) copies as read back, a small change from the saved frames, and said so', async () => {
    const dir = join(work, 'reference-io');
    const keep = join(work, 'mp4v');
    const io = resolveProtocol('wfvae-paper', { frames: 9, size: 64, crop: { width: 64, height: 64 }, referenceIo: true });
    // One clip (a list file naming it) keeps the test short: each clip starts two encoders and two decoders.
    const one = join(work, 'one.txt');
    writeFileSync(one, 'clips/a.mp4\n');
    const { results: r } = await runEval({ ...(await options(dir, { protocol: io, frequency: false, lpips: null, probe: false, keepMp4v: keep })), list: await listClips(one) });
    expect(r.clips.map((c) => [c.clip, c.status])).toEqual([['clips/a.mp4', 'ok']]);
    expect(r.protocol.referenceIo).toBe(true);
    expect(r.protocol.description).toMatch(/pass through an mp4v file .* \(--reference-io\)/);
    const plain = new Map(results.clips.map((c) => [c.clip, c]));
    for (const c of r.clips.filter((x) => x.status === 'ok')) {
      expect(c.notes.at(-1)).toBe("measured on both videos written as mp4v (MPEG-4 Part 2, OpenCV's writer settings, 24 fps) and read back (--reference-io)");
      // The lossy round trip moves every clip's numbers a little, never not at all.
      const base = plain.get(c.clip.replace(/^clips\//, ''))!;
      const d = c.metrics!.psnr! - base.metrics!.psnr!;
      console.log(`[eval] ${c.clip}: --reference-io moves PSNR by ${d.toFixed(4)} dB, SSIM by ${(c.metrics!.ssim - base.metrics!.ssim).toFixed(5)}`);
      expect(Math.abs(d)).toBeGreaterThan(1e-3);
      expect(Math.abs(d)).toBeLessThan(3);
      // The files, as ffprobe sees them: MPEG-4 Part 2 under the 'mp4v' tag, every frame, the measured size.
      for (const which of ['origin', 'recon']) {
        const probe = await run(FIXTURE_FFPROBE, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,codec_tag_string,width,height,nb_read_frames,pix_fmt', '-of', 'json', join(keep, `${c.index}.${which}.mp4`)]);
        const [st] = (JSON.parse(probe.stdout) as { streams: Record<string, string | number>[] }).streams;
        expect(st).toMatchObject({ codec_name: 'mpeg4', codec_tag_string: 'mp4v', width: 64, height: 64, pix_fmt: 'yuv420p', nb_read_frames: '9' });
      }
      // What is measured is what those files hold: ffmpeg's own decode of them (rgb24, as decord's filter graph converts) gives each frame's MSE.
      const frames = async (which: string) =>
        new Uint8Array((await run(FIXTURE_FFMPEG, ['-v', 'error', '-i', join(keep, `${c.index}.${which}.mp4`), '-vf', 'scale=64:64,format=rgb24', '-f', 'rawvideo', '-'], { encoding: 'buffer', maxBuffer: 1 << 24 })).stdout);
      const [a, b] = await Promise.all([frames('origin'), frames('recon')]);
      const per = 64 * 64 * 3;
      expect(a.length).toBe(9 * per);
      for (let t = 0; t < 9; t++) {
        let se = 0;
        for (let i = t * per; i < (t + 1) * per; i++) se += ((a[i] - b[i]) / 255) ** 2;
        // Float32 sums here, float64 there.
        expect(Math.abs(c.perFrame!.mse[t] - se / per)).toBeLessThanOrEqual(1e-6 * (se / per));
      }
    }
  });

  it('a truncated mp4 (its index at the front claims every frame) is measured on the frames that decode, and its result says what the container claimed', async () => {
    const folder = join(work, 'truncated');
    mkdirSync(folder);
    const whole = join(folder, 'whole.mp4');
    await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=30', '-frames:v', '120', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '30', '-movflags', '+faststart', whole]);
    const bytes = readFileSync(whole);
    rmSync(whole);
    writeFileSync(join(folder, 'cut.mp4'), bytes.subarray(0, Math.floor(bytes.length * 0.3)));
    const probe = await run(FIXTURE_FFPROBE, ['-v', 'quiet', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_frames,nb_read_frames', '-of', 'json', join(folder, 'cut.mp4')]);
    const outside = (JSON.parse(probe.stdout) as { streams: { nb_frames: string; nb_read_frames: string }[] }).streams[0];
    const decodes = Number(outside.nb_read_frames);
    expect([Number(outside.nb_frames), decodes > 9, decodes < 120]).toEqual([120, true, true]);
    const note = `the container claims 120 frames but only ${decodes} decode (the file is truncated or damaged); using those ${decodes}`;
    const base = { frequency: false, lpips: null, probe: false, list: await listClips(folder) };
    // Every frame (per-video): the clip is as long as what decodes, snapped to 1 + 4k.
    const all = await runEval({ ...(await options(join(work, 'truncated-all'), { protocol: resolveProtocol('per-video') })), ...base });
    expect(all.results.clips.map((c) => [c.clip, c.status, c.frames])).toEqual([['cut.mp4', 'ok', 1 + 4 * Math.floor((decodes - 1) / 4)]]);
    expect(all.results.clips[0].notes).toContain(note);
    // The reference's pipeline takes its 9 frames from the start and says the same.
    const paper = await runEval({ ...(await options(join(work, 'truncated-paper'))), ...base });
    expect(paper.results.clips.map((c) => [c.status, c.frames])).toEqual([['ok', 9]]);
    expect(paper.results.clips[0].notes).toContain(note);
  });

  it('refuses to resume into a folder evaluated with other settings', async () => {
    const other = resolveProtocol('per-video', { size: 64 });
    await expect(runEval(await options(whole, { protocol: other }))).rejects.toThrow(/holds an evaluation with other protocol than this run/);
  });
});
