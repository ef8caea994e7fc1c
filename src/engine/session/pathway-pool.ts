// The backbone stages of the pathway view, kept small: a stage's activation
// (tens of channels at up to half the video's size, every frame) would cost
// hundreds of MB per clip, so each chunk of it is reduced as the Causal Cache
// step gives it. Kept per channel and frame: the energy (sum of squares), the
// range, and the plane average-pooled to at most POOL_SIDE pixels a side;
// per frame, the pooled sum of squares over channels (the energy map).
import type { Tensor } from '../tensor';

/** Longest side of a pooled plane. */
export const POOL_SIDE = 64;

/** A run of frames of a pooled tap, as one Causal Cache chunk gave them; arrays are frame-major. */
export interface PooledChunk {
  frames: number;
  /** (n, C, ph, pw) cell means. */
  planes: Float32Array;
  /** (n, ph, pw) cell means of the sum of squares over channels. */
  energyMap: Float32Array;
  /** (n, C): sum of squares, min and max of each full-resolution plane. */
  energy: Float64Array;
  min: Float32Array;
  max: Float32Array;
}

export interface PooledTap {
  channels: number;
  frames: number;
  height: number;
  width: number;
  /** Each pooled pixel averages factor x factor pixels (fewer at the right and bottom edges). */
  factor: number;
  ph: number;
  pw: number;
  /** In time order; kept as they came (joining them would copy every frame once more). */
  chunks: PooledChunk[];
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

interface Geometry {
  c: number;
  h: number;
  w: number;
  k: number;
  ph: number;
  pw: number;
  /** Pooled column of every pixel column. */
  colCell: Int32Array;
  /** 1 / pixels in each cell. */
  inv: Float32Array;
}

/**
 * Reduces the chunks of one stage tap (1, C, n, H, W), in order, to a PooledTap: one pass over
 * each chunk, accumulating statistics, pooled planes and the pooled energy map together.
 */
export class StagePooler {
  private g: Geometry | null = null;
  private readonly chunks: PooledChunk[] = [];

  private geometry(C: number, H: number, W: number): Geometry {
    if (this.g) {
      if (C !== this.g.c || H !== this.g.h || W !== this.g.w) throw new Error(`internal: a stage tap chunk of (1, ${C}, ·, ${H}, ${W}) after (1, ${this.g.c}, ·, ${this.g.h}, ${this.g.w})`);
      return this.g;
    }
    const k = poolFactor(H, W, POOL_SIDE);
    const ph = Math.ceil(H / k);
    const pw = Math.ceil(W / k);
    const colCell = new Int32Array(W);
    for (let x = 0; x < W; x++) colCell[x] = Math.floor(x / k);
    const inv = new Float32Array(ph * pw);
    for (let cy = 0; cy < ph; cy++) for (let cx = 0; cx < pw; cx++) inv[cy * pw + cx] = 1 / (Math.min(k, H - cy * k) * Math.min(k, W - cx * k));
    return (this.g = { c: C, h: H, w: W, k, ph, pw, colCell, inv });
  }

  push(chunk: Tensor): void {
    const [, C, n, H, W] = chunk.shape;
    const g = this.geometry(C, H, W);
    const cell = g.ph * g.pw;
    const plane = H * W;
    const data = chunk.data;
    const out: PooledChunk = {
      frames: n,
      planes: new Float32Array(n * C * cell),
      energyMap: new Float32Array(n * cell),
      energy: new Float64Array(n * C),
      min: new Float32Array(n * C),
      max: new Float32Array(n * C),
    };
    for (let f = 0; f < n; f++) {
      const em = f * cell;
      for (let c = 0; c < C; c++) {
        const off = (c * n + f) * plane;
        const base = (f * C + c) * cell;
        let e = 0;
        let lo = Infinity;
        let hi = -Infinity;
        for (let y = 0; y < H; y++) {
          const row = off + y * W;
          const cy = ((y / g.k) | 0) * g.pw;
          for (let x = 0; x < W; x++) {
            const v = data[row + x];
            const v2 = v * v;
            e += v2;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
            const ci = cy + g.colCell[x];
            out.planes[base + ci] += v;
            out.energyMap[em + ci] += v2;
          }
        }
        for (let i = 0; i < cell; i++) out.planes[base + i] *= g.inv[i];
        out.energy[f * C + c] = e;
        out.min[f * C + c] = plane ? lo : 0;
        out.max[f * C + c] = plane ? hi : 0;
      }
      for (let i = 0; i < cell; i++) out.energyMap[em + i] *= g.inv[i];
    }
    this.chunks.push(out);
  }

  result(): PooledTap | null {
    const g = this.g;
    if (!g) return null;
    const frames = this.chunks.reduce((a, ch) => a + ch.frames, 0);
    return { channels: g.c, frames, height: g.h, width: g.w, factor: g.k, ph: g.ph, pw: g.pw, chunks: this.chunks };
  }
}
