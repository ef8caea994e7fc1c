// Turns DecodeOptions and a probed VideoInfo into a decode plan: which source
// frames are kept, the output size, the ffmpeg filter chain, and notes that
// tell the user every adjustment made on their behalf. Pure: no processes.
import { VideoError } from './errors';
import type { VideoInfo } from './probe';

export interface DecodeOptions {
  /** First frame to keep, counted after sampling (in units of sampleRate source frames). Default 0. */
  start?: number;
  /** First frame to keep as a source frame index (any frame, not only multiples of sampleRate); replaces `start`. */
  startFrame?: number;
  /** Frame count; snapped down to 1 + m*k (m = temporalMultiple). Default: all remaining frames. */
  frames?: number;
  /** Keep every n-th source frame. Default 1. */
  sampleRate?: number;
  /** Resize so the short side is `size` (aspect kept), then centre-crop both sides to multiples of 8. */
  size?: number;
  /**
   * Centre-crop to exactly this size after the resize, as the reference's
   * evaluation does (short side `size`, then a `crop` x `crop` centre crop):
   * with a crop the long side is truncated (Python int()) and the offset is
   * round-half-even((side - crop) / 2), like its resize and CenterCropVideo.
   */
  crop?: { width: number; height: number };
  temporalMultiple?: 4 | 8;
  /**
   * 'decord': the frames as the reference's reader (decord) gets them: the native size, FFmpeg's
   * scale filter with its default flags converting to rgb24 (no accurate rounding, no full chroma
   * interpolation), every source frame from the start on, the count not snapped. Size, crop and
   * sample rate are the caller's to apply (eval/reference/pipeline.ts).
   */
  reader?: 'decord';
  /** Guard on width*height*frames of the output. Default 256*256*129*4. */
  maxVoxels?: number;
  /** Budget for the time spent waiting on ffprobe/ffmpeg (probe + decode). */
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (doneFrames: number, totalFrames: number) => void;
}

export const DEFAULT_MAX_VOXELS = 256 * 256 * 129 * 4;
export const DEFAULT_DECODE_TIMEOUT_MS = 10 * 60_000;
export const DECODE_STALL_MS = 60_000;

export interface DecodePlan {
  frames: number;
  width: number;
  height: number;
  fps: number;
  /** Source frame index of each output frame. */
  frameIndices: number[];
  /** The -vf chain: select, scale (+ conversion to rgb24), centre crop. */
  filter: string;
  /** Size after resizing, before the crop; null when the source size is kept. */
  resized: { width: number; height: number } | null;
  /** The centre crop to multiples of 8 in the resized frame; null when nothing is cut. */
  crop: { x: number; y: number; width: number; height: number } | null;
  notes: string[];
}

function checkInt(name: string, v: number | undefined, min: number, hint: string): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < min) throw new VideoError('bad_option', `${name} must be an integer ≥ ${min} (got ${v}); ${hint}`);
}

