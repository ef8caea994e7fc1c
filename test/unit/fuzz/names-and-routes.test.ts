// Seeded property-based fuzzing (fast-check, fixed seeds) of names and of
// serve's routes (issue 18). Names: tensor names, metadata keys and values,
// config keys and values with control characters and escape sequences,
// prototype keys (__proto__, constructor, ...), huge ones and invalid UTF-8.
// The property: the name reads back exactly as written (or a clear error says
// what is wrong), nothing leaks onto Object.prototype, and no message carries
// a character a terminal would act on. Routes: random paths (bad % escapes,
// dot segments, huge ones), queries and headers against a real server. The
// property: an answer below 500 within the time limit, and the server keeps
// answering the token holder.
//
// Cases: 300 safetensors files + 200 round trips + 300 configs + 250 requests = 1050.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, parseModelConfig, SafetensorsFile, writeSafetensors } from '../../../src/engine/checkpoint';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { startServeServer, type ServeServer } from '../../../src/serve/server';

const SEED = 20261218;
const work = mkdtempSync(join(tmpdir(), 'wfvae-fuzz-names-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Anything a terminal acts on (newline and tab aside, which messages may hold). */
// eslint-disable-next-line no-control-regex -- the characters are the point
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function expectSafeMessage(e: unknown): void {
  expect(e, String(e)).toBeInstanceOf(CheckpointError);
  const m = (e as Error).message;
  expect(m, JSON.stringify(m.slice(0, 300))).not.toMatch(TERMINAL_CONTROL);
  expect(m.length).toBeLessThanOrEqual(4000);
  expect(m).not.toMatch(/Maximum call stack|is not a function|Cannot read prop|\[object Object\]/);
}

function expectNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  for (const k of ['polluted', 'dtype', 'shape', 'data_offsets', 'latent_dim', 'format', 'x']) expect(probe[k], k).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '__lookupSetter__', 'isPrototypeOf'];
const CONTROL = ['\u001b]0;PWNED\u0007', '\u001b[2J\u001b[H', '\u009b31m', '\r', '\n', '\u0000', '\u007f', '\u202e', '\u2066', '\u2028', '\b\b\b', '\t'];

/** A name a file might hold: control sequences, prototype keys, plain text, huge, every mix. */
const hostileName = fc.oneof(
  fc.constantFrom(...PROTOTYPE_KEYS),
  fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...CONTROL), fc.string({ maxLength: 8 })).map(([a, c, b]) => a + c + b),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.constantFrom('n'.repeat(1_000_000), 'é'.repeat(70_000), '\u{1F600}'.repeat(1000), '\ufeffbom', 'a.b.c', ''),
);

/** Bytes that are not UTF-8: lone continuation, overlong, encoded surrogates, 0xFF, a truncated sequence. */
const INVALID_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff, 0xfe], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]];

function assemble(headerBytes: Buffer, data: Buffer): Buffer {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  return Buffer.concat([prefix, headerBytes, data]);
}

