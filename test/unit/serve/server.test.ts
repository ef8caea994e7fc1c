// Serve mode end to end at the HTTP level: token, binding, limits, and a real
// open + getSubbands round trip through the worker-thread session and ffmpeg.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { startServeServer, type ServeServer } from '../../../src/serve/server';
import { requireWebRoot } from '../../../src/serve/web-root';
import { decodeWire, encodeWire } from '../../../src/shared/wire-codec';
import { parseResponse, type ApiEvent } from '../../../src/shared/contract';
import { SUBBANDS_3D } from '../../../src/shared/subbands';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

const FFMPEG = FIXTURE_FFMPEG;

let dir: string;
let clipPath: string;
let session: WorkerSession;
let server: ServeServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-serve-test-'));
  clipPath = join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=128x96:rate=25', '-frames:v', '20', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clipPath]);
  const web = join(dir, 'web');
  execFileSync('mkdir', ['-p', web]);
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>');
  session = createSourceSession();
  server = await startServeServer({ session, staticDir: web, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await session?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function api(method: string, body: unknown, token: string | null = server.token): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { 'x-wfvae-token': token }) },
    body: encodeWire(body),
  });
}

function rawGet(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve server: access', () => {
  it('prints a 127.0.0.1 URL with a long random token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it('refuses requests without the token or with a wrong one (403)', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${server.port}/?token=wrong`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${server.port}/?token=${server.token}x`)).status).toBe(403);
    const res = await api('listClips', {}, null);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect((await api('listClips', {}, 'nope')).status).toBe(403);
  });

  it('accepts the token in the query, a header or the cookie set with the page', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(await page.text()).toContain('<title>t</title>');
    const pair = cookie.split(';')[0];
    expect(await rawGet('/index.html', { cookie: pair })).toBe(200);
    expect(await rawGet('/index.html', { authorization: `Bearer ${server.token}` })).toBe(200);
  });

  it('refuses a foreign Host header even with the token (DNS rebinding)', async () => {
    expect(await rawGet(`/?token=${server.token}`, { host: `evil.example:${server.port}` })).toBe(403);
  });

  it('never serves files outside the web root', async () => {
    expect(await rawGet(`/..%2f..%2fetc%2fpasswd?token=${server.token}`, {})).toBe(404);
  });

  it('tells the user to build the web UI when it is missing', () => {
    expect(() => requireWebRoot(join(dir, 'nowhere'))).toThrow(/web UI is not built .* run `npm run build:renderer` first/);
  });

  /** What a TCP connection to the server's port on `host` gets. */
  const tryConnect = (host: string) =>
    new Promise<string>((resolve) => {
      const s = connect({ host, port: server.port });
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });

  // Linux routes all of 127.0.0.0/8 to the loopback device: a server bound to 0.0.0.0 (or to the
  // whole loopback) answers on 127.0.0.2, one bound to 127.0.0.1 alone refuses it. Any Linux machine has it.
  it.skipIf(process.platform !== 'linux')('listens on 127.0.0.1 only: another loopback address (127.0.0.2) is refused (Linux only: other systems do not route it)', async () => {
    expect(await tryConnect('127.0.0.1')).toBe('connected');
    expect(await tryConnect('127.0.0.2')).toBe('ECONNREFUSED');
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  it.skipIf(!external)('listens on 127.0.0.1 only: this machine\'s non-loopback address is refused (skipped where it has no non-loopback IPv4 interface)', async () => {
    expect(await tryConnect(external!.address)).toBe('ECONNREFUSED');
  });
});

