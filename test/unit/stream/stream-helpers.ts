// Shared set-up for the Causal Cache tests: a converted golden model in a temp
// cache, and seeded random clips.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCheckpoint } from '../../../src/engine/onnx/convert';
import { WfvaeModel } from '../../../src/engine/runtime/model';
import type { Tensor } from '../../../src/engine/tensor';
import { prng } from '../../helpers/random-checkpoint';
import { goldenModels, type GoldenModel } from '../parity/goldens';

export const CACHE = mkdtempSync(join(tmpdir(), 'wfvae-stream-cache-'));

export async function loadConverted(dir: string): Promise<WfvaeModel> {
  const converted = await convertCheckpoint(dir, { cacheDir: CACHE });
  return WfvaeModel.load(converted.dir, { provider: 'cpu', threads: 2 });
}

/** The smallest layernorm golden model available (wfvae-l-tiny with the full goldens, else the subset's). */
export function smallCausalGolden(): GoldenModel {
  const models = goldenModels();
  const pick = models.find((m) => m.name === 'wfvae-l-tiny') ?? models.find((m) => m.name === 'wfvae2-tiny');
  if (!pick) throw new Error(`no layernorm golden model found among ${models.map((m) => m.name).join(', ')}`);
  return pick;
}

export function randomVideo(t: number, h: number, w: number, seed: number): Tensor {
  const r = prng(seed);
  const data = new Float32Array(3 * t * h * w);
  for (let i = 0; i < data.length; i++) data[i] = 2 * r() - 1;
  return { data, shape: [1, 3, t, h, w] };
}
