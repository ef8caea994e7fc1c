import type { Tensor } from '../../../src/engine/tensor';

/** Deterministic uniform [-1, 1) values (mulberry32). */
export function randomTensor(shape: number[], seed = 1): Tensor {
  let a = seed >>> 0;
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return { data, shape };
}

export function maxAbs(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function energy(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return s;
}

/** Energy of frame 0 of every channel of a (C, T, H, W) tensor. */
export function firstFrameEnergy(x: Tensor): number {
  const [C, T, H, W] = x.shape;
  let s = 0;
  for (let c = 0; c < C; c++) {
    const base = c * T * H * W;
    for (let i = 0; i < H * W; i++) s += x.data[base + i] ** 2;
  }
  return s;
}

export function at(x: Tensor, c: number, t: number, h: number, w: number): number {
  const [, T, H, W] = x.shape;
  return x.data[((c * T + t) * H + h) * W + w];
}
