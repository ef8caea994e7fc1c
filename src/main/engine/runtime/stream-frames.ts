// Frame-range slicing and concatenation of (B, C, T, H, W) tensors, the only
// data movement the chunk scheduler does outside onnxruntime.
import type { Tensor } from '../tensor';

/** Frames [start, end) of a (B, C, T, H, W) tensor, copied. */
export function sliceFrames(x: Tensor, start: number, end: number): Tensor {
  const [b, c, t, h, w] = x.shape;
  if (start < 0 || end > t || start > end) throw new Error(`sliceFrames: [${start}, ${end}) out of 0..${t}`);
  const plane = h * w;
  const n = end - start;
  const out = new Float32Array(b * c * n * plane);
  for (let bc = 0; bc < b * c; bc++) {
    out.set(x.data.subarray((bc * t + start) * plane, (bc * t + end) * plane), bc * n * plane);
  }
  return { data: out, shape: [b, c, n, h, w] };
}

/** Concatenates (B, C, Ti, H, W) tensors along time. */
export function concatFrames(parts: readonly Tensor[]): Tensor {
  if (parts.length === 0) throw new Error('concatFrames: nothing to concatenate');
  if (parts.length === 1) return parts[0];
  const [b, c, , h, w] = parts[0].shape;
  for (const p of parts) {
    if (p.shape[0] !== b || p.shape[1] !== c || p.shape[3] !== h || p.shape[4] !== w) {
      throw new Error(`concatFrames: shape (${p.shape.join(', ')}) does not match (${b}, ${c}, ·, ${h}, ${w})`);
    }
  }
  const total = parts.reduce((s, p) => s + p.shape[2], 0);
  const plane = h * w;
  const out = new Float32Array(b * c * total * plane);
  for (let bc = 0; bc < b * c; bc++) {
    let at = bc * total * plane;
    for (const p of parts) {
      const n = p.shape[2];
      out.set(p.data.subarray(bc * n * plane, (bc + 1) * n * plane), at);
      at += n * plane;
    }
  }
  return { data: out, shape: [b, c, total, h, w] };
}

/** Collects chunks along time without keeping more than the caller asks for. */
export class FrameAccumulator {
  private parts: Tensor[] = [];

  push(x: Tensor): void {
    if (x.shape[2] > 0) this.parts.push(x);
  }

  get frames(): number {
    return this.parts.reduce((s, p) => s + p.shape[2], 0);
  }

  /** Removes and returns the first `n` frames. */
  take(n: number): Tensor {
    const all = concatFrames(this.parts);
    this.parts = n < all.shape[2] ? [sliceFrames(all, n, all.shape[2])] : [];
    return n === all.shape[2] ? all : sliceFrames(all, 0, n);
  }

  takeAll(): Tensor | null {
    if (this.parts.length === 0) return null;
    return this.take(this.frames);
  }
}
