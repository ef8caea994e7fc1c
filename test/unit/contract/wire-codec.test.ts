import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, decodeWire, encodeWire } from '../../../src/shared/wire-codec';

describe('base64', () => {
  it('matches Node for every length mod 3 and every byte value', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 255, 256, 257, 3 * 8192 + 1, 100_000]) {
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = (i * 131 + 7) & 255;
      const text = bytesToBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(Array.from(base64ToBytes(text))).toEqual(Array.from(bytes));
    }
  });

  it('rejects malformed text', () => {
    expect(() => base64ToBytes('abc')).toThrow(/multiple of 4/);
    expect(() => base64ToBytes('ab!d')).toThrow(/invalid base64 character at 2/);
  });
});

describe('wire codec', () => {
  it('round-trips typed arrays nested in objects, bit for bit', () => {
    const f = new Float32Array([0, -0, 1.5, -3.25e-8, 3.4028234663852886e38, 1e-45]);
    const u = new Uint8Array([0, 1, 254, 255]);
    const value = { a: 1, s: 'x', nested: { list: [{ data: f }, { bytes: u }] }, none: null };
    const back = decodeWire(encodeWire(value)) as typeof value;
    const f2 = back.nested.list[0].data as Float32Array;
    const u2 = back.nested.list[1].bytes as Uint8Array;
    expect(f2).toBeInstanceOf(Float32Array);
    expect(u2).toBeInstanceOf(Uint8Array);
    expect(new Uint32Array(f2.buffer)).toEqual(new Uint32Array(f.buffer));
    expect(Array.from(u2)).toEqual([0, 1, 254, 255]);
    expect(back.a).toBe(1);
    expect(back.s).toBe('x');
    expect(back.none).toBeNull();
  });

  it('encodes only the viewed bytes of a subarray and decodes into an aligned buffer', () => {
    const big = new Float32Array([1, 2, 3, 4, 5]);
    const view = big.subarray(1, 4);
    const back = decodeWire(encodeWire({ v: view })) as { v: Float32Array };
    expect(Array.from(back.v)).toEqual([2, 3, 4]);
    expect(back.v.byteOffset).toBe(0);
  });

  it('is compact: 4/3 of the payload plus a small envelope', () => {
    const data = new Float32Array(30_000);
    const text = encodeWire({ data });
    expect(text.length).toBeLessThan(Math.ceil((data.byteLength * 4) / 3) + 64);
  });

  it('refuses a record whose bytes do not fill whole elements', () => {
    expect(() => decodeWire('{"x":{"$typed":"Float32Array","b64":"AAAA"}}')).toThrow(/whole number of Float32Array/);
    expect(() => decodeWire('{"x":{"$typed":"Evil","b64":"AAAA"}}')).toThrow(/bad typed array record/);
  });
});