describe('serve server: API', () => {
  it('opens a real clip, reports progress over SSE, and returns 3 levels x 8 subbands', async () => {
    const events: ApiEvent[] = [];
    const controller = new AbortController();
    const sse = await fetch(`http://127.0.0.1:${server.port}/api/events?token=${server.token}`, { signal: controller.signal });
    expect(sse.headers.get('content-type')).toBe('text/event-stream');
    const reader = sse.body!.getReader();
    const reading = (async () => {
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buf += new TextDecoder().decode(value);
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (block.startsWith('data: ')) events.push(JSON.parse(block.slice(6)) as ApiEvent);
        }
      }
    })();

    const res = await api('openVideo', { taskId: 'open-1', source: { kind: 'path', path: clipPath } });
    expect(res.status).toBe(200);
    const clip = parseResponse('openVideo', decodeWire(await res.text()));
    // 20 frames snap down to 1 + 8k = 17; 17, 9, 5, 3 frames and 96, 48, 24, 12 rows allow 4 levels.
    expect(clip).toMatchObject({ name: 'clip.mp4', width: 128, height: 96, frames: 17, maxLevels: 4, codec: 'h264', isImage: false });
    expect(clip.frameIndices).toEqual(Array.from({ length: 17 }, (_, i) => i));

    const sub = parseResponse('getSubbands', decodeWire(await (await api('getSubbands', { clipId: clip.clipId, t: 5, levels: 3 })).text()));
    expect(sub.levels.map((l) => [l.level, l.coefficientFrame, l.tiles.length])).toEqual([[1, 3, 8], [2, 2, 8], [3, 1, 8]]);
    expect(sub.levels.map((l) => [l.tiles[0].width, l.tiles[0].height])).toEqual([[64, 48], [32, 24], [16, 12]]);
    for (const l of sub.levels) {
      expect(l.tiles.map((t) => t.name)).toEqual([...SUBBANDS_3D]);
      for (const t of l.tiles) {
        expect(t.data.length).toBe(t.width * t.height);
        let min = Infinity;
        let max = -Infinity;
        for (const v of t.data) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        expect(t.min).toBeCloseTo(min, 6);
        expect(t.max).toBeCloseTo(max, 6);
      }
    }
    for (const lv of sub.energy.levels) {
      const shares = lv.subbands.map((s) => s.share);
      expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      // Natural-looking video: the low band carries most of the energy.
      expect(lv.subbands[0].name).toBe('LLL');
      expect(lv.subbands[0].share).toBeGreaterThan(0.5);
    }

    const frame = parseResponse('getFrame', decodeWire(await (await api('getFrame', { clipId: clip.clipId, t: 16 })).text()));
    expect([frame.width, frame.height, frame.rgba.length]).toEqual([128, 96, 128 * 96 * 4]);
    expect(frame.rgba.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);

    controller.abort();
    await reading;
    const progress = events.filter((e) => e.type === 'progress' && e.taskId === 'open-1');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ phase: 'decode', done: 17, total: 17 });
  });

  it('opens uploaded bytes the same way as a path', async () => {
    const bytes = new Uint8Array(readFileSync(clipPath));
    const res = await api('openVideo', { taskId: 'up-1', source: { kind: 'bytes', name: 'my clip.mp4', bytes }, options: { frames: 9 } });
    expect(res.status).toBe(200);
    const clip = parseResponse('openVideo', decodeWire(await res.text()));
    expect(clip).toMatchObject({ name: 'my clip.mp4', path: '', frames: 9, width: 128, height: 96 });
  });

  it('answers a file that is not a video with 422 and a readable message', async () => {
    const bytes = new TextEncoder().encode('this is not a video at all\n'.repeat(20));
    const res = await api('openVideo', { taskId: 'bad-1', source: { kind: 'bytes', name: 'notes.mp4', bytes } });
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('corrupt');
    // Named by the uploaded file's name, not the server's temp copy.
    expect(error.message).toMatch(/^notes\.mp4 looks like a damaged or truncated video/);
    expect(error.message).not.toContain('wfvae-upload-');
  });

  it('validates requests (400), unknown clips (404) and unknown methods (404)', async () => {
    const bad = await api('getSubbands', { clipId: 'clip-1', t: 0, levels: 0 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/invalid getSubbands request: levels/);
    const unknown = await api('getFrame', { clipId: 'clip-999', t: 0 });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/no open clip "clip-999"/);
    expect((await api('rmRf', {})).status).toBe(404);
    const tooDeep = await api('getSubbands', { clipId: 'clip-1', t: 0, levels: 5 });
    expect(tooDeep.status).toBe(400);
    expect(((await tooDeep.json()) as { error: { message: string } }).error.message).toMatch(/allows at most 4/);
  });

  it('refuses bodies over the limit with 413', async () => {
    const small = await startServeServer({ session, staticDir: dir, port: 0, maxBodyBytes: 1000 });
    try {
      const res = await fetch(`http://127.0.0.1:${small.port}/api/openVideo`, {
        method: 'POST',
        headers: { 'x-wfvae-token': small.token },
        body: encodeWire({ taskId: 'big', source: { kind: 'bytes', name: 'a.mp4', bytes: new Uint8Array(5000) } }),
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TOO_LARGE');
    } finally {
      await small.close();
    }
  });
});
