// mp4 writing (whole and streamed), PNG writing and the float -> byte conversion.
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createMp4Writer, decodeVideo, encodeMp4, encodePng, probeVideo, toRgb8 } from '../../../src/engine/video/index';
import { dir, expectVideoError, ffmpeg, ffmpegRgb, toolChildren } from './helpers';

const T = 9;
const H = 48;
const W = 64;

/** A smooth moving pattern: x264 reproduces it closely, so the tolerance can be tight. */
function pattern(): { data: Float32Array; shape: [3, number, number, number] } {
  const data = new Float32Array(3 * T * H * W);
  for (let c = 0; c < 3; c++)
    for (let t = 0; t < T; t++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const v = Math.sin((x + 3 * t) / 9 + c) * 0.6 + Math.cos((y - 2 * t) / 7 + 2 * c) * 0.3;
          data[((c * T + t) * H + y) * W + x] = v;
        }
  return { data, shape: [3, T, H, W] };
}

function stats(a: Float32Array, b: Float32Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) * 127.5;
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}

function slice(v: { data: Float32Array }, t0: number, n: number): { data: Float32Array; shape: number[] } {
  const out = new Float32Array(3 * n * H * W);
  for (let c = 0; c < 3; c++) out.set(v.data.subarray((c * T + t0) * H * W, (c * T + t0 + n) * H * W), c * n * H * W);
  return { data: out, shape: [3, n, H, W] };
}

/** (T, H, W, 3) rgb24 bytes -> a (3, T, H, W) [-1, 1] clip. */
function rgbToClip(rgb: Buffer): Float32Array {
  const out = new Float32Array(3 * T * H * W);
  for (let t = 0; t < T; t++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) out[((c * T + t) * H + y) * W + x] = rgb[((t * H + y) * W + x) * 3 + c] / 127.5 - 1;
  return out;
}

/** The clip through the ffmpeg command line's own H.264 (the app's settings, or another colour matrix), as rgb24. */
async function cliRoundTrip(video: { data: Float32Array }, crf: number, matrix: 'bt709' | 'bt601'): Promise<Buffer> {
  const raw = Buffer.alloc(3 * T * H * W);
  for (let t = 0; t < T; t++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < 3; c++) raw[((t * H + y) * W + x) * 3 + c] = Math.min(255, Math.max(0, Math.round((video.data[((c * T + t) * H + y) * W + x] + 1) * 127.5)));
  const input = join(dir, `cli-${crf}-${matrix}.rgb`);
  const out = join(dir, `cli-${crf}-${matrix}.mp4`);
  await writeFile(input, raw);
  await ffmpeg([
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-framerate', '12', '-i', input,
    '-vf', `scale=out_color_matrix=${matrix}:out_range=tv:flags=accurate_rnd+full_chroma_int,format=yuv420p`,
    '-c:v', 'libx264', '-preset', 'fast', '-crf', String(crf), '-pix_fmt', 'yuv420p',
    '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv', '-y', out,
  ]);
  return ffmpegRgb(out);
}

