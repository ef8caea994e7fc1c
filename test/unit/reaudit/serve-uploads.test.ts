// Serve mode's uploads (issue 18, cases 1, 3 and 9): an uploaded file lives as
// long as the page that opened it uses it (thumbnail strip, another selection)
// and goes when that page goes or when a closed terminal stops the server; a
// malformed escape in a download URL is a bad request, not a crash. The whole
// workflow in the browser, kill -HUP, and SIGKILL followed by a restart are
// test/e2e/uploads.spec.ts.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { startServeServer, type ServeServer } from '../../../src/serve/server';
import { decodeWire, encodeWire } from '../../../src/shared/wire-codec';
import { parseResponse, type ClipInfo } from '../../../src/shared/contract';
import { FIXTURE_FFMPEG as FFMPEG } from '../../helpers/fixture-ffmpeg';
import { REPO_ROOT, WFVAE_CLI } from '../parity/goldens';

const PTY_RUN = join(REPO_ROOT, 'test', 'helpers', 'pty-run.py');
const PAGE_HEADER = 'x-wfvae-page';
let dir: string;
let web: string;
let clipPath: string;
const savedTmp = process.env.TMPDIR;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-reaudit-uploads-'));
  // 130 frames, so a selection can start at frame 100.
  clipPath = join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=32x32:rate=25', '-frames:v', '130', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clipPath]);
  web = join(dir, 'web');
  mkdirSync(web);
  execFileSync('sh', ['-c', `printf '<!doctype html><title>t</title>' > '${join(web, 'index.html')}'`]);
});

afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(dir, { recursive: true, force: true });
});

/** Upload folders and the files in them under a temp folder. */
function uploads(tmp: string): string[] {
  if (!existsSync(tmp)) return [];
  return readdirSync(tmp)
    .filter((d) => d.startsWith('wfvae-upload-'))
    .flatMap((d) => [d, ...readdirSync(join(tmp, d)).map((f) => join(d, f))]);
}

function client(port: number, token: string, page?: string) {
  const headers = (extra: Record<string, string> = {}) => ({ 'x-wfvae-token': token, ...(page ? { [PAGE_HEADER]: page } : {}), ...extra });
  return {
    async call<T>(method: string, body: unknown): Promise<T> {
      const res = await fetch(`http://127.0.0.1:${port}/api/${method}`, { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: encodeWire(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method}: ${res.status} ${text}`);
      return decodeWire(text) as T;
    },
    async upload(name: string, bytes: Uint8Array, taskId = 'up'): Promise<ClipInfo> {
      const res = await fetch(`http://127.0.0.1:${port}/api/openVideo`, {
        method: 'POST',
        headers: headers({ 'content-type': 'application/octet-stream', 'x-wfvae-request': encodeURIComponent(JSON.stringify({ taskId, name, options: { frames: 9 } })) }),
        body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`upload: ${res.status} ${text}`);
      return parseResponse('openVideo', decodeWire(text));
    },
    /** The page's event stream, as its EventSource holds it; close() is the tab going away. */
    events(): Promise<{ close(): void }> {
      return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: `/api/events?token=${token}${page ? `&page=${page}` : ''}`, headers: { host: `127.0.0.1:${port}` } }, (res) => {
          res.resume();
          resolve({ close: () => req.destroy() });
        });
        req.on('error', reject);
        req.end();
      });
    },
  };
}

