// openCheckpoint: folder or file path, clear errors for incomplete folders,
// and a content hash that changes with any byte of config or weights.
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashCheckpoint, openCheckpoint, writeSafetensors } from '../../../src/engine/checkpoint';
import { expectCheckpointError, GOLDENS, hasGoldens, tempDir } from './helpers';
import { NO_SHARED_GOLDENS } from '../../helpers/shared-goldens';

const CONFIG = JSON.stringify({ _class_name: 'WFVAE2Model', base_channels: [16, 32, 64], latent_dim: 8 });

async function makeCheckpoint(weightsName = 'diffusion_pytorch_model.safetensors'): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, 'config.json'), CONFIG);
  await writeSafetensors(join(dir, weightsName), [
    { name: 'encoder.conv_in.weight', data: Float32Array.from({ length: 16 * 24 * 9 }, (_, i) => i / 1000), shape: [16, 24, 3, 3] },
  ]);
  return dir;
}

/** The documented hash: domain line, u64 config length, config bytes, u64 file size, file bytes. */
function independentHash(config: Buffer, weights: Buffer): string {
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  return createHash('sha256').update('wfvae-inspector checkpoint v1\n').update(u64(config.length)).update(config).update(u64(weights.length)).update(weights).digest('hex');
}

describe('openCheckpoint', () => {
  it('opens a folder and reports config, facts, weights and the content hash', async () => {
    const dir = await makeCheckpoint();
    const ckpt = await openCheckpoint(dir);
    try {
      expect(ckpt.dir).toBe(dir);
      expect(ckpt.config.className).toBe('WFVAE2Model');
      expect(ckpt.facts).toEqual({ temporalCompression: 4, spatialCompression: 8, latentChannels: 8, causalSafe: true, timeMixingLayers: [], timeMixing: '' });
      expect(ckpt.weights.entries.get('encoder.conv_in.weight')?.shape).toEqual([16, 24, 3, 3]);
      const want = independentHash(await readFile(join(dir, 'config.json')), await readFile(join(dir, 'diffusion_pytorch_model.safetensors')));
      expect(ckpt.sha256).toBe(want);
    } finally {
      await ckpt.weights.close();
    }
  });

  it('accepts the safetensors path with config.json beside it (any file name)', async () => {
    const dir = await makeCheckpoint('ema.safetensors');
    const ckpt = await openCheckpoint(join(dir, 'ema.safetensors'));
    await ckpt.weights.close();
    expect(ckpt.dir).toBe(dir);
    expect(ckpt.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts the config.json path of a standard folder', async () => {
    const dir = await makeCheckpoint();
    const a = await openCheckpoint(join(dir, 'config.json'));
    const b = await openCheckpoint(dir);
    await a.weights.close();
    await b.weights.close();
    expect(a.sha256).toBe(b.sha256);
    const other = join(dir, 'notes.txt');
    await writeFile(other, 'x');
    const err = await expectCheckpointError(() => openCheckpoint(other));
    expect(err.message).toContain('notes.txt is not a checkpoint');
  });

  it('a folder without the expected files names them and lists what is there', async () => {
    const dir = await makeCheckpoint('ema.safetensors');
    const err = await expectCheckpointError(() => openCheckpoint(dir));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('expected config.json and diffusion_pytorch_model.safetensors, missing diffusion_pytorch_model.safetensors');
    expect(err.message).toContain('It has: ');
    expect(err.message).toContain('ema.safetensors');
    const empty = await tempDir();
    const err2 = await expectCheckpointError(() => openCheckpoint(empty));
    expect(err2.message).toContain('missing config.json and diffusion_pytorch_model.safetensors');
  });

  it('a safetensors file without config.json beside it', async () => {
    const dir = await tempDir();
    const path = join(dir, 'w.safetensors');
    await writeSafetensors(path, [{ name: 'x', data: new Float32Array(1), shape: [1] }]);
    const err = await expectCheckpointError(() => openCheckpoint(path));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain(`no config.json beside it (looked for ${join(dir, 'config.json')})`);
  });

  it('a path that does not exist', async () => {
    const err = await expectCheckpointError(() => openCheckpoint('/nonexistent/ckpt'));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('/nonexistent/ckpt');
  });

  it('the hash changes with one byte of data or of config, and reports progress / honours abort', async () => {
    const dir = await makeCheckpoint();
    const weights = join(dir, 'diffusion_pytorch_model.safetensors');
    const config = await readFile(join(dir, 'config.json'));
    const progress: number[] = [];
    const h0 = await hashCheckpoint(config, weights, { onProgress: (done) => progress.push(done) });
    const bytes = await readFile(weights);
    expect(progress.at(-1)).toBe(bytes.length);
    bytes[bytes.length - 1] ^= 1;
    const changed = join(dir, 'changed.safetensors');
    await writeFile(changed, bytes);
    expect(await hashCheckpoint(config, changed)).not.toBe(h0);
    expect(await hashCheckpoint(Buffer.from(config.toString().replace('8', '9')), weights)).not.toBe(h0);
    const ac = new AbortController();
    ac.abort();
    const err = await expectCheckpointError(() => hashCheckpoint(config, weights, { signal: ac.signal }));
    expect(err.message).toContain('cancelled');
  });

  it('hashes multi-block files identically to a one-shot SHA-256', async () => {
    const dir = await tempDir();
    const n = (8 * 1024 * 1024 * 2.5) / 4; // 2.5 hash blocks of float32
    await writeFile(join(dir, 'config.json'), CONFIG);
    await writeSafetensors(join(dir, 'diffusion_pytorch_model.safetensors'), [{ name: 'big', data: Float32Array.from({ length: n }, (_, i) => i), shape: [n] }]);
    const ckpt = await openCheckpoint(dir);
    await ckpt.weights.close();
    expect(ckpt.sha256).toBe(independentHash(await readFile(join(dir, 'config.json')), await readFile(join(dir, 'diffusion_pytorch_model.safetensors'))));
  });
});

describe.skipIf(!hasGoldens)(`openCheckpoint on the goldens${NO_SHARED_GOLDENS}`, () => {
  it('opens each golden model folder', async () => {
    for (const model of ['wfvae-l-tiny', 'wfvae-gn-nearest', 'wfvae2-tiny']) {
      const ckpt = await openCheckpoint(join(GOLDENS, model));
      await ckpt.weights.close();
      expect(ckpt.facts.temporalCompression).toBe(4);
      expect(ckpt.facts.causalSafe).toBe(model !== 'wfvae-gn-nearest');
    }
  });

  it('config.json is validated before any weight is opened', async () => {
    const dir = await tempDir();
    await copyFile(join(GOLDENS, 'wfvae-l-tiny', 'diffusion_pytorch_model.safetensors'), join(dir, 'diffusion_pytorch_model.safetensors'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ _class_name: 'WFVAEModel', norm_type: 'rmsnorm' }));
    const err = await expectCheckpointError(() => openCheckpoint(dir));
    expect(err.code).toBe('bad_option');
    expect(err.message).toContain('"norm_type" is "rmsnorm"');
  });
});
