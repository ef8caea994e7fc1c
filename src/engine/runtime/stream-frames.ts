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

/**
 * Collects chunks along time and hands frames out in order. Taking frames
 * copies only what is taken: the rest of a large block (a whole clip fed as
 * one) stays where it is, read from an offset.
 */
export class FrameAccumulator {
  private parts: { t: Tensor; off: number }[] = [];

  push(x: Tensor): void {
    if (x.shape[2] > 0) this.parts.push({ t: x, off: 0 });
  }

  get frames(): number {
    return this.parts.reduce((s, p) => s + p.t.shape[2] - p.off, 0);
  }

  /** Removes and returns the first `n` frames. */
  take(n: number): Tensor {
    if (n > this.frames) throw new Error(`FrameAccumulator: ${n} frames asked, ${this.frames} held`);
    const pieces: Tensor[] = [];
    let need = n;
    while (need > 0) {
      const p = this.parts[0];
      const T = p.t.shape[2];
      const k = Math.min(need, T - p.off);
      pieces.push(p.off === 0 && k === T ? p.t : sliceFrames(p.t, p.off, p.off + k));
      p.off += k;
      need -= k;
      if (p.off === T) this.parts.shift();
    }
    return concatFrames(pieces);
  }

  takeAll(): Tensor | null {
    if (this.parts.length === 0) return null;
    return this.take(this.frames);
  }
}

/**
 * The frames of a clip in time order, into one tensor allocated once (its
 * length is known up front): no list of chunks and no final join held beside it.
 */
export class FrameWriter {
  private out: Tensor | null = null;
  private at = 0;

  constructor(private readonly totalFrames: number) {}

  write(x: Tensor): void {
    const [b, c, n, h, w] = x.shape;
    if (!this.out) this.out = { data: new Float32Array(b * c * this.totalFrames * h * w), shape: [b, c, this.totalFrames, h, w] };
    const T = this.totalFrames;
    if (this.at + n > T) throw new Error(`internal: ${this.at + n} frames written into a clip of ${T}`);
    const plane = h * w;
    for (let bc = 0; bc < b * c; bc++) this.out.data.set(x.data.subarray(bc * n * plane, (bc + 1) * n * plane), (bc * T + this.at) * plane);
    this.at += n;
  }

  /** The clip, once every frame was written. */
  result(): Tensor {
    if (!this.out || this.at !== this.totalFrames) throw new Error(`internal: ${this.at} of ${this.totalFrames} frames written`);
    return this.out;
  }
}

/** A clip as blocks of `size` frames (copies of one block at a time), for streaming it through a scheduler. */
export function* framesInBlocks(x: Tensor, size: number): Generator<Tensor> {
  const T = x.shape[2];
  for (let a = 0; a < T; a += size) yield sliceFrames(x, a, Math.min(T, a + size));
}
