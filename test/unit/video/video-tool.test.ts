// The video tool: node-av's FFmpeg libraries by default (av-tool.mjs in a
// child process), WFVAE_FFMPEG / WFVAE_FFPROBE still override it, MPEG-TS
// (which crashed the old bundled ffprobe) reads, and a tool that dies from a
// signal is reported as a crash with that signal, never as a bad file.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeVideo, probeVideo, videoTool } from '../../../src/engine/video/index';
import { parseFfmpegMajor } from '../../../src/engine/video/ffmpeg-paths';
import { childProcesses, dir, expectVideoError, makeClip } from './helpers';

const saved = { ffmpeg: process.env.WFVAE_FFMPEG, ffprobe: process.env.WFVAE_FFPROBE };
afterEach(() => {
  for (const [k, v] of [['WFVAE_FFMPEG', saved.ffmpeg], ['WFVAE_FFPROBE', saved.ffprobe]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** A stand-in binary that dies from `signal`, as a crashing ffmpeg would. */
function crashingTool(name: string, signal: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\nkill -${signal} $$\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('default video tool', () => {
  it('is av-tool.mjs on node-av, unless WFVAE_FFMPEG / WFVAE_FFPROBE name a binary', () => {
    delete process.env.WFVAE_FFMPEG;
    delete process.env.WFVAE_FFPROBE;
    for (const role of ['ffmpeg', 'ffprobe'] as const) {
      const t = videoTool(role);
      expect(t.kind).toBe('av-tool');
      // A Node script, started by the thread's process launcher (plain Node here; utilityProcess in Electron).
      expect(t.bin).toMatch(/src\/engine\/video\/av-tool\.mjs$/);
      expect(t.prefix).toEqual([]);
      expect(t.env?.NODE_OPTIONS).toBeUndefined();
      expect(t.label).toMatch(/^node-av \d+\.\d+\.\d+ \(FFmpeg libraries\)$/);
    }
    process.env.WFVAE_FFPROBE = '/opt/ffprobe';
    expect(videoTool('ffprobe')).toMatchObject({ kind: 'cli', bin: '/opt/ffprobe', prefix: [], envVar: 'WFVAE_FFPROBE' });
    expect(videoTool('ffmpeg').kind).toBe('av-tool');
  });

  it('reads FFmpeg major versions from -version output', () => {
    expect(parseFfmpegMajor('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026')).toBe(5);
    expect(parseFfmpegMajor('ffprobe version 7.1.1-1+b1 Copyright')).toBe(7);
    expect(parseFfmpegMajor('ffmpeg version n6.0 Copyright')).toBe(6);
    expect(parseFfmpegMajor('ffmpeg version N-47683-g0e8eb07980-static')).toBeNull();
  });

  it('probes and decodes MPEG-TS (mpeg2video), which crashed the old bundled ffprobe', async () => {
    const ts = await makeClip('clip.ts', 'testsrc2=size=64x48:rate=25', 10, ['-c:v', 'mpeg2video', '-f', 'mpegts']);
    expect(await probeVideo(ts)).toMatchObject({ width: 64, height: 48, codec: 'mpeg2video', fps: 25 });
    const clip = await decodeVideo(ts, { frames: 9 });
    expect(clip.shape).toEqual([3, 9, 48, 64]);
  });

  it('delivers every frame when many decodes run at once (the tool exited before stdout drained: 53 of 57 frames)', async () => {
    const mp4 = await makeClip('many.mp4', 'testsrc2=size=64x48:rate=24', 57, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    const counts = await Promise.all(Array.from({ length: 16 }, () => decodeVideo(mp4, {}).then((c) => c.shape[1])));
    expect(counts).toEqual(Array(16).fill(57));
  });
});

describe('a tool killed by a signal is a crash, not a bad file', () => {
  it('ffprobe dying from SIGSEGV: tool_crashed, naming the signal', async () => {
    const clip = await makeClip('crash-probe.mp4', 'testsrc2=size=32x32:rate=10', 3, ['-pix_fmt', 'yuv420p']);
    process.env.WFVAE_FFPROBE = crashingTool('segv-ffprobe', 'SEGV');
    const err = await expectVideoError(probeVideo(clip), 'tool_crashed');
    expect(err.message).toBe(
      `${process.env.WFVAE_FFPROBE} crashed with SIGSEGV (signal 11) while probing ${clip}; this is a fault of that program, not proof that the file is bad: try again, or set WFVAE_FFPROBE to another ffmpeg build (6 or newer)`,
    );
    expect(err.message).not.toMatch(/not a video/);
  });

  it('ffmpeg killed by SIGKILL while decoding: tool_crashed, likely out of memory', async () => {
    const clip = await makeClip('crash-decode.mp4', 'testsrc2=size=32x32:rate=10', 5, ['-pix_fmt', 'yuv420p']);
    process.env.WFVAE_FFMPEG = crashingTool('killed-ffmpeg', 'KILL');
    const err = await expectVideoError(decodeVideo(clip), 'tool_crashed');
    expect(err.message).toContain('killed by SIGKILL, most likely by the system running out of memory (signal 9) while decoding');
  });

  it('the default av-tool crashing mid-decode (SIGSEGV sent to it) is reported the same way', async () => {
    const clip = await makeClip('crash-av.mp4', 'testsrc2=size=320x240:rate=25', 200, ['-pix_fmt', 'yuv420p']);
    delete process.env.WFVAE_FFMPEG;
    delete process.env.WFVAE_FFPROBE;
    let killed = false;
    const run = decodeVideo(clip, {
      frames: 197,
      onProgress: (done) => {
        if (killed || done < 3) return;
        const tool = childProcesses().find((p) => p.name === 'node');
        if (tool) {
          process.kill(tool.pid, 'SIGSEGV');
          killed = true;
        }
      },
    });
    const err = await expectVideoError(run, 'tool_crashed');
    expect(killed).toBe(true);
    expect(err.message).toMatch(new RegExp(`^${videoTool('ffmpeg').bin} crashed with SIGSEGV \\(signal 11\\) while decoding ${clip}`));
  });
});
