// decodeVideo / decodeVideoChunks on clips with known pixel values: exact
// values from lossless sources (ffv1, png), gif against ffmpeg's own decode,
// codec tolerance from lossy codecs, frame selection through the colour-coded index.
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeVideo, decodeVideoChunks, probeVideo, toRgb8 } from '../../../src/engine/video/index';
import { join } from 'node:path';
import { dir, ffmpeg, ffmpegRgb, INDEX_GEQ, indexColour, level, makeClip } from './helpers';

let indexMkv: string; // 20 frames 64x48, lossless, frame n = indexColour(n)
let indexMp4: string; // the same in h264
beforeAll(async () => {
  const src = `color=black:s=64x48:r=10,format=gbrp,${INDEX_GEQ}`;
  indexMkv = await makeClip('index.mkv', src, 20, ['-c:v', 'ffv1']);
  indexMp4 = await makeClip('index.mp4', src, 20, ['-c:v', 'libx264', '-crf', '10', '-pix_fmt', 'yuv420p']);
});

function frameColours(clip: { data: Float32Array; shape: readonly number[] }, t: number, y = 20, x = 30): number[] {
  // Rounded to 1e-3 so exact levels compare equal despite float32 storage.
  return [0, 1, 2].map((c) => Math.round(level(clip.data, clip.shape, c, t, y, x) * 1000) / 1000);
}

