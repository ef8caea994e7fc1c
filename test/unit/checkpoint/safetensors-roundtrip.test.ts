// Writing then reading float32 tensors, and widening of 16-bit special values.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile, readSafetensorsTensor, writeSafetensors } from '../../../src/engine/checkpoint';
import { expectCheckpointError, layout, safetensorsBytes, tempDir, u16Bytes, writeTemp } from './helpers';

describe('writeSafetensors / SafetensorsFile round trip', () => {
  it('returns the exact values, shapes, metadata and an 8-byte aligned data section', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.safetensors');
    const a = new Float32Array([1.5, -2.25, 3.125e-8, 65504, -0, 1e30]);
    const b = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i) * 100);
    const scalar = new Float32Array([42]);
    const empty = new Float32Array(0);
    await writeSafetensors(path, [
      { name: 'enc.h', data: a, shape: [2, 3] },
      { name: 'dec.x', data: b, shape: [2, 3, 4] },
      { name: 'scalar', data: scalar, shape: [] },
      { name: 'empty', data: empty, shape: [0, 5] },
    ], { producer: 'test', note: 'ünïcode' });
    expect((await readdir(dir)).sort()).toEqual(['out.safetensors']); // temp file renamed away

    const raw = await readFile(path);
    const headerLength = Number(raw.readBigUInt64LE(0));
    expect((8 + headerLength) % 8).toBe(0);
    expect(raw.length).toBe(8 + headerLength + 4 * (6 + 24 + 1));

    const file = await SafetensorsFile.open(path);
    try {
      expect(file.fileSize).toBe((await stat(path)).size);
      expect(file.metadata).toEqual({ producer: 'test', note: 'ünïcode' });
      expect([...file.entries.keys()]).toEqual(['enc.h', 'dec.x', 'scalar', 'empty']);
      expect(file.entries.get('dec.x')).toEqual({ name: 'dec.x', dtype: 'F32', shape: [2, 3, 4], byteOffset: 8 + headerLength + 24, byteLength: 96 });
      expect(Array.from(await file.readF32('enc.h'))).toEqual(Array.from(a));
      expect(Object.is((await file.readF32('enc.h'))[4], -0)).toBe(true);
      expect(Array.from(await file.readF32('dec.x'))).toEqual(Array.from(b));
      expect(Array.from(await file.readF32('scalar'))).toEqual([42]);
      expect((await file.readF32('empty')).length).toBe(0);
      // Concurrent positioned reads on one handle.
      const both = await Promise.all([file.readF32('dec.x'), file.readF32('enc.h')]);
      expect(both[0][23]).toBe(b[23]);
    } finally {
      await file.close();
    }
    const one = await readSafetensorsTensor(path, 'dec.x');
    expect(one.shape).toEqual([2, 3, 4]);
    expect(one.data[5]).toBe(b[5]);
  });

  it('rejects data that does not match its shape, and duplicate names', async () => {
    const dir = await tempDir();
    let err = await expectCheckpointError(() => writeSafetensors(join(dir, 'x.safetensors'), [{ name: 'w', data: new Float32Array(5), shape: [2, 3] }]));
    expect(err.message).toContain('"w"');
    expect(err.message).toContain('holds 6 values but the data has 5');
    err = await expectCheckpointError(() => writeSafetensors(join(dir, 'x.safetensors'), [
      { name: 'w', data: new Float32Array(1), shape: [1] },
      { name: 'w', data: new Float32Array(1), shape: [1] },
    ]));
    expect(err.message).toContain('"w" is given twice');
    expect(await readdir(dir)).toEqual([]);
  });

  it('readSafetensorsTensor lists the available names when the name is absent', async () => {
    const path = join(await tempDir(), 'case.safetensors');
    await writeSafetensors(path, [
      { name: 'input', data: new Float32Array(6), shape: [1, 3, 1, 1, 2] },
      { name: 'enc.h', data: new Float32Array(2), shape: [1, 2] },
    ]);
    const err = await expectCheckpointError(() => readSafetensorsTensor(path, 'enc.l1'));
    expect(err.code).toBe('missing_weights');
    expect(err.message).toContain('no tensor named "enc.l1"');
    expect(err.message).toContain('input [1, 3, 1, 1, 2]');
    expect(err.message).toContain('enc.h [1, 2]');
  });
});

describe('16-bit widening', () => {
  it('F16: zero, -zero, one, -2, max, min normal, subnormals, 1/3, 0.3535', async () => {
    const bits = [0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x0400, 0x0001, 0x03ff, 0x3555, 0x35a8];
    const want = [0, -0, 1, -2, 65504, 2 ** -14, 2 ** -24, 1023 * 2 ** -24, 0.333251953125, 0.353515625];
    const { header, data } = layout([{ name: 'h', dtype: 'F16', shape: [bits.length], bytes: u16Bytes(bits) }]);
    const path = await writeTemp('f16.safetensors', safetensorsBytes(JSON.stringify(header), data));
    const file = await SafetensorsFile.open(path);
    const got = await file.readF32('h');
    await file.close();
    expect(Array.from(got)).toEqual(want);
    expect(Object.is(got[1], -0)).toBe(true);
  });

  it('BF16: the upper 16 bits of float32', async () => {
    const values = [1, -3.5, 0.15625, 3.0e38, -1.1754944e-38];
    const f = new Float32Array(values);
    const u32 = new Uint32Array(f.buffer);
    const bits = Array.from(u32, (u) => u >>> 16);
    const { header, data } = layout([{ name: 'b', dtype: 'BF16', shape: [values.length], bytes: u16Bytes(bits) }]);
    const path = await writeTemp('bf16.safetensors', safetensorsBytes(JSON.stringify(header), data));
    const file = await SafetensorsFile.open(path);
    const got = await file.readF32('b');
    await file.close();
    const truncated = new Float32Array(new Uint32Array(bits.map((b) => b << 16)).buffer);
    expect(Array.from(got)).toEqual(Array.from(truncated));
    expect(got[0]).toBe(1);
    expect(got[1]).toBe(-3.5);
    expect(got[2]).toBe(0.15625);
  });

  it('widens a large odd-length tensor in place correctly (every element)', async () => {
    const n = 100_001;
    const bits = Array.from({ length: n }, (_, i) => (i * 2654435761) & 0x7bff); // finite halves
    const { header, data } = layout([
      { name: 'pad', dtype: 'F16', shape: [3], bytes: u16Bytes([0x3c00, 0x3c00, 0x3c00]) },
      { name: 'big', dtype: 'F16', shape: [n], bytes: u16Bytes(bits) },
    ]);
    const path = await writeTemp('big.safetensors', safetensorsBytes(JSON.stringify(header), data));
    const file = await SafetensorsFile.open(path);
    const got = await file.readF32('big');
    await file.close();
    const dv = new DataView(new ArrayBuffer(2));
    let mismatches = 0;
    for (let i = 0; i < n; i++) {
      dv.setUint16(0, bits[i]);
      const h = dv.getUint16(0);
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      const want = (h & 0x8000 ? -1 : 1) * (e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15));
      if (got[i] !== want) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});