describe('encodeMp4', () => {
  it('round-trips through decodeVideo within codec tolerance', async () => {
    const video = pattern();
    const out = join(dir, 'round.mp4');
    const progress: number[] = [];
    await encodeMp4(video, out, { fps: 12, onProgress: (done, total) => progress.push(done * 100 + total) });
    expect(progress).toEqual(Array.from({ length: T }, (_, i) => (i + 1) * 100 + T));
    const info = await probeVideo(out);
    expect(info).toMatchObject({ width: W, height: H, frames: T, fps: 12, codec: 'h264' });
    const back = await decodeVideo(out);
    expect(back.shape).toEqual([3, T, H, W]);
    // The bound is measured outside the app: the same frames through the ffmpeg command line's H.264 at the same
    // settings (another FFmpeg and x264 build), both files decoded by that command line. The app's error may exceed
    // it by a quarter level on average (the builds' rate control differs a little) and its worst pixel by half;
    // a BT.601 matrix in a file tagged BT.709, the classic colour bug, costs far more, so the bound tells them apart.
    const lossy = stats(rgbToClip(await ffmpegRgb(out)), video.data);
    const cli = stats(rgbToClip(await cliRoundTrip(video, 18, 'bt709')), video.data);
    const wrongMatrix = stats(rgbToClip(await cliRoundTrip(video, 18, 'bt601')), video.data);
    console.log(`[encode] crf 18 error in levels: app mean ${lossy.mean.toFixed(2)} max ${lossy.max.toFixed(1)}; ffmpeg CLI mean ${cli.mean.toFixed(2)} max ${cli.max.toFixed(1)}; BT.601 matrix mean ${wrongMatrix.mean.toFixed(2)}`);
    expect(stats(back.data, video.data).mean).toBeLessThan(cli.mean + 0.25);
    expect(lossy.mean).toBeLessThan(cli.mean + 0.25);
    expect(lossy.max).toBeLessThan(cli.max * 1.5);
    expect(wrongMatrix.mean).toBeGreaterThan(cli.mean + 0.25);
    const exactOut = join(dir, 'round-crf0.mp4');
    await encodeMp4(video, exactOut, { fps: 12, crf: 0 });
    const nearLossless = stats(rgbToClip(await ffmpegRgb(exactOut)), video.data);
    const cliLossless = stats(rgbToClip(await cliRoundTrip(video, 0, 'bt709')), video.data);
    console.log(`[encode] crf 0 error in levels: app mean ${nearLossless.mean.toFixed(2)} max ${nearLossless.max.toFixed(1)}; ffmpeg CLI mean ${cliLossless.mean.toFixed(2)} max ${cliLossless.max.toFixed(1)}`);
    // crf 0 leaves only the 4:2:0 subsampling and YUV rounding, the same arithmetic in both builds.
    expect(nearLossless.mean).toBeLessThan(cliLossless.mean + 0.1);
    expect(nearLossless.max).toBeLessThanOrEqual(cliLossless.max + 1);
  });

  it('crf 0 with flat colours returns them within the YUV 4:2:0 rounding', async () => {
    const data = new Float32Array(3 * 1 * 16 * 16);
    const rgb = [200, 40, 90];
    for (let c = 0; c < 3; c++) data.fill(rgb[c] / 127.5 - 1, c * 256, (c + 1) * 256);
    const out = join(dir, 'flat.mp4');
    await encodeMp4({ data, shape: [3, 1, 16, 16] }, out, { crf: 0 });
    const back = toRgb8(await decodeVideo(out), 0);
    for (let c = 0; c < 3; c++) expect(Math.abs(back[8 * 16 * 3 + 8 * 3 + c] - rgb[c])).toBeLessThanOrEqual(2);
  });

  it('rejects odd sizes and a wrong layout with bad_option', async () => {
    await expectVideoError(encodeMp4({ data: new Float32Array(3 * 2 * 9 * 8), shape: [3, 2, 9, 8] }, join(dir, 'odd.mp4')), 'bad_option', /height must be an even integer/);
    await expectVideoError(encodeMp4({ data: new Float32Array(10), shape: [3, 1, 2, 2] }, join(dir, 'bad.mp4')), 'bad_option', /needs 12/);
    expect(existsSync(join(dir, 'odd.mp4'))).toBe(false);
  });
});

