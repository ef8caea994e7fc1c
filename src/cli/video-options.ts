// The video-selection flags every command that reads a clip shares
// (info excepted): --start --frames --sample-rate --size, parsed into the
// engine's DecodeOptions with messages that name the flag.
import type { Flags } from '../hosting/args';
import { UsageError } from '../hosting/errors';
import type { DecodeOptions } from '../engine/video/index';

export const VIDEO_OPTIONS_HELP = `video selection:
  --start N        first frame to keep, counted after sampling (default 0)
  --frames N       number of frames; snapped down to 1 + 4k (default: all)
  --sample-rate N  keep every N-th source frame (default 1)
  --size N         resize so the short side is N (a multiple of 8), then
                   centre-crop to multiples of 8 (default: native size, cropped)`;

/** Reads the shared video flags; absent flags stay undefined so the engine's defaults apply. */
export function readVideoOptions(flags: Flags): DecodeOptions {
  const start = flags.int('start', { min: 0 });
  const frames = flags.int('frames', { min: 1 });
  const sampleRate = flags.int('sample-rate', { min: 1 });
  const size = flags.int('size', { min: 8 });
  if (size !== undefined && size % 8 !== 0) {
    const down = size - (size % 8);
    throw new UsageError(`--size must be a multiple of 8 (got ${size}); try --size ${down} or --size ${down + 8}`);
  }
  const opts: DecodeOptions = {};
  if (start !== undefined) opts.start = start;
  if (frames !== undefined) opts.frames = frames;
  if (sampleRate !== undefined) opts.sampleRate = sampleRate;
  if (size !== undefined) opts.size = size;
  return opts;
}
