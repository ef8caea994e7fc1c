// The worker-thread session: same numbers as the engine computed in-thread,
// progress events, cancel, and the default decode choices.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import { defaultDecodeOptions } from '../../../src/engine/session/default-frames';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { decodeVideo } from '../../../src/engine/video/decode';
import { subbandView } from '../../../src/engine/wavelet/index';
import type { ApiEvent } from '../../../src/shared/contract';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

const FFMPEG = FIXTURE_FFMPEG;
let dir: string;
let clip: string;
let session: WorkerSession;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-session-test-'));
  clip = join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25', '-frames:v', '30', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
  session = createSourceSession();
});

afterAll(async () => {
  await session?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('WorkerSession', () => {
  it('gives exactly the tiles and energy of subbandView computed in this thread, at every frame asked', async () => {
    const events: ApiEvent[] = [];
    const off = session.onEvent((e) => events.push(e));
    const info = await session.openVideo({ taskId: 'o1', source: { kind: 'path', path: clip } });
    off();
    expect(info).toMatchObject({ frames: 25, width: 64, height: 48, maxLevels: 3 });
    expect(events.filter((e) => e.type === 'progress').at(-1)).toEqual({ type: 'progress', taskId: 'o1', phase: 'decode', done: 25, total: 25 });

    const local = await decodeVideo(clip, { frames: 25 });
    for (const t of [0, 7, 24]) {
      const remote = await session.getSubbands({ clipId: info.clipId, t, levels: 3 });
      const expected = subbandView({ data: local.data, shape: local.shape }, 3, t);
      expect(remote.levels.map((l) => l.coefficientFrame)).toEqual(expected.levels.map((l) => l.coefficientFrame));
      for (let l = 0; l < 3; l++) {
        for (let b = 0; b < 8; b++) {
          const r = remote.levels[l].tiles[b];
          const e = expected.levels[l].tiles[b];
          expect([r.name, r.width, r.height, r.min, r.max]).toEqual([e.name, e.width, e.height, e.min, e.max]);
          expect(Buffer.from(r.data.buffer).equals(Buffer.from(e.data.buffer))).toBe(true);
        }
      }
      expect(remote.energy).toEqual(expected.energy);
    }
    const frame = await session.getFrame({ clipId: info.clipId, t: 3 });
    expect(frame.rgba.length).toBe(64 * 48 * 4);
  });

  it('cancels an open in flight: the call fails with CANCELLED and the session keeps working', async () => {
    const pending = session.openVideo({ taskId: 'c1', source: { kind: 'path', path: clip } });
    await session.cancel({ taskId: 'c1' });
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    const { clips } = await session.listClips({});
    expect(clips.length).toBe(1);
    await expect(session.getFrame({ clipId: 'clip-404', t: 0 })).rejects.toMatchObject({ code: 'UNKNOWN_CLIP' });
  });
});

describe('defaultDecodeOptions', () => {
  it('picks 1 + 8k frames up to 65, resizes large sources to a 256 short side, and respects what was asked', () => {
    expect(defaultDecodeOptions({ frames: 64, width: 128, height: 128, isImage: false }, {})).toEqual({ frames: 57, size: undefined, temporalMultiple: 8 });
    expect(defaultDecodeOptions({ frames: 1000, width: 640, height: 360, isImage: false }, {})).toEqual({ frames: 65, size: undefined, temporalMultiple: 8 });
    expect(defaultDecodeOptions({ frames: 1000, width: 1920, height: 1080, isImage: false }, {})).toEqual({ frames: 65, size: 256, temporalMultiple: 8 });
    expect(defaultDecodeOptions({ frames: 6, width: 64, height: 64, isImage: false }, {})).toEqual({ frames: 1, size: undefined, temporalMultiple: 8 });
    expect(defaultDecodeOptions({ frames: 1, width: 4000, height: 3000, isImage: true }, {})).toEqual({ frames: 1, size: 256, temporalMultiple: 8 });
    expect(defaultDecodeOptions({ frames: 1000, width: 1920, height: 1080, isImage: false }, { frames: 17, size: 512 })).toEqual({ frames: 17, size: 512, temporalMultiple: 8 });
    // A 4096x4096 source kept at full size (size asked explicitly) fits only 1 + 8k frames within the voxel limit.
    expect(defaultDecodeOptions({ frames: 100, width: 2048, height: 2048, isImage: false }, { size: 2048 }).frames).toBe(1);
  });
});
