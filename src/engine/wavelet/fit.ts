// Makes a clip fit N causal Haar levels the way a user would by hand: drop
// trailing frames down to 1 + 2^N k, centre-crop the sides to multiples of
// 2^N, and say so in notes rather than refuse.
import type { Tensor } from '../tensor';
import { shapeString } from '../tensor';

export interface FittedClip {
  video: Tensor;
  notes: string[];
}

/** The most levels any crop/trim of an H x W clip allows: each level halves the sides. */
export function maxLevelsAfterCrop(h: number, w: number): number {
  return Math.max(0, Math.floor(Math.log2(Math.min(h, w))));
}

export function fitForHaarLevels(video: Tensor, levels: number): FittedClip {
  if (video.shape.length !== 4) throw new Error(`fitForHaarLevels: expected (C, T, H, W), got shape ${shapeString(video.shape)}`);
  const [C, T, H, W] = video.shape;
  const step = 2 ** levels;
  const max = maxLevelsAfterCrop(H, W);
  if (levels > max) {
    throw new Error(`${levels} Haar levels are too many for ${W}x${H} frames: at most ${max} (every level halves the sides, so ${levels} levels need sides of at least ${step})`);
  }
  const notes: string[] = [];
  const T2 = 1 + Math.floor((T - 1) / step) * step;
  const H2 = H - (H % step);
  const W2 = W - (W % step);
  if (T2 !== T) notes.push(`trimmed ${T} frames to ${T2} (${levels} levels need 1 + ${step}k frames)`);
  if (H2 !== H || W2 !== W) notes.push(`centre-cropped ${W}x${H} to ${W2}x${H2} (${levels} levels need sides that are multiples of ${step})`);
  if (notes.length === 0) return { video, notes };
  const y0 = Math.floor((H - H2) / 2);
  const x0 = Math.floor((W - W2) / 2);
  const out = new Float32Array(C * T2 * H2 * W2);
  for (let c = 0; c < C; c++) {
    for (let t = 0; t < T2; t++) {
      for (let y = 0; y < H2; y++) {
        const src = ((c * T + t) * H + y0 + y) * W + x0;
        out.set(video.data.subarray(src, src + W2), ((c * T2 + t) * H2 + y) * W2);
      }
    }
  }
  return { video: { data: out, shape: [C, T2, H2, W2] }, notes };
}
