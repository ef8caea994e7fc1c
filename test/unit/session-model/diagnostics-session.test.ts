// The diagnostics' session methods through the real worker thread, with the
// in-repo golden model and an ffmpeg clip: every answer passes the contract's
// schemas, the frequency view equals the engine's own computation on the same
// reconstruction, latent statistics equal the latent's, and model vs model
// with BF16 weights gives A/B frames and a diff.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { ApiError, parseResponse, type ClipInfo } from '../../../src/shared/contract';
import { SUBSET_GOLDENS } from '../parity/goldens';

import { FIXTURE_FFMPEG as FFMPEG } from '../../helpers/fixture-ffmpeg';
const MODEL = join(SUBSET_GOLDENS, 'wfvae2-tiny');

let dir: string;
let session: WorkerSession;
let clip: ClipInfo;
const saved = process.env.WFVAE_CACHE_DIR;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-diag-session-'));
  const path = join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=25', '-frames:v', '17', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', path]);
  process.env.WFVAE_CACHE_DIR = join(dir, 'cache');
  session = createSourceSession();
  clip = await session.openVideo({ taskId: 'open', source: { kind: 'path', path } });
  await session.loadModel({ taskId: 'load', path: MODEL });
}, 60_000);

afterAll(async () => {
  await session?.dispose();
  if (saved === undefined) delete process.env.WFVAE_CACHE_DIR;
  else process.env.WFVAE_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('diagnostics in the session', () => {
  it('needs a reconstruction first, and says so', async () => {
    const err = await session.getFrequency({ clipId: clip.clipId }).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('NO_RESULT');
    const ab = await session.getAbFrame({ clipId: clip.clipId, t: 0, kind: 'a' }).catch((e: unknown) => e);
    expect((ab as ApiError).message).toMatch(/run Compare first/);
  });

  it('frequency view and latent statistics of the reconstruction', async () => {
    await session.reconstruct({ taskId: 'rec', clipId: clip.clipId });
    const f = parseResponse('getFrequency', await session.getFrequency({ clipId: clip.clipId }));
    expect(f.levels).toBe(3);
    expect(f.subbands!.levels.map((l) => l.frames)).toEqual([9, 5, 3]);
    expect(f.subbands!.levels[0].bands.map((b) => b.name)).toEqual(['LLL', 'LLH', 'LHL', 'LHH', 'HLL', 'HLH', 'HHL', 'HHH']);
    for (const l of f.subbands!.levels) for (const b of l.bands) expect(b.perFrame.error).toHaveLength(l.frames);
    expect(f.wl!.levels.map((l) => l.level)).toEqual(['block 0', 'block 1']);
    expect(f.grid.phaseMean).toHaveLength(64);
    // The second call is the cached answer.
    expect(await session.getFrequency({ clipId: clip.clipId })).toEqual(f);

    const s = parseResponse('getLatentStats', await session.getLatentStats({ clipId: clip.clipId }));
    const latent = await session.getLatent({ clipId: clip.clipId });
    const [L, t, h, w] = latent.shape;
    expect(s.channels).toBe(L);
    expect(s.count).toBe(t * h * w);
    const n = t * h * w;
    const mean0 = latent.data.subarray(0, n).reduce((a, b) => a + b, 0) / n;
    expect(s.mean[0]).toBeCloseTo(mean0, 5);
    expect(JSON.parse(s.configFragment)).toEqual({ shift: s.suggested.shift.map((v) => Number(v.toPrecision(6))), scale: s.suggested.scale.map((v) => Number(v.toPrecision(6))) });
  });

  it('model vs model: A with BF16 weights, per-frame curves, A/B frames and the diff; fp16 execution refused', async () => {
    const c = parseResponse('compareModels', await session.compareModels({ taskId: 'ab', clipId: clip.clipId, b: { kind: 'weights', dtype: 'bf16' } }));
    expect(c.b.label).toBe('A with BF16 weights');
    expect(c.perFrame.psnrA).toHaveLength(17);
    expect(c.latent!.maxAbs).toBeGreaterThan(0);
    const a = parseResponse('getAbFrame', await session.getAbFrame({ clipId: clip.clipId, t: 4, kind: 'a' }));
    const b = parseResponse('getAbFrame', await session.getAbFrame({ clipId: clip.clipId, t: 4, kind: 'b' }));
    const d = parseResponse('getAbFrame', await session.getAbFrame({ clipId: clip.clipId, t: 4, kind: 'diff' }));
    expect([a.width, a.height, a.rgba.length]).toEqual([64, 64, 64 * 64 * 4]);
    expect(b.rgba).not.toEqual(a.rgba);
    expect(d.diff!.maxAbs).toBeCloseTo(c.perFrame.maxAbsAB[4], 6);
    const fp16 = await session.compareModels({ taskId: 'ab2', clipId: clip.clipId, b: { kind: 'execution', precision: 'fp16' } }).catch((e: unknown) => e);
    // The session's model runs on the CPU here: fp16 is refused with the reason.
    expect((fp16 as ApiError).message).toMatch(/fp16 execution runs on GPU providers only.*Model A runs on cpu here/);
  });
});
