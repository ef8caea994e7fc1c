// LPIPS wiring with a tiny random-weight network of LPIPS's interface, built
// in the test with the project's ONNX graph builder: the distances onnxruntime
// returns through LpipsNet equal the same network computed directly, the
// file's SHA-256 is the one recorded, and a file of another interface is refused.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LpipsNet } from '../../../src/engine/eval/lpips';
import { GraphBuilder } from '../../../src/engine/onnx/graph';
import { WeightStore } from '../../../src/engine/onnx/weights';
import { buildTinyLpips } from '../../helpers/tiny-lpips';

const dir = mkdtempSync(join(tmpdir(), 'wfvae-lpips-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LpipsNet', () => {
  it('returns the network\'s per-frame distance (original first), 0 for identical frames, and records the SHA-256', async () => {
    const tiny = buildTinyLpips(5);
    const path = join(dir, 'tiny-lpips.onnx');
    writeFileSync(path, tiny.bytes);
    const net = await LpipsNet.load(path, { provider: 'cpu', threads: 1 });
    try {
      expect(net.info.sha256).toBe(createHash('sha256').update(tiny.bytes).digest('hex'));
      expect(net.info.file).toBe('tiny-lpips.onnx');
      expect(net.info.inputs).toEqual(['in0', 'in1']);
      const [T, H, W] = [3, 10, 12];
      const a = new Float32Array(3 * T * H * W);
      const b = new Float32Array(3 * T * H * W);
      for (let i = 0; i < a.length; i++) {
        a[i] = Math.sin(i * 0.37);
        b[i] = Math.sin(i * 0.37) + (i % 7 === 0 ? 0.3 : 0);
      }
      // Frame 1 of b equals a.
      for (let c = 0; c < 3; c++) b.set(a.subarray((c * T + 1) * H * W, (c * T + 2) * H * W), (c * T + 1) * H * W);
      const got = await net.distances({ data: a, shape: [3, T, H, W] }, { data: b, shape: [3, T, H, W] });
      // The reference takes (N, 3, H, W): transpose here the way the network sees it.
      const batch = (v: Float32Array) => {
        const out = new Float32Array(v.length);
        for (let t = 0; t < T; t++) for (let c = 0; c < 3; c++) out.set(v.subarray((c * T + t) * H * W, (c * T + t + 1) * H * W), (t * 3 + c) * H * W);
        return out;
      };
      const want = tiny.reference(batch(a), batch(b), T, H, W);
      expect(got).toHaveLength(3);
      expect(got[1]).toBe(0);
      expect(got[0]).toBeGreaterThan(1e-4);
      for (let t = 0; t < T; t++) expect(got[t]).toBeCloseTo(want[t], 6);
    } finally {
      await net.dispose();
    }
  });

  it('refuses a network without two inputs, saying what an LPIPS export looks like', async () => {
    const g = new GraphBuilder('one_input', new WeightStore(null));
    const x = g.input('x', ['N', 3, 'H', 'W']);
    g.output('y', g.op1('Relu', [x]), ['N', 3, 'H', 'W']);
    const path = join(dir, 'one-input.onnx');
    writeFileSync(path, g.encode('unused.bin'));
    await expect(LpipsNet.load(path, { provider: 'cpu' })).rejects.toThrow(/1 inputs \(x\).*two images \(N, 3, H, W\)/);
    await expect(LpipsNet.load(join(dir, 'missing.onnx'))).rejects.toThrow(/cannot read the LPIPS network.*ENOENT/);
  });
});
