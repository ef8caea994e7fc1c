// The backbone stages of the pathway view, kept small: a stage's activation
// (tens of channels at up to half the video's size, every frame) would cost
// hundreds of MB per clip, so each chunk of it is reduced as the Causal Cache
// step gives it. Kept per channel and frame: the energy (sum of squares), the
// range, and the plane average-pooled to at most POOL_SIDE pixels a side;
// per frame, the pooled sum of squares over channels (the energy map).
import type { Tensor } from '../tensor';

/** Longest side of a pooled plane. */
export const POOL_SIDE = 64;

export interface PooledTap {
  channels: number;
  frames: number;
  height: number;
  width: number;
  /** Each pooled pixel averages factor x factor pixels (fewer at the right and bottom edges). */
  factor: number;
  ph: number;
  pw: number;
  /** (C, T, ph, pw) cell means. */
  planes: Float32Array;
  /** (T, ph, pw) cell means of the sum of squares over channels. */
  energyMap: Float32Array;
  /** (C, T): sum of squares, min and max of each full-resolution plane. */
  energy: Float64Array;
  min: Float32Array;
  max: Float32Array;
}

export const poolFactor = (height: number, width: number, side: number) => Math.max(1, Math.ceil(Math.max(height, width) / side));

/** Cell means of one (H, W) plane starting at `offset` of `src`, pooled by `k`. */
export function poolPlane(src: ArrayLike<number>, offset: number, height: number, width: number, k: number): Float32Array {
  const ph = Math.ceil(height / k);
  const pw = Math.ceil(width / k);
  const sum = new Float64Array(ph * pw);
  for (let y = 0; y < height; y++) {
    const row = offset + y * width;
    const cy = Math.floor(y / k) * pw;
    for (let x = 0; x < width; x++) sum[cy + Math.floor(x / k)] += src[row + x];
  }
  const out = new Float32Array(ph * pw);
  for (let cy = 0; cy < ph; cy++) {
    const n = Math.min(k, height - cy * k);
    for (let cx = 0; cx < pw; cx++) out[cy * pw + cx] = sum[cy * pw + cx] / (n * Math.min(k, width - cx * k));
  }
  return out;
}

/** Reduces the chunks of one stage tap (1, C, n, H, W), in order, to a PooledTap. */
export class StagePooler {
  private shape: { c: number; h: number; w: number; k: number; ph: number; pw: number } | null = null;
  private readonly frames: { planes: Float32Array[]; energyMap: Float32Array; energy: Float64Array; min: Float32Array; max: Float32Array }[] = [];

  push(chunk: Tensor): void {
    const [, C, n, H, W] = chunk.shape;
    if (!this.shape) {
      const k = poolFactor(H, W, POOL_SIDE);
      this.shape = { c: C, h: H, w: W, k, ph: Math.ceil(H / k), pw: Math.ceil(W / k) };
    }
    const s = this.shape;
    if (C !== s.c || H !== s.h || W !== s.w) throw new Error(`internal: a stage tap chunk of (${chunk.shape.join(', ')}) after (1, ${s.c}, ·, ${s.h}, ${s.w})`);
    const plane = H * W;
    for (let f = 0; f < n; f++) {
      const planes: Float32Array[] = [];
      const squares = new Float32Array(plane);
      const energy = new Float64Array(C);
      const min = new Float32Array(C);
      const max = new Float32Array(C);
      for (let c = 0; c < C; c++) {
        const off = (c * n + f) * plane;
        let e = 0;
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = 0; i < plane; i++) {
          const v = chunk.data[off + i];
          const v2 = v * v;
          e += v2;
          squares[i] += v2;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        energy[c] = e;
        min[c] = plane ? lo : 0;
        max[c] = plane ? hi : 0;
        planes.push(poolPlane(chunk.data, off, H, W, s.k));
      }
      this.frames.push({ planes, energyMap: poolPlane(squares, 0, H, W, s.k), energy, min, max });
    }
  }

  result(): PooledTap | null {
    const s = this.shape;
    if (!s) return null;
    const T = this.frames.length;
    const cell = s.ph * s.pw;
    const planes = new Float32Array(s.c * T * cell);
    const energyMap = new Float32Array(T * cell);
    const energy = new Float64Array(s.c * T);
    const min = new Float32Array(s.c * T);
    const max = new Float32Array(s.c * T);
    this.frames.forEach((fr, f) => {
      energyMap.set(fr.energyMap, f * cell);
      for (let c = 0; c < s.c; c++) {
        planes.set(fr.planes[c], (c * T + f) * cell);
        energy[c * T + f] = fr.energy[c];
        min[c * T + f] = fr.min[c];
        max[c * T + f] = fr.max[c];
      }
    });
    return { channels: s.c, frames: T, height: s.h, width: s.w, factor: s.k, ph: s.ph, pw: s.pw, planes, energyMap, energy, min, max };
  }
}
