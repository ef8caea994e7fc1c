// The shipped demo model (resources/models/wfvae-demo) loads through the same
// converter as any user checkpoint and reconstructs a clip this test makes —
// a slow camera pan over an image with natural (1/f) statistics — clearly
// better than the Haar low-pass baseline (only the coarsest low-low-low band
// of the model's own 3-level analysis kept).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../../src/engine/checkpoint/index';
import { convertCheckpoint } from '../../../src/engine/onnx/convert';
import { WfvaeModel } from '../../../src/engine/runtime/model';
import { demoModelDir, resolveModelPath } from '../../../src/engine/runtime/model-path';
import { psnr } from '../../../src/engine/metrics/index';
import { haar2d, haar3d, inverseHaar2d, inverseHaar3d } from '../../../src/engine/wavelet/index';
import type { Tensor } from '../../../src/engine/tensor';
import { prng } from '../../helpers/random-checkpoint';

const DEMO_MODEL = demoModelDir({});

const work = mkdtempSync(join(tmpdir(), 'wfvae-demo-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A (3, T, H, W) clip in [-1, 1]: a smooth diagonal pan across a 1/f-spectrum colour image. */
function naturalPan(T: number, H: number, W: number, seed: number): Tensor {
  const S = 2 * Math.max(H, W);
  const r = prng(seed);
  const waves = Array.from({ length: 48 }, () => {
    const f = 0.5 + 40 * r() ** 2; // cycles per image, denser at low frequencies
    const a = 2 * Math.PI * r();
    return { kx: (f * Math.cos(a)) / S, ky: (f * Math.sin(a)) / S, phase: 2 * Math.PI * r(), amp: 1 / f, rgb: [r(), r(), r()] };
  });
  const data = new Float32Array(3 * T * H * W);
  for (let t = 0; t < T; t++) {
    const ox = 1.5 * t;
    const oy = 0.75 * t;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = [0, 0, 0];
        for (const w of waves) {
          const s = w.amp * Math.sin(2 * Math.PI * (w.kx * (x + ox) + w.ky * (y + oy)) + w.phase);
          for (let c = 0; c < 3; c++) v[c] += s * (0.4 + w.rgb[c]);
        }
        for (let c = 0; c < 3; c++) data[((c * T + t) * H + y) * W + x] = Math.tanh(0.35 * v[c]);
      }
    }
  }
  return { data, shape: [3, T, H, W] };
}

/** Keep only the coarsest low band of WF-VAE's (3D, 2D, 3D) analysis, zero the rest, invert. */
function haarLowPass(x: Tensor): Tensor {
  const lowOnly = (c: Tensor, bands: number) => {
    const out = new Float32Array(c.data.length);
    out.set(c.data.subarray(0, c.data.length / bands));
    return { data: out, shape: c.shape };
  };
  const low = (c: Tensor, bands: number) => ({ data: c.data.slice(0, c.data.length / bands), shape: [c.shape[0] / bands, ...c.shape.slice(1)] });
  const l1 = haar3d(x);
  const l2 = haar2d(low(l1, 8));
  const l3 = haar3d(low(l2, 4));
  const up3 = inverseHaar3d(lowOnly(l3, 8));
  const up2 = inverseHaar2d({ data: Float32Array.from([...up3.data, ...new Float32Array(up3.data.length * 3)]), shape: [12, ...up3.shape.slice(1)] });
  return inverseHaar3d({ data: Float32Array.from([...up2.data, ...new Float32Array(up2.data.length * 7)]), shape: [24, ...up2.shape.slice(1)] });
}

describe('the bundled demo model', () => {
  it('is the default model, in the reference layout, within the bundle-size bound', async () => {
    expect(await resolveModelPath(undefined, {})).toBe(DEMO_MODEL);
    const size = statSync(join(DEMO_MODEL, 'diffusion_pytorch_model.safetensors')).size;
    expect(size).toBeLessThanOrEqual(40 * 1024 * 1024);
    const ckpt = await openCheckpoint(DEMO_MODEL);
    try {
      expect(ckpt.config.className).toBe('WFVAEModel');
      expect(ckpt.facts).toMatchObject({ temporalCompression: 4, spatialCompression: 8, latentChannels: 16, causalSafe: true });
    } finally {
      await ckpt.weights.close();
    }
  });

  it('converts and reconstructs a natural-statistics pan clearly better than the Haar low-pass baseline', async () => {
    const converted = await convertCheckpoint(DEMO_MODEL, { cacheDir: join(work, 'cache') });
    const model = await WfvaeModel.load(converted.dir, { provider: 'cpu', threads: 2 });
    try {
      const clip = naturalPan(17, 64, 96, 3);
      const r = await model.reconstruct({ data: clip.data, shape: [1, ...clip.shape] });
      const rec = { data: r.video.data.map((v) => Math.min(1, Math.max(-1, v))), shape: clip.shape };
      const ours = psnr(clip, rec).clip;
      const baseline = psnr(clip, haarLowPass(clip)).clip;
      console.log(`[demo-model] PSNR ${ours.toFixed(2)} dB vs Haar low-pass baseline ${baseline.toFixed(2)} dB`);
      expect(ours).toBeGreaterThan(baseline + 1.5);
    } finally {
      await model.dispose();
    }
  });
});
