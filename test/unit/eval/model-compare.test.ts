// Model vs model: rounding to BF16 / F16 bit-exactly, the rounded checkpoint
// holding exactly the rounded weights, a model against itself giving zero
// difference everywhere, F32 vs BF16 weights giving a small non-zero latent
// difference, another checkpoint a large one, and fp16 execution refused
// with its reason.
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../../src/engine/checkpoint/index';
import { bfloat16BitsToNumber, halfBitsToNumber } from '../../../src/engine/checkpoint/dtype';
import { bf16Bits, f16Bits, roundedCheckpoint } from '../../../src/engine/model-compare/weight-precision';
import { compareModels } from '../../../src/engine/model-compare/compare-models';
import { fp16ExecutionSupport, loadVariant } from '../../../src/engine/model-compare/variant';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import type { Tensor } from '../../../src/engine/tensor';
import { goldenModels, SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';
import { makeRandomCheckpoint } from '../../helpers/random-checkpoint';

const run = promisify(execFile);

describe('rounding to 16-bit floats', () => {
  it('bf16 and f16 bits of known values, ties to even, range limits', () => {
    expect(bf16Bits(1)).toBe(0x3f80);
    expect(bf16Bits(-2)).toBe(0xc000);
    expect(bf16Bits(1 + 2 ** -8)).toBe(0x3f80); // halfway between 1 and 1 + 2^-7: even
    expect(bf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // halfway between 0x3f81 and 0x3f82: even
    expect(bf16Bits(NaN) & 0x7fc0).toBe(0x7fc0);
    expect(f16Bits(1)).toBe(0x3c00);
    expect(f16Bits(-2)).toBe(0xc000);
    expect(f16Bits(65504)).toBe(0x7bff);
    expect(f16Bits(65519)).toBe(0x7bff);
    expect(f16Bits(65520)).toBe(0x7c00);
    expect(f16Bits(2 ** -24)).toBe(0x0001);
    expect(f16Bits(2 ** -25)).toBe(0x0000); // tie to even
    expect(f16Bits(3 * 2 ** -25)).toBe(0x0002);
    expect(f16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie to even
    expect(f16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f16Bits(-0)).toBe(0x8000);
  });

  it('round to nearest: the error is at most half a unit in the last place', () => {
    let s = 12345;
    for (let i = 0; i < 5000; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const x = Math.fround(((s / 2 ** 32) * 2 - 1) * 2 ** ((s % 20) - 10));
      const h = halfBitsToNumber(f16Bits(x));
      const ulpH = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(x), 2 ** -14))) - 10);
      expect(Math.abs(h - x)).toBeLessThanOrEqual(ulpH / 2);
      const b = bfloat16BitsToNumber(bf16Bits(x));
      expect(Math.abs(b - x)).toBeLessThanOrEqual(2 ** (Math.floor(Math.log2(Math.abs(x))) - 8));
    }
  });
});