describe('createMp4Writer', () => {
  it('written in chunks of 4+4+1 frames gives the same frames as encodeMp4', async () => {
    const video = pattern();
    const whole = join(dir, 'whole.mp4');
    const chunked = join(dir, 'chunked.mp4');
    await encodeMp4(video, whole, { fps: 12 });
    const w = createMp4Writer(chunked, { width: W, height: H, fps: 12 });
    await w.write(slice(video, 0, 4));
    await w.write(slice(video, 4, 4));
    await w.write(slice(video, 8, 1));
    await w.close();
    expect(Buffer.compare(await ffmpegRgb(chunked), await ffmpegRgb(whole))).toBe(0);
    expect((await probeVideo(chunked)).frames).toBe(T);
  });

  it('abort() kills ffmpeg and leaves neither the file nor its temporary', async () => {
    const out = join(dir, 'aborted.mp4');
    const w = createMp4Writer(out, { width: W, height: H, fps: 12 });
    await w.write(slice(pattern(), 0, 4));
    await w.abort();
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('aborted'))).toEqual([]);
    expect(toolChildren()).toEqual([]);
    await expectVideoError(w.write(slice(pattern(), 0, 1)), 'bad_option', /after a failure or abort/);
  });

  it('an AbortSignal during writing rejects with cancelled and leaves no file', async () => {
    const out = join(dir, 'signalled.mp4');
    const ac = new AbortController();
    const w = createMp4Writer(out, { width: W, height: H, fps: 12, signal: ac.signal });
    await w.write(slice(pattern(), 0, 2));
    ac.abort();
    await expectVideoError(w.close(), 'cancelled', /writing .* was cancelled/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('signalled'))).toEqual([]);
    expect(toolChildren()).toEqual([]);
  });

  it('an AbortSignal alone (no close or abort call) still removes the partial file', async () => {
    const ac = new AbortController();
    const w = createMp4Writer(join(dir, 'dropped.mp4'), { width: W, height: H, fps: 12, signal: ac.signal });
    await w.write(slice(pattern(), 0, 3));
    ac.abort();
    for (let i = 0; i < 100 && (toolChildren().length > 0 || readdirSync(dir).some((f) => f.includes('dropped'))); i++) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(dir).filter((f) => f.includes('dropped'))).toEqual([]);
    expect(toolChildren()).toEqual([]);
  });

  it('does not replace an existing file until the new one is complete', async () => {
    const out = join(dir, 'keep.mp4');
    await writeFile(out, 'previous contents');
    const w = createMp4Writer(out, { width: W, height: H, fps: 12 });
    await w.write(slice(pattern(), 0, 1));
    expect(await readFile(out, 'utf8')).toBe('previous contents');
    await w.abort();
    expect(await readFile(out, 'utf8')).toBe('previous contents');
  });

  it('an unwritable destination fails with ffmpeg_failed and its reason, and no process left', async () => {
    const out = join(dir, 'no-such-folder', 'x.mp4');
    await expectVideoError(encodeMp4(pattern(), out), 'ffmpeg_failed', /could not write .*x\.mp4 \(exit status 1: .*No such file or directory.*check the folder exists/);
    expect(toolChildren()).toEqual([]);
    await expectVideoError(encodePng(new Uint8Array(12), 2, 2, out), 'bad_option', /cannot write .* \(ENOENT\); check the folder exists/);
  });

  it('rejects a chunk of the wrong size', async () => {
    const w = createMp4Writer(join(dir, 'wrong.mp4'), { width: W, height: H, fps: 12 });
    await expectVideoError(w.write({ data: new Float32Array(3 * 16 * 16), shape: [3, 1, 16, 16] }), 'bad_option', /16x16 but the writer was opened for 64x48/);
    expect(toolChildren()).toEqual([]);
  });
});

describe('encodePng and toRgb8', () => {
  it('toRgb8 maps [-1, 1] to bytes with rounding and clamping', () => {
    const data = Float32Array.from([-1, 0, 1, 2, /* G */ -2, -0.5, 0.5, NaN, /* B */ 1 / 127.5 - 1, 0.999, -0.999, 1]);
    const bytes = toRgb8({ data, shape: [3, 1, 2, 2] }, 0);
    expect([...bytes]).toEqual([0, 0, 1, 128, 64, 255, 255, 191, 0, 255, 0, 255]);
    expect(() => toRgb8({ data, shape: [3, 1, 2, 2] }, 1)).toThrow(/frame 1 is out of range/);
  });

  it('writes a PNG that ffmpeg decodes to exactly the same bytes', async () => {
    const w = 37;
    const h = 23; // odd sizes exercise every filter path
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 31 + ((i / 3) | 0) * 7) % 256;
    for (let x = 0; x < w * 3; x++) rgb[5 * w * 3 + x] = 200; // a flat row (filter 0/2 wins)
    const out = join(dir, 'frame.png');
    await encodePng(rgb, w, h, out);
    const file = await readFile(out);
    expect(file.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(file.readUInt32BE(16)).toBe(w);
    expect(file.readUInt32BE(20)).toBe(h);
    expect(Buffer.compare(await ffmpegRgb(out, true), Buffer.from(rgb))).toBe(0);
    // The filtered scanlines inflate to one filter byte plus 3w bytes per row.
    const idatLen = file.readUInt32BE(33);
    expect(inflateSync(file.subarray(41, 41 + idatLen)).length).toBe(h * (3 * w + 1));
  });

  it('a decoded frame written as PNG reads back identically through decodeVideo', async () => {
    const out = join(dir, 'pattern.png');
    const video = pattern();
    await encodePng(toRgb8(video, 3), W, H, out);
    const back = await decodeVideo(out);
    expect(back.shape).toEqual([3, 1, H, W]);
    expect(Buffer.from(toRgb8(back, 0))).toEqual(Buffer.from(toRgb8(video, 3)));
  });

  it('rejects a buffer of the wrong length', async () => {
    await expectVideoError(encodePng(new Uint8Array(10), 2, 2, join(dir, 'x.png')), 'bad_option', /expected 2\*2\*3 = 12 bytes/);
  });
});
