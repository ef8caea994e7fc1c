// Evaluation protocols and the decode crop they use: the reference's short
// side resize (long side truncated) and centre crop (offset rounded half to
// even, as Python's round()).
import { describe, expect, it } from 'vitest';
import { decodeOptionsOf, parseCrop, resolveProtocol } from '../../../src/engine/eval/protocol';
import { planDecode, type VideoInfo } from '../../../src/engine/video/index';

const info = (width: number, height: number, frames = 100): VideoInfo => ({ path: '/x.mp4', width, height, frames, fps: 30, codec: 'h264', durationSec: frames / 30, isImage: false });

describe('protocols', () => {
  it('wfvae-paper is the reference evaluation; per-video is one 8-bit MSE per video', () => {
    const p = resolveProtocol('wfvae-paper');
    expect(p).toMatchObject({ frames: 33, exactFrames: true, start: 0, sampleRate: 1, size: 256, crop: { width: 256, height: 256 }, quantize: 'uint8-floor', psnr: 'mean-of-frames', psnrCap: 100, overrides: {} });
    expect(decodeOptionsOf(p)).toEqual({ start: 0, sampleRate: 1, frames: 33, size: 256, crop: { width: 256, height: 256 } });
    const v = resolveProtocol('per-video');
    expect(v).toMatchObject({ frames: null, exactFrames: false, size: null, crop: null, quantize: 'uint8-round', psnr: 'video-mse', psnrCap: null });
    expect(decodeOptionsOf(v)).toEqual({ start: 0, sampleRate: 1 });
  });

  it('overrides apply, are recorded, and impossible ones are refused', () => {
    const p = resolveProtocol('wfvae-paper', { frames: 17, size: 128, crop: { width: 128, height: 96 } });
    expect(p).toMatchObject({ frames: 17, size: 128, crop: { width: 128, height: 96 }, overrides: { frames: 17, size: 128 } });
    expect(p.description).toMatch(/Overridden: frames=17, size=128/);
    expect(resolveProtocol('wfvae-paper', { frames: null }).exactFrames).toBe(false);
    expect(() => resolveProtocol('per-video', { crop: { width: 64, height: 64 } })).toThrow(/a crop needs a resize first/);
    expect(() => resolveProtocol('wfvae-paper', { size: 128 })).toThrow(/256x256 crop is larger than the 128-pixel short side/);
    expect(parseCrop('256x128')).toEqual({ width: 256, height: 128 });
    expect(parseCrop('64')).toEqual({ width: 64, height: 64 });
    expect(parseCrop('none')).toBeNull();
    expect(() => parseCrop('250x250')).toThrow(/multiples of 8/);
  });
});

describe('the reference commands and the crop order', () => {
  it('names the recon_video.py and eval.py lines it reproduces; --reference-crop eval leaves the model the whole resized frame', () => {
    const input = resolveProtocol('wfvae-paper');
    expect(input.referenceCommands).toEqual({
      reconVideo: 'scripts/recon_video.py --num_frames 33 --sample_rate 1 --resolution 256 --crop_size_width 256 --crop_size_height 256 --output_origin --sample_fps 24',
      eval: 'scripts/eval.py --num_frames 33 --sample_rate 1 --resolution 256 --crop_size 256',
    });
    expect(decodeOptionsOf(input).crop).toEqual({ width: 256, height: 256 });
    const evalOrder = resolveProtocol('wfvae-paper', { referenceCrop: 'eval' });
    expect(evalOrder.referenceCrop).toBe('eval');
    expect(evalOrder.referenceCommands!.reconVideo).toBe('scripts/recon_video.py --num_frames 33 --sample_rate 1 --resolution 256 --output_origin --sample_fps 24');
    expect(evalOrder.referenceCommands!.eval).toBe(input.referenceCommands!.eval);
    expect(decodeOptionsOf(evalOrder).crop).toBeUndefined();
    expect(evalOrder.description).toMatch(/--reference-crop eval/);
    expect(resolveProtocol('per-video').referenceCommands).toBeNull();
    expect(() => resolveProtocol('per-video', { referenceCrop: 'eval' })).toThrow(/needs the wfvae-paper pipeline/);
    expect(() => resolveProtocol('wfvae-paper', { referenceCrop: 'eval', crop: null })).toThrow(/needs a crop/);
  });
});

describe('decode crop', () => {
  it('1920x1080 -> 455x256 (truncated) -> 256x256 at x offset round-half-even(99.5) = 100', () => {
    const p = planDecode(info(1920, 1080), { size: 256, crop: { width: 256, height: 256 }, frames: 33 });
    expect([p.width, p.height, p.frames]).toEqual([256, 256, 33]);
    expect(p.filter).toContain('scale=455:256:');
    expect(p.filter).toContain('crop=256:256:100:0');
  });

  it('640x480 -> 341x256 -> offset round-half-even(42.5) = 42; portrait crops vertically', () => {
    expect(planDecode(info(640, 480), { size: 256, crop: { width: 256, height: 256 } }).filter).toContain('crop=256:256:42:0');
    expect(planDecode(info(480, 640), { size: 256, crop: { width: 256, height: 256 } }).filter).toContain('crop=256:256:0:42');
    // Without a crop the long side is rounded and only trimmed to a multiple of 8, as before.
    expect(planDecode(info(640, 480), { size: 256 }).filter).toContain('scale=341:256:');
  });

  it('a crop larger than the resized frame is refused with both sizes named', () => {
    expect(() => planDecode(info(640, 480), { size: 128, crop: { width: 256, height: 128 } })).toThrow(/170x128 pixels after resizing, smaller than the 256x128 crop/);
    expect(() => planDecode(info(640, 480), { crop: { width: 250, height: 256 } })).toThrow(/crop must be positive multiples of 8/);
  });
});