describe('model vs model', () => {
  const work = mkdtempSync(join(tmpdir(), 'wfvae-ab-'));
  const cacheDir = join(work, 'cache');
  const [golden] = goldenModels(SUBSET_GOLDENS);
  let a: WfvaeModel;
  // A 9-frame 32x32 clip: a smooth gradient that moves.
  const [T, H, W] = [9, 32, 32];
  const video: Tensor = { data: new Float32Array(3 * T * H * W), shape: [3, T, H, W] };
  for (let c = 0; c < 3; c++) for (let t = 0; t < T; t++) for (let i = 0; i < H * W; i++) video.data[((c * T + t) * H * W) + i] = Math.sin(0.2 * (i % W) + 0.3 * t + c) * 0.8;

  beforeAll(async () => {
    a = await WfvaeModel.load(golden.dir, { provider: 'cpu', threads: 2, convert: { cacheDir } });
  });
  afterAll(async () => {
    await a?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('the BF16 checkpoint holds exactly A\'s weights rounded to BF16, and is reused', async () => {
    const r = await roundedCheckpoint(golden.dir, 'bf16', { cacheDir });
    expect(r.cached).toBe(false);
    expect(r.changedTensors).toBeGreaterThan(0);
    const [src, out] = await Promise.all([SafetensorsFile.open(join(golden.dir, 'diffusion_pytorch_model.safetensors')), SafetensorsFile.open(join(r.dir, 'diffusion_pytorch_model.safetensors'))]);
    try {
      expect([...out.entries.keys()].sort()).toEqual([...src.entries.keys()].sort());
      for (const name of [...src.entries.keys()].slice(0, 12)) {
        expect(out.entries.get(name)!.dtype).toBe('BF16');
        expect(out.entries.get(name)!.shape).toEqual(src.entries.get(name)!.shape);
        const [x, y] = [await src.readF32(name), await out.readF32(name)];
        for (let i = 0; i < x.length; i++) expect(y[i]).toBe(bfloat16BitsToNumber(bf16Bits(x[i])));
      }
    } finally {
      await src.close();
      await out.close();
    }
    expect(JSON.parse(readFileSync(join(r.dir, 'config.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(golden.dir, 'config.json'), 'utf8')));
    expect((await roundedCheckpoint(golden.dir, 'bf16', { cacheDir })).cached).toBe(true);
  });

  it('A against itself: identical frames, zero latent difference', async () => {
    const r = await compareModels({ model: a, label: 'A' }, { model: a, label: 'A again' }, video, { mode: 'whole', encChunk: 8, decChunk: 2 });
    const c = r.comparison;
    expect(c.clip.psnrAB).toBeNull();
    expect(c.clip.maxAbsAB).toBe(0);
    expect(c.perFrame.psnrAB).toEqual(Array(T).fill(null));
    expect(c.latent!.maxAbs).toBe(0);
    expect(c.latent!.shape).toEqual([8, 3, 4, 4]);
    expect(c.perFrame.psnrA).toEqual(c.perFrame.psnrB);
  });

  it('F32 vs BF16 weights: a small, non-zero difference; another checkpoint: a large one', async () => {
    const bf16 = await loadVariant(a, { kind: 'weights', dtype: 'bf16' }, { threads: 2, convert: { cacheDir } });
    try {
      const r = await compareModels({ model: a, label: 'A' }, { model: bf16.model, label: bf16.label }, video, { mode: 'cached', encChunk: 4, decChunk: 1 });
      const c = r.comparison;
      expect(c.b.label).toBe('A with BF16 weights');
      expect(c.b.sha256).not.toBe(c.a.sha256);
      expect(c.latent!.maxAbs).toBeGreaterThan(0);
      expect(c.latent!.relative).toBeGreaterThan(1e-4);
      expect(c.latent!.relative).toBeLessThan(0.05);
      expect(c.latent!.perChannel).toHaveLength(8);
      expect(c.latent!.perFrame).toHaveLength(3);
      expect(c.clip.psnrAB).toBeGreaterThan(30);
      expect(Math.abs(c.clip.psnrB! - c.clip.psnrA!)).toBeLessThan(0.5);
    } finally {
      await bf16.model.dispose();
    }
    const other = join(work, 'other-step');
    await makeRandomCheckpoint(other, JSON.parse(readFileSync(join(golden.dir, 'config.json'), 'utf8')) as Record<string, unknown>, 99);
    const b = await loadVariant(a, { kind: 'checkpoint', path: other }, { threads: 2, convert: { cacheDir } });
    try {
      const c = (await compareModels({ model: a, label: 'A' }, { model: b.model, label: b.label }, video, { mode: 'whole', encChunk: 8, decChunk: 2 })).comparison;
      expect(c.latent!.relative).toBeGreaterThan(0.3);
      expect(c.clip.psnrAB).toBeLessThan(30);
    } finally {
      await b.model.dispose();
    }
  });

  it('fp16 execution: supported on GPU providers, refused on the CPU with the reason, in the engine and the CLI', async () => {
    expect(fp16ExecutionSupport('cpu').supported).toBe(false);
    for (const p of ['webgpu', 'cuda', 'dml', 'coreml'] as const) expect(fp16ExecutionSupport(p).supported).toBe(true);
    await expect(loadVariant(a, { kind: 'execution', precision: 'fp16' }, {})).rejects.toThrow(/fp16 execution runs on GPU providers only.*Model A runs on cpu here/);
    const clip = join(work, 'clip.mp4');
    await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=32x32:rate=24', '-frames:v', '5', '-pix_fmt', 'yuv420p', clip]);
    const err = await run(process.execPath, [WFVAE_CLI, 'compare-models', clip, '--model', golden.dir, '--b-exec', 'fp16', '--provider', 'cpu'], { env: { ...process.env, WFVAE_CACHE_DIR: cacheDir } }).catch((e: { stderr: string; code: number }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(/fp16 execution runs on GPU providers only.*BF16 or F16/);
  });
});
