// The memory plan: the graph walk on a graph whose live set is known by hand,
// the estimates against peaks measured in fresh processes, flatness in T, the
// budget and the chunk choice, and the CLI's refusal of a run that would not fit.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../src/engine/onnx/graph';
import { simulateMemory } from '../../../src/engine/onnx/graph-memory';
import { WeightStore } from '../../../src/engine/onnx/weights';
import { convertCheckpoint } from '../../../src/engine/onnx/convert';
import { estimateCached, estimateWhole, parseBytes, planChunks } from '../../../src/engine/runtime/memory-plan';
import type { GraphManifest } from '../../../src/engine/onnx/cache';
import { benchClip, writeTensorFile } from '../../../bench/tensor-file';
import { REPO_ROOT, SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { withMallocTunables } from '../../../bin/malloc-tunables.mjs';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-memory-plan-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const model = join(SUBSET_GOLDENS, 'wfvae2-tiny');
const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };
let manifest: GraphManifest;
beforeAll(async () => {
  manifest = (await convertCheckpoint(model, { cacheDir: join(work, 'cache') })).manifest;
});

describe('graph walk', () => {
  it('counts each buffer from its node to its last consumer; reshapes and graph outputs are views of theirs', () => {
    const g = new GraphBuilder('t', new WeightStore(null));
    const x = g.input('x', [1, 4, 'n']);
    const a = g.op1('Add', [x, x]); // dies at b
    const b = g.op1('Mul', [a, a]); // lives on through its reshape, until c
    const c = g.op1('Sigmoid', [g.op1('Reshape', [b, g.int64([1, -1])])]);
    g.output('y', c, [1, 'm']);
    const n = 1000;
    const sim = simulateMemory(g.describe(), { x: { shape: [1, 4, n] } });
    // At Mul: a and b; at Sigmoid: b and c. Graph inputs and constants are not the run's own.
    expect(sim.peakBytes).toBe(2 * 4 * n * 4);
    expect(sim.outputs.y).toEqual({ shape: [1, 4 * n], bytes: 4 * n * 4 });
  });

  it('evaluates shape arithmetic: a dynamic slice by a flag input', () => {
    const g = new GraphBuilder('t', new WeightStore(null));
    const x = g.input('x', [1, 2, 'n']);
    const f = g.input('f', [1]);
    const s = g.op1('Slice', [x, f, g.int64([Number.MAX_SAFE_INTEGER]), g.int64([2])]);
    g.output('y', g.op1('Sigmoid', [s]), [1, 2, 'm']);
    const first = simulateMemory(g.describe(), { x: { shape: [1, 2, 10] }, f: { shape: [1], type: 'int64', values: [1] } });
    const later = simulateMemory(g.describe(), { x: { shape: [1, 2, 10] }, f: { shape: [1], type: 'int64', values: [0] } });
    expect(first.outputs.y.shape).toEqual([1, 2, 9]);
    expect(later.outputs.y.shape).toEqual([1, 2, 10]);
  });
});

describe('estimates', () => {
  it('the Causal Cache estimate does not grow with the clip; the whole-clip one does', () => {
    const base = { baseBytes: 100e6 };
    const c = (frames: number) => estimateCached(manifest, { frames, height: 128, width: 192 }, { encChunk: 8, decChunk: 2 }, base).totalBytes;
    const w = (frames: number) => estimateWhole(manifest, { frames, height: 128, width: 192 }, base).totalBytes;
    expect(c(257)).toBe(c(33));
    expect(w(257) - 100e6).toBeGreaterThan(5 * (w(33) - 100e6));
  });

  it('chooses the largest default chunks that fit the budget, and says when none do', () => {
    const clip = { frames: 65, height: 256, width: 448 };
    const big = planChunks(manifest, clip, { bytes: 64e9, source: 'test' }, { baseBytes: 0 });
    expect(big).toMatchObject({ chunks: { encChunk: 8, decChunk: 2 }, fits: true });
    const small = estimateCached(manifest, clip, { encChunk: 4, decChunk: 1 }, { baseBytes: 0 }).totalBytes;
    const tight = planChunks(manifest, clip, { bytes: small + 1, source: 'test' }, { baseBytes: 0 });
    expect(tight).toMatchObject({ chunks: { encChunk: 4, decChunk: 1 }, fits: true });
    expect(planChunks(manifest, clip, { bytes: small - 1, source: 'test' }, { baseBytes: 0 }).fits).toBe(false);
  });

  it('reads sizes as people write them', () => {
    expect(parseBytes('4G', 'x')).toBe(4 * 1024 ** 3);
    expect(parseBytes('1500M', 'x')).toBe(1500 * 1024 ** 2);
    expect(parseBytes('2.5GB', 'x')).toBe(2.5 * 1024 ** 3);
    expect(() => parseBytes('lots', 'x')).toThrow(/"lots" is not a size; write e\.g\. 4G/);
  });

  it('is not below the peak a fresh process measures, nor far above it, and a second run does not raise the peak (whole clip and Causal Cache)', async () => {
    const clip = join(work, 'clip.safetensors');
    await writeTensorFile(clip, 'input', benchClip(33, 128, 192));
    for (const mode of ['whole', 'cached']) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'engine-run.ts'), model, clip, mode, '2', '2'], {
        encoding: 'utf8',
        env: withMallocTunables(env),
      });
      if (r.status !== 0) throw new Error(`engine-run ${mode} failed:\n${r.stderr}`);
      const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { peakRssMB: number; laterPeakRssMB: number; estimateMB: number };
      console.log(`[memory-plan] wfvae2-tiny 33x128x192 ${mode}: estimate ${j.estimateMB.toFixed(0)} MB, measured peak ${j.peakRssMB.toFixed(0)} MB, after a second run ${j.laterPeakRssMB.toFixed(0)} MB`);
      expect(j.estimateMB).toBeGreaterThanOrEqual(0.9 * j.peakRssMB);
      expect(j.estimateMB).toBeLessThanOrEqual(1.8 * j.peakRssMB);
      // No arena or memory pattern keeping the first run's blocks: the second run reuses what the first freed.
      expect(j.laterPeakRssMB).toBeLessThanOrEqual(1.1 * j.peakRssMB);
    }
  });
});

describe('the CLI refuses a run that would not fit, with the estimate and what to do', () => {
  it('reconstruct --whole over the budget: exit 2, nothing run', async () => {
    const video = join(work, 'clip.mp4');
    await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=192x128:rate=24', '-frames:v', '33', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', video]);
    const r = await run(process.execPath, [WFVAE_CLI, 'reconstruct', video, '--model', model, '--whole', '--memory-budget', '150M', '--provider', 'cpu'], { env }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(r?.code).toBe(2);
    expect(r?.stderr).toMatch(/whole-clip inference of 33x128x192 \(TxHxW\) needs about \d+ MB peak .* more than the budget of 150 MB \(--memory-budget\)\. Run it with the Causal Cache instead/);
    // The default (Causal Cache) states its plan and runs.
    const ok = await run(process.execPath, [WFVAE_CLI, 'reconstruct', video, '--model', model, '--provider', 'cpu', '--threads', '2'], { env });
    expect(ok.stderr).toMatch(/^chunking: encoder 8 frames, decoder 2 latent frames; Causal Cache chunking: equal to whole-clip inference/m);
    expect(ok.stderr).toMatch(/^memory: about \d+ MB peak \(process \d+ MB, activations \d+ MB, frames \d+ MB, chunk state \d+ MB\); budget /m);
  });
});
