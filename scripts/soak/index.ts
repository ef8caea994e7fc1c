// `npm run soak`: serve mode under load, as a table. Starts the real
// `wfvae serve` (demo model, a synthetic clip), then, each phase bounded in
// count and time and aimed at 127.0.0.1 only:
//   1. 20,000 idle unauthenticated sockets (held by child processes) while a
//      token holder keeps making fresh connections; then a steady flood of new
//      connections (850 a second, as the audit's) while the token holder keeps
//      calling, some of its requests arriving in two parts;
//   2. slow sockets: trickled headers, trickled bodies after a 403, a stalled upload;
//   3. uploads: several small ones at once, one of 500 MiB (streamed), one over the limit;
//   4. concurrent clients: cheap calls in a loop while heavy jobs queue, one
//      heavy job whose client disconnects;
// and checks that the server's memory comes back to its baseline.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const IDLE_SOCKETS = Number(process.env.SOAK_IDLE_SOCKETS ?? 20_000);
const HOLDERS = 4;
const BIG_UPLOAD = 500 * 2 ** 20;
const CLIENTS = 8;
const CHEAP_SECONDS = 20;
/** Memory counts as back when the final RSS is within this of the baseline. */
const RSS_TOLERANCE_MIB = 96;
const FLOOD_RATE = Number(process.env.SOAK_FLOOD_RATE ?? 850);
const FLOOD_SECONDS = 20;
/** Flooding processes, sharing the rate: one process cannot open 850 a second on a busy two-core machine. */
const FLOODERS = 3;

// Clips are made by the system ffmpeg (or WFVAE_TEST_FFMPEG); the app decodes them with its own video tool.
const FFMPEG = process.env.WFVAE_TEST_FFMPEG || 'ffmpeg';
const dir = mkdtempSync(join(tmpdir(), 'wfvae-soak-'));
const clipPath = join(dir, 'clip.mp4');
execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=128x128:rate=25', '-frames:v', '33', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clipPath]);
const clipBytes = readFileSync(clipPath);

type Row = { phase: string; measure: string; value: string; ok: boolean | '' };
const rows: Row[] = [];
const row = (phase: string, measure: string, value: string | number, ok: boolean | '' = '') => {
  rows.push({ phase, measure, value: String(value), ok });
  console.error(`  ${phase} | ${measure}: ${value}${ok === '' ? '' : ok ? '  ok' : '  FAILED'}`);
};

// ---- the server --------------------------------------------------------------
const serve: ChildProcess = spawn(process.execPath, ['bin/wfvae.mjs', 'serve', '--no-open', '--port', '0', clipPath], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, WFVAE_CACHE_DIR: join(dir, 'cache') },
});
serve.stderr!.on('data', () => undefined);
const url = await new Promise<URL>((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error('wfvae serve printed no URL within 60 s')), 60_000);
  serve.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
    if (m) {
      clearTimeout(timer);
      resolve(new URL(m[0]));
    }
  });
  serve.once('exit', (code) => reject(new Error(`wfvae serve exited with ${code}`)));
});
const port = Number(url.port);
const token = url.searchParams.get('token')!;
// bin/wfvae.mjs starts the CLI in a child process (with the tsx loader), and `wfvae serve` starts the
// serve host as the CLI's child: that grandchild is the server.
const childOf = (p: number) => Number(readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/)[0]);
const pid = childOf(childOf(serve.pid!));

function status(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
const fds = () => readdirSync(`/proc/${pid}/fd`).length;
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, status('VmRSS'))), 100);
const mib = (n: number) => `${n.toFixed(0)} MiB`;

