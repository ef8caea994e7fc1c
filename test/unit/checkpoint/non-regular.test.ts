// Paths that are not regular files (a FIFO, /dev/zero, a folder), config.json
// files that are huge or nest absurdly deep, and 50 MB tensor names: each gets
// a short, clear error, at once, without blocking the libuv thread pool.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCheckpoint, readSafetensorsTensor, SafetensorsFile } from '../../../src/engine/checkpoint';
import { MAX_CONFIG_BYTES, MAX_CONFIG_NESTING, readConfigJson } from '../../../src/engine/checkpoint/config';
import { readManifest } from '../../../src/engine/onnx/cache';
import { expectCheckpointError, f32Bytes, layout, safetensorsBytes, tempDir, writeTemp } from './helpers';

const CONFIG = JSON.stringify({ _class_name: 'WFVAEModel', norm_type: 'layernorm' });

async function fifo(dir: string, name: string): Promise<string> {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
}

async function smallWeights(dir: string): Promise<string> {
  const { header, data } = layout([{ name: 'w', dtype: 'F32', shape: [2], bytes: f32Bytes([1, 2]) }]);
  return writeTemp('diffusion_pytorch_model.safetensors', safetensorsBytes(JSON.stringify(header), data), dir);
}

describe('non-regular files are refused without blocking', () => {
  it('a FIFO as the safetensors file, directly and inside a checkpoint folder', { timeout: 10_000 }, async () => {
    const dir = await tempDir();
    const pipe = await fifo(dir, 'diffusion_pytorch_model.safetensors');
    await writeFile(join(dir, 'config.json'), CONFIG);
    const direct = await expectCheckpointError(() => SafetensorsFile.open(pipe));
    expect(direct.message).toBe(`safetensors file ${pipe} is a named pipe (FIFO), not a regular file; pass the path of the file itself (copy it to a file first if it comes from a pipe or device).`);
    const viaFolder = await expectCheckpointError(() => openCheckpoint(dir));
    expect(viaFolder.message).toContain('is a named pipe (FIFO), not a regular file');
    const asPath = await expectCheckpointError(() => openCheckpoint(pipe));
    expect(asPath.code).toBe('io');
    await expectCheckpointError(() => readSafetensorsTensor(pipe, 'w'));
  });

  it('a FIFO as config.json', { timeout: 10_000 }, async () => {
    const dir = await tempDir();
    await smallWeights(dir);
    await fifo(dir, 'config.json');
    const err = await expectCheckpointError(() => openCheckpoint(dir));
    expect(err.message).toContain('config.json is a named pipe (FIFO), not a regular file');
  });

  it('eight FIFO checkpoints at once leave the libuv pool free for other file reads', { timeout: 10_000 }, async () => {
    const dirs = await Promise.all(Array.from({ length: 8 }, async () => {
      const d = await tempDir();
      await fifo(d, 'config.json');
      await fifo(d, 'diffusion_pytorch_model.safetensors');
      return d;
    }));
    const loads = dirs.map((d) => openCheckpoint(d).then(() => 'opened', (e: Error) => e.message));
    // The default pool has 4 threads: a blocking open() of a FIFO in each would stall this read.
    const plain = await writeTemp('plain.txt', 'still readable');
    expect(await readFile(plain, 'utf8')).toBe('still readable');
    for (const m of await Promise.all(loads)) expect(m).toContain('named pipe (FIFO)');
  });

  it('config.json pointing at /dev/zero, a folder, or a huge file', { timeout: 10_000 }, async () => {
    const dir = await tempDir();
    await symlink('/dev/zero', join(dir, 'config.json'));
    const zero = await expectCheckpointError(() => readConfigJson(join(dir, 'config.json')));
    expect(zero.message).toContain('config.json is a character device, not a regular file');

    const dir2 = await tempDir();
    await mkdir(join(dir2, 'config.json'));
    expect((await expectCheckpointError(() => readConfigJson(join(dir2, 'config.json')))).message).toContain('is a folder, not a regular file');

    const big = await writeTemp('config.json', ' '.repeat(MAX_CONFIG_BYTES + 1));
    const err = await expectCheckpointError(() => readConfigJson(big));
    expect(err.message).toBe(`config.json ${big} is ${MAX_CONFIG_BYTES + 1} bytes, more than the ${MAX_CONFIG_BYTES}-byte limit; a model config.json is a few kB: pass the config.json that save_pretrained wrote.`);
  });

  it('a FIFO named manifest.json in a converted folder', { timeout: 10_000 }, async () => {
    const dir = await tempDir();
    await fifo(dir, 'manifest.json');
    await expect(readManifest(dir)).rejects.toThrow('manifest.json is a named pipe (FIFO), not a regular file');
  });
});

