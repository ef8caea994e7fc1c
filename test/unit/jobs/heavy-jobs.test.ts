// Heavy jobs through the real worker-thread session and serve server, with the
// bundled demo model: they wait in line (place reported as progress), cheap
// calls answer while a model runs, a job whose HTTP client goes away is
// cancelled, and cancelling a task that does not exist says so.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { startServeServer, type ServeServer } from '../../../src/serve/server';
import { encodeWire } from '../../../src/shared/wire-codec';
import type { ApiEvent, ClipInfo, ProgressEvent } from '../../../src/shared/contract';

import { FIXTURE_FFMPEG as FFMPEG } from '../../helpers/fixture-ffmpeg';

let dir: string;
let session: WorkerSession;
let server: ServeServer;
let clip: ClipInfo;
const events: ProgressEvent[] = [];
const saved = process.env.WFVAE_CACHE_DIR;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-heavy-'));
  const clipPath = join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=128x128:rate=25', '-frames:v', '9', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clipPath]);
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  // The worker copies the environment when it starts: a private conversion cache.
  process.env.WFVAE_CACHE_DIR = join(dir, 'cache');
  session = createSourceSession();
  session.onEvent((e: ApiEvent) => {
    if (e.type === 'progress') events.push(e);
  });
  server = await startServeServer({ session, staticDir: dir, port: 0 });
  clip = await session.openVideo({ taskId: 'open', source: { kind: 'path', path: clipPath } });
  await session.loadModel({ taskId: 'load' });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await session?.dispose();
  if (saved === undefined) delete process.env.WFVAE_CACHE_DIR;
  else process.env.WFVAE_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

const of = (taskId: string) => events.filter((e) => e.taskId === taskId);

function waitFor(pred: () => boolean, what: string, ms = 60_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (pred() ? resolve() : Date.now() - start > ms ? reject(new Error(`timed out waiting for ${what}`)) : setTimeout(tick, 10));
    tick();
  });
}

function post(method: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}/api/${method}`, { method: 'POST', headers: { 'x-wfvae-token': server.token }, body: encodeWire(body), signal });
}

describe('heavy jobs', () => {
  it('cancel of an unknown task says there was nothing to cancel', async () => {
    expect(await session.cancel({ taskId: 'no-such-task' })).toEqual({ cancelled: false, message: 'no task "no-such-task" is running or queued (it may have finished already)' });
    const res = await post('cancel', { taskId: 'nope' });
    expect(await res.json()).toMatchObject({ cancelled: false, message: expect.stringMatching(/^no task "nope"/) });
  });

  it('run one at a time: the second waits in line with its place reported, and cheap calls answer meanwhile', async () => {
    const done: string[] = [];
    const first = session.reconstruct({ taskId: 'r1', clipId: clip.clipId }).then((r) => (done.push('r1'), r));
    const second = session.reconstruct({ taskId: 'r2', clipId: clip.clipId }).then((r) => (done.push('r2'), r));
    await waitFor(() => of('r1').some((e) => e.phase === 'encode (Causal Cache)'), 'r1 to start its model run');
    // While r1's model runs: frames, model info and the clip list answer (how fast is logged; timings decide nothing here).
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const frame = await session.getFrame({ clipId: clip.clipId, t: i });
      latencies.push(performance.now() - t0);
      expect(frame.rgba.length).toBe(128 * 128 * 4);
    }
    expect((await session.getModel({})).model?.className).toBe('WFVAEModel');
    expect(done).toEqual([]);
    console.log(`getFrame while a reconstruct runs: ${latencies.map((l) => l.toFixed(1)).join(', ')} ms`);

    expect(of('r2')[0]).toEqual({ type: 'progress', taskId: 'r2', phase: 'queued', done: 0, total: 0, queuePosition: 1 });
    const [a, b] = await Promise.all([first, second]);
    expect(done).toEqual(['r1', 'r2']);
    // Nothing of r2 ran before r1 ended: after its place in line, its first progress is leaving the queue.
    expect(of('r2').map((e) => e.phase).slice(0, 3)).toEqual(['queued', 'starting', 'encode (Causal Cache)']);
    expect(a.psnr.clip).toBe(b.psnr.clip);
  });

  it('cancels a queued job at once, and leaves the running one alone', async () => {
    const first = session.reconstruct({ taskId: 'q1', clipId: clip.clipId });
    const second = session.reconstruct({ taskId: 'q2', clipId: clip.clipId });
    await waitFor(() => of('q2').some((e) => e.queuePosition === 1), 'q2 to be queued');
    expect(await session.cancel({ taskId: 'q2' })).toEqual({ cancelled: true });
    await expect(second).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(of('q2').some((e) => e.phase === 'starting')).toBe(false);
    expect((await first).frames).toBe(9);
  });

  it('cancels a job whose HTTP client disconnects, running or queued', async () => {
    const running = new AbortController();
    const queued = new AbortController();
    const r = post('reconstruct', { taskId: 'h1', clipId: clip.clipId }, running.signal).catch((e: unknown) => e);
    await waitFor(() => of('h1').some((e) => e.phase === 'encode (Causal Cache)'), 'h1 to start');
    const q = post('reconstruct', { taskId: 'h2', clipId: clip.clipId }, queued.signal).catch((e: unknown) => e);
    await waitFor(() => of('h2').some((e) => e.queuePosition === 1), 'h2 to be queued');
    const third = session.reconstruct({ taskId: 'h3', clipId: clip.clipId });
    await waitFor(() => of('h3').some((e) => e.queuePosition === 2), 'h3 to be second in line');
    queued.abort();
    // h2 leaves the line, so h3 moves up.
    await waitFor(() => of('h3').some((e) => e.queuePosition === 1), 'h3 to move up');
    running.abort();
    await waitFor(() => of('h3').some((e) => e.phase === 'starting'), 'h3 to start');
    expect(await r).toMatchObject({ name: 'AbortError' });
    expect(await q).toMatchObject({ name: 'AbortError' });
    // h1 was stopped after its encoder run: it never reached SSIM.
    expect(of('h1').some((e) => e.phase === 'SSIM')).toBe(false);
    expect(of('h2').some((e) => e.phase === 'starting')).toBe(false);
    expect((await third).frames).toBe(9);
    expect(await session.cancel({ taskId: 'h1' })).toMatchObject({ cancelled: false });
  });

  it('lets more heavy jobs run at once when asked (serve --jobs N)', async () => {
    const wide = createSourceSession({ heavyJobs: 2 });
    const seen: ProgressEvent[] = [];
    wide.onEvent((e) => void (e.type === 'progress' && seen.push(e)));
    try {
      const path = join(dir, 'clip.mp4');
      const both = await Promise.all(['w1', 'w2'].map((taskId) => wide.openVideo({ taskId, source: { kind: 'path', path } })));
      expect(both.map((c) => c.frames)).toEqual([9, 9]);
      expect(seen.some((e) => e.queuePosition !== undefined)).toBe(false);
      // The same two opens on the default session: the second waits.
      await Promise.all(['n1', 'n2'].map((taskId) => session.openVideo({ taskId, source: { kind: 'path', path } })));
      expect(of('n2')[0]).toMatchObject({ phase: 'queued', queuePosition: 1 });
    } finally {
      await wide.dispose();
    }
  });
});