/** Rejects impossible options before any file is touched. */
export function validateDecodeOptions(o: DecodeOptions): void {
  checkInt('start', o.start, 0, 'it counts frames after sampling, from 0');
  checkInt('startFrame', o.startFrame, 0, 'it is a source frame index, from 0');
  if (o.start !== undefined && o.startFrame !== undefined) throw new VideoError('bad_option', 'give start (after sampling) or startFrame (a source frame), not both');
  checkInt('frames', o.frames, 1, 'ask for at least 1 frame (the model takes 1 + 4k)');
  checkInt('sampleRate', o.sampleRate, 1, 'use 1 to keep every frame, 2 for every other frame');
  if (o.size !== undefined && (!Number.isInteger(o.size) || o.size <= 0 || o.size % 8 !== 0)) {
    throw new VideoError('bad_option', `size must be a positive multiple of 8 (got ${o.size}); the model needs height and width divisible by 8, e.g. 256`);
  }
  if (o.crop !== undefined) {
    const { width, height } = o.crop;
    if (![width, height].every((v) => Number.isInteger(v) && v > 0 && v % 8 === 0)) {
      throw new VideoError('bad_option', `crop must be positive multiples of 8 (got ${width}x${height}); the model needs height and width divisible by 8, e.g. 256x256`);
    }
  }
  if (o.temporalMultiple !== undefined && o.temporalMultiple !== 4 && o.temporalMultiple !== 8) {
    throw new VideoError('bad_option', `temporalMultiple must be 4 or 8 (got ${String(o.temporalMultiple)}): the model's temporal compression`);
  }
  if (o.reader !== undefined && o.reader !== 'decord') throw new VideoError('bad_option', `reader must be 'decord' or absent (got ${String(o.reader)})`);
  if (o.reader === 'decord' && (o.size !== undefined || o.crop !== undefined || (o.sampleRate ?? 1) !== 1)) {
    throw new VideoError('bad_option', 'the decord reader gives native-size frames one after another: resize, crop and sample them afterwards');
  }
  if (o.maxVoxels !== undefined && !(o.maxVoxels > 0)) throw new VideoError('bad_option', `maxVoxels must be positive (got ${o.maxVoxels})`);
  if (o.timeoutMs !== undefined && !(o.timeoutMs > 0)) throw new VideoError('bad_option', `timeoutMs must be positive (got ${o.timeoutMs})`);
}

/** Largest 1 + m*k not above n (n ≥ 1). */
export function snapFrames(n: number, m: number): number {
  return 1 + Math.floor((n - 1) / m) * m;
}

/** Output size before the crop: short side = size, long side rounded, aspect kept. */
export function resizedSize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.max(1, Math.round((height * size) / width)) };
  return { width: Math.max(1, Math.round((width * size) / height)), height: size };
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Short side `size`, long side truncated as the reference's int(size * long / short). */
function truncatedResize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.max(1, Math.floor((height * size) / width)) };
  return { width: Math.max(1, Math.floor((width * size) / height)), height: size };
}

/** The note a file whose header miscounts its frames gets wherever it is used. */
export function claimedFramesNote(info: Pick<VideoInfo, 'frames' | 'claimedFrames'>): string {
  return `the container claims ${info.claimedFrames} frames but only ${info.frames} decode (the file is truncated or damaged); using those ${info.frames}`;
}

