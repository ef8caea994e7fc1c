// Naive chunking seams where the schedule says; the 8x temporal variant chunks
// exactly too (on random checkpoints here; against the reference on its own
// golden, wfvae-8x-tiny, in golden-cases.test.ts); progress and cancel between chunks.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WfvaeModel } from '../../../src/engine/runtime/model';
import { perFrameMaxAbsDiff } from '../../../src/engine/metrics/index';
import { chunkBoundaryFrames, decodeWith, encodeWith } from '../../../src/engine/runtime/stream-model';
import { makeRandomCheckpoint } from '../../helpers/random-checkpoint';
import { maxAbsDiff } from '../parity/goldens';
import { loadConverted, randomVideo, smallCausalGolden } from './stream-helpers';

const squeeze = (t: { data: Float32Array; shape: readonly number[] }) => ({ data: t.data, shape: t.shape.slice(1) });

describe('naive chunking and the chunk schedule', () => {
  let model: WfvaeModel;
  beforeAll(async () => {
    model = await loadConverted(smallCausalGolden().dir);
  });
  afterAll(async () => model?.dispose());

  it('naive decoding equals whole-clip before the first seam and departs from it after', async () => {
    const video = randomVideo(33, 16, 16, 7);
    const { mean } = await model.encode(video);
    const whole = await model.decode(mean);
    const naive = await decodeWith(model, mean, { mode: 'naive', decChunk: 2 });
    expect(naive.video.shape).toEqual(whole.video.shape);
    const perFrame = perFrameMaxAbsDiff(squeeze(naive.video), squeeze(whole.video));
    const seams = chunkBoundaryFrames(33, { encChunk: 8, decChunk: 2 }, 4).decoder;
    expect(seams).toEqual([1, 9, 17, 25]);
    // Chunks [0,1) and [1,3) are a prefix of the clip: identical up to look-ahead at frame 8.
    for (let t = 0; t < 7; t++) expect(perFrame[t]).toBeLessThan(1e-5);
    // From the second fresh chunk on, the causal context is gone.
    expect(Math.max(...perFrame.slice(9))).toBeGreaterThan(1e-2);
  });

  it('naive encoding departs from whole-clip latents after the first run', async () => {
    const video = randomVideo(33, 16, 16, 8);
    const whole = await model.encode(video);
    const naive = await encodeWith(model, video, { mode: 'naive', encChunk: 8 });
    expect(naive.mean.shape).toEqual(whole.mean.shape);
    expect(maxAbsDiff(naive.mean, whole.mean)).toBeGreaterThan(1e-3);
  });

  it('reports progress per chunk and stops between chunks when cancelled', async () => {
    const video = randomVideo(41, 16, 16, 9);
    const { mean } = await model.encode(video);
    const seen: number[] = [];
    await decodeWith(model, mean, { mode: 'cached', decChunk: 3 }, { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([1, 4, 7, 10, 11]);
    const ac = new AbortController();
    let chunks = 0;
    const run = decodeWith(model, mean, { mode: 'cached', decChunk: 1 }, { signal: ac.signal, onProgress: () => ++chunks === 2 && ac.abort() });
    await expect(run).rejects.toThrow(/abort/i);
    expect(chunks).toBe(2);
  });

  it('rejects chunk sizes below 1 with a clear message', async () => {
    const { mean } = await model.encode(randomVideo(5, 16, 16, 1));
    await expect(decodeWith(model, mean, { mode: 'cached', decChunk: 0 })).rejects.toThrow(/decoder chunk must be a whole number of latent frames >= 1/);
  });
});

describe('8x temporal variant (random weights in the reference layout)', () => {
  let model: WfvaeModel;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wfvae-8x-'));
    await makeRandomCheckpoint(dir, {
      _class_name: 'WFVAEModel', base_channels: 16, latent_dim: 8, encoder_energy_flow_hidden_size: 16, decoder_energy_flow_hidden_size: 16,
      encoder_num_resblocks: 1, decoder_num_resblocks: 1, norm_type: 'layernorm', t_interpolation: 'trilinear',
      l1_dowmsample_block: 'Spatial2xTime2x3DDownsample', l1_downsample_wavelet: 'HaarWaveletTransform3D',
      l1_upsample_block: 'Spatial2xTime2x3DUpsample', l1_upsample_wavelet: 'InverseHaarWaveletTransform3D',
    });
    model = await loadConverted(dir);
  });
  afterAll(async () => model?.dispose());

  it.each([1, 9, 17, 33, 41])('T = %i: chunked equals whole for encoder chunks 1..12 and decoder chunks 1..5', async (T) => {
    expect(model.facts.temporalCompression).toBe(8);
    const video = randomVideo(T, 16, 16, T);
    const whole = await model.encode(video, { taps: true });
    const wholeDec = await model.decode(whole.mean, { taps: true });
    expect(whole.mean.shape[2]).toBe(1 + (T - 1) / 8);
    for (const encChunk of [1, 3, 5, 8, 12]) {
      const r = await encodeWith(model, video, { mode: 'cached', encChunk }, { taps: true });
      expect(maxAbsDiff(r.mean, whole.mean)).toBeLessThanOrEqual(1e-5);
      for (const k of Object.keys(whole.taps!)) expect(maxAbsDiff(r.taps![k], whole.taps![k]), k).toBeLessThanOrEqual(1e-5);
    }
    for (const decChunk of [1, 2, 3, 5]) {
      const r = await decodeWith(model, whole.mean, { mode: 'cached', decChunk }, { taps: true });
      expect(maxAbsDiff(r.video, wholeDec.video)).toBeLessThanOrEqual(1e-5);
      for (const k of Object.keys(wholeDec.taps!)) expect(maxAbsDiff(r.taps![k], wholeDec.taps![k]), k).toBeLessThanOrEqual(1e-5);
    }
  });
});
