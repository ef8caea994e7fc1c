// Inputs that tell the truth: an mp4 whose index (moov) sits at the front,
// cut at 30 %, still claims all its frames; info, the decode plan and the
// decoder say how many really decode, checked against ffprobe -count_frames
// (Debian's ffprobe, an outside reference). The count is cached per file.
import { execFile } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { countDecodableFrames, decodeVideo, decodeVideoChunks, planDecode, probeVideo, VideoError } from '../../../src/engine/video/index';
import { sourceFramesText } from '../../../src/renderer/src/workflow/source-frames';
import { FIXTURE_FFPROBE } from '../../helpers/fixture-ffmpeg';
import { dir, makeClip } from './helpers';

const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'wfvae.mjs');
const cacheDir = join(dir, 'count-cache');
let whole: string;
let cut: string;

async function ffprobeCount(path: string): Promise<{ claimed: number; decoded: number }> {
  const { stdout } = await run(FIXTURE_FFPROBE, ['-v', 'quiet', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_frames,nb_read_frames', '-of', 'json', path]);
  const s = (JSON.parse(stdout) as { streams: { nb_frames: string; nb_read_frames: string }[] }).streams[0];
  return { claimed: Number(s.nb_frames), decoded: Number(s.nb_read_frames) };
}

beforeAll(async () => {
  whole = await makeClip('faststart.mp4', 'testsrc2=s=96x64:r=30', 250, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '30', '-movflags', '+faststart']);
  const bytes = readFileSync(whole);
  cut = join(dir, 'faststart-cut-30pct.mp4');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.3)));
});

describe('frames that really decode', () => {
  it('a faststart mp4 cut at 30 %: info shows the decodable count, equal to ffprobe -count_frames, and the claim beside it', async () => {
    const outside = await ffprobeCount(cut);
    expect(outside.claimed).toBe(250);
    expect(outside.decoded).toBeGreaterThan(30);
    expect(outside.decoded).toBeLessThan(250);
    const info = await probeVideo(cut);
    expect(info.frames).toBe(outside.decoded);
    expect(info.claimedFrames).toBe(250);
    expect(info.durationSec).toBeCloseTo(outside.decoded / 30, 6);
    // The CLI says it.
    const table = await run(process.execPath, [bin, 'info', cut], { env: { ...process.env, WFVAE_CACHE_DIR: cacheDir } });
    expect(table.stdout).toMatch(new RegExp(`^frames\\s+${outside.decoded} decode \\(the container claims 250: the file is truncated or damaged\\)$`, 'm'));
  });

  it('the whole file keeps its header count; the count is walked once per file, then cached', async () => {
    const info = await probeVideo(whole, { countFrames: true });
    expect(info.frames).toBe(250);
    expect(info.claimedFrames).toBeNull();
    const first = await countDecodableFrames(cut, 250, { cacheDir });
    const store = JSON.parse(readFileSync(join(cacheDir, 'frame-counts.json'), 'utf8')) as Record<string, { decodable: number }>;
    expect(Object.values(store).map((e) => e.decodable)).toContain(first.decodable);
    expect(first.method).toBe('decoded');
  });

  it('a selection is limited to what decodes, says why, and decodes all of it', async () => {
    const info = await probeVideo(cut);
    const plan = planDecode(info, { temporalMultiple: 4 });
    expect(plan.frames).toBe(1 + 4 * Math.floor((info.frames - 1) / 4));
    expect(plan.notes[0]).toMatch(/the container claims 250 frames but only \d+ decode/);
    const clip = await decodeVideo(cut, { maxVoxels: Infinity });
    expect(clip.shape[1]).toBe(plan.frames);
    // Past the end of what decodes is refused with the real count, not the header's.
    expect(() => planDecode(info, { startFrame: 200 })).toThrow(new RegExp(`has ${info.frames} frames`));
    // The app's Clip selection says it beside the frame count (the text the renderer shows).
    expect(sourceFramesText(info.frames, info.claimedFrames)).toEqual({
      text: `of ${info.frames} that decode — the container claims 250 (the file is truncated or damaged), so a selection ends by frame ${info.frames - 1}`,
      claimed: true,
    });
    expect(sourceFramesText(250, null)).toEqual({ text: 'of 250', claimed: false });
  });

  it('a stream that ends early mid-run (the file cut after it was planned) is reported with the real count, not silently short', async () => {
    // MPEG-TS cut at a packet boundary: the decoder stops without a message, so only the count tells.
    const ts = await makeClip('cut-later.ts', 'testsrc2=s=96x64:r=30', 40, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '8', '-f', 'mpegts']);
    const chunks = decodeVideoChunks(ts, { chunkFrames: 8, maxVoxels: Infinity });
    const plan = await chunks.plan;
    expect(plan.frames).toBe(37); // 1 + 4k
    const size = readFileSync(ts).length;
    truncateSync(ts, Math.floor(size / 2 / 188) * 188);
    const outside = await ffprobeCount(ts);
    expect(outside.decoded).toBeLessThan(40);
    let got = 0;
    const error = await (async () => {
      try {
        for await (const c of chunks) got += c.shape[1];
      } catch (err) {
        return err as VideoError;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(VideoError);
    expect(error!.code).toBe('corrupt');
    expect(error!.message).toContain(`ended after ${outside.decoded} of the 37 frames its header promises`);
    // Whole blocks only were handed on; the frames past the last one are not passed off as a shorter clip.
    expect(got).toBe(8 * Math.floor(outside.decoded / 8));
  });
});
