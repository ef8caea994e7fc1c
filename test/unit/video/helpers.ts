// Clip factory for the video tests: every clip is made by the system ffmpeg
// from lavfi sources whose pixel values are known (colour = f(frame, x, y)).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect } from 'vitest';
import { VideoError, type VideoErrorCode } from '../../../src/engine/video/index';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

const run = promisify(execFile);

export const dir = mkdtempSync(join(tmpdir(), 'wfvae-video-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Frame n of the "index" clip is the flat colour (12n, 255 - 12n, 37n mod 256). */
export function indexColour(n: number): [number, number, number] {
  return [12 * n, 255 - 12 * n, (37 * n) % 256];
}
export const INDEX_GEQ = "geq=r='12*N':g='255-12*N':b='mod(37*N,256)'";

/** Runs the fixture ffmpeg with a lavfi source (`graph`) into `name`, returns the path. */
export async function makeClip(name: string, graph: string, frames: number, outArgs: string[]): Promise<string> {
  const out = join(dir, name);
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', graph, '-frames:v', String(frames), ...outArgs, out]);
  return out;
}

/** Runs the fixture ffmpeg with arbitrary arguments. */
export async function ffmpeg(args: string[]): Promise<void> {
  await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', ...args]);
}

/** Decodes a file with ffmpeg itself to raw rgb24 bytes (first frame only when `oneFrame`). */
export async function ffmpegRgb(path: string, oneFrame = false): Promise<Buffer> {
  const { stdout } = await run(
    FIXTURE_FFMPEG,
    ['-v', 'error', '-i', path, ...(oneFrame ? ['-frames:v', '1'] : []), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/** Value of channel c at (t, y, x) of a (3, T, H, W) [-1, 1] clip, as a 0..255 level. */
export function level(data: Float32Array, shape: readonly number[], c: number, t: number, y: number, x: number): number {
  const [, T, H, W] = shape;
  return (data[((c * T + t) * H + y) * W + x] + 1) * 127.5;
}

/** Processes whose parent is this test process (zombies included): ffmpeg children we left behind. */
export function childProcesses(): { pid: number; name: string }[] {
  const out: { pid: number; name: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Format: pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'.
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === process.pid) out.push({ pid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

export function toolChildren(): string[] {
  return childProcesses()
    .map((p) => p.name)
    // av-tool.mjs runs as "node".
    .filter((n) => /ffmpeg|ffprobe|sleep|never|^node$/.test(n));
}

export async function expectVideoError(p: Promise<unknown>, code: VideoErrorCode, text?: RegExp): Promise<VideoError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected VideoError ${code}`).toBeInstanceOf(VideoError);
  const err = caught as VideoError;
  expect(err.code, err.message).toBe(code);
  if (text) expect(err.message).toMatch(text);
  return err;
}
