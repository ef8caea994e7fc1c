// The chunking CLI: `wfvae compare` (cached == whole, naive seams, exit code)
// and `wfvae reconstruct --enc-chunk/--dec-chunk` (same numbers as whole-clip,
// streamed mp4, nothing partial on failure).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goldenModels, WFVAE_CLI } from '../parity/goldens';
import { reconstructFile } from '../../../src/engine/runtime/stream-reconstruct';
import { loadConverted, smallCausalGolden } from './stream-helpers';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { NO_SHARED_GOLDENS } from '../../helpers/shared-goldens';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-chunk-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };
const clip = join(work, 'clip.mp4');
const golden = smallCausalGolden();
const cli = (args: string[]) => run(process.execPath, [WFVAE_CLI, ...args, '--provider', 'cpu', '--threads', '2'], { env, maxBuffer: 32 << 20 });

beforeAll(async () => {
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=24', '-frames:v', '41', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);
});

interface CompareJson {
  frames: number;
  cachedExact: boolean;
  boundaries: { encoder: number[]; decoder: number[] };
  cached: { maxAbs: number; perFrame: { maxAbs: number }[] };
  naive: { maxAbs: number; perFrame: { maxAbs: number }[] };
  verdict: { exact: boolean };
}

describe('wfvae compare', () => {
  it('shows cached == whole at every frame and naive != whole at the seams (encoder 12, decoder 3 at T = 41)', async () => {
    const { stdout } = await cli(['compare', clip, '--model', golden.dir, '--enc-chunk', '12', '--dec-chunk', '3', '--json']);
    const r = JSON.parse(stdout) as CompareJson;
    expect(r.frames).toBe(41);
    expect(r.cachedExact).toBe(true);
    expect(r.verdict.exact).toBe(true);
    for (const f of r.cached.perFrame) expect(f.maxAbs).toBeLessThanOrEqual(1e-5);
    expect(r.boundaries.decoder).toEqual([1, 13, 25, 37]);
    expect(r.boundaries.encoder).toEqual([1, 13, 25, 37]);
    // After the second decoder seam the naive chunk no longer has the clip's causal context.
    expect(Math.max(...r.naive.perFrame.slice(25).map((f) => f.maxAbs))).toBeGreaterThan(1e-3);
  });

  it('prints a per-frame table with seams marked', async () => {
    const { stdout } = await cli(['compare', clip, '--model', golden.dir, '--enc-chunk', '8', '--dec-chunk', '2', '--frames', '17']);
    expect(stdout).toMatch(/frame\s+seam\s+cached max\|d\|/);
    expect(stdout).toMatch(/^\s+9\s+ED\s/m);
    expect(stdout).toMatch(/cached vs whole: max \|d\| .* equal within 0\.00001/);
  });

  const gn = goldenModels().find((m) => m.name === 'wfvae-gn-nearest');
  it.skipIf(!gn)(`says a GroupNorm model cannot chunk exactly, and does not fail for it${NO_SHARED_GOLDENS}`, async () => {
    const { stdout } = await cli(['compare', clip, '--model', gn!.dir, '--enc-chunk', '8', '--dec-chunk', '2', '--frames', '17', '--json']);
    const r = JSON.parse(stdout) as CompareJson;
    expect(r.verdict.exact).toBe(false);
    expect(r.cached.maxAbs).toBeGreaterThan(1e-4);
  });
});

describe('wfvae reconstruct with the Causal Cache', () => {
  it('streams to mp4 with the same PSNR as whole-clip, and reports peak memory', async () => {
    const whole = JSON.parse((await cli(['reconstruct', clip, '--model', golden.dir, '--frames', '33', '--json'])).stdout);
    const out = join(work, 'rec.mp4');
    const chunked = JSON.parse((await cli(['reconstruct', clip, '--model', golden.dir, '--frames', '33', '--enc-chunk', '8', '--dec-chunk', '2', '--out', out, '--json'])).stdout);
    expect(chunked.chunking).toEqual({ mode: 'cached', encChunk: 8, decChunk: 2 });
    expect(chunked.frames).toBe(33);
    expect(Math.abs(chunked.psnr - whole.psnr)).toBeLessThan(1e-3);
    expect(chunked.perFrame.psnr).toHaveLength(33);
    expect(chunked.peakRssMB).toBeGreaterThan(0);
    expect(existsSync(out)).toBe(true);
  });

  it('writes nothing partial when cancelled between chunks', async () => {
    const dir = join(work, 'cancelled');
    mkdirSync(dir);
    const model = await loadConverted(golden.dir);
    try {
      const ac = new AbortController();
      let decoded = 0;
      const run = reconstructFile(model, clip, { frames: 41 }, { mode: 'cached', encChunk: 4, decChunk: 1 }, {
        outPath: join(dir, 'rec.mp4'),
        signal: ac.signal,
        onProgress: (p) => p.stage === 'decode' && ++decoded === 3 && ac.abort(),
      });
      await expect(run).rejects.toThrow(/abort|cancel/i);
      expect(decoded).toBe(3);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await model.dispose();
    }
  });
});
