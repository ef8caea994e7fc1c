// `wfvae reconstruct --json` carries the frequency diagnostics: the level-1
// subband error energies add up (Parseval, orthonormal Haar with the causal
// first-frame replication) to the clip's squared error that its own per-frame
// PSNRs imply, and a Causal Cache run gives the same subband numbers as the
// whole-clip run (WL consistency needs the taps of a whole-clip run).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import type { ClipFrequencyReport } from '../../../src/engine/eval/clip-frequency';
import { goldenModels, SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-recfreq-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };
const [model] = goldenModels(SUBSET_GOLDENS);
const clip = join(work, 'clip.mp4');

interface Report {
  frames: number;
  width: number;
  height: number;
  perFrame: { psnr: number[] };
  frequency: ClipFrequencyReport;
}

const reconstruct = async (extra: string[]) =>
  JSON.parse((await run(process.execPath, [WFVAE_CLI, 'reconstruct', clip, '--model', model.dir, '--frames', '17', '--json', '--provider', 'cpu', '--threads', '2', ...extra], { env })).stdout) as Report;

beforeAll(async () => {
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=24', '-frames:v', '17', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '10', clip]);
});

describe('wfvae reconstruct --json: frequency diagnostics', () => {
  it('subband errors add up to the clip\'s error; chunked equals whole; WL levels from the taps', async () => {
    const whole = await reconstruct(['--whole']);
    const f = whole.frequency;
    expect(f.levels).toBe(3);
    expect(f.subbands!.levels.map((l) => [l.level, l.frames, l.bands.length])).toEqual([[1, 9, 8], [2, 5, 8], [3, 3, 8]]);
    // Per-frame MSE on [0, 1] from the printed PSNRs (range 2 on [-1, 1] is range 1 on [0, 1]).
    const mse = whole.perFrame.psnr.map((p) => 10 ** (-p / 10));
    const pixels = 3 * whole.width * whole.height;
    const sse = mse.reduce((a, b) => a + b, 0) * pixels + mse[0] * pixels; // frame 0 counts twice: the causal replication
    const level1 = f.subbands!.levels[0].bands.reduce((a, b) => a + b.error, 0);
    expect(level1 / sse).toBeCloseTo(1, 3);
    // The error spectrum's bins add up to the luma MSE, which cannot exceed the channel MSE's bound.
    expect(f.spectrum.error.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(f.spectrum.error).toHaveLength(32);
    expect(f.wl!.levels.map((l) => [l.level, l.encoder, l.decoder, l.frames])).toEqual([
      ['block 0', 'enc.coeffs.0', 'dec.coeffs.1', 9],
      ['block 1', 'enc.coeffs.1', 'dec.coeffs.0', 5],
    ]);
    expect(f.wl!.levels[0].subbands).toEqual(['LL', 'LH', 'HL', 'HH']);

    const chunked = await reconstruct(['--enc-chunk', '4', '--dec-chunk', '1']);
    const c = chunked.frequency;
    expect(c.wl).toBeNull();
    f.subbands!.levels.forEach((l, i) =>
      l.bands.forEach((b, j) => expect(c.subbands!.levels[i].bands[j].error / b.error).toBeCloseTo(1, 5)),
    );
    expect(c.grid.amplitude).toBeCloseTo(f.grid.amplitude, 4);
  });
});
