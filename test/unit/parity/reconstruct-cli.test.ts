// `wfvae reconstruct` on a real video (ffmpeg testsrc2, H.264) with the bundled
// demo model: the printed PSNR/SSIM are checked against an outside reference —
// the same frames decoded by the ffmpeg command line, reconstructed by the
// training code's PyTorch module and measured by training/metrics.py — and the
// written mp4, decoded by the ffmpeg command line, against that reconstruction.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../../../src/engine/video/index';
import { goldenModels, REPO_ROOT, SUBSET_GOLDENS, WFVAE_CLI } from './goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { TORCH_PYTHON, torchMissing } from '../../helpers/torch-python';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-reconstruct-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };
const [model] = goldenModels(SUBSET_GOLDENS);
/** A trained WFVAEModel (the reference module runs it) whose reconstruction is far from noise. */
const DEMO = join(REPO_ROOT, 'resources', 'models', 'wfvae-demo');
const clip = join(work, 'testsrc2.mp4');
const out = join(work, 'rec.mp4');

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

interface TorchReference {
  frames: number;
  height: number;
  width: number;
  psnr: number;
  ssim: number;
  perFrame: { psnr: number[]; ssim: number[] };
  mp4: { vsReconstruction: number; vsSource: number; cliEncodeVsReconstruction: number };
}

let report: Report;

beforeAll(async () => {
  // Stored as lossless RGB H.264 (libx264rgb, qp 0): every decoder gives the same pixels, so the app's
  // input and the outside reference's are the same frames (a 4:2:0 clip would differ at colour edges
  // between FFmpeg builds' chroma upsampling).
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=24', '-frames:v', '12', '-c:v', 'libx264rgb', '-qp', '0', '-pix_fmt', 'rgb24', clip]);
  const { stdout } = await run(process.execPath, [WFVAE_CLI, 'reconstruct', clip, '--model', DEMO, '--frames', '9', '--json', '--out', out, '--threads', '2'], { env });
  report = JSON.parse(stdout) as Report;
});

describe('wfvae reconstruct', () => {
  it('prints provider, finite PSNR/SSIM (clip and per frame), the plan and placement, and writes the mp4', async () => {
    const r = report;
    expect(['cpu', 'webgpu', 'cuda', 'dml', 'coreml']).toContain(r.provider);
    expect([r.frames, r.height, r.width]).toEqual([9, 64, 96]);
    expect(r.perFrame.psnr).toHaveLength(9);
    expect(r.perFrame.ssim).toHaveLength(9);
    for (const v of [r.psnr, r.ssim, ...r.perFrame.psnr, ...r.perFrame.ssim]) expect(Number.isFinite(v)).toBe(true);
    // The default is the Causal Cache, with chunks from the memory budget, and the plan is reported beside the measured peak.
    expect(r.chunking).toEqual({ mode: 'cached', encChunk: 8, decChunk: 2 });
    expect(r.memory.estimateBytes).toBeGreaterThan(50e6);
    expect(r.memory.estimateBytes).toBeLessThan(r.memory.budgetBytes);
    expect(r.memory.peakRssBytes).toBeGreaterThan(0);
    expect(r.execution.summary).toMatch(new RegExp(`^${r.provider}: `));
    expect(Object.keys(r.execution.placement).sort()).toEqual(['decoder', 'decoder-step', 'encoder', 'encoder-step']);
    expect(existsSync(out)).toBe(true);
    expect((await probeVideo(out)).frames).toBe(9);
  });

  it.skipIf(!!torchMissing)(
    `PSNR and SSIM (clip and per frame) are the PyTorch reference's on the same frames, and the mp4 holds that reconstruction${torchMissing ? ` (skipped: ${torchMissing})` : ''}`,
    async () => {
      const { stdout } = await run(TORCH_PYTHON, [join(REPO_ROOT, 'test', 'helpers', 'torch_reconstruct.py'), DEMO, clip, '--frames', '9', '--mp4', out, '--ffmpeg', FIXTURE_FFMPEG], { timeout: 300_000 });
      const ref = JSON.parse(stdout) as TorchReference;
      const r = report;
      console.log(`[reconstruct-cli] PSNR ${r.psnr} vs torch ${ref.psnr}; SSIM ${r.ssim} vs ${ref.ssim}; mp4 vs torch reconstruction ${ref.mp4.vsReconstruction.toFixed(2)} dB (the ffmpeg command line's own H.264 of it: ${ref.mp4.cliEncodeVsReconstruction.toFixed(2)} dB), vs source ${ref.mp4.vsSource.toFixed(2)} dB`);
      expect([ref.frames, ref.height, ref.width]).toEqual([r.frames, r.height, r.width]);
      // The CLI prints PSNR to 4 decimals and SSIM to 5; the graphs agree with torch within 2e-4 (parity),
      // which moves these by far less than that rounding.
      expect(Math.abs(r.psnr - ref.psnr)).toBeLessThan(1e-3);
      expect(Math.abs(r.ssim - ref.ssim)).toBeLessThan(1e-4);
      r.perFrame.psnr.forEach((v, t) => expect(Math.abs(v - ref.perFrame.psnr[t]), `frame ${t} PSNR`).toBeLessThan(1e-3));
      r.perFrame.ssim.forEach((v, t) => expect(Math.abs(v - ref.perFrame.ssim[t]), `frame ${t} SSIM`).toBeLessThan(1e-4));
      // The mp4 is the reconstruction (frames in order), not the source: nearer to the torch reconstruction than to the source,
      expect(ref.mp4.vsReconstruction).toBeGreaterThan(ref.mp4.vsSource);
      // and as near to it as H.264 at the same settings from another FFmpeg build gets (measured 33.04 vs 33.02 dB; the two
      // x264 builds' rate control may differ a little, a wrong colour matrix, range or frame would cost several dB).
      expect(ref.mp4.vsReconstruction).toBeGreaterThan(ref.mp4.cliEncodeVsReconstruction - 1);
    },
  );

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
