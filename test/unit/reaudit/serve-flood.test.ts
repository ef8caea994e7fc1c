// Issue 18, case 12: authenticated requests keep being served under a flood of
// connections. Connections arrive in bursts: while the server is busy (here:
// stopped outright with SIGSTOP, the extreme of a GC pause or a loaded
// machine) the kernel queues them, then the server accepts the whole queue in
// one go. A token holder's fresh connection in such a burst must be read
// before anything is shed to make room; unauthenticated sockets go first,
// silent ones before talking ones.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedWithin, openSocket, trickle } from '../../helpers/raw-http';

let dir: string;
let child: ChildProcess;
let port: number;
let token: string;
const sockets: Socket[] = [];
let childOut = '';

/** The server's connection counts (serve-child prints them on SIGUSR2). */
async function stats(): Promise<{ open: number; unauthenticated: number; evicted: number; timedOut: number }> {
  const before = childOut.length;
  child.kill('SIGUSR2');
  for (let t0 = Date.now(); !childOut.slice(before).includes('\n'); ) {
    if (Date.now() - t0 > 5000) throw new Error('no stats from the server');
    await new Promise((r) => setTimeout(r, 20));
  }
  return JSON.parse(childOut.slice(before).split('\n')[0]) as { open: number; unauthenticated: number; evicted: number; timedOut: number };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-reaudit-flood-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>flood</title>');
  child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/serve-child.ts', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  ({ port, token } = await new Promise<{ port: number; token: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!childOut && out.includes('\n')) {
        childOut = out.slice(out.indexOf('\n') + 1) || ' ';
        resolve(JSON.parse(out.split('\n')[0]) as { port: number; token: string });
      } else if (childOut) childOut += d.toString();
    });
    child.once('exit', (code) => reject(new Error(`serve child exited with ${code} before listening`)));
  }));
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  if (child && child.exitCode === null) {
    child.kill('SIGCONT');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function idle(n: number): Promise<Socket[]> {
  const out: Socket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => openSocket(port)));
    for (const s of batch) out.push(s.on('error', () => undefined));
  }
  sockets.push(...out);
  return out;
}

describe('12: a burst of connections larger than the cap', () => {
  it('a token holder\'s fresh connection in the burst is answered; the silent sockets are shed', async () => {
    // The server at its cap of 256 unauthenticated sockets, all silent.
    const old = await idle(256);
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGSTOP');
    try {
      // While it is stopped, the kernel completes the handshakes and queues them: the token holder first, then a flood.
      const holder = trickle(port, `POST /api/listClips HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-wfvae-token: ${token}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, { waitMs: 20_000 });
      await new Promise((r) => setTimeout(r, 100));
      let connected = 0;
      const flood = Array.from({ length: 400 }, () =>
        openSocket(port).then(
          (s) => (connected++, sockets.push(s.on('error', () => undefined)), s),
          () => undefined,
        ),
      );
      // As many as the kernel queues for the stopped server (its listen backlog; the rest wait to be let in).
      for (let t0 = Date.now(); connected < 400 && Date.now() - t0 < 3000; ) await new Promise((r) => setTimeout(r, 50));
      expect(connected).toBeGreaterThan(200);
      child.kill('SIGCONT');
      const answer = await holder;
      console.log(`after the burst: ${JSON.stringify(await stats())}`);
      expect(answer.text).toMatch(/^HTTP\/1\.1 200/);
      expect(answer.text).toContain('{"clips":[]}');
      await Promise.all(flood);
      // The oldest silent sockets made the room.
      expect((await Promise.all(old.slice(0, 100).map((s) => closedWithin(s, 3000)))).every((t) => t !== undefined)).toBe(true);
    } finally {
      child.kill('SIGCONT');
    }
  });

  it('a token holder whose request is still arriving is kept while silent sockets flood past the cap, and answered', async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((r) => setTimeout(r, 300));
    // The token holder's request comes in two parts (a slow link, a large header): until the token arrives it is unauthenticated.
    const holder = await openSocket(port);
    let answer = '';
    holder.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    const closed = closedWithin(holder, 15_000);
    holder.write(`POST /api/listClips HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    await new Promise((r) => setTimeout(r, 300));
    // A flood of silent sockets past the cap of 256.
    const silent = await idle(300);
    await new Promise((r) => setTimeout(r, 600));
    holder.write(`x-wfvae-token: ${token}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    // Room was made from the silent ones.
    const closedSilent = await Promise.all(silent.map((s) => closedWithin(s, 2000)));
    expect(closedSilent.filter((t) => t !== undefined).length).toBeGreaterThanOrEqual(40);
    console.log(`silent closed ${closedSilent.filter((t) => t !== undefined).length}: ${JSON.stringify(await stats())}`);
  });
});

describe('12: the clips a session holds stay within the memory budget', () => {
  it('opening a clip that would take the open clips over the budget is refused, saying so; closing one makes room', async () => {
    const { execFileSync } = await import('node:child_process');
    const { FIXTURE_FFMPEG } = await import('../../helpers/fixture-ffmpeg');
    const { createSourceSession } = await import('../../../src/engine/session/source-worker');
    const { ApiError } = await import('../../../src/shared/contract');
    const clip = join(dir, 'clip.mp4');
    execFileSync(FIXTURE_FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=128x96:rate=25', '-frames:v', '33', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
    // Each clip: 33 x 96 x 128 x 3 float32 = 4.9 MB; a 12 MB budget holds two.
    const saved = process.env.WFVAE_MEMORY_BUDGET;
    process.env.WFVAE_MEMORY_BUDGET = '12M';
    const session = createSourceSession();
    try {
      const open = (taskId: string) => session.openVideo({ taskId, source: { kind: 'path', path: clip }, options: { frames: 33 } });
      const a = await open('a');
      await open('b');
      const refused = await open('c').then(
        () => null,
        (e: unknown) => e as InstanceType<typeof ApiError>,
      );
      expect(refused).toBeInstanceOf(ApiError);
      expect(refused!.code).toBe('OVER_BUDGET');
      expect(refused!.message).toMatch(/opening 33 frames of 128x96 takes 5 MB, and the 2 clips open already hold 9 MB: together over the memory budget of 12 MB \(WFVAE_MEMORY_BUDGET\)\. Close a clip/);
      expect((await session.listClips({})).clips).toHaveLength(2);
      await session.closeClip({ clipId: a.clipId });
      expect((await open('d')).frames).toBe(33);
    } finally {
      await session.dispose();
      if (saved === undefined) delete process.env.WFVAE_MEMORY_BUDGET;
      else process.env.WFVAE_MEMORY_BUDGET = saved;
    }
  });
});
