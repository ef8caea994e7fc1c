// The bench's clip tensors: written once as safetensors so the engine and the
// PyTorch reference read exactly the same numbers.
import { SafetensorsFile } from '../src/engine/checkpoint/index';
import { writeSafetensors } from '../src/engine/checkpoint/safetensors-write';
import type { Tensor } from '../src/engine/tensor';

/** A deterministic natural-looking clip in [-1, 1]: moving gradients, edges and fine texture (no Math.random). */
export function benchClip(frames: number, height: number, width: number): Tensor {
  const data = new Float32Array(3 * frames * height * width);
  let s = 0x9e3779b9;
  const noise = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 0xffffffff - 0.5) * 0.1;
  };
  for (let c = 0; c < 3; c++)
    for (let t = 0; t < frames; t++)
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const u = (x + 2 * t) / width;
          const v = (y + t) / height;
          const edge = ((Math.floor((x + 3 * t) / 16) + Math.floor(y / 16)) % 2) * 0.3;
          data[((c * frames + t) * height + y) * width + x] = Math.max(-1, Math.min(1, Math.sin(6.28 * (u + 0.3 * c)) * 0.5 + (v - 0.5) + edge - 0.15 + noise()));
        }
  return { data, shape: [1, 3, frames, height, width] };
}

export async function writeTensorFile(path: string, name: string, t: Tensor): Promise<void> {
  await writeSafetensors(path, [{ name, data: t.data, shape: t.shape }]);
}

export async function readTensorFile(path: string, name: string): Promise<Tensor> {
  const f = await SafetensorsFile.open(path);
  try {
    const e = f.entries.get(name);
    if (!e) throw new Error(`${path} has no tensor ${name}`);
    return { data: await f.readF32(name), shape: [...e.shape] };
  } finally {
    await f.close();
  }
}
