// Every failure mode gives its VideoError code and a message that says what to
// do; timeouts and cancellation kill ffmpeg and leave no child process behind.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeVideo, decodeVideoChunks, probeVideo, setFfmpegPaths } from '../../../src/engine/video/index';
import { dir, expectVideoError, INDEX_GEQ, makeClip, toolChildren } from './helpers';

let mp4: string; // 20 frames 64x48 h264, moov at the front
let mp4MoovAtEnd: string;
let busyMp4: string; // testsrc2: detailed frames, so damage shows in every macroblock
beforeAll(async () => {
  busyMp4 = await makeClip('busy.mp4', 'testsrc2=s=64x48:r=10', 20, ['-c:v', 'libx264', '-g', '5', '-pix_fmt', 'yuv420p', '-movflags', '+faststart']);
  const src = `color=black:s=64x48:r=10,format=gbrp,${INDEX_GEQ}`;
  mp4 = await makeClip('ok.mp4', src, 20, ['-c:v', 'libx264', '-g', '5', '-pix_fmt', 'yuv420p', '-movflags', '+faststart']);
  mp4MoovAtEnd = await makeClip('moov-end.mp4', src, 20, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
});

afterEach(() => setFfmpegPaths({}));

async function damaged(name: string, from: string, edit: (b: Buffer) => Buffer): Promise<string> {
  const out = join(dir, name);
  await writeFile(out, edit(await readFile(from)));
  return out;
}

describe('bad input files', () => {
  it('missing file: not_found', async () => {
    await expectVideoError(probeVideo(join(dir, 'nope.mp4')), 'not_found', /no such file: .*nope\.mp4; check the path/);
    await expectVideoError(decodeVideo(join(dir, 'nope.mp4')), 'not_found');
  });

  it('a text file, a folder, an empty file, an audio file: not_a_video', async () => {
    const txt = join(dir, 'notes.txt');
    await writeFile(txt, 'these are my notes, not a video\n'.repeat(20));
    await expectVideoError(probeVideo(txt), 'not_a_video', /text file.*not a video.*pass an mp4/);
    const junk = join(dir, 'junk.bin');
    await writeFile(junk, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    await expectVideoError(probeVideo(junk), 'not_a_video', /not a video or image ffmpeg can read.*pass an mp4/);
    const folder = join(dir, 'folder');
    await mkdir(folder, { recursive: true });
    await expectVideoError(decodeVideo(folder), 'not_a_video', /is a folder/);
    const empty = join(dir, 'empty.mp4');
    await writeFile(empty, '');
    await expectVideoError(decodeVideo(empty), 'not_a_video', /empty \(0 bytes\)/);
    const audio = await makeClip('tone.m4a', 'sine=d=0.5', 0, []).catch(() => null);
    if (audio) await expectVideoError(probeVideo(audio), 'not_a_video', /no video stream \(it holds: audio\)/);
  });

  it('a video stream without frames: no_frames', async () => {
    const avi = await makeClip('empty.avi', 'color=red:s=64x48:r=10', 0, ['-c:v', 'ffv1']);
    await expectVideoError(decodeVideo(avi), 'no_frames', /no frames/);
  });

  it('truncated mp4 (moov at the end lost): corrupt', async () => {
    const cut = await damaged('cut-end.mp4', mp4MoovAtEnd, (b) => b.subarray(0, Math.floor(b.length * 0.7)));
    await expectVideoError(decodeVideo(cut), 'corrupt', /probably truncated .*re-export/);
  });

  it('truncated mp4 (frames missing after the header): the frames that decode, and a note of what the header claimed', async () => {
    // The index (moov) at the front still lists all 20 frames; 85 % of the file holds 8 of them (ffprobe -count_frames agrees).
    const cut = await damaged('cut-front.mp4', mp4, (b) => b.subarray(0, Math.floor(b.length * 0.85)));
    const clip = await decodeVideo(cut);
    expect([clip.info.claimedFrames, clip.info.frames]).toEqual([20, 8]);
    expect(clip.shape[1]).toBe(5);
    expect(clip.notes[0]).toBe('the container claims 20 frames but only 8 decode (the file is truncated or damaged); using those 8');
  });

  it('truncated mp4 that keeps its index but no whole frame: no_frames, naming the claim', async () => {
    const cut = await damaged('cut-front-60.mp4', mp4, (b) => b.subarray(0, Math.floor(b.length * 0.6)));
    await expectVideoError(decodeVideo(cut), 'no_frames', /claims 20 frames but none of them decodes/);
  });

  it('garbage bytes inside the stream: corrupt', async () => {
    const bad = await damaged('garbage.mp4', busyMp4, (b) => {
      const c = Buffer.from(b);
      let seed = 7;
      for (let i = Math.floor(c.length / 2); i < Math.floor(c.length / 2) + 200; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        c[i] = seed >>> 24;
      }
      return c;
    });
    await expectVideoError(decodeVideo(bad), 'corrupt', /re-export/);
  });

  it('a clip over the voxel guard: too_large, naming the numbers and the option to lower', async () => {
    const err = await expectVideoError(decodeVideo(mp4, { maxVoxels: 64 * 48 * 8 }), 'too_large');
    expect(err.message).toContain('17 frames of 64x48 = 52,224 voxels, over the limit of 24,576');
    expect(err.message).toMatch(/--frames; at most 5 frames fit/);
    expect(err.message).toMatch(/--size/);
  });
});

describe('bad options', () => {
  const cases: [string, object, RegExp][] = [
    ['frames 0', { frames: 0 }, /frames must be an integer ≥ 1/],
    ['frames 2.5', { frames: 2.5 }, /frames must be an integer/],
    ['sampleRate 0', { sampleRate: 0 }, /sampleRate must be an integer ≥ 1/],
    ['start -1', { start: -1 }, /start must be an integer ≥ 0/],
    ['size 30', { size: 30 }, /size must be a positive multiple of 8/],
    ['size 0', { size: 0 }, /size must be a positive multiple of 8/],
    ['temporalMultiple 3', { temporalMultiple: 3 }, /temporalMultiple must be 4 or 8/],
    ['start past the end', { start: 20 }, /start 20 is past the end: .* has 20 frames, 20 after/],
    ['start past the end after sampling', { start: 7, sampleRate: 3 }, /7 after keeping every 3th frame/],
  ];
  for (const [name, opts, text] of cases) {
    it(name, async () => {
      await expectVideoError(decodeVideo(mp4, opts), 'bad_option', text);
    });
  }
});

describe('ffmpeg processes never outlive the call', () => {
  it('missing binary: ffmpeg_missing naming the env var', async () => {
    setFfmpegPaths({ ffprobe: join(dir, 'no-such-ffprobe') });
    await expectVideoError(probeVideo(mp4), 'ffmpeg_missing', /cannot run ".*no-such-ffprobe" \(ENOENT\).*WFVAE_FFPROBE/);
    setFfmpegPaths({ ffmpeg: join(dir, 'no-such-ffmpeg') });
    await expectVideoError(decodeVideo(mp4), 'ffmpeg_missing', /WFVAE_FFMPEG/);
  });

  it('a real decode over its time budget is killed: timeout, no child left', async () => {
    const t0 = Date.now();
    await expectVideoError(decodeVideo(mp4, { timeoutMs: 1 }), 'timeout', /took longer than 1 ms/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(toolChildren()).toEqual([]);
  });

  it('a binary that never answers is stopped by the budget, and waited for', async () => {
    // Stands in for ffmpeg stuck on a dead network share: a process that neither prints nor exits.
    const never = join(dir, 'never-answers');
    await writeFile(never, '#!/bin/sh\nexec sleep 60\n');
    await chmod(never, 0o755);
    setFfmpegPaths({ ffprobe: never });
    const t0 = Date.now();
    await expectVideoError(probeVideo(mp4, { timeoutMs: 300 }), 'timeout', /took longer than 300 ms/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(toolChildren()).toEqual([]);
  });

  it('abort mid-decode: cancelled, ffmpeg killed and reaped', async () => {
    const ac = new AbortController();
    let frames = 0;
    const p = decodeVideo(mp4, { signal: ac.signal, onProgress: (d) => { frames = d; if (d === 2) ac.abort(); } });
    await expectVideoError(p, 'cancelled', /decoding .* was cancelled/);
    expect(frames).toBeGreaterThanOrEqual(2);
    expect(toolChildren()).toEqual([]);
  });

  it('an already aborted signal starts nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    await expectVideoError(decodeVideo(mp4, { signal: ac.signal }), 'cancelled');
    expect(toolChildren()).toEqual([]);
  });

  it('leaving a chunk loop early stops ffmpeg, even while it is blocked on a full pipe', async () => {
    // 41 frames of 256x192 rgb24 = 6 MB: far more than the pipe and the 1 MB read queue hold.
    const big = await makeClip('big.mp4', 'testsrc2=s=256x192:r=25', 41, ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']);
    const t0 = Date.now();
    let n = 0;
    for await (const chunk of decodeVideoChunks(big, { chunkFrames: 2 })) {
      n += chunk.shape[1];
      if (n >= 4) break;
    }
    expect(n).toBe(4);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(toolChildren()).toEqual([]);
  });
});
