// The largest clip the app lets one open (433 frames at 320x240, just under
// the decoder's voxel guard), on a machine with a small memory budget: the
// engine plans every run first, refuses the ones that would not fit with the
// estimate and what to do, runs Reconstruct with the Causal Cache, and keeps
// answering. (A full Reconstruct of it, with its measured peak against the estimate, is
// `npm run bench -- largest-clip`: minutes, too long for the suite.) No user action makes the engine process die.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { DEFAULT_MAX_VOXELS } from '../../../src/engine/video/plan';
import type { ClipInfo } from '../../../src/shared/contract';
import { SUBSET_GOLDENS } from '../parity/goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

const dir = mkdtempSync(join(tmpdir(), 'wfvae-largest-'));
const saved = { cache: process.env.WFVAE_CACHE_DIR, budget: process.env.WFVAE_MEMORY_BUDGET };
let session: WorkerSession;
let clip: ClipInfo;

beforeAll(async () => {
  const path = join(dir, 'long.mp4');
  execFileSync(FIXTURE_FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-frames:v', '433', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-y', path]);
  // The worker copies the environment when it starts: a private cache and a 3 GB machine.
  process.env.WFVAE_CACHE_DIR = join(dir, 'cache');
  process.env.WFVAE_MEMORY_BUDGET = '3000M';
  session = createSourceSession();
  clip = await session.openVideo({ taskId: 'open', source: { kind: 'path', path }, options: { frames: 433 } });
  await session.loadModel({ taskId: 'load', path: join(SUBSET_GOLDENS, 'wfvae2-tiny') });
}, 180_000);

afterAll(async () => {
  await session?.dispose();
  for (const [k, v] of [['WFVAE_CACHE_DIR', saved.cache], ['WFVAE_MEMORY_BUDGET', saved.budget]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the largest clip the app opens, on a 3 GB budget', () => {
  it('is the largest the voxel guard allows', () => {
    expect([clip.frames, clip.height, clip.width]).toEqual([433, 240, 320]);
    expect(clip.frames * clip.height * clip.width).toBeLessThanOrEqual(DEFAULT_MAX_VOXELS);
    expect((clip.frames + 8) * clip.height * clip.width).toBeGreaterThan(DEFAULT_MAX_VOXELS);
  });

  it('plans both runs before either starts: Reconstruct fits with the Causal Cache, the whole-clip comparison does not', async () => {
    const p = await session.planRuns({ clipId: clip.clipId });
    expect(p.reconstruct).toMatchObject({ mode: 'cached', fits: true, budgetBytes: 3000 * 2 ** 20 });
    expect(p.compare).toMatchObject({ mode: 'whole', fits: false });
    expect(p.compare.text).toMatch(/^Whole-clip inference of 433x240x320 \(TxHxW\) needs about [\d.]+ GB peak .* more than the budget of 2\.93 GB \(WFVAE_MEMORY_BUDGET\)\. The comparison needs the whole-clip run as its ground truth\. In the Clip selection panel, lower Frames \(at most \d+ frames fit at this size\) or pick a smaller Size, then press Decode selection\./);
    // The app's terms, not the CLI's flags.
    expect(p.compare.text).not.toMatch(/--[a-z]/);
  });

  it('refuses the comparison with that text, runs Reconstruct chunk by chunk (cancelled a few chunks in, to keep the suite short), and keeps answering', async () => {
    await expect(session.compareChunking({ taskId: 'cmp', clipId: clip.clipId, encChunk: 8, decChunk: 2 })).rejects.toMatchObject({ code: 'OVER_BUDGET', message: expect.stringMatching(/The comparison needs the whole-clip run as its ground truth\. In the Clip selection panel, lower Frames/) });
    let done = 0;
    const off = session.onEvent((e) => {
      if (e.type === 'progress' && e.taskId === 'rec' && e.phase === 'encode (Causal Cache)') {
        done = e.done;
        if (done >= 41) void session.cancel({ taskId: 'rec' });
      }
    });
    await expect(session.reconstruct({ taskId: 'rec', clipId: clip.clipId })).rejects.toMatchObject({ code: 'CANCELLED' });
    off();
    expect(done).toBeGreaterThanOrEqual(41);
    const f = await session.getFrame({ clipId: clip.clipId, t: 432 });
    expect(f.rgba.length).toBe(320 * 240 * 4);
    expect((await session.planRuns({ clipId: clip.clipId })).reconstruct.fits).toBe(true);
  }, 120_000);
});
