// The pure decode planner and the CLI's video flags: numbers in, numbers out.
import { describe, expect, it } from 'vitest';
import { planDecode, resizedSize, snapFrames, type VideoInfo } from '../../../src/engine/video/index';
import { Flags, parseArgs } from '../../../src/hosting/args';
import { readVideoOptions } from '../../../src/cli/video-options';

const info = (width: number, height: number, frames: number): VideoInfo => ({ path: '/clip.mp4', width, height, frames, fps: 30, codec: 'h264', durationSec: frames / 30, isImage: false });

describe('planDecode', () => {
  it('snaps to 1 + 4k and 1 + 8k', () => {
    expect([1, 2, 4, 5, 8, 9, 29, 30, 33].map((n) => snapFrames(n, 4))).toEqual([1, 1, 1, 5, 5, 9, 29, 29, 33]);
    expect([1, 8, 9, 16, 17, 30].map((n) => snapFrames(n, 8))).toEqual([1, 1, 9, 9, 17, 25]);
    expect(planDecode(info(64, 48, 30), {}).frames).toBe(29);
  });

  it('resizes the short side, landscape and portrait', () => {
    expect(resizedSize(320, 240, 64)).toEqual({ width: 85, height: 64 });
    expect(resizedSize(240, 320, 64)).toEqual({ width: 64, height: 85 });
    expect(resizedSize(1920, 1080, 256)).toEqual({ width: 455, height: 256 });
  });

  it('builds select, scale and crop filters from the options', () => {
    const p = planDecode(info(1920, 1080, 300), { start: 5, sampleRate: 2, frames: 17, size: 256 });
    expect(p.frameIndices).toEqual(Array.from({ length: 17 }, (_, i) => 10 + 2 * i));
    expect([p.width, p.height, p.frames, p.fps]).toEqual([448, 256, 17, 15]);
    expect(p.filter).toBe("select='between(n,10,42)*not(mod(n-10,2))',scale=455:256:flags=area+accurate_rnd+full_chroma_int,format=rgb24,crop=448:256:3:0");
    const upscale = planDecode(info(64, 48, 5), { size: 96 });
    expect(upscale.filter).toBe('scale=128:96:flags=bicubic+accurate_rnd+full_chroma_int,format=rgb24');
    expect(upscale.notes).toEqual(['resized 64x48 -> 128x96 (bicubic filter)']);
    expect(planDecode(info(64, 48, 5), { size: 48 }).notes).toEqual([]);
  });

  it('the default voxel guard admits 129 frames at 512x512 and refuses 130+', () => {
    expect(planDecode(info(512, 512, 129), {}).frames).toBe(129);
    expect(() => planDecode(info(512, 512, 133), {})).toThrow(/133 frames of 512x512 = 34,865,152 voxels, over the limit of 33,816,576.*at most 129 frames fit/);
  });
});

describe('readVideoOptions (CLI flags)', () => {
  const read = (...argv: string[]) => readVideoOptions(new Flags(parseArgs(argv)));

  it('maps the flags and leaves absent ones undefined', () => {
    expect(read('--start', '3', '--frames=17', '--sample-rate', '2', '--size', '256')).toEqual({ start: 3, frames: 17, sampleRate: 2, size: 256 });
    expect(read()).toEqual({});
  });

  it('names the flag in its errors', () => {
    expect(() => read('--size', '250')).toThrow('--size must be a multiple of 8 (got 250); try --size 248 or --size 256');
    expect(() => read('--frames', '0')).toThrow('--frames must be at least 1 (got 0)');
    expect(() => read('--sample-rate', 'two')).toThrow('--sample-rate must be an integer (got "two")');
    expect(() => read('--start', '-1')).toThrow('--start must be at least 0 (got -1)');
  });
});
