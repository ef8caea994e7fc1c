// Serve stays reachable while thousands of unauthenticated sockets sit idle
// on it, and refuses a cross-origin POST. The server runs in its own process
// with 1,024 file descriptors, so 3,000 idle sockets would exhaust it if it
// kept them all (the soak script shows the same with 20,000 at the default limit).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSocket, trickle } from '../../helpers/raw-http';

const IDLE_SOCKETS = 3000;
const FD_LIMIT = 1024;

let dir: string;
let child: ChildProcess;
let port: number;
let token: string;
const idle: Socket[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-flood-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>flood</title>');
  child = spawn('bash', ['-c', `ulimit -n ${FD_LIMIT} && exec "$0" --import tsx test/helpers/serve-child.ts "$1"`, process.execPath, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  ({ port, token } = await new Promise<{ port: number; token: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]) as { port: number; token: string });
    });
    child.once('exit', (code) => reject(new Error(`serve child exited with ${code} before listening`)));
  }));
}, 60_000);

afterAll(async () => {
  for (const s of idle) s.destroy();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

function request(head: string): Promise<string> {
  return trickle(port, head, { waitMs: 10_000 }).then((r) => r.text);
}

describe(`serve under ${IDLE_SOCKETS} idle unauthenticated sockets (server limited to ${FD_LIMIT} descriptors)`, () => {
  it('still answers a token holder on a fresh connection', async () => {
    for (let i = 0; i < IDLE_SOCKETS; i += 250) {
      const batch = await Promise.all(Array.from({ length: Math.min(250, IDLE_SOCKETS - i) }, () => openSocket(port).catch(() => undefined)));
      for (const s of batch) if (s) idle.push(s.on('error', () => undefined));
    }
    expect(idle.length).toBe(IDLE_SOCKETS);
    const text = await request(`POST /api/listClips HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-wfvae-token: ${token}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toContain('{"clips":[]}');
    const page = await request(`GET /?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect(page).toMatch(/^HTTP\/1\.1 200/);
    expect(page).toContain('<title>flood</title>');
  });

  it('refuses a cross-origin POST even with the token', async () => {
    const text = await request(
      `POST /api/listClips HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:8080\r\nx-wfvae-token: ${token}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expect(text).toMatch(/^HTTP\/1\.1 403/);
    expect(text).toMatch(/cross-origin request refused/);
  });
});