describe('fuzz: names', () => {
  it('300 safetensors files with hostile tensor names, metadata keys and values, invalid UTF-8: each name reads back, or a clear, terminal-safe error', async () => {
    const path = join(work, 'names.safetensors');
    let opened = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileName, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(hostileName, hostileName), { maxLength: 2 }),
        fc.option(fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: INVALID_UTF8.length - 1 })), { nil: undefined }),
        async (names, meta, invalid) => {
          const unique = [...new Set(names)];
          // Built by hand, not with an object, so "__proto__" and friends land in the JSON as they would from any writer.
          const parts = unique.map((n, i) => `${JSON.stringify(n)}:{"dtype":"F32","shape":[1],"data_offsets":[${4 * i},${4 * i + 4}]}`);
          const metaText = meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
          let header = Buffer.from(`{"__metadata__":{${metaText}},${parts.join(',')}}`, 'utf8');
          if (invalid) {
            // Raw invalid bytes inside the name of the tensor picked (after its opening quote).
            const target = JSON.stringify(unique[invalid[0] % unique.length]);
            const at = header.indexOf(Buffer.from(target, 'utf8')) + 1;
            header = Buffer.concat([header.subarray(0, at), Buffer.from(INVALID_UTF8[invalid[1]]), header.subarray(at)]);
          }
          writeFileSync(path, assemble(header, Buffer.alloc(4 * unique.length, 0x3c)));
          let file: SafetensorsFile | undefined;
          try {
            file = await SafetensorsFile.open(path);
            for (const name of file.entries.keys()) expect((await file.readF32(name)).length).toBe(1);
            if (!invalid) {
              // Every name exactly as written, prototype keys included.
              expect([...file.entries.keys()].sort()).toEqual([...unique].sort());
              // A key given twice keeps its last value, as JSON.parse reads it.
              for (const [k] of meta) expect(Object.hasOwn(file.metadata, k) ? file.metadata[k] : undefined, JSON.stringify(k)).toBe(meta.filter(([kk]) => kk === k).at(-1)![1]);
            }
            opened++;
          } catch (e) {
            expectSafeMessage(e);
          } finally {
            await file?.close();
          }
          expectNoPollution();
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
    expect(opened).toBeGreaterThan(0);
  });

  it('200 round trips: writeSafetensors with hostile names writes them so they read back the same, or refuses them clearly', async () => {
    const path = join(work, 'roundtrip.safetensors');
    let written = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(hostileName, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(hostileName, hostileName), { maxLength: 2 }), async (names, meta) => {
        const metadata = Object.fromEntries(meta.filter(([k]) => k !== '__proto__'));
        try {
          await writeSafetensors(path, names.map((name, i) => ({ name, data: new Float32Array([i]), shape: [1] })), metadata);
        } catch (e) {
          expectSafeMessage(e);
          // Only a name no safetensors file can hold is refused: empty, the metadata's, or not valid text.
          expect(names.some((n) => n === '' || n === '__metadata__' || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(n)), String(e)).toBe(true);
          return;
        }
        written++;
        const file = await SafetensorsFile.open(path);
        try {
          expect([...file.entries.keys()].sort()).toEqual([...names].sort());
          for (const [i, name] of names.entries()) expect((await file.readF32(name))[0]).toBe(i);
        } finally {
          await file.close();
        }
        expectNoPollution();
      }),
      { seed: SEED + 1, numRuns: 200 },
    );
    expect(written).toBeGreaterThan(100);
  });

  it('300 configs with hostile keys and values: a clear, terminal-safe error (prototype keys included), never a silent pass', () => {
    const base = { _class_name: 'WFVAE2Model', base_channels: [16, 32, 64], latent_dim: 8, layer_type: ['hw', 'thw'], layer_res_type: ['ResnetBlock2D', 'ResnetBlock3D'] };
    fc.assert(
      fc.property(hostileName, fc.oneof(hostileName, fc.integer(), fc.constant(null)), fc.constantFrom('key', 'value-of-norm_type', 'value-of-class'), (name, value, where) => {
        let text: string;
        if (where === 'key') text = JSON.stringify(base).replace(/^\{/, `{${JSON.stringify(name)}:${JSON.stringify(value)},`);
        else if (where === 'value-of-norm_type') text = JSON.stringify({ ...base, norm_type: name });
        else text = JSON.stringify({ ...base, _class_name: name });
        const json = JSON.parse(text) as Record<string, unknown>;
        let passed = false;
        try {
          parseModelConfig(json, 'fuzz/config.json');
          passed = true;
        } catch (e) {
          expectSafeMessage(e);
        }
        // Only a metadata key ("_" and a name, as diffusers writes) may pass, and only when it is not a dunder name.
        if (passed) expect(where === 'key' && name.startsWith('_') && !name.startsWith('__')).toBe(true);
        expectNoPollution();
      }),
      { seed: SEED + 2, numRuns: 300 },
    );
  });
});

