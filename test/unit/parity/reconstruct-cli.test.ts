// `wfvae reconstruct` on a real video (ffmpeg testsrc2) with a golden model:
// the printed PSNR/SSIM are the ones the engine computes for the same clip.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeVideo, probeVideo } from '../../../src/engine/video/index';
import { psnr, ssim } from '../../../src/engine/metrics/index';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { goldenModels, SUBSET_GOLDENS, WFVAE_CLI } from './goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-reconstruct-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };
const [model] = goldenModels(SUBSET_GOLDENS);
const clip = join(work, 'testsrc2.mp4');

interface Report {
  provider: string;
  chunking: { mode: string; encChunk?: number; decChunk?: number };
  memory: { estimateBytes: number; budgetBytes: number; peakRssBytes: number };
  execution: { provider: string; summary: string; placement: Record<string, { total: number }> };
  frames: number;
  height: number;
  width: number;
  psnr: number;
  ssim: number;
  encodeSeconds: number | null;
  decodeSeconds: number | null;
  perFrame: { psnr: number[]; ssim: number[] };
}

beforeAll(async () => {
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=24', '-frames:v', '12', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '10', clip]);
});

describe('wfvae reconstruct', () => {
  it('prints provider, finite PSNR/SSIM (clip and per frame) equal to the engine\'s, and writes the mp4', async () => {
    const out = join(work, 'rec.mp4');
    const { stdout } = await run(process.execPath, [WFVAE_CLI, 'reconstruct', clip, '--model', model.dir, '--frames', '9', '--json', '--out', out, '--threads', '2'], { env });
    const r = JSON.parse(stdout) as Report;
    expect(['cpu', 'webgpu', 'cuda', 'dml', 'coreml']).toContain(r.provider);
    expect([r.frames, r.height, r.width]).toEqual([9, 64, 96]);
    expect(Number.isFinite(r.psnr)).toBe(true);
    expect(r.psnr).toBeGreaterThan(0);
    expect(r.ssim).toBeGreaterThan(-1);
    expect(r.ssim).toBeLessThan(1);
    expect(r.perFrame.psnr).toHaveLength(9);
    expect(r.perFrame.ssim).toHaveLength(9);
    for (const v of [...r.perFrame.psnr, ...r.perFrame.ssim]) expect(Number.isFinite(v)).toBe(true);
    // The default is the Causal Cache, with chunks from the memory budget, and the plan is reported beside the measured peak.
    expect(r.chunking).toEqual({ mode: 'cached', encChunk: 8, decChunk: 2 });
    expect(r.memory.estimateBytes).toBeGreaterThan(50e6);
    expect(r.memory.estimateBytes).toBeLessThan(r.memory.budgetBytes);
    expect(r.memory.peakRssBytes).toBeGreaterThan(0);
    expect(r.execution.summary).toMatch(new RegExp(`^${r.provider}: `));
    expect(Object.keys(r.execution.placement).sort()).toEqual(['decoder', 'decoder-step', 'encoder', 'encoder-step']);
    expect(existsSync(out)).toBe(true);
    expect((await probeVideo(out)).frames).toBe(9);

    // The same numbers from the engine directly (CPU: the golden model's outputs do not depend on the provider beyond rounding).
    const m = await WfvaeModel.load(model.dir, { provider: 'cpu', threads: 2, convert: { cacheDir: join(work, 'cache') } });
    try {
      const v = await decodeVideo(clip, { frames: 9 });
      const rec = await m.reconstruct({ data: v.data, shape: v.shape });
      const clipped = { data: rec.video.data.map((x) => Math.min(1, Math.max(-1, x))), shape: v.shape };
      expect(r.psnr).toBeCloseTo(psnr({ data: v.data, shape: v.shape }, clipped).clip, 2);
      expect(r.ssim).toBeCloseTo(ssim({ data: v.data, shape: v.shape }, clipped).clip, 3);
    } finally {
      await m.dispose();
    }
  });

  it('prints a readable table without --json', async () => {
    const { stdout } = await run(process.execPath, [WFVAE_CLI, 'reconstruct', clip, '--model', model.dir, '--frames', '5', '--provider', 'cpu', '--threads', '2'], { env });
    expect(stdout).toMatch(/^provider +cpu: all \d+ nodes$/m);
    expect(stdout).toMatch(/^memory +peak RSS \d+ MB \(estimated \d+ MB before the run\)$/m);
    expect(stdout).toMatch(/^PSNR +\d+\.\d\d dB$/m);
    expect(stdout).toMatch(/^SSIM +-?\d\.\d{4}$/m);
    expect(stdout).toMatch(/^seconds +total \d+\.\d\d \(with loading\)$/m);
    // --whole runs the clip in one pass and times encode and decode apart.
    const whole = await run(process.execPath, [WFVAE_CLI, 'reconstruct', clip, '--model', model.dir, '--frames', '5', '--provider', 'cpu', '--threads', '2', '--whole'], { env });
    expect(whole.stdout).toMatch(/^chunking +whole clip$/m);
    expect(whole.stdout).toMatch(/^seconds +encode \d+\.\d\d, decode \d+\.\d\d/m);
  });
});
