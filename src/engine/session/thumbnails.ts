// A strip of small frames spread evenly over the whole source, for picking
// where a clip starts. One ffmpeg pass (the decoder's own sample rate and
// resize), so its time also tells how fast this file decodes.
import type { Thumbnails } from '../../shared/workflow-contract';
import { decodeVideo, snapFrames } from '../video/index';
import { planarFramesToRgb24 } from '../video/rgb';
import { recordDecodeRate, type ClipSource } from './clip-sources';

/** 1 + 4k, so the decoder's snap keeps every one. */
export const THUMBNAIL_COUNT = 17;
/** Short side of a thumbnail in pixels (a multiple of 8). */
export const THUMBNAIL_SIZE = 48;

export async function makeThumbnails(
  clipId: string,
  source: ClipSource,
  signal: AbortSignal,
  onProgress: (done: number, total: number) => void,
): Promise<Thumbnails> {
  const frames = source.info.frames;
  const count = frames >= THUMBNAIL_COUNT ? THUMBNAIL_COUNT : snapFrames(Math.max(1, frames), 4);
  const sampleRate = count > 1 ? Math.floor((frames - 1) / (count - 1)) : 1;
  const t0 = performance.now();
  const clip = await decodeVideo(source.path, { sampleRate, frames: count, size: THUMBNAIL_SIZE, temporalMultiple: 4, signal, onProgress });
  const [, T, H, W] = clip.shape;
  recordDecodeRate(source, (performance.now() - t0) / 1000, clip.frameIndices[T - 1], 'the thumbnail pass');
  return { clipId, width: W, height: H, frameIndices: clip.frameIndices, rgb: planarFramesToRgb24(clip.data, T, H * W, 0, T) };
}