describe('deeply nested JSON', () => {
  it('200,000-deep config.json says how deep, not "Maximum call stack size exceeded"', async () => {
    const path = await writeTemp('config.json', `{"_class_name": "WFVAEModel", "scale": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    const err = await expectCheckpointError(() => readConfigJson(path));
    expect(err.code).toBe('bad_config');
    expect(err.message).toBe(`${path} is not a model config: its JSON nests deeper than ${MAX_CONFIG_NESTING} levels (at line 1 column ${39 + MAX_CONFIG_NESTING}), and a config.json is a flat object of options. Fix the file or re-export it with save_pretrained.`);
  });

  it('an unbalanced deep header (not even valid JSON) too', async () => {
    const path = await writeTemp('deep.safetensors', safetensorsBytes(`{"a": ${'{"b": '.repeat(100_000)}`, new Uint8Array(0)));
    const err = await expectCheckpointError(() => SafetensorsFile.open(path));
    expect(err.code).toBe('bad_header');
    expect(err.message).toContain('header is not a safetensors header: its JSON nests deeper than 16 levels (at line 1 column');
  });

  it('brackets inside strings do not count', async () => {
    const path = await writeTemp('config.json', JSON.stringify({ _class_name: 'WFVAEModel', _note: '['.repeat(1000) }));
    expect((await readConfigJson(path)).json).toMatchObject({ _class_name: 'WFVAEModel' });
  });
});

describe('huge names and values are clipped, reason first', () => {
  const huge = 'n'.repeat(50 * 1024 * 1024);

  it('a 50 MB tensor name with a bad dtype', async () => {
    const header = JSON.stringify({ [huge]: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] } });
    const path = await writeTemp('named.safetensors', safetensorsBytes(header, new Uint8Array(4)));
    const err = await expectCheckpointError(() => SafetensorsFile.open(path));
    expect(err.message.length).toBeLessThan(600);
    expect(err.message).toBe(`${path}: unsupported dtype "Q4" for tensor "${'n'.repeat(120)}… (52428800 characters)": not a safetensors dtype; WF-VAE weights must be F32, F16 or BF16.`);
  });

  it('a 50 MB shape list and a looked-up name', async () => {
    const header = JSON.stringify({ t: { dtype: 'F32', shape: 'x'.repeat(1_000_000), data_offsets: [0, 4] } });
    const path = await writeTemp('shape.safetensors', safetensorsBytes(header, new Uint8Array(4)));
    const err = await expectCheckpointError(() => SafetensorsFile.open(path));
    expect(err.message.length).toBeLessThan(600);
    expect(err.message).toContain('"t": shape must be a list of non-negative integers, found "xxx');

    const ok = await writeTemp('ok.safetensors', safetensorsBytes(JSON.stringify(layout([{ name: 'w', dtype: 'F32', shape: [1], bytes: f32Bytes([1]) }]).header), f32Bytes([1])));
    const missing = await expectCheckpointError(() => readSafetensorsTensor(ok, huge));
    expect(missing.message.length).toBeLessThan(600);
    expect(missing.message).toContain('has no tensor named "nnn');
  });
});
