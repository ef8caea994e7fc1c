// Serve mode against a hostile local page or a careless client: cross-origin
// posts, cookies, DNS rebinding, symlinks out of the web root, sockets that
// never authenticate, trickled bodies, and uploads up to and over the limit.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { startServeServer, type ServeServer } from '../../../src/serve/server';
import { decodeWire, encodeWire } from '../../../src/shared/wire-codec';
import { parseResponse } from '../../../src/shared/contract';
import { closedWithin, openSocket, trickle } from '../../helpers/raw-http';

import { FIXTURE_FFMPEG as FFMPEG } from '../../helpers/fixture-ffmpeg';

let dir: string;
let web: string;
let uploadTmp: string;
let clipPath: string;
let session: WorkerSession;
let server: ServeServer;
const savedTmp = process.env.TMPDIR;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-hardening-'));
  clipPath = join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25', '-frames:v', '9', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clipPath]);
  web = join(dir, 'web');
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not for the web');
  symlinkSync(join(dir, 'secret.txt'), join(web, 'assets', 'leak.txt'));
  symlinkSync(join(web, 'assets', 'app.js'), join(web, 'alias.js'));
  // Uploads go to os.tmpdir(), which follows TMPDIR: a private one shows what is left behind.
  uploadTmp = join(dir, 'tmp');
  mkdirSync(uploadTmp);
  process.env.TMPDIR = uploadTmp;
  session = createSourceSession();
  server = await startServeServer({ session, staticDir: web, port: 0, maxUploadBytes: 64 * 1024, unauthenticatedDeadlineMs: 600, bodyIdleMs: 600, maxConnections: 40 });
});

afterAll(async () => {
  await server?.close();
  await session?.dispose();
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(dir, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${server.port}`;

function post(method: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base()}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: encodeWire(body) });
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

function upload(bytes: Uint8Array, request: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base()}/api/openVideo`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-wfvae-token': server.token, 'x-wfvae-request': encodeURIComponent(JSON.stringify(request)), ...headers },
    body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
  });
}

/** Files in the server's upload folders (the worker's tsx cache shares the temp folder). */
function leftovers(): string[] {
  return readdirSync(uploadTmp)
    .filter((d) => d.startsWith('wfvae-upload-'))
    .flatMap((d) => readdirSync(join(uploadTmp, d)));
}

describe('serve: cross-site requests', () => {
  it('refuses a cross-origin POST with the right token (403, says why)', async () => {
    const res = await post('listClips', {}, { 'x-wfvae-token': server.token, origin: 'http://127.0.0.1:1' });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toMatch(/^cross-origin request refused: .* not http:\/\/127\.0\.0\.1:1$/);
    const sameSite = await post('listClips', {}, { 'x-wfvae-token': server.token, 'sec-fetch-site': 'same-site' });
    expect(sameSite.status).toBe(403);
    expect((await errorOf(sameSite)).message).toMatch(/Sec-Fetch-Site: same-site/);
  });

  it('answers a same-origin POST', async () => {
    const res = await post('listClips', {}, { 'x-wfvae-token': server.token, origin: base(), 'sec-fetch-site': 'same-origin' });
    expect(res.status).toBe(200);
  });

  it('never authorises a POST by cookie or by the URL: only the token header', async () => {
    const page = await fetch(server.url);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
    // The cookie carries an asset key, not the token, so leaking it to other local services gives nothing.
    expect(cookie).toMatch(/^wfvae_assets_\d+=[\w-]{32}$/);
    expect(cookie).not.toContain(server.token);
    expect((await fetch(`${base()}/assets/app.js`, { headers: { cookie } })).status).toBe(200);
    const byCookie = await post('listClips', {}, { cookie });
    expect(byCookie.status).toBe(403);
    expect((await errorOf(byCookie)).message).toMatch(/x-wfvae-token header/);
    expect((await fetch(`${base()}/api/listClips?token=${server.token}`, { method: 'POST', body: '{}' })).status).toBe(403);
    // The event stream is not opened by cookie either.
    expect((await fetch(`${base()}/api/events`, { headers: { cookie } })).status).toBe(403);
  });

  it('refuses a DNS-rebinding Host on a POST with the token', async () => {
    const res = await trickle(server.port, `POST /api/listClips HTTP/1.1\r\nHost: attacker.example:${server.port}\r\nx-wfvae-token: ${server.token}\r\nContent-Length: 2\r\n\r\n{}`, { waitMs: 3000 });
    expect(res.text).toMatch(/^HTTP\/1\.1 403/);
    expect(res.text).toMatch(/Host \\"attacker\.example:\d+\\" is not this server/);
  });

  it('sends a strict CSP and the other protective headers on pages, assets and API answers', async () => {
    for (const res of [await fetch(server.url), await fetch(`${base()}/assets/app.js?token=${server.token}`), await post('listClips', {}, { 'x-wfvae-token': server.token }), await fetch(base())]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    }
  });

  it('does not follow a symlink out of the web root (one inside it is fine)', async () => {
    const leak = await fetch(`${base()}/assets/leak.txt?token=${server.token}`);
    expect(leak.status).toBe(404);
    expect(await leak.text()).not.toContain('not for the web');
    const alias = await fetch(`${base()}/alias.js?token=${server.token}`);
    expect(alias.status).toBe(200);
    expect(await alias.text()).toBe('console.log(1)');
  });
});

