// Makes a checkpoint folder in the reference's layout (config.json +
// diffusion_pytorch_model.safetensors) with random weights for any config:
// the tensor list is what the graph builder asks for, the wavelet filters get
// their real Haar values (coefficient 0.3536 in 3D, 0.5 in 2D, as released
// models store them).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseModelConfig, writeSafetensors } from '../../src/engine/checkpoint';
import { buildDecoderGraph, buildEncoderGraph } from '../../src/engine/onnx/build';
import { WeightStore } from '../../src/engine/onnx/weights';

const HAAR3D_SIGNS: Record<string, [boolean, boolean, boolean]> = {
  h: [false, false, false], g: [false, false, true], hh: [false, true, false], gh: [false, true, true],
  h_v: [true, false, false], g_v: [true, false, true], hh_v: [true, true, false], gh_v: [true, true, true],
};
const HAAR2D_SIGNS: Record<string, [boolean, boolean]> = { aa: [false, false], ad: [true, false], da: [false, true], dd: [true, true] };

function haarFilter(name: string, shape: readonly number[]): Float32Array | null {
  const leaf = name.split('.').filter((p) => p !== 'conv' && p !== 'weight').pop()!.replace(/_conv$/, '');
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (shape.length === 5 && HAAR3D_SIGNS[leaf] && /wavelet/.test(name)) {
    const [st, sh, sw] = HAAR3D_SIGNS[leaf];
    for (let i = 0; i < 8; i++) {
      const t = i >> 2, h = (i >> 1) & 1, w = i & 1;
      const neg = (st && t === 1) !== (sh && h === 1) !== (sw && w === 1);
      out[i] = neg ? -0.3536 : 0.3536;
    }
    return out;
  }
  if (shape.length === 4 && HAAR2D_SIGNS[leaf] && /wavelet/.test(name)) {
    const [sh, sw] = HAAR2D_SIGNS[leaf];
    for (let i = 0; i < 4; i++) {
      const h = i >> 1, w = i & 1;
      out[i] = (sh && h === 1) !== (sw && w === 1) ? -0.5 : 0.5;
    }
    return out;
  }
  return null;
}

/** A seeded PRNG (mulberry32) so generated checkpoints are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function makeRandomCheckpoint(dir: string, configJson: Record<string, unknown>, seed = 1): Promise<void> {
  const cfg = parseModelConfig(configJson, dir);
  const store = new WeightStore(null);
  buildEncoderGraph(cfg, store);
  buildDecoderGraph(cfg, store);
  const rand = prng(seed);
  const tensors = [...store.inventory()].map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    let data = haarFilter(name, shape);
    if (!data) {
      data = new Float32Array(n);
      const fanIn = shape.length > 1 ? n / shape[0] : 0;
      const isNormWeight = /norm\d?(\.norm)?\.weight$/.test(name);
      const isBias = name.endsWith('.bias');
      // Roughly PyTorch's default init, so activations stay in a sane range.
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0.1;
      for (let i = 0; i < n; i++) data[i] = isNormWeight ? 1 + 0.1 * (rand() - 0.5) : isBias ? 0.1 * (rand() - 0.5) : bound * (2 * rand() - 1);
    }
    return { name, data, shape };
  });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(configJson, null, 2));
  await writeSafetensors(join(dir, 'diffusion_pytorch_model.safetensors'), tensors);
}