export function planDecode(info: VideoInfo, o: DecodeOptions): DecodePlan {
  validateDecodeOptions(o);
  const notes: string[] = [];
  if (info.claimedFrames != null && info.claimedFrames !== info.frames) notes.push(claimedFramesNote(info));
  const start = o.start ?? 0;
  const rate = o.sampleRate ?? 1;
  const m = o.temporalMultiple ?? 4;
  const maxVoxels = o.maxVoxels ?? DEFAULT_MAX_VOXELS;

  if (o.startFrame !== undefined && o.startFrame >= info.frames) {
    throw new VideoError('bad_option', `start frame ${o.startFrame} is past the end: ${info.path} has ${info.frames} frames (0..${info.frames - 1}); pick a start below ${info.frames}`);
  }
  const sampled = Math.floor((info.frames - 1) / rate) + 1;
  if (start >= sampled) {
    throw new VideoError(
      'bad_option',
      `start ${start} is past the end: ${info.path} has ${info.frames} frames, ${sampled} after keeping every ${rate === 1 ? 'frame' : `${rate}th frame`}; use a start below ${sampled}`,
    );
  }
  const first = o.startFrame ?? start * rate;
  // Frames kept from `first` on: first, first + rate, … up to the last source frame.
  const remaining = Math.floor((info.frames - 1 - first) / rate) + 1;
  let wanted = o.frames ?? remaining;
  if (wanted > remaining) {
    notes.push(`asked for ${wanted} frames but only ${remaining} remain from ${o.startFrame !== undefined ? `source frame ${first}` : `start ${start}`}${rate > 1 ? ` at sample rate ${rate}` : ''}; using ${remaining}`);
    wanted = remaining;
  }
  const frames = o.reader === 'decord' ? wanted : snapFrames(wanted, m);
  if (frames !== wanted) notes.push(`frame count ${wanted} snapped down to ${frames} (the model takes 1 + ${m}k frames)`);

  let scaledW = info.width;
  let scaledH = info.height;
  let algo = 'bicubic';
  if (o.size !== undefined) {
    ({ width: scaledW, height: scaledH } = o.crop ? truncatedResize(info.width, info.height, o.size) : resizedSize(info.width, info.height, o.size));
    algo = scaledW <= info.width && scaledH <= info.height ? 'area' : 'bicubic';
  }
  const native = o.reader === 'decord';
  const width = o.crop ? o.crop.width : native ? scaledW : scaledW - (scaledW % 8);
  const height = o.crop ? o.crop.height : native ? scaledH : scaledH - (scaledH % 8);
  if (o.crop && (width > scaledW || height > scaledH)) {
    throw new VideoError('bad_option', `${info.path} is ${scaledW}x${scaledH} pixels${o.size ? ' after resizing' : ''}, smaller than the ${width}x${height} crop; pick a larger size or a smaller crop`);
  }
  if (width === 0 || height === 0) {
    throw new VideoError('bad_option', `${info.path} is ${scaledW}x${scaledH} pixels${o.size ? ` after resizing` : ''}, too small for the model (both sides must reach 8); pass a larger size, e.g. size 64 (--size 64)`);
  }
  if (scaledW !== info.width || scaledH !== info.height) notes.push(`resized ${info.width}x${info.height} -> ${scaledW}x${scaledH} (${algo} filter)`);
  if (width !== scaledW || height !== scaledH) notes.push(`centre-cropped ${scaledW}x${scaledH} -> ${width}x${height} (${o.crop ? 'the requested crop' : 'sides must be multiples of 8'})`);

  const voxels = width * height * frames;
  if (voxels > maxVoxels) {
    const fit = Math.floor(maxVoxels / (width * height));
    const fitHint = fit >= 1 ? `at most ${snapFrames(fit, m)} frames fit at ${width}x${height}` : `not even 1 frame fits at ${width}x${height}`;
    throw new VideoError(
      'too_large',
      `the clip would be ${frames} frames of ${width}x${height} = ${voxels.toLocaleString('en-US')} voxels, over the limit of ${maxVoxels.toLocaleString('en-US')}; ` +
        `lower the frame count (--frames; ${fitHint}) or the resolution (--size, e.g. 256), or raise the limit (maxVoxels)`,
      { frames, width, height, voxels, maxVoxels, fitFrames: fit >= 1 ? snapFrames(fit, m) : 0 },
    );
  }

  const frameIndices = Array.from({ length: frames }, (_, i) => first + i * rate);
  const last = frameIndices[frames - 1];
  const filters: string[] = [];
  if (first > 0 || rate > 1) filters.push(`select='between(n,${first},${last})*not(mod(n-${first},${rate}))'`);
  if (o.reader === 'decord') {
    // decord's filter graph: "scale=W:H" into a sink that takes rgb24 only.
    filters.push(`scale=${scaledW}:${scaledH}`, 'format=rgb24');
  } else {
    // One swscale pass resizes and converts to RGB; accurate_rnd and full_chroma_int keep the YUV->RGB step exact to a level.
    filters.push(`scale=${scaledW}:${scaledH}:flags=${algo}+accurate_rnd+full_chroma_int`, 'format=rgb24');
  }
  const offset = (scaled: number, side: number) => (o.crop ? roundHalfEven((scaled - side) / 2) : Math.floor((scaled - side) / 2));
  const crop = width !== scaledW || height !== scaledH ? { x: offset(scaledW, width), y: offset(scaledH, height), width, height } : null;
  if (crop) filters.push(`crop=${width}:${height}:${crop.x}:${crop.y}`);
  const resized = scaledW !== info.width || scaledH !== info.height ? { width: scaledW, height: scaledH } : null;
  return { frames, width, height, fps: info.fps / rate, frameIndices, filter: filters.join(','), resized, crop, notes };
}