describe('serve: sockets that never authenticate', () => {
  it('closes an idle socket, and one trickling its headers, by the deadline', async () => {
    const idle = await openSocket(server.port);
    const idleClosed = closedWithin(idle, 5000);
    const slow = await trickle(server.port, 'GET / HTTP/1.1\r\n', { trickle: 'Host: 127.0.0.1\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', everyMs: 50, waitMs: 5000 });
    expect(await idleClosed).toBeDefined();
    expect(slow.closedAfterMs).toBeDefined();
    expect(slow.closedAfterMs!).toBeLessThan(5000);
  });

  it('answers 403 to a body-carrying request without the token and hangs up instead of reading a trickled body', async () => {
    const r = await trickle(server.port, `POST /api/openVideo HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`, {
      trickle: 'x'.repeat(200),
      everyMs: 20,
      waitMs: 4000,
    });
    expect(r.text).toMatch(/^HTTP\/1\.1 403/);
    expect(r.text.toLowerCase()).toContain('connection: close');
    expect(r.closedAfterMs).toBeDefined();
  });

  it('drops a token holder\'s body that stops arriving (408)', async () => {
    const r = await trickle(server.port, `POST /api/listClips HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nx-wfvae-token: ${server.token}\r\nContent-Length: 50\r\n\r\n{`, { waitMs: 4000 });
    expect(r.text).toMatch(/^HTTP\/1\.1 408/);
    expect(r.text).toMatch(/stopped arriving/);
    expect(r.closedAfterMs).toBeDefined();
  });

  it('over the connection cap sheds the oldest unauthenticated sockets (once past their admission grace), so a token holder still gets in', async () => {
    const before = server.connections().evicted;
    const idle = await Promise.all(Array.from({ length: 100 }, () => openSocket(server.port)));
    const closed = idle.map((s) => closedWithin(s, 3000));
    // A fresh connection (fetch would reuse a pooled, already trusted one), after all 100 in the accept queue.
    const res = await trickle(server.port, `POST /api/listClips HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nx-wfvae-token: ${server.token}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, { waitMs: 5000 });
    expect(res.text).toMatch(/^HTTP\/1\.1 200/);
    await expect.poll(() => server.connections().open, { timeout: 3000 }).toBeLessThanOrEqual(40);
    const stats = server.connections();
    expect(stats.evicted - before).toBeGreaterThanOrEqual(60);
    expect((await Promise.all(closed)).filter((t) => t !== undefined).length).toBeGreaterThanOrEqual(60);
    for (const s of idle) s.destroy();
  });
});

describe('serve: uploads', () => {
  it('streams an upload to a temp file, opens it under its own name, keeps it while its clip is open and leaves no file behind', async () => {
    const bytes = new Uint8Array(readFileSync(clipPath));
    expect(bytes.length).toBeLessThan(64 * 1024);
    const res = await upload(bytes, { taskId: 'up-raw', name: 'vidéo clip.mp4', options: { frames: 9 } });
    expect(res.status).toBe(200);
    const clip = parseResponse('openVideo', decodeWire(await res.text()));
    expect(clip).toMatchObject({ name: 'vidéo clip.mp4', path: '', frames: 9, width: 64, height: 48 });
    // The clip's source: another selection, the thumbnail strip and the whole video read it again.
    expect(leftovers()).toEqual([expect.stringMatching(/-vid_o_clip\.mp4$/)]);
    const closed = await post('closeClip', { clipId: clip.clipId }, { 'x-wfvae-token': server.token });
    expect(closed.status).toBe(200);
    expect(leftovers()).toEqual([]);
  });

  it('refuses an upload over the limit with 413 and says what to do, by its declared length or as it streams', async () => {
    const big = new Uint8Array(200 * 1024);
    const declared = await upload(big, { taskId: 'up-big', name: 'big.mp4' });
    expect(declared.status).toBe(413);
    const e = await errorOf(declared);
    expect(e.code).toBe('TOO_LARGE');
    expect(e.message).toMatch(/larger than the 64 KiB upload limit; run `wfvae serve <file>`/);
    // No Content-Length (chunked): refused once the bytes pass the limit. Sent from a raw socket that
    // then waits, so the answer is read whatever the server does with the rest (fetch can fail writing
    // a body the server stopped reading before it reads the answer).
    const request = encodeURIComponent(JSON.stringify({ taskId: 'up-big2', name: 'big.mp4' }));
    const chunk = `${(32 * 1024).toString(16)}\r\n${'x'.repeat(32 * 1024)}\r\n`;
    const streamed = await trickle(
      server.port,
      `POST /api/openVideo HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/octet-stream\r\nx-wfvae-token: ${server.token}\r\n` +
        `x-wfvae-request: ${request}\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.repeat(3)}`,
      { waitMs: 5000 },
    );
    expect(streamed.text).toMatch(/^HTTP\/1\.1 413 /);
    const body = JSON.parse(streamed.text.slice(streamed.text.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('TOO_LARGE');
    expect(body.error.message).toMatch(/larger than the 64 KiB upload limit/);
    expect(streamed.closedAfterMs, 'the server hangs up after answering').toBeDefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(leftovers()).toEqual([]);
  });

  it('refuses a JSON body over the JSON limit (uploads go as raw bytes)', async () => {
    const small = await startServeServer({ session, staticDir: web, port: 0, maxBodyBytes: 1000 });
    try {
      const res = await fetch(`http://127.0.0.1:${small.port}/api/openVideo`, {
        method: 'POST',
        headers: { 'x-wfvae-token': small.token },
        body: encodeWire({ taskId: 'big', source: { kind: 'bytes', name: 'a.mp4', bytes: new Uint8Array(5000) } }),
      });
      expect(res.status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('explains a malformed upload request', async () => {
    const res = await fetch(`${base()}/api/openVideo`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-wfvae-token': server.token, 'x-wfvae-request': '%7Bnot json' },
      body: new Uint8Array(10),
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/x-wfvae-request header is not URI-encoded JSON/);
  });
});
