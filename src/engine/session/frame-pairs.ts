// Original and reconstruction frames as 8-bit RGB blocks, whether they live in
// memory (a decoded clip and its whole-clip reconstruction) or on disk (a
// whole-video reconstruction). The A/B viewer and the exports read through
// this, a block at a time, so neither needs a whole video in memory.
import { open } from 'node:fs/promises';
import type { FrameBlock } from '../../shared/workflow-contract';
import type { Tensor } from '../tensor';
import { planarFramesToRgb24 } from '../video/rgb';

/** Replies carry at most this many bytes of frames; the viewer asks again for the rest. */
export const MAX_BLOCK_BYTES = 32 * 2 ** 20;

export type PairLayer = 'original' | 'reconstruction';

export interface FrameSize {
  frames: number;
  height: number;
  width: number;
}

export interface FramePair extends FrameSize {
  fps: number;
  read(layer: PairLayer, from: number, count: number): Promise<FrameBlock>;
}

/** How many of `count` frames from `from` a reply holds: clipped to the clip's end and the byte cap, at least 1. */
export function blockCount(size: FrameSize, from: number, count: number): number {
  if (!Number.isInteger(from) || from < 0 || from >= size.frames) {
    throw new RangeError(`frame ${from} is out of range: the clip has ${size.frames} frames (0..${size.frames - 1})`);
  }
  const perFrame = size.height * size.width * 3;
  return Math.max(1, Math.min(count, size.frames - from, Math.floor(MAX_BLOCK_BYTES / perFrame)));
}

/** Frames of a (3, T, H, W) [-1, 1] video in memory. */
export function tensorBlock(video: Tensor, from: number, count: number): FrameBlock {
  const [, frames, height, width] = video.shape;
  const n = blockCount({ frames, height, width }, from, count);
  return { from, count: n, width, height, rgb: planarFramesToRgb24(video.data, frames, height * width, from, n) };
}

export function tensorPair(original: Tensor, reconstruction: Tensor, fps: number): FramePair {
  const [, frames, height, width] = original.shape;
  return {
    frames,
    height,
    width,
    fps,
    read: async (layer, from, count) => tensorBlock(layer === 'original' ? original : reconstruction, from, count),
  };
}

/** Frames of a raw rgb24 file (frame after frame, H * W * 3 bytes each). */
export async function fileBlock(path: string, size: FrameSize, from: number, count: number): Promise<FrameBlock> {
  const n = blockCount(size, from, count);
  const frameBytes = size.height * size.width * 3;
  const rgb = new Uint8Array(n * frameBytes);
  const fh = await open(path, 'r');
  try {
    let done = 0;
    while (done < rgb.length) {
      const { bytesRead } = await fh.read(rgb, done, rgb.length - done, from * frameBytes + done);
      if (bytesRead === 0) throw new Error(`${path} ends before frame ${from + n}: the result on disk is incomplete; reconstruct again`);
      done += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return { from, count: n, width: size.width, height: size.height, rgb };
}
