// One damaged file per failure mode; each must fail with its code and a
// message that names the problem (tensor, byte counts, position).
import { describe, expect, it } from 'vitest';
import { SafetensorsFile, writeSafetensors } from '../../../src/engine/checkpoint';
import { expectCheckpointError, f32Bytes, layout, safetensorsBytes, tempDir, writeTemp, type RawTensor } from './helpers';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const good: RawTensor[] = [
  { name: 'conv.weight', dtype: 'F32', shape: [2, 2], bytes: f32Bytes([1, 2, 3, 4]) },
  { name: 'conv.bias', dtype: 'F32', shape: [2], bytes: f32Bytes([5, 6]) },
  { name: 'norm.weight', dtype: 'F32', shape: [3], bytes: f32Bytes([7, 8, 9]) },
];

async function openBytes(bytes: Uint8Array) {
  const path = await writeTemp('bad.safetensors', bytes);
  return expectCheckpointError(async () => {
    const f = await SafetensorsFile.open(path);
    await f.close();
  });
}

function withHeader(mutate: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void, data?: Uint8Array) {
  const l = layout(good);
  const h = l.header as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
  mutate(h);
  return safetensorsBytes(JSON.stringify(h), data ?? l.data);
}

describe('SafetensorsFile.open rejects damaged files', () => {
  it('truncated file: data section shorter than the header says', async () => {
    const l = layout(good);
    const full = safetensorsBytes(JSON.stringify(l.header), l.data);
    const err = await openBytes(full.subarray(0, full.length - 5));
    expect(err.code).toBe('truncated');
    expect(err.message).toContain('truncated by 5 bytes');
  });

  it('file shorter than the 8-byte length prefix', async () => {
    const err = await openBytes(new Uint8Array([1, 2, 3]));
    expect(err.code).toBe('truncated');
    expect(err.message).toContain('is 3 bytes');
  });

  it('header length pointing past the end of the file', async () => {
    const l = layout(good);
    const header = JSON.stringify(l.header);
    const err = await openBytes(safetensorsBytes(header, l.data, BigInt(header.length + l.data.length + 100)));
    expect(err.code).toBe('truncated');
    expect(err.message).toContain(`says ${header.length + l.data.length + 100} bytes but only ${header.length + l.data.length} bytes follow`);
  });

  it('absurd header length', async () => {
    const err = await openBytes(safetensorsBytes('{}', new Uint8Array(0), 1n << 40n));
    expect(err.code).toBe('bad_header');
    expect(err.message).toContain(`${1n << 40n} bytes`);
    expect(err.message).toContain('not a safetensors file');
  });

  it('header not JSON, with the error position', async () => {
    const err = await openBytes(safetensorsBytes('{"conv.weight": {"dtype": "F32",, }}', new Uint8Array(0)));
    expect(err.code).toBe('bad_header');
    expect(err.message).toContain('not valid JSON');
    expect(err.message).toContain('line 1 column 33 (position 32)');
  });

  it('header JSON that is not an object', async () => {
    const err = await openBytes(safetensorsBytes('[1, 2]', new Uint8Array(0)));
    expect(err.code).toBe('bad_header');
    expect(err.message).toContain('must be a JSON object, found an array');
  });

  it('overlapping offsets name both tensors', async () => {
    const err = await openBytes(withHeader((h) => {
      h['conv.bias'].data_offsets = [12, 20]; // starts inside conv.weight [0, 16)
      h['norm.weight'].data_offsets = [20, 32];
    }, new Uint8Array(32)));
    expect(err.code).toBe('bad_offsets');
    expect(err.message).toContain('"conv.bias" [12, 20) overlaps "conv.weight" [0, 16)');
  });

  it('a gap between tensors names its neighbours', async () => {
    const err = await openBytes(withHeader((h) => {
      h['conv.bias'].data_offsets = [20, 28];
      h['norm.weight'].data_offsets = [28, 40];
    }, new Uint8Array(40)));
    expect(err.code).toBe('bad_offsets');
    expect(err.message).toContain('gap of 4 bytes after "conv.weight", before "conv.bias"');
  });

  it('offsets out of range of the data section (not a clean truncation)', async () => {
    const err = await openBytes(withHeader((h) => {
      h['norm.weight'].data_offsets = [1000, 1012];
    }));
    expect(err.code).toBe('bad_offsets');
    expect(err.message).toContain('gap of 976 bytes after "conv.bias", before "norm.weight"');
    expect(err.details?.some((d) => d.includes('"norm.weight" [1000, 1012) lies past the end of the 36-byte data section'))).toBe(true);
  });

  it('trailing bytes that belong to no tensor', async () => {
    const l = layout(good);
    const data = new Uint8Array(l.data.length + 7);
    data.set(l.data);
    const err = await openBytes(safetensorsBytes(JSON.stringify(l.header), data));
    expect(err.code).toBe('bad_offsets');
    expect(err.message).toContain('7 bytes after the last tensor "norm.weight" belong to no tensor');
  });

  it('byte count not matching dtype x shape', async () => {
    const err = await openBytes(withHeader((h) => {
      h['conv.weight'].shape = [2, 3];
    }));
    expect(err.code).toBe('bad_offsets');
    expect(err.message).toContain('"conv.weight": data_offsets [0, 16] span 16 bytes but F32 shape [2, 3] needs 24');
  });

  it('malformed shape and offsets', async () => {
    let err = await openBytes(withHeader((h) => {
      h['conv.bias'].shape = [-2];
    }));
    expect(err.code).toBe('bad_header');
    expect(err.message).toContain('"conv.bias": shape must be a list of non-negative integers, found [-2]');
    err = await openBytes(withHeader((h) => {
      h['conv.bias'].data_offsets = [24, 16];
    }));
    expect(err.code).toBe('bad_offsets');
    expect(err.message).toContain('"conv.bias": data_offsets must be [begin, end]');
  });

  it('unsupported dtype names the tensor and the dtype', async () => {
    let err = await openBytes(withHeader((h) => {
      h['conv.bias'].dtype = 'F64';
      h['conv.bias'].shape = [1];
    }));
    expect(err.code).toBe('bad_dtype');
    expect(err.message).toContain('unsupported dtype F64 for tensor "conv.bias"');
    expect(err.message).toContain('F32, F16 or BF16');
    err = await openBytes(withHeader((h) => {
      h['norm.weight'].dtype = 'Q4';
    }));
    expect(err.code).toBe('bad_dtype');
    expect(err.message).toContain('"Q4" for tensor "norm.weight": not a safetensors dtype');
  });

  it('__metadata__ must be a map of strings', async () => {
    const l = layout(good);
    const err = await openBytes(safetensorsBytes(JSON.stringify({ __metadata__: { epoch: 3 }, ...l.header }), l.data));
    expect(err.code).toBe('bad_header');
    expect(err.message).toContain('__metadata__.epoch must be a string');
  });

  it('NaN and Inf weights: the tensor is named with its counts; clean tensors still load', async () => {
    const path = join(await tempDir(), 'nan.safetensors');
    await writeSafetensors(path, [
      { name: 'ok', data: new Float32Array([1, 2]), shape: [2] },
      { name: 'decoder.conv_out.conv.weight', data: new Float32Array([1, NaN, Infinity, NaN, -Infinity, 0]), shape: [2, 3] },
    ]);
    const file = await SafetensorsFile.open(path);
    try {
      expect(Array.from(await file.readF32('ok'))).toEqual([1, 2]);
      const err = await expectCheckpointError(() => file.readF32('decoder.conv_out.conv.weight'));
      expect(err.code).toBe('non_finite');
      expect(err.message).toContain('"decoder.conv_out.conv.weight"');
      expect(err.message).toContain('2 NaN and 2 Inf values out of 6');
    } finally {
      await file.close();
    }
  });

  it('F16 Inf and BF16 NaN are caught after widening', async () => {
    const l = layout([
      { name: 'half', dtype: 'F16', shape: [2], bytes: new Uint8Array(new Uint16Array([0x3c00, 0x7c00]).buffer) },
      { name: 'brain', dtype: 'BF16', shape: [3], bytes: new Uint8Array(new Uint16Array([0x3f80, 0x7fc0, 0x7fc1]).buffer) },
    ]);
    const path = await writeTemp('nan16.safetensors', safetensorsBytes(JSON.stringify(l.header), l.data));
    const file = await SafetensorsFile.open(path);
    const e1 = await expectCheckpointError(() => file.readF32('half'));
    const e2 = await expectCheckpointError(() => file.readF32('brain'));
    await file.close();
    expect(e1.code).toBe('non_finite');
    expect(e1.message).toContain('"half" (F16 [2]) holds 1 Inf value out of 2');
    expect(e2.message).toContain('"brain" (BF16 [3]) holds 2 NaN values out of 3');
  });

  it('a missing file and an unknown tensor name', async () => {
    const dir = await tempDir();
    let err = await expectCheckpointError(() => SafetensorsFile.open(join(dir, 'nope.safetensors')));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('nope.safetensors');
    const path = join(dir, 'ok.safetensors');
    await writeSafetensors(path, [{ name: 'a', data: new Float32Array(1), shape: [1] }]);
    const file = await SafetensorsFile.open(path);
    err = await expectCheckpointError(() => file.readF32('b'));
    await file.close();
    expect(err.code).toBe('missing_weights');
    expect(err.message).toContain('no tensor "b"');
    expect(err.message).toContain('It has 1: a');
    expect((await readFile(path)).length).toBeGreaterThan(8);
  });
});

