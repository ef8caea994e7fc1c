// Reads the golden models in their three storage dtypes and checks the
// widening against an independent bit-level decode of the raw file bytes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../../src/engine/checkpoint';
import { GOLDENS, hasGoldens } from './helpers';
import { NO_SHARED_GOLDENS } from '../../helpers/shared-goldens';

/** IEEE half -> float32 by building the float32 bit pattern (not the reader's lookup table). */
function halfByBits(h: number): number {
  const sign = (h >> 15) & 1;
  let exp = (h >> 10) & 0x1f;
  let frac = h & 0x3ff;
  let bits: number;
  if (exp === 0x1f) bits = (sign << 31) | (0xff << 23) | (frac << 13);
  else if (exp === 0) {
    if (frac === 0) bits = sign << 31;
    else {
      // Normalize the subnormal: shift until the implicit bit appears.
      exp = 1;
      while ((frac & 0x400) === 0) {
        frac <<= 1;
        exp--;
      }
      frac &= 0x3ff;
      bits = (sign << 31) | ((exp - 15 + 127) << 23) | (frac << 13);
    }
  } else bits = (sign << 31) | ((exp - 15 + 127) << 23) | (frac << 13);
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, bits >>> 0);
  return dv.getFloat32(0);
}

function bf16ByBits(b: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, (b << 16) >>> 0);
  return dv.getFloat32(0);
}

const manifest = hasGoldens
  ? (JSON.parse(readFileSync(join(GOLDENS, 'manifest.json'), 'utf8')) as { models: Record<string, { class: string; weights_dtype: string; params: number }> })
  : { models: {} };

describe.skipIf(!hasGoldens)(`golden checkpoints${NO_SHARED_GOLDENS}`, () => {
  for (const [model, info] of Object.entries(manifest.models)) {
    it(`${model}: header, dtype ${info.weights_dtype}, widening and parameter count`, async () => {
      const path = join(GOLDENS, model, 'diffusion_pytorch_model.safetensors');
      const raw = readFileSync(path);
      const file = await SafetensorsFile.open(path);
      try {
        expect(file.fileSize).toBe(raw.length);
        const headerLength = Number(raw.readBigUInt64LE(0));
        const header = JSON.parse(raw.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
        const names = Object.keys(header).filter((k) => k !== '__metadata__');
        expect([...file.entries.keys()].sort()).toEqual(names.sort());

        let params = 0;
        for (const name of names) {
          const e = file.entries.get(name)!;
          expect(e.dtype).toBe(info.weights_dtype);
          expect(e.shape).toEqual(header[name].shape);
          expect(e.byteOffset).toBe(8 + headerLength + header[name].data_offsets[0]);
          expect(e.byteLength).toBe(header[name].data_offsets[1] - header[name].data_offsets[0]);
          // Parameters end in weight/bias; the Haar filters kept as named buffers (aa, h, g_v, ...) do not.
          if (/\.(weight|bias)$/.test(name)) params += e.shape.reduce((a, b) => a * b, 1);
        }
        expect(params).toBe(info.params);

        // Every element of a few tensors against the independent decode.
        const conv = names.find((n) => n.endsWith('conv_in.conv.weight') || n.endsWith('conv_out.conv.weight'))!;
        for (const name of [names[0], conv, names[names.length - 1]]) {
          const e = file.entries.get(name)!;
          const got = await file.readF32(name);
          expect(got.length).toBe(e.shape.reduce((a, b) => a * b, 1));
          const want = new Float32Array(got.length);
          for (let i = 0; i < got.length; i++) {
            const at = e.byteOffset + i * (e.dtype === 'F32' ? 4 : 2);
            if (e.dtype === 'F32') want[i] = raw.readFloatLE(at);
            else if (e.dtype === 'F16') want[i] = halfByBits(raw.readUInt16LE(at));
            else want[i] = bf16ByBits(raw.readUInt16LE(at));
          }
          expect(Array.from(got)).toEqual(Array.from(want));
          expect(got.some((v) => v !== 0)).toBe(true);
        }
      } finally {
        await file.close();
      }
    });
  }

  it('reads every tensor of every golden model without NaN/Inf', async () => {
    for (const model of Object.keys(manifest.models)) {
      const file = await SafetensorsFile.open(join(GOLDENS, model, 'diffusion_pytorch_model.safetensors'));
      let total = 0;
      for (const name of file.entries.keys()) total += (await file.readF32(name)).length;
      await file.close();
      expect(total).toBeGreaterThan(manifest.models[model].params);
    }
  });

  it('the released-style Haar coefficient survives widening (0.3536 in 16-bit)', async () => {
    const file = await SafetensorsFile.open(join(GOLDENS, 'wfvae2-tiny', 'diffusion_pytorch_model.safetensors'));
    const name = [...file.entries.keys()].find((n) => n.includes('wavelet_transform_in') && n.endsWith('h_conv.conv.weight'))!;
    const h = await file.readF32(name);
    await file.close();
    expect(h.length).toBe(8);
    for (const v of h) expect(Math.abs(Math.abs(v) - 0.3536)).toBeLessThan(2e-4);
  });
});
