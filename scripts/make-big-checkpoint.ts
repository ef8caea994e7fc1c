/**
 * Writes a checkpoint folder in the reference's layout (config.json +
 * diffusion_pytorch_model.safetensors, F32) with random weights for a config,
 * streaming tensor by tensor, so a 1.3 GB model needs one tensor of memory.
 * The tensor list is what the converter's graphs ask for; wavelet filters get
 * their real values (±0.3536 in 3D, ±0.5 in 2D) and the rest a uniform
 * fan-in-scaled init from a seeded xorshift generator.
 *
 *   node --import tsx scripts/make-big-checkpoint.ts <out-dir> [config.json] [seed]
 */
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModelConfig, WEIGHTS_FILE } from '../src/engine/checkpoint/index';
import { GRAPHS } from '../src/engine/onnx/convert';
import { WeightStore } from '../src/engine/onnx/weights';

// Sign patterns over (t, h, w) of the reference's Haar filters: which axes flip the sign.
const HAAR3D: Record<string, [number, number, number]> = {
  h: [0, 0, 0], g: [0, 0, 1], hh: [0, 1, 0], gh: [0, 1, 1],
  h_v: [1, 0, 0], g_v: [1, 0, 1], hh_v: [1, 1, 0], gh_v: [1, 1, 1],
};
const HAAR2D: Record<string, [number, number]> = { aa: [0, 0], ad: [1, 0], da: [0, 1], dd: [1, 1] };

/** The Haar filter a wavelet tensor holds, or null for a learned weight. */
export function haarValues(name: string, shape: readonly number[]): Float32Array | null {
  if (!name.includes('wavelet')) return null;
  const leaf = name.replace(/(_conv)?(\.conv)?\.weight$/, '').split('.').pop()!;
  if (shape.length === 5 && HAAR3D[leaf]) {
    const [ft, fh, fw] = HAAR3D[leaf];
    return Float32Array.from({ length: 8 }, (_, i) => ((ft * (i >> 2) + fh * ((i >> 1) & 1) + fw * (i & 1)) % 2 ? -0.3536 : 0.3536));
  }
  if (shape.length === 4 && HAAR2D[leaf]) {
    const [fh, fw] = HAAR2D[leaf];
    return Float32Array.from({ length: 4 }, (_, i) => ((fh * (i >> 1) + fw * (i & 1)) % 2 ? -0.5 : 0.5));
  }
  return null;
}

/** Every tensor the converted graphs read, in a stable order, with the shapes the config implies. */
export function checkpointLayout(configJson: unknown): [string, readonly number[]][] {
  const cfg = parseModelConfig(configJson, 'config.json');
  const store = new WeightStore(null);
  for (const g of GRAPHS) g.build(cfg, store);
  return [...store.inventory()];
}

export interface BigCheckpoint {
  dir: string;
  parameters: number;
  bytes: number;
  seconds: number;
}

export async function makeBigCheckpoint(dir: string, configJson: Record<string, unknown>, seed = 1, onProgress?: (done: number, total: number) => void): Promise<BigCheckpoint> {
  const t0 = performance.now();
  const layout = checkpointLayout(configJson);
  const header: Record<string, unknown> = {};
  let offset = 0;
  let largest = 0;
  for (const [name, shape] of layout) {
    const n = shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
    largest = Math.max(largest, n);
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));

  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(configJson, null, 2));
  const fh = await open(join(dir, WEIGHTS_FILE), 'w');
  const buf = new Float32Array(largest);
  let state = (seed * 2654435761) >>> 0 || 1;
  try {
    await fh.write(Buffer.concat([prefix, Buffer.from(json)]));
    let done = 0;
    for (const [name, shape] of layout) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = buf.subarray(0, n);
      const haar = haarValues(name, shape);
      if (haar) {
        data.set(haar);
      } else {
        const isNormWeight = /norm\d?(\.norm)?\.weight$/.test(name);
        const isBias = name.endsWith('.bias');
        const fanIn = shape.length > 1 ? n / shape[0] : 0;
        const scale = isNormWeight || isBias ? 0.1 : fanIn > 0 ? 2 / Math.sqrt(fanIn) : 0.2;
        const base = isNormWeight ? 1 : 0;
        for (let i = 0; i < n; i++) {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          data[i] = base + scale * ((state >>> 0) * 2.3283064365386963e-10 - 0.5);
        }
      }
      await fh.write(new Uint8Array(data.buffer, 0, n * 4));
      done += n * 4;
      onProgress?.(done, offset);
    }
  } finally {
    await fh.close();
  }
  return { dir, parameters: offset / 4, bytes: 8 + Buffer.byteLength(json) + offset, seconds: (performance.now() - t0) / 1000 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [out, configPath, seed] = process.argv.slice(2);
  if (!out) {
    console.error('usage: node --import tsx scripts/make-big-checkpoint.ts <out-dir> [config.json] [seed]');
    process.exit(2);
  }
  const cfgFile = configPath ?? fileURLToPath(new URL('../bench/wfvae-large-16chn.json', import.meta.url));
  const cfg = JSON.parse(await readFile(cfgFile, 'utf8')) as Record<string, unknown>;
  const r = await makeBigCheckpoint(out, cfg, seed ? Number(seed) : 1);
  console.log(`${r.dir}: ${(r.parameters / 1e6).toFixed(1)} M parameters, ${(r.bytes / 1e9).toFixed(3)} GB, ${r.seconds.toFixed(1)} s`);
}