describe('decodeVideo', () => {
  it('decodes a lossless clip exactly, snapping 20 frames to 17 with a note', async () => {
    const clip = await decodeVideo(indexMkv);
    expect(clip.shape).toEqual([3, 17, 48, 64]);
    expect(clip.data.length).toBe(3 * 17 * 48 * 64);
    expect(clip.fps).toBe(10);
    expect(clip.frameIndices).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(clip.notes.join('\n')).toMatch(/20 snapped down to 17/);
    for (let t = 0; t < 17; t++) {
      expect(frameColours(clip, t)).toEqual(indexColour(t));
    }
    // Every value sits on the 0..255 lattice mapped to [-1, 1].
    let offLattice = 0;
    for (const v of clip.data) if (Math.abs((v + 1) * 127.5 - Math.round((v + 1) * 127.5)) > 1e-4) offLattice++;
    expect(offLattice).toBe(0);
  });

  it('snaps to 1 + 8k with temporalMultiple 8', async () => {
    const clip = await decodeVideo(indexMkv, { temporalMultiple: 8 });
    expect(clip.shape[1]).toBe(17);
    const nine = await decodeVideo(indexMkv, { frames: 15, temporalMultiple: 8 });
    expect(nine.shape[1]).toBe(9);
    expect(nine.notes.join('\n')).toMatch(/15 snapped down to 9 \(the model takes 1 \+ 8k frames\)/);
  });

  it('start and sampleRate pick the right source frames', async () => {
    const clip = await decodeVideo(indexMkv, { start: 2, sampleRate: 3, frames: 5 });
    // sampled frames are 0,3,6,...; from the 3rd sampled one: 6, 9, 12, 15, 18
    expect(clip.frameIndices).toEqual([6, 9, 12, 15, 18]);
    expect(clip.shape).toEqual([3, 5, 48, 64]);
    expect(clip.fps).toBeCloseTo(10 / 3, 10);
    for (let t = 0; t < 5; t++) expect(frameColours(clip, t)).toEqual(indexColour(clip.frameIndices[t]));
  });

  it('asking for more frames than remain clamps, snaps and says so', async () => {
    const clip = await decodeVideo(indexMkv, { start: 10, frames: 50 });
    expect(clip.frameIndices).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(clip.notes.join('\n')).toMatch(/asked for 50 frames but only 10 remain/);
    expect(frameColours(clip, 8)).toEqual(indexColour(18));
  });

  it('h264 decodes to the known colours within codec tolerance', async () => {
    const clip = await decodeVideo(indexMp4, { frames: 9, start: 3 });
    expect(clip.shape).toEqual([3, 9, 48, 64]);
    for (let t = 0; t < 9; t++) {
      const want = indexColour(3 + t);
      frameColours(clip, t).forEach((v, c) => expect(Math.abs(v - want[c])).toBeLessThanOrEqual(4));
    }
  });

  it('size resizes the short side and centre-crops to multiples of 8 (320x240, size 64 -> 85x64 -> 80x64)', async () => {
    // x encodes the column so the crop offset is visible: r = x / 320 * 255 before scaling.
    const src = "color=black:s=320x240:r=10,format=gbrp,geq=r='X*255/319':g='Y*255/239':b=128";
    const path = await makeClip('wide.mkv', src, 5, ['-c:v', 'ffv1']);
    const clip = await decodeVideo(path, { size: 64 });
    expect(clip.shape).toEqual([3, 5, 64, 80]);
    expect(clip.notes.join('\n')).toMatch(/320x240 -> 85x64 \(area filter\)/);
    expect(clip.notes.join('\n')).toMatch(/85x64 -> 80x64/);
    // Crop offset floor((85 - 80) / 2) = 2 columns: output column 0 is resized column 2,
    // whose centre maps to source x ≈ (2.5 * 320 / 85) - 0.5 ≈ 8.9 -> r ≈ 7.1.
    const r0 = level(clip.data, clip.shape, 0, 0, 32, 0);
    expect(r0).toBeGreaterThan(4);
    expect(r0).toBeLessThan(10);
    expect(level(clip.data, clip.shape, 2, 0, 32, 40)).toBeCloseTo(128, 0);
    // Portrait: 48x100 with size 16 -> 16x33 -> 16x32.
    const tall = await makeClip('tall.mkv', 'color=red:s=48x100:r=10', 1, ['-c:v', 'ffv1']);
    expect((await decodeVideo(tall, { size: 16 })).shape).toEqual([3, 1, 32, 16]);
  });

  it('without size, the native size is centre-cropped to multiples of 8', async () => {
    const src = "color=black:s=70x50:r=10,format=gbrp,geq=r='X':g='Y':b='N'";
    const path = await makeClip('odd.mkv', src, 5, ['-c:v', 'ffv1']);
    const clip = await decodeVideo(path);
    expect(clip.shape).toEqual([3, 5, 48, 64]);
    // offsets floor(6/2) = 3 and floor(2/2) = 1
    expect(frameColours(clip, 4, 0, 0)).toEqual([3, 1, 4]);
    expect(frameColours(clip, 4, 47, 63)).toEqual([66, 48, 4]);
  });

  it('an image is a 1-frame clip', async () => {
    const still = "color=black:s=40x24,format=gbrp,geq=r=51:g=102:b=204";
    const png = await makeClip('still.png', still, 1, []);
    const info = await probeVideo(png);
    expect(info).toMatchObject({ width: 40, height: 24, frames: 1, codec: 'png', isImage: true });
    const clip = await decodeVideo(png);
    expect(clip.shape).toEqual([3, 1, 24, 40]);
    expect(frameColours(clip, 0, 10, 10)).toEqual([0x33, 0x66, 0xcc]);
    const jpg = await makeClip('still.jpg', still, 1, ['-q:v', '2']);
    const j = await decodeVideo(jpg);
    expect(j.shape).toEqual([3, 1, 24, 40]);
    frameColours(j, 0, 10, 10).forEach((v, c) => expect(Math.abs(v - [0x33, 0x66, 0xcc][c])).toBeLessThanOrEqual(4));
  });

  it('a gif decodes frame by frame, exactly as ffmpeg decodes it', async () => {
    const src = "color=black:s=32x24:r=10,format=gbrp,geq=r='255*eq(mod(N,3),0)':g='255*eq(mod(N,3),1)':b='255*eq(mod(N,3),2)'";
    const gif = await makeClip('rgb.gif', src, 6, []);
    const info = await probeVideo(gif);
    expect(info).toMatchObject({ width: 32, height: 24, frames: 6, codec: 'gif', isImage: false });
    const clip = await decodeVideo(gif);
    expect(clip.shape).toEqual([3, 5, 24, 32]);
    // The gif palette (rgb8) turns 255 into 252: compare with ffmpeg's own decode exactly, and with the source loosely.
    const reference = await ffmpegRgb(gif);
    const pixels = 24 * 32;
    for (let t = 0; t < 5; t++) {
      const want = [0, 1, 2].map((c) => (t % 3 === c ? 255 : 0));
      frameColours(clip, t, 12, 16).forEach((v, c) => expect(Math.abs(v - want[c])).toBeLessThanOrEqual(4));
      expect(Buffer.from(toRgb8(clip, t))).toEqual(reference.subarray(t * pixels * 3, (t + 1) * pixels * 3));
    }
  });

  it('a clip with rotation metadata decodes upright (as players show it), with swapped sizes', async () => {
    const flat = await makeClip('landscape.mp4', "color=black:s=64x48:r=10,format=gbrp,geq=r='X*4':g='Y*5':b=0", 5, ['-c:v', 'libx264', '-crf', '0']);
    const rotated = join(dir, 'rotated.mp4');
    await ffmpeg(['-i', flat, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    expect(await probeVideo(rotated)).toMatchObject({ width: 48, height: 64 });
    const clip = await decodeVideo(rotated);
    expect(clip.shape).toEqual([3, 5, 64, 48]);
    const reference = await ffmpegRgb(rotated, true); // ffmpeg applies the rotation itself
    const ours = toRgb8(clip, 0);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
    expect(worst).toBeLessThanOrEqual(3);
  });

  const containers: [string, string[], number][] = [
    ['mov', ['-c:v', 'libx264', '-crf', '10', '-pix_fmt', 'yuv420p'], 4],
    ['webm', ['-c:v', 'libvpx', '-b:v', '2M'], 8],
    ['avi', ['-c:v', 'mjpeg', '-q:v', '2'], 6],
    ['mkv', ['-c:v', 'libx264', '-crf', '10', '-pix_fmt', 'yuv420p'], 4],
  ];
  for (const [ext, args, tolerance] of containers) {
    it(`reads ${ext} (${args[1]})`, async () => {
      const path = await makeClip(`six.${ext}`, `color=black:s=32x24:r=10,format=gbrp,${INDEX_GEQ}`, 6, args);
      expect(await probeVideo(path)).toMatchObject({ width: 32, height: 24, frames: 6, fps: 10 });
      const clip = await decodeVideo(path);
      expect(clip.shape).toEqual([3, 5, 24, 32]);
      for (let t = 0; t < 5; t++) {
        const want = indexColour(t);
        frameColours(clip, t, 12, 16).forEach((v, c) => expect(Math.abs(v - want[c]), `${ext} t=${t} c=${c}`).toBeLessThanOrEqual(tolerance));
      }
    });
  }

  it('reports progress for every frame', async () => {
    const seen: [number, number][] = [];
    await decodeVideo(indexMkv, { frames: 5, onProgress: (d, t) => seen.push([d, t]) });
    expect(seen).toEqual([[1, 5], [2, 5], [3, 5], [4, 5], [5, 5]]);
  });
});

describe('decodeVideoChunks', () => {
  it('streams the same frames as decodeVideo in blocks of chunkFrames', async () => {
    const opts = { start: 1, sampleRate: 1, frames: 17 };
    const whole = await decodeVideo(indexMkv, opts);
    const stream = decodeVideoChunks(indexMkv, { ...opts, chunkFrames: 5 });
    const plan = await stream.plan;
    expect(plan).toMatchObject({ frames: 17, height: 48, width: 64, fps: 10 });
    const starts: number[] = [];
    const [, T, H, W] = whole.shape;
    for await (const chunk of stream) {
      starts.push(chunk.start);
      const n = chunk.shape[1];
      expect(chunk.shape).toEqual([3, n, 48, 64]);
      for (let c = 0; c < 3; c++) {
        const expected = whole.data.subarray((c * T + chunk.start) * H * W, (c * T + chunk.start + n) * H * W);
        expect(chunk.data.subarray(c * n * H * W, (c + 1) * n * H * W)).toEqual(expected);
      }
    }
    expect(starts).toEqual([0, 5, 10, 15]);
  });

  it('applies the same checks as decodeVideo before the first chunk', async () => {
    const stream = decodeVideoChunks(indexMkv, { chunkFrames: 4, size: 12 });
    await expect(stream.plan).rejects.toMatchObject({ code: 'bad_option' });
    await expect(decodeVideoChunks(indexMkv, { chunkFrames: 0 }).plan).rejects.toMatchObject({ code: 'bad_option' });
  });
});
