// `wfvae info` end to end: the real CLI in a child process.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { dir, makeClip } from './helpers';

const run = promisify(execFile);
const bin = join(process.cwd(), 'bin', 'wfvae.mjs');

async function wfvae(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let clip: string;
beforeAll(async () => {
  clip = await makeClip('info clip.mp4', 'testsrc2=s=64x48:r=10', 12, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
});

describe('wfvae info', () => {
  it('--json prints the probed facts on stdout', async () => {
    const r = await wfvae('info', clip, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ path: clip, width: 64, height: 48, frames: 12, fps: 10, codec: 'h264', durationSec: 1.2, isImage: false, claimedFrames: null });
  });

  it('prints a table without --json', async () => {
    const r = await wfvae('info', clip);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^size\s+64x48 \(width x height\)$/m);
    expect(r.stdout).toMatch(/^frames\s+12$/m);
    expect(r.stdout).toMatch(/^fps\s+10$/m);
    expect(r.stdout).toMatch(/^codec\s+h264$/m);
    expect(r.stdout).toMatch(/^duration\s+1\.200 s$/m);
  });

  it('a missing file exits non-zero with the message on stderr', async () => {
    const missing = join(dir, 'missing.mp4');
    const r = await wfvae('info', missing, '--json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`wfvae: error: no such file: ${missing}; check the path`);
  });

  it('a usage mistake exits 2', async () => {
    const r = await wfvae('info');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/info takes one video path/);
  });
});