describe('random corruption never escapes as anything but a CheckpointError', () => {
  it('300 files with random bytes of the prefix/header overwritten', async () => {
    const l = layout(good);
    const clean = safetensorsBytes(JSON.stringify(l.header), l.data);
    const headerEnd = clean.length - l.data.length;
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const dir = await tempDir();
    const codes = new Map<string, number>();
    for (let trial = 0; trial < 300; trial++) {
      const bytes = clean.slice();
      const flips = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < flips; k++) bytes[Math.floor(rand() * headerEnd)] = Math.floor(rand() * 256);
      const path = join(dir, `c${trial}.safetensors`);
      await writeFile(path, bytes);
      try {
        const f = await SafetensorsFile.open(path);
        for (const name of f.entries.keys()) await f.readF32(name).catch((e: Error) => {
          if (e.name !== 'CheckpointError') throw e;
        });
        await f.close();
        codes.set('ok', (codes.get('ok') ?? 0) + 1);
      } catch (err) {
        expect((err as Error).name).toBe('CheckpointError');
        const code = (err as { code: string }).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }
    // Most corruptions must be caught; the few that pass changed only bytes inside names or values.
    expect(codes.get('ok') ?? 0).toBeLessThan(40);
    expect(codes.get('bad_header') ?? 0).toBeGreaterThan(0);
  });
});
