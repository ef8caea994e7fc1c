// WfvaeModel on real onnxruntime-node: what it fetches, what it accepts, and
// how it refuses input the architecture cannot take.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WfvaeModel, checkLatent, checkVideo, validFrameCounts } from '../../../src/engine/runtime/index';
import { SUBSET_GOLDENS, maxAbsDiff, readCase } from '../parity/goldens';

const cacheDir = mkdtempSync(join(tmpdir(), 'wfvae-model-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
const dir = join(SUBSET_GOLDENS, 'wfvae2-tiny');
let model: WfvaeModel;

beforeAll(async () => {
  model = await WfvaeModel.load(dir, { provider: 'cpu', threads: 2, convert: { cacheDir } });
});
afterAll(() => model?.dispose());

const facts4x = { temporalCompression: 4, spatialCompression: 8 } as const;
const video = (t: number, h: number, w: number, c = 3) => ({ data: new Float32Array(c * t * h * w), shape: [1, c, t, h, w] });

describe('input checks', () => {
  it('names the clip lengths that work', () => {
    expect(validFrameCounts(8, 4)).toEqual([5, 9]);
    expect(validFrameCounts(9, 4)).toEqual([9]);
    expect(validFrameCounts(20, 8)).toEqual([17, 25]);
    expect(() => checkVideo(video(8, 64, 64), facts4x)).toThrow(/needs 1 \+ 4k frames \(1, 5, 9, 13, \.\.\.\); got 8\. Use 5 or 9 frames/);
    expect(() => checkVideo(video(12, 64, 64), { ...facts4x, temporalCompression: 8 })).toThrow(/1 \+ 8k frames .* Use 9 or 17 frames/);
  });

  it('asks for multiples of 8 and 3 channels', () => {
    expect(() => checkVideo(video(5, 64, 70), facts4x)).toThrow(/width must be a multiple of 8; got 70\. Crop or resize to 64 or 72/);
    expect(() => checkVideo(video(5, 4, 64), facts4x)).toThrow(/height must be a multiple of 8; got 4/);
    expect(() => checkVideo(video(5, 64, 64, 4), facts4x)).toThrow(/3 \(RGB\) channels; got 4/);
    expect(() => checkVideo({ data: new Float32Array(12), shape: [2, 3, 1, 2] }, facts4x)).toThrow(/3 \(RGB\) channels/);
    expect(() => checkVideo({ data: new Float32Array(3 * 64 * 64 * 2), shape: [2, 3, 1, 64, 64] }, facts4x)).toThrow(/shape \(1, 3, T, H, W\) or \(3, T, H, W\)/);
    expect(checkVideo({ data: new Float32Array(3 * 5 * 64 * 64), shape: [3, 5, 64, 64] }, facts4x)).toEqual([1, 3, 5, 64, 64]);
  });

  it('checks latent channels', () => {
    expect(checkLatent({ data: new Float32Array(8 * 2 * 4), shape: [8, 2, 2, 2] }, 8)).toEqual([1, 8, 2, 2, 2]);
    expect(() => checkLatent({ data: new Float32Array(4 * 4), shape: [1, 4, 1, 2, 2] }, 8)).toThrow(/must have 8 channels for this model; got 4/);
  });
});

describe('WfvaeModel', () => {
  it('reports the provider it runs on, the facts and the manifest', () => {
    expect(model.provider).toBe('cpu');
    expect(model.providerFallbacks).toEqual([]);
    expect(model.facts).toMatchObject({ temporalCompression: 4, spatialCompression: 8, latentChannels: 8 });
    expect(model.manifest.className).toBe('WFVAE2Model');
  });

  it('leaves taps out unless asked, and returns every tap the manifest lists when asked', async () => {
    const c = await readCase(join(dir, 't9_64x64.safetensors'));
    const input = c.get('input')!;
    const plain = await model.encode(input);
    expect(plain.taps).toBeUndefined();
    expect(plain.mean.shape).toEqual([1, 8, 3, 8, 8]);
    expect(plain.logvar.shape).toEqual([1, 8, 3, 8, 8]);
    const tapped = await model.encode(input, { taps: true });
    const listed = model.manifest.graphs.encoder.taps;
    expect(Object.keys(tapped.taps!).sort()).toEqual(listed.map((t) => t.name).sort());
    for (const t of listed) expect(tapped.taps![t.name].shape[1]).toBe(t.channels);
    expect(maxAbsDiff(plain.mean, tapped.mean)).toBe(0);

    const dec = await model.decode(plain.mean);
    expect(dec.taps).toBeUndefined();
    expect(dec.video.shape).toEqual([1, 3, 9, 64, 64]);
  });

  it('takes (3, T, H, W) as well as (1, 3, T, H, W), with the same result', async () => {
    const c = await readCase(join(dir, 't1_64x64.safetensors'));
    const input = c.get('input')!;
    const a = await model.encode(input);
    const b = await model.encode({ data: input.data, shape: input.shape.slice(1) });
    expect(maxAbsDiff(a.mean, b.mean)).toBe(0);
  });

  it('reconstruct = decode(encode(x).mean), with timings', async () => {
    const c = await readCase(join(dir, 't1_64x64.safetensors'));
    const r = await model.reconstruct(c.get('input')!);
    const d = await model.decode(r.mean);
    expect(maxAbsDiff(r.video, d.video)).toBe(0);
    expect(r.encodeSeconds).toBeGreaterThan(0);
    expect(r.decodeSeconds).toBeGreaterThan(0);
  });

  it('rejects bad input before running and honours an aborted signal', async () => {
    await expect(model.encode(video(6, 64, 64))).rejects.toThrow(/Use 5 or 9 frames/);
    await expect(model.encode(video(5, 64, 64), { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses to run once disposed', async () => {
    const m = await WfvaeModel.load(dir, { provider: 'cpu', threads: 1, convert: { cacheDir } });
    await m.dispose();
    await expect(m.encode(video(1, 64, 64))).rejects.toThrow(/disposed; load it again/);
  });
});