async function until(probe: () => boolean, what: string, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!probe()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('1: an upload lives as long as its page uses it', () => {
  let tmp: string;
  let session: WorkerSession;
  let server: ServeServer;
  beforeAll(async () => {
    tmp = join(dir, 'tmp-in-process');
    mkdirSync(tmp);
    process.env.TMPDIR = tmp;
    session = createSourceSession();
    server = await startServeServer({ session, staticDir: web, port: 0, pageGraceMs: 300 });
  });
  afterAll(async () => {
    await server?.close();
    await session?.dispose();
  });

  it('the thumbnail strip and a selection at start 100 read the uploaded file again; closing its last clip removes it', async () => {
    const c = client(server.port, server.token);
    const clip = await c.upload('my clip.mp4', readFileSync(clipPath));
    expect(clip).toMatchObject({ name: 'my clip.mp4', path: '', frames: 9 });
    expect(uploads(tmp)).toHaveLength(2);

    const strip = await c.call<{ frameIndices: number[] }>('getThumbnails', { taskId: 'thumbs', clipId: clip.clipId });
    expect(strip.frameIndices.length).toBeGreaterThan(4);
    expect(strip.frameIndices.at(-1)).toBeGreaterThan(100);
    const selected = await c.call<ClipInfo>('selectClip', { taskId: 'sel', clipId: clip.clipId, selection: { start: 100, frames: 17, sampleRate: 1, size: 'native', snap: 4 } });
    expect(selected.frameIndices[0]).toBe(100);
    expect(selected.frames).toBe(17);
    await c.call('closeClip', { clipId: clip.clipId });
    // The selection still holds the file (the whole video and exports read it too: test/e2e/uploads.spec.ts).
    expect(uploads(tmp)).toHaveLength(2);
    expect((await c.call<{ frameIndices: number[] }>('getThumbnails', { taskId: 'thumbs-2', clipId: selected.clipId })).frameIndices).toEqual(strip.frameIndices);

    await c.call('closeClip', { clipId: selected.clipId });
    await until(() => uploads(tmp).length <= 1, 'the uploaded file to go with its last clip');
  });

  it('goes when the page that opened it goes (its event stream closes and stays closed)', async () => {
    const page = client(server.port, server.token, 'page-aaaaaaaa');
    const stream = await page.events();
    const clip = await page.upload('a.mp4', readFileSync(clipPath), 'up-a');
    await page.call('getThumbnails', { taskId: 'thumbs-a', clipId: clip.clipId });
    expect(uploads(tmp).filter((p) => p.endsWith('a.mp4'))).toHaveLength(1);
    stream.close();
    await until(() => uploads(tmp).every((p) => !p.endsWith('a.mp4')), 'the page\'s upload to go');
    const { clips } = await page.call<{ clips: ClipInfo[] }>('listClips', {});
    expect(clips.map((x) => x.clipId)).not.toContain(clip.clipId);
  });

  it('stays while another page (a reload) shows it, and while the page reconnects', async () => {
    const first = client(server.port, server.token, 'page-bbbbbbbb');
    const s1 = await first.events();
    const clip = await first.upload('b.mp4', readFileSync(clipPath), 'up-b');
    // A reload: the new page lists the clips and shows the newest, then the old page's stream closes.
    const second = client(server.port, server.token, 'page-cccccccc');
    const s2 = await second.events();
    const { clips } = await second.call<{ clips: ClipInfo[] }>('listClips', {});
    expect(clips.map((x) => x.clipId)).toContain(clip.clipId);
    s1.close();
    await new Promise((r) => setTimeout(r, 900));
    expect(uploads(tmp).filter((p) => p.endsWith('b.mp4'))).toHaveLength(1);
    await second.call('getFrame', { clipId: clip.clipId, t: 0 });
    // The second page drops its stream and reconnects within the grace period: still there.
    s2.close();
    const s3 = await second.events();
    await new Promise((r) => setTimeout(r, 900));
    expect(uploads(tmp).filter((p) => p.endsWith('b.mp4'))).toHaveLength(1);
    s3.close();
    await until(() => uploads(tmp).every((p) => !p.endsWith('b.mp4')), 'the upload to go with the last page');
  });

  it('9: a malformed % escape in a download URL is a 400, not a 500', async () => {
    for (const path of ['/download/%E0%A4%A', '/download/%', '/download/a%zz', '/api/%E0%A4%A', '/%ff%fe']) {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}?token=${server.token}`);
      expect(res.status, path).toBeLessThan(500);
      if (path.startsWith('/download/')) {
        expect(res.status, path).toBe(400);
        expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not a valid percent-encoded/);
      } else await res.arrayBuffer();
    }
  });
});

describe('3: a closed terminal removes the uploads', () => {
  // kill -HUP and SIGKILL followed by a restart: test/e2e/uploads.spec.ts.
  it('a closed terminal (a real hangup of the pty serve runs on): exit 129, no upload left', async () => {
    const tmp = join(dir, 'tmp-hangup');
    mkdirSync(tmp);
    const child = spawn('python3', [PTY_RUN, process.execPath, WFVAE_CLI, 'serve', '--no-open', '--port', '0'], { env: { ...process.env, TMPDIR: tmp, WFVAE_WEB_ROOT: web }, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.test(out), 'the URL');
    const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)/.exec(out)!;
    await client(Number(m[1]), m[2]).upload('clip.mp4', readFileSync(clipPath));
    expect(uploads(tmp)).toHaveLength(2);
    child.stdin!.write('hangup\n');
    await until(() => /\n(exit|signal) \d+\n$/.test(out), 'wfvae serve to end', 60_000);
    expect(out.trim().split('\n').at(-1)).toBe('exit 129');
    expect(uploads(tmp)).toEqual([]);
  });
});
