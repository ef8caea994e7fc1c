// Writes that fail on a really full disk (a small tmpfs) or at a real file-size
// limit (prlimit): never reported as success, never leaving a partial or
// unplayable file. ffmpeg exits 0 after "Error writing trailer ... No space
// left on device", so the exit status alone is not enough.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMp4, probeVideo, VideoError } from '../../../src/engine/video/index';
import { hasPrlimit, mountSmallDisk, type SmallDisk } from '../../helpers/small-disk';
import { dir, makeClip } from './helpers';

const disk = mountSmallDisk(1024 * 1024);
const noMount = typeof disk === 'string' ? disk : null;
if (noMount) console.warn(`full-disk tests on tmpfs are skipped: ${noMount}; the prlimit variants still run where prlimit exists`);
const small = disk as SmallDisk;
afterAll(() => {
  if (!noMount) small.unmount();
});

/** Noise compresses badly, so the mp4 is large enough (~140 kB) to be cut at many points. */
function noise(T: number, H: number, W: number): { data: Float32Array; shape: [3, number, number, number] } {
  const data = new Float32Array(3 * T * H * W);
  let s = 1;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    data[i] = (s / 0x7fffffff) * 2 - 1;
  }
  return { data, shape: [3, T, H, W] };
}

function wfvae(args: string[], prefix: string[] = []) {
  const cmd = [...prefix, process.execPath, 'bin/wfvae.mjs', ...args];
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe.skipIf(noMount)('mp4 on a full disk (tmpfs)', () => {
  it('every free-space size either gives a playable mp4 of all frames or a "disk is full" error, never a partial file', async () => {
    const video = noise(120, 32, 32);
    const ref = join(dir, 'full-ref.mp4');
    await encodeMp4(video, ref, { fps: 10, crf: 10 });
    const size = statSync(ref).size;
    const out = join(small.dir, 'rec.mp4');
    let failures = 0;
    let successes = 0;
    // From well short of the finished size (frames fit, the trailer or faststart's rewrite does not) to enough.
    for (let free = size - 40 * 1024; free <= size + 8 * 1024; free += 8 * 1024) {
      small.leaveFree(free);
      let err: unknown;
      await encodeMp4(video, out, { fps: 10, crf: 10 }).catch((e: unknown) => (err = e));
      if (err) {
        failures++;
        expect(err, String(err)).toBeInstanceOf(VideoError);
        expect((err as VideoError).message).toMatch(new RegExp(`^cannot write ${out}: the disk holding ${small.dir} is full \\(ffmpeg: .*No space left on device.*\\); free some space or write the video elsewhere$`));
        expect((err as VideoError).message).not.toContain('.partial.mp4');
        expect(small.entries()).toEqual([]);
      } else {
        successes++;
        expect(small.entries()).toEqual(['rec.mp4']);
        expect(await probeVideo(out)).toMatchObject({ frames: 120, width: 32, height: 32, codec: 'h264' });
      }
    }
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(successes).toBeGreaterThanOrEqual(1);
  });
});

describe('subbands writes all files or none', () => {
  let clip: string;
  let sizes: Record<string, number>;
  const args = (out: string) => ['subbands', clip, '--levels', '3', '--frames', '30', '--out', out];

  beforeAll(async () => {
    clip = await makeClip('subbands-full.mp4', 'testsrc2=size=128x96:rate=25', 30, ['-pix_fmt', 'yuv420p', '-c:v', 'libx264']);
    const ok = join(dir, 'subbands-ok');
    expect(wfvae(args(ok)).code).toBe(0);
    sizes = Object.fromEntries(readdirSync(ok).map((n) => [n, statSync(join(ok, n)).size]));
    expect(Object.keys(sizes).sort()).toEqual(['energy.json', 'level-1.png', 'level-2.png', 'level-3.png']);
  });

  it.skipIf(noMount)('a disk with room for level-1.png only: error, and nothing in the output folder', () => {
    small.leaveFree(sizes['level-1.png'] + 4096);
    const out = join(small.dir, 'out');
    const r = wfvae(args(out));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`wfvae: error: cannot write ${out}/level-\\d\\.png \\(ENOSPC\\): the disk holding ${out} is full; free some space or pick another --out; nothing was written to ${out}\\n$`));
    expect(readdirSync(out)).toEqual([]);
  });

  it.skipIf(!hasPrlimit)('a file-size limit that energy.json (the last, largest file) crosses: error, nothing written', () => {
    const limit = Math.max(sizes['level-1.png'], sizes['level-2.png'], sizes['level-3.png']) + 1;
    expect(sizes['energy.json']).toBeGreaterThan(limit);
    const out = mkdtempSync(join(tmpdir(), 'wfvae-fsize-'));
    try {
      const r = wfvae(args(out), ['prlimit', `--fsize=${limit}`, '--']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`wfvae: error: cannot write ${out}/energy.json (EFBIG): the file reached this process's file-size limit (ulimit -f); nothing was written to ${out}`);
      expect(readdirSync(out)).toEqual([]);
      expect(existsSync(join(out, 'level-1.png'))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
