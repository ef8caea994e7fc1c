/**
 * The lock a process holds while it writes one blob into the shared cache, at
 * the path huggingface_hub uses (`.locks/models--org--name/{etag}.lock`).
 *
 * huggingface_hub holds an flock(2) on that file and leaves the empty file
 * behind. Node has no flock, so this lock is the file itself: created
 * exclusively, holding who took it, its mtime refreshed while held, removed
 * on release. An existing lock file counts as held when a process holds an
 * flock or POSIX lock on it (read from /proc/locks on Linux: huggingface_hub,
 * diffusers), or when it is one of ours that is fresh (refreshed within
 * STALE_MS) and whose process, if on this host, is alive. Anything else (the
 * empty file huggingface_hub leaves, a crashed process's) is stale and taken
 * over. Correctness does not rest on the lock alone: a blob enters the cache
 * only by an atomic rename after its size and hash were checked.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HUB_ERROR_CODES, HubError } from './hub-errors';

/** A lock of ours not refreshed for this long belongs to a process that is gone (or frozen). */
const STALE_MS = 30_000;
const HEARTBEAT_MS = 5_000;
const POLL_MS = 250;

interface Owner {
  tool: 'wfvae-inspector';
  pid: number;
  host: string;
  since: string;
}

export interface LockState {
  held: boolean;
  /** Who holds it, for messages ("pid 123 (python3) on this machine"). */
  holder: string;
}

/** Linux's major:minor of a dev_t, as /proc/locks prints it (hex). */
function devParts(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** The pids holding an flock or POSIX lock on this file (Linux; an empty list elsewhere). */
async function lockHolders(path: string): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  const [table, s] = await Promise.all([readFile('/proc/locks', 'utf8').catch(() => ''), stat(path, { bigint: true }).catch(() => null)]);
  if (!s || !table) return [];
  const key = `${devParts(s.dev)}:${s.ino}`;
  const pids: number[] = [];
  for (const line of table.split('\n')) {
    const f = line.trim().split(/\s+/);
    // "1: FLOCK  ADVISORY  WRITE 25763 fe:00:2148000 0 EOF" (blocked waiters are marked "->" and shift by one).
    const i = f[1] === '->' ? 2 : 1;
    if (f[i + 4] === key) pids.push(Number(f[i + 3]));
  }
  return pids;
}

async function processName(pid: number): Promise<string> {
  const cmd = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
  return cmd.trim() ? ` (${cmd.trim()})` : '';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether someone holds the lock at `path` now (false when there is no lock file). */
export async function inspectLock(path: string): Promise<LockState & { ino?: bigint }> {
  const s = await stat(path, { bigint: true }).catch(() => null);
  if (!s) return { held: false, holder: 'nobody' };
  const holders = await lockHolders(path);
  if (holders.length) return { held: true, holder: `pid ${holders[0]}${await processName(holders[0])} on this machine, with a file lock`, ino: s.ino };
  let owner: Owner | null = null;
  try {
    const o = JSON.parse(await readFile(path, 'utf8')) as Partial<Owner>;
    if (o.tool === 'wfvae-inspector' && typeof o.pid === 'number' && typeof o.host === 'string') owner = o as Owner;
  } catch {
    // An empty lock file is what huggingface_hub leaves behind; anything unreadable is no owner of ours.
  }
  if (!owner) return { held: false, holder: 'nobody (a leftover lock file)', ino: s.ino };
  const age = Date.now() - Number(s.mtimeMs);
  const here = owner.host === hostname();
  const held = age < STALE_MS && (!here || alive(owner.pid));
  return { held, holder: `pid ${owner.pid} on ${here ? 'this machine' : owner.host} (since ${owner.since})`, ino: s.ino };
}

export interface LockOptions {
  /** Give up after this many seconds of waiting for another holder. */
  timeoutS: number;
  signal?: AbortSignal;
  /** Called while waiting (about every POLL_MS), with who holds it. */
  onWait?: (holder: string, waitedS: number) => void;
  /** What is being written, for the timeout's message. */
  what: string;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(t);
      reject(signal!.reason as Error);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** Takes the lock (waiting up to timeoutS while another process holds it), runs `work`, releases it. */
export async function withCacheLock<T>(path: string, opts: LockOptions, work: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const started = Date.now();
  for (;;) {
    opts.signal?.throwIfAborted();
    const fh = await open(path, 'wx', 0o664).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return null;
      throw new HubError(HUB_ERROR_CODES.cacheWrite, `cannot create the lock file ${path}: ${err.message}. Check that the Hugging Face cache is writable (or set HF_HUB_CACHE to a folder that is).`, { cause: err });
    });
    if (fh) {
      const owner: Owner = { tool: 'wfvae-inspector', pid: process.pid, host: hostname(), since: new Date().toISOString() };
      const mine = await fh.stat({ bigint: true });
      await fh.writeFile(JSON.stringify(owner));
      await fh.close();
      const beat = setInterval(() => {
        const now = new Date();
        void utimes(path, now, now).catch(() => undefined);
      }, HEARTBEAT_MS);
      beat.unref();
      try {
        return await work();
      } finally {
        clearInterval(beat);
        // Only our own file: one taken over from us (we were frozen past STALE_MS) is someone else's now.
        const now = await stat(path, { bigint: true }).catch(() => null);
        if (now && now.ino === mine.ino && now.dev === mine.dev) await rm(path, { force: true });
      }
    }
    const state = await inspectLock(path);
    if (!state.held) {
      // Move the stale file aside, then try again; the inode check keeps us from moving a lock someone just took.
      const now = await stat(path, { bigint: true }).catch(() => null);
      if (now && now.ino === state.ino) {
        const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
        await rename(path, aside).then(() => rm(aside, { force: true }), () => undefined);
      }
      continue;
    }
    const waited = (Date.now() - started) / 1000;
    if (waited >= opts.timeoutS) {
      throw new HubError(
        HUB_ERROR_CODES.locked,
        `another process is writing ${opts.what} into the Hugging Face cache: ${state.holder} holds ${path}. Waited ${Math.round(waited)} s. ` +
          `Let it finish and run this again; if no such process is running any more, delete that lock file. WFVAE_HUB_LOCK_TIMEOUT sets how many seconds to wait (now ${opts.timeoutS}).`,
      );
    }
    opts.onWait?.(state.holder, waited);
    await sleep(POLL_MS, opts.signal);
  }
}
