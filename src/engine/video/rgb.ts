// Conversions between ffmpeg's interleaved rgb24 frames and the model's
// planar (3, T, H, W) float32 layout in [-1, 1].
import { VideoError } from './errors';

export interface VideoTensor {
  data: Float32Array;
  shape: readonly number[];
}

const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 127.5 - 1);

/** Writes one H*W*3 rgb24 frame into frame slot t of a (3, T, H, W) array. */
export function rgb24IntoPlanar(rgb: Uint8Array, out: Float32Array, t: number, frames: number, pixels: number): void {
  const plane = frames * pixels;
  const r = t * pixels;
  const g = r + plane;
  const b = g + plane;
  for (let p = 0, q = 0; p < pixels; p++, q += 3) {
    out[r + p] = BYTE_TO_UNIT[rgb[q]];
    out[g + p] = BYTE_TO_UNIT[rgb[q + 1]];
    out[b + p] = BYTE_TO_UNIT[rgb[q + 2]];
  }
}

/** Checks a (3, T, H, W) tensor and returns its dimensions. */
export function videoDims(video: VideoTensor, what: string): { frames: number; height: number; width: number } {
  const s = video.shape;
  if (s.length !== 4 || s[0] !== 3) throw new VideoError('bad_option', `${what} needs a (3, T, H, W) video, got shape (${s.join(', ')})`);
  const [, frames, height, width] = s;
  if (video.data.length !== 3 * frames * height * width) {
    throw new VideoError('bad_option', `${what}: data has ${video.data.length} values but shape (${s.join(', ')}) needs ${3 * frames * height * width}`);
  }
  return { frames, height, width };
}

function toByte(v: number): number {
  // NaN maps to 0 rather than poisoning the frame.
  const x = Math.round((v + 1) * 127.5);
  return x > 255 ? 255 : x >= 0 ? x : 0;
}

/** Frame t of a (3, T, H, W) [-1, 1] video as H*W*3 interleaved bytes (values clamped). */
export function toRgb8(video: VideoTensor, t: number): Uint8Array {
  const { frames, height, width } = videoDims(video, 'toRgb8');
  if (!Number.isInteger(t) || t < 0 || t >= frames) throw new VideoError('bad_option', `toRgb8: frame ${t} is out of range (the video has ${frames} frames, 0..${frames - 1})`);
  return planarFramesToRgb24(video.data, frames, height * width, t, 1);
}

/** Frames [t0, t0 + n) of planar data as one interleaved rgb24 buffer. */
export function planarFramesToRgb24(data: Float32Array, frames: number, pixels: number, t0: number, n: number): Uint8Array {
  const out = new Uint8Array(n * pixels * 3);
  const plane = frames * pixels;
  for (let i = 0; i < n; i++) {
    const r = (t0 + i) * pixels;
    const base = i * pixels * 3;
    for (let p = 0; p < pixels; p++) {
      const q = base + p * 3;
      out[q] = toByte(data[r + p]);
      out[q + 1] = toByte(data[r + plane + p]);
      out[q + 2] = toByte(data[r + 2 * plane + p]);
    }
  }
  return out;
}