describe('fuzz: serve routes', () => {
  let session: WorkerSession;
  let server: ServeServer;
  beforeAll(async () => {
    const web = join(work, 'web');
    rmSync(web, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
    session = createSourceSession();
    server = await startServeServer({ session, staticDir: web, port: 0, unauthenticatedDeadlineMs: 2000, bodyIdleMs: 1000, headersTimeoutMs: 2000 });
  });
  afterAll(async () => {
    await server?.close();
    await session?.dispose();
  });

  /** One raw request; resolves with the status line's code (0: the server hung up without an answer). */
  function raw(request: string, timeoutMs = 8000): Promise<number> {
    return new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port: server.port });
      let text = '';
      const done = () => {
        if (!/^HTTP/.test(text)) console.log(`no answer to ${JSON.stringify(request.slice(0, 200))} (connections: ${JSON.stringify(server.connections())})`);
        resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0));
      };
      s.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (/\r\n\r\n/.test(text)) {
          s.destroy();
          done();
        }
      });
      s.on('error', () => undefined);
      s.on('close', done);
      s.setTimeout(timeoutMs, () => s.destroy());
      s.write(request);
    });
  }

  const segment = fc.oneof(
    fc.constantFrom('api', 'download', 'assets', 'app.js', 'index.html', '..', '.', '', '%2e%2e', '%2F', '%', '%zz', '%E0%A4%A', '%ff%fe', '%00', '%0d%0a', '%C0%AF', '%u002e'),
    fc.constantFrom('listClips', 'openVideo', 'getFrame', 'events', 'cancel', 'exportInfo', '__proto__', 'constructor', 'toString'),
    fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map(encodeURIComponent),
    fc.constant('x'.repeat(9000)),
  );
  const header = fc.oneof(
    { arbitrary: fc.constantFrom('x-wfvae-page', 'x-wfvae-request', 'content-type', 'cookie', 'range', 'if-none-match', 'accept'), weight: 4 },
    { arbitrary: fc.constantFrom('origin', 'sec-fetch-site', 'authorization', 'x-wfvae-token', 'transfer-encoding', 'content-length', 'expect'), weight: 1 },
  );
  const headerValue = fc.oneof(
    fc.constantFrom('', '%', '%E0%A4%A', '{}', encodeURIComponent('{"taskId":"t","name":"a.mp4"}'), encodeURIComponent('{"__proto__":{"x":1}}'), 'application/octet-stream', 'application/json', 'http://127.0.0.1:1', 'cross-site', 'none', 'chunked', '-1', '99999999999999999999', '100-continue', 'bytes=0-1', 'Bearer x', 'a'.repeat(7000)),
    fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')),
  );
  const apiMethod = fc.oneof(fc.constantFrom('listClips', 'getModel', 'getFrame', 'openVideo', 'cancel', 'closeClip', 'exportInfo', 'selectClip', '__proto__', 'constructor'), fc.string({ maxLength: 10 }).map(encodeURIComponent));
  // Mostly what passes the access checks (right Host, the token, POST to /api/...), so the fuzz reaches the handlers behind them.
  const requestCase = fc.record({
    method: fc.oneof({ arbitrary: fc.constant('POST'), weight: 3 }, { arbitrary: fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE'), weight: 2 }),
    path: fc.oneof({ arbitrary: apiMethod.map((m) => ['api', m]), weight: 2 }, { arbitrary: fc.tuple(fc.constant('download'), segment), weight: 1 }, { arbitrary: fc.array(segment, { minLength: 0, maxLength: 4 }), weight: 2 }),
    query: fc.array(fc.tuple(fc.constantFrom('token', 'page', 'x', '__proto__', 'token[]'), fc.oneof(fc.constantFrom('TOKEN', 'wrong', '', '%', '%zz'), fc.string({ unit: 'grapheme-ascii', maxLength: 10 }).map(encodeURIComponent))), { maxLength: 3 }),
    headers: fc.array(fc.tuple(header, headerValue), { maxLength: 3 }),
    tokenHeader: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
    host: fc.oneof({ arbitrary: fc.constant('ok'), weight: 6 }, { arbitrary: fc.constantFrom('localhost', 'evil.example', '', '127.0.0.1:1'), weight: 1 }),
    body: fc.constantFrom('', '{}', 'not json', '{"taskId":"fuzz","clipId":"__proto__"}', '{"__proto__":{"polluted":1}}', '{"clipId":"clip-1","t":-1}', '{"exportId":"../../etc/passwd"}', '{"taskId":"' + 'x'.repeat(300) + '"}'),
  });

  it('250 requests with random paths, queries and headers: answered below 500, and the token holder is still served', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestCase, async (c) => {
        const path = `/${c.path.join('/')}`;
        const query = c.query.length ? `?${c.query.map(([k, v]) => `${k}=${v === 'TOKEN' ? server.token : v}`).join('&')}` : '';
        const host = c.host === 'ok' ? `127.0.0.1:${server.port}` : c.host === 'localhost' ? `localhost:${server.port}` : c.host;
        const lines = [`${c.method} ${path}${query} HTTP/1.1`, `Host: ${host}`];
        if (c.tokenHeader) lines.push(`x-wfvae-token: ${server.token}`);
        for (const [k, v] of c.headers) if (k !== 'content-length' && k !== 'transfer-encoding') lines.push(`${k}: ${v}`);
        lines.push(`Content-Length: ${Buffer.byteLength(c.body)}`, 'Connection: close');
        const status = await raw(`${lines.join('\r\n')}\r\n\r\n${c.body}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(status, `${c.method} ${path}${query}`).toBeLessThan(500);
        expectNoPollution();
      }),
      { seed: SEED + 3, numRuns: 250 },
    );
    console.log(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    // The property is not vacuous: most requests got past the access checks to the handlers behind them.
    expect(250 - (statuses.get(403) ?? 0)).toBeGreaterThan(125);
    const after = await raw(`POST /api/listClips HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nx-wfvae-token: ${server.token}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, 30_000);
    expect(after).toBe(200);
  });
});