/** One API call on a fresh connection (never a pooled, already trusted socket); resolves with status, body and milliseconds. */
function call(method: string, body: unknown, opts: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<{ status: number; text: string; ms: number }> {
  const payload = Buffer.from(JSON.stringify(body));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: `/api/${method}`, method: 'POST', agent: false, signal: opts.signal, headers: { 'x-wfvae-token': token, 'content-type': 'application/json', 'content-length': payload.length, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), ms: performance.now() - t0 }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** listClips on a fresh connection, its request sent in two parts 300 ms apart (the token in the second). */
function splitCall(): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    s.on('error', reject);
    s.once('connect', () => {
      s.write(`POST /api/listClips HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
      setTimeout(() => s.write(`x-wfvae-token: ${token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`), 300);
    });
    s.once('close', () => {
      const m = /^HTTP\/1\.1 (\d+)/.exec(text);
      if (m) resolve({ status: Number(m[1]), text, ms: performance.now() - t0 });
      else reject(new Error(text ? `unparsable answer ${JSON.stringify(text.slice(0, 40))}` : 'closed without an answer'));
    });
  });
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

interface Round {
  cheapLatencies: number[];
  cheapFailures: number;
  heavy: { status: number; ms: number }[];
  abandonedGone: boolean;
}

/** CLIENTS clients make cheap calls for `seconds` while three reconstructs queue for the one heavy slot and a fourth job's client walks away. */
async function clientsRound(clipId: string, seconds: number): Promise<Round> {
  const cheapLatencies: number[] = [];
  let cheapFailures = 0;
  const stopAt = Date.now() + seconds * 1000;
  const cheap = ['getFrame', 'getModel', 'listClips', 'getSubbands'] as const;
  const clients = Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = 0; Date.now() < stopAt; i++) {
      const m = cheap[(i + c) % cheap.length];
      const body = m === 'getFrame' ? { clipId, t: i % 33 } : m === 'getSubbands' ? { clipId, t: i % 33, levels: 2 } : {};
      const r = await call(m, body).catch(() => undefined);
      if (r?.status === 200) cheapLatencies.push(r.ms);
      else cheapFailures++;
    }
  });
  const tag = Math.random().toString(36).slice(2, 8);
  const heavy = ['a', 'b', 'c'].map((k) => call('reconstruct', { taskId: `soak-heavy-${tag}-${k}`, clipId }));
  const leaving = new AbortController();
  const abandoned = call('compareChunking', { taskId: `soak-abandoned-${tag}`, clipId, encChunk: 4, decChunk: 1 }, { signal: leaving.signal }).catch(() => 'aborted');
  await sleep(500);
  leaving.abort();
  await sleep(1000);
  const gone = JSON.parse((await call('cancel', { taskId: `soak-abandoned-${tag}` })).text) as { cancelled: boolean };
  const heavyResults = await Promise.all(heavy);
  await Promise.all(clients);
  await abandoned;
  return { cheapLatencies, cheapFailures, heavy: heavyResults, abandonedGone: !gone.cancelled };
}

function reportRound(phase: string, r: Round): void {
  const l = r.cheapLatencies;
  row(phase, `${CLIENTS} clients, cheap calls during 3 queued reconstructs`, `${l.length} answered, ${r.cheapFailures} failed; p50 ${percentile(l, 50).toFixed(0)} ms, p95 ${percentile(l, 95).toFixed(0)} ms, max ${Math.max(...l).toFixed(0)} ms`, r.cheapFailures === 0);
  row(phase, '3 reconstructs, one heavy slot', r.heavy.map((h) => `${h.status} in ${(h.ms / 1000).toFixed(1)} s`).join(', '), r.heavy.every((h) => h.status === 200));
  row(phase, 'queued compare whose client disconnected after 0.5 s: gone 1 s later', r.abandonedGone ? 'yes' : 'no, it was still there', r.abandonedGone);
}

try {
  // ---- warm-up and baseline ----------------------------------------------------
  const { clips } = JSON.parse((await call('listClips', {})).text) as { clips: { clipId: string }[] };
  const clipId = clips[0].clipId;
  const load = await call('loadModel', { taskId: 'soak-load' });
  if (load.status !== 200) throw new Error(`loading the demo model failed: ${load.text}`);
  const warm = await call('reconstruct', { taskId: 'soak-warm', clipId });
  row('baseline', 'warm-up reconstruct (demo model, 33x128x128)', `${(warm.ms / 1000).toFixed(1)} s`);
  // The baseline is the server after the workload of phase 4 has run once: allocators and the
  // runtime's arenas then hold what that workload needs, and any growth after is the storm's.
  reportRound('baseline', await clientsRound(clipId, 10));
  await sleep(3000);
  const baseline = status('VmRSS');
  row('baseline', 'server RSS (clip open, model loaded, warm)', mib(baseline));
  const baselineFds = fds();
  row('baseline', 'server open descriptors', baselineFds);

  // ---- 1. idle unauthenticated sockets -----------------------------------------
  const holders = Array.from({ length: HOLDERS }, () =>
    spawn(process.execPath, ['--import', 'tsx', 'scripts/soak/socket-holder.ts', String(port), String(IDLE_SOCKETS / HOLDERS)], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const readLine = (c: ChildProcess) => new Promise<Record<string, number>>((resolve) => c.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString().split('\n')[0]) as Record<string, number>)));
  const floodLatencies: number[] = [];
  let floodFailures = 0;
  let maxFds = 0;
  let flooding = true;
  const prober = (async () => {
    while (flooding) {
      maxFds = Math.max(maxFds, fds());
      const r = await call('listClips', {}).catch(() => undefined);
      if (r?.status === 200) floodLatencies.push(r.ms);
      else floodFailures++;
      await sleep(50);
    }
  })();
  const opened = await Promise.all(holders.map(readLine));
  flooding = false;
  await prober;
  const totalOpened = opened.reduce((a, o) => a + o.opened, 0);
  row('1 idle sockets', 'unauthenticated sockets opened (4 processes)', `${totalOpened} of ${IDLE_SOCKETS} (${opened.reduce((a, o) => a + o.failed, 0)} refused at connect)`, totalOpened + opened.reduce((a, o) => a + o.failed, 0) === IDLE_SOCKETS);
  row('1 idle sockets', 'token holder on fresh connections meanwhile', `${floodLatencies.length} answered, ${floodFailures} failed; p50 ${percentile(floodLatencies, 50)?.toFixed(0)} ms, max ${Math.max(...floodLatencies).toFixed(0)} ms`, floodFailures === 0 && floodLatencies.length > 0);
  // Sockets are bounded by the hard cap (twice the cap of 256), on top of the server's own descriptors.
  const fdBound = 2 * 256 + baselineFds + 16;
  row('1 idle sockets', 'server descriptors at most', `${maxFds} (bound: 512 sockets + the server's own ${baselineFds})`, maxFds <= fdBound);
  // Every one of them goes: evicted at once past the cap, or at the 10 s deadline.
  const closeStart = performance.now();
  let closedTotal = 0;
  while (performance.now() - closeStart < 15_000) {
    for (const h of holders) h.stdin!.write('?\n');
    closedTotal = (await Promise.all(holders.map(readLine))).reduce((a, c) => a + c.closedByServer, 0);
    if (closedTotal === totalOpened) break;
    await sleep(500);
  }
  // Sockets the kernel completed but dropped from a full accept queue never reach the server; their client side learns only when it writes.
  const heldAfter = fds();
  row('1 idle sockets', 'closed by the server (evicted, or at the 10 s deadline)', `${closedTotal} of ${totalOpened} seen closed by their clients within ${((performance.now() - closeStart) / 1000).toFixed(1)} s; the rest never reached the server (accept-queue overflow)`);
  row('1 idle sockets', 'server descriptors after the deadline', `${heldAfter} (baseline ${baselineFds})`, heldAfter <= baselineFds + 8);
  for (const h of holders) h.stdin!.end();
  const after = await call('getFrame', { clipId, t: 3 });
  row('1 idle sockets', 'reachable afterwards (getFrame)', `${after.status} in ${after.ms.toFixed(0)} ms`, after.status === 200);

  // ---- 1b. a steady flood of new connections -----------------------------------
  await sleep(11_000); // the idle phase's sockets are gone (10 s deadline)
  const flooders = Array.from({ length: FLOODERS }, () =>
    spawn(process.execPath, ['--import', 'tsx', 'scripts/soak/flooder.ts', String(port), String(FLOOD_RATE / FLOODERS), String(FLOOD_SECONDS)], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  const floodReport = Promise.all(
    flooders.map(
      (f) =>
        new Promise<Record<string, number>>((resolve) => {
          let out = '';
          f.stdout!.on('data', (d: Buffer) => (out += d.toString()));
          f.once('close', () => resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, number>));
        }),
    ),
  ).then((rs) => ({ opened: rs.reduce((a, r) => a + r.opened, 0), failed: rs.reduce((a, r) => a + r.failed, 0), closedByServer: rs.reduce((a, r) => a + r.closedByServer, 0) }));
  const answered: number[] = [];
  const failures: string[] = [];
  let floodMaxFds = 0;
  const floodEnd = Date.now() + (FLOOD_SECONDS - 1) * 1000;
  await sleep(1000);
  for (let i = 0; Date.now() < floodEnd; i++) {
    floodMaxFds = Math.max(floodMaxFds, fds());
    // Every third request arrives in two parts 300 ms apart, as over a slow link: unauthenticated until its token header comes.
    const r = await (i % 3 === 2 ? splitCall() : call('listClips', {})).catch((err: Error) => ({ status: 0, text: err.message, ms: 0 }));
    if (r.status === 200) answered.push(r.ms);
    else failures.push(r.status ? String(r.status) : r.text);
    await sleep(100);
  }
  const flood = await floodReport;
  const floodOk = failures.length === 0 && answered.length > 0;
  row('1b connection flood', `flood of ${FLOOD_RATE} new connections/s for ${FLOOD_SECONDS} s (${FLOODERS} processes, sockets held silent)`, `${flood.opened} connected (${(flood.opened / FLOOD_SECONDS).toFixed(0)}/s), ${flood.failed} refused at connect, ${flood.closedByServer} closed by the server`);
  row('1b connection flood', 'token holder on fresh connections meanwhile (every third request in two parts)', `${answered.length} answered, ${failures.length} failed${failures.length ? ` (${[...new Set(failures)].join(', ')})` : ''}; p50 ${percentile(answered, 50)?.toFixed(0)} ms, p95 ${percentile(answered, 95)?.toFixed(0)} ms, max ${Math.max(...answered).toFixed(0)} ms`, floodOk);
  row('1b connection flood', 'server descriptors at most', `${floodMaxFds} (bound: 512 sockets + the server's own ${baselineFds})`, floodMaxFds <= fdBound);

  // ---- 2. slow sockets ---------------------------------------------------------
  const slow = (head: string, trickle: string) =>
    new Promise<number | undefined>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      const t0 = performance.now();
      let i = 0;
      let timer: NodeJS.Timeout | undefined;
      s.on('error', () => undefined);
      s.once('connect', () => {
        s.write(head);
        timer = setInterval(() => i < trickle.length && !s.destroyed && s.write(trickle[i++]), 200);
      });
      s.once('close', () => {
        clearInterval(timer);
        resolve(performance.now() - t0);
      });
      setTimeout(() => {
        clearInterval(timer);
        s.destroy();
        resolve(undefined);
      }, 45_000);
    });
  const headerTricklers = Array.from({ length: 100 }, () => slow('GET / HTTP/1.1\r\n', 'Host: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(200)));
  const bodyTricklers = Array.from({ length: 100 }, () => slow(`POST /api/openVideo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`, 'x'.repeat(200)));
  const stalledUpload = slow(
    `POST /api/openVideo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-wfvae-token: ${token}\r\nContent-Type: application/octet-stream\r\nx-wfvae-request: ${encodeURIComponent(JSON.stringify({ taskId: 'soak-stall', name: 'stall.mp4' }))}\r\nContent-Length: 1000000\r\n\r\n`,
    'abc',
  );
  const headerTimes = await Promise.all(headerTricklers);
  const bodyTimes = await Promise.all(bodyTricklers);
  const stalled = await stalledUpload;
  const maxOf = (xs: (number | undefined)[]) => (xs.some((x) => x === undefined) ? undefined : Math.max(...(xs as number[])));
  const hMax = maxOf(headerTimes);
  const bMax = maxOf(bodyTimes);
  row('2 slow sockets', '100 trickling headers: all closed within', hMax === undefined ? 'not all closed in 45 s' : `${(hMax / 1000).toFixed(1)} s`, hMax !== undefined);
  row('2 slow sockets', '100 trickling a body after the 403: all closed within', bMax === undefined ? 'not all closed in 45 s' : `${(bMax / 1000).toFixed(1)} s`, bMax !== undefined);
  row('2 slow sockets', 'token holder\'s upload that stalls: closed after', stalled === undefined ? 'still open after 45 s' : `${(stalled / 1000).toFixed(1)} s (body idle limit 30 s)`, stalled !== undefined);

  // ---- 3. uploads --------------------------------------------------------------
  const upload = (name: string, size: number, declared = size) =>
    new Promise<{ status: number; text: string; ms: number }>((resolve, reject) => {
      const t0 = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/openVideo',
          method: 'POST',
          agent: false,
          headers: { 'x-wfvae-token': token, 'content-type': 'application/octet-stream', 'content-length': declared, 'x-wfvae-request': encodeURIComponent(JSON.stringify({ taskId: `soak-up-${name}`, name })) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), ms: performance.now() - t0 }));
        },
      );
      req.on('error', reject);
      // The clip first, then zeros: ffprobe reads the clip and ignores the tail; nothing here holds the whole body.
      let sent = 0;
      const zeros = Buffer.alloc(1 << 20);
      const pump = () => {
        while (sent < size) {
          const chunk = sent === 0 ? clipBytes.subarray(0, Math.min(size, clipBytes.length)) : zeros.subarray(0, Math.min(zeros.length, size - sent));
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
  const smallUploads = await Promise.all(Array.from({ length: 4 }, (_, i) => upload(`small-${i}.mp4`, clipBytes.length)));
  row('3 uploads', '4 concurrent uploads of a 33-frame clip', smallUploads.map((u) => u.status).join(', '), smallUploads.every((u) => u.status === 200));
  const rssBeforeBig = status('VmRSS');
  peakRss = rssBeforeBig;
  const big = await upload('big.mp4', BIG_UPLOAD);
  row('3 uploads', `one ${BIG_UPLOAD / 2 ** 20} MiB upload (clip + zeros)`, `${big.status} in ${(big.ms / 1000).toFixed(1)} s`, big.status === 200);
  row('3 uploads', 'server RSS growth while it streamed to disk', `${mib(peakRss - rssBeforeBig)} (was ${mib(rssBeforeBig)})`, peakRss - rssBeforeBig < 200);
  const over = await upload('over.mp4', 0, 600 * 2 ** 20);
  row('3 uploads', 'one declared at 600 MiB (over the 512 MiB limit)', `${over.status}: ${(JSON.parse(over.text) as { error: { message: string } }).error.message}`, over.status === 413);
  // This server's upload folder (wfvae-upload-<pid namespace>-<pid>-…): an upload stays while its clip is open.
  const uploadFiles = () => readdirSync(tmpdir()).filter((d) => d.startsWith('wfvae-upload-') && d.includes(`-${pid}-`)).flatMap((d) => readdirSync(join(tmpdir(), d)).map((f) => join(d, f)));
  row('3 uploads', 'upload temp files while their clips are open', uploadFiles().length, uploadFiles().length === 5);
  // Close the clips the uploads opened (the final memory then compares like with like): their files go with them.
  for (const c of (JSON.parse((await call('listClips', {})).text) as { clips: { clipId: string }[] }).clips) if (c.clipId !== clipId) await call('closeClip', { clipId: c.clipId });
  row('3 uploads', 'upload temp files once their clips closed', uploadFiles().length, uploadFiles().length === 0);

  // ---- 4. concurrent clients: cheap calls while heavy jobs queue ------------------
  const measured = await clientsRound(clipId, CHEAP_SECONDS);
  reportRound('4 clients', measured);

  // ---- memory ------------------------------------------------------------------
  await sleep(3000);
  const final = status('VmRSS');
  row('memory', 'server RSS peak over the run (VmHWM)', mib(status('VmHWM')));
  row('memory', 'server RSS at the end vs baseline', `${mib(final)} vs ${mib(baseline)} (${final - baseline >= 0 ? '+' : ''}${(final - baseline).toFixed(0)} MiB)`, final - baseline < RSS_TOLERANCE_MIB);
  row('memory', 'server open descriptors at the end', fds());
} finally {
  clearInterval(sampler);
  serve.kill('SIGINT');
  await new Promise((r) => serve.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

const width = (k: keyof Row) => Math.max(k.length, ...rows.map((r) => String(r[k]).length));
const cols: (keyof Row)[] = ['phase', 'measure', 'value', 'ok'];
const line = (r: Record<string, string>) => `| ${cols.map((c) => String(r[c]).padEnd(width(c))).join(' | ')} |`;
console.log(line({ phase: 'phase', measure: 'measure', value: 'value', ok: 'ok' }));
console.log(`|${cols.map((c) => '-'.repeat(width(c) + 2)).join('|')}|`);
for (const r of rows) console.log(line({ ...r, ok: r.ok === '' ? '' : r.ok ? 'yes' : 'NO' }));
const failed = rows.filter((r) => r.ok === false);
console.log(failed.length ? `\n${failed.length} check(s) failed` : '\nall checks passed');
process.exitCode = failed.length ? 1 : 0;
