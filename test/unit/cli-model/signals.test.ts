// Signals and what they leave behind: SIGTERM and SIGHUP stop the CLI like
// Ctrl-C (partial files removed, exit 128 + signal); a SIGKILLed CLI (what
// the OOM killer does) is reported by bin/wfvae.mjs, not a silent exit 1; and
// temporaries of killed processes are swept by the next run, never those of a
// live one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertCheckpoint } from '../../../src/engine/onnx/convert';
import { encodeMp4 } from '../../../src/engine/video/index';
import { demoModelDir } from '../../../src/engine/runtime/model-path';
import { DEAD_OWNER_QUIET_MS, processIsAlive } from '../../../src/engine/fs/stale-partials';
import { makeClip } from '../video/helpers';

const DEMO_MODEL = demoModelDir({});

const work = mkdtempSync(join(tmpdir(), 'wfvae-signals-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, ['bin/wfvae.mjs', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout?.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) => child.on('close', (code, signal) => res({ code, signal, stderr })));
  return { child, done };
}

async function until<T>(probe: () => T | undefined | null | false, what: string, ms = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The pid of `pid`'s first child process, if it has one yet. */
function childOf(pid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length ? Number(kids[0]) : undefined;
  } catch {
    return undefined;
  }
}

function deadPid(): number {
  const pid = spawnSync('true').pid as number;
  expect(processIsAlive(pid)).toBe(false);
  return pid;
}

let clip: string;
beforeAll(async () => {
  clip = await makeClip('signals.mp4', 'testsrc2=size=128x96:rate=24', 65, ['-pix_fmt', 'yuv420p', '-c:v', 'libx264']);
});

describe('termination signals clean up like Ctrl-C', () => {
  it('SIGTERM during a streamed reconstruct: exit 143, no mp4 and no .partial.mp4 left', async () => {
    const outDir = join(work, 'rec');
    mkdirSync(outDir);
    const run = start(['reconstruct', clip, '--enc-chunk', '4', '--dec-chunk', '1', '--out', join(outDir, 'rec.mp4'), '--provider', 'cpu', '--threads', '1']);
    await until(() => readdirSync(outDir).some((n) => n.endsWith('.partial.mp4')), 'the partial mp4', 90_000);
    run.child.kill('SIGTERM');
    const r = await run.done;
    // Whichever step was running says it was cancelled, and by what.
    expect(r.stderr).toMatch(/\nwfvae: error: [^\n]*cancel[^\n]*SIGTERM[^\n]*\n$/);
    expect(r.code).toBe(143);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('SIGHUP during a conversion: exit 129, the .partial- folder is gone', async () => {
    const out = join(work, 'converted');
    const run = start(['convert', DEMO_MODEL, '--out', out, '--force']);
    await until(() => readdirSync(work).some((n) => n.startsWith('.converted.partial-')), 'the conversion folder');
    run.child.kill('SIGHUP');
    const r = await run.done;
    expect(r.code).toBe(129);
    expect(r.stderr).toContain('wfvae: error: conversion cancelled; nothing was written. (SIGHUP)');
    expect(readdirSync(work).filter((n) => n.includes('converted'))).toEqual([]);
  });

  it('a SIGKILLed CLI (an OOM kill) is reported with the signal and exit 137', async () => {
    // A command that runs in the CLI's child process (`info` runs inside bin/wfvae.mjs itself).
    const run = start(['subbands', clip, '--levels', '1', '--out', join(work, 'killed-subbands')]);
    const pid = await until(() => childOf(run.child.pid as number), 'the CLI child');
    process.kill(pid, 'SIGKILL');
    const r = await run.done;
    expect(r.code).toBe(137);
    expect(r.stderr).toContain('wfvae: the CLI process was killed by SIGKILL, most likely by the system running out of memory');
  });
});

describe('stale temporaries are swept, live ones kept', () => {
  it('conversion folders of dead processes go, a live process\'s and a just-abandoned one stay', async () => {
    const cache = join(work, 'sweep-cache');
    mkdirSync(cache, { recursive: true });
    const sha = 'a'.repeat(64);
    const old = Date.now() / 1000 - (DEAD_OWNER_QUIET_MS / 1000 + 60);
    const make = (name: string, mtime?: number) => {
      const d = join(cache, name);
      mkdirSync(d);
      writeFileSync(join(d, 'weights.bin'), Buffer.alloc(1024));
      if (mtime) {
        utimesSync(join(d, 'weights.bin'), mtime, mtime);
        utimesSync(d, mtime, mtime);
      }
    };
    const dead = deadPid();
    make(`.${sha}.partial-${dead}-0123abcd`, old); // dead and quiet: swept
    make(`${sha}.old-${dead}-89abcdef`, old); // a replaced entry a killed process moved aside: swept
    make(`.${sha}.partial-${dead}-fedcba98`); // dead but just written to (maybe another pid namespace): kept
    make(`.${sha}.partial-${process.ppid}-00112233`, old); // owner alive: kept
    make('.not-ours-12-00000000', old);
    await convertCheckpoint(DEMO_MODEL, { cacheDir: cache });
    const left = readdirSync(cache).filter((n) => n !== 'sources' && !/^[0-9a-f]{64}$/.test(n)).sort();
    expect(left).toEqual([`.${sha}.partial-${dead}-fedcba98`, `.${sha}.partial-${process.ppid}-00112233`, '.not-ours-12-00000000'].sort());
  });

  it('.partial.mp4 files of dead writers in the target\'s folder go on the next write; others stay', async () => {
    const dir = join(work, 'mp4-sweep');
    mkdirSync(dir);
    const old = Date.now() / 1000 - (DEAD_OWNER_QUIET_MS / 1000 + 60);
    const dead = deadPid();
    const names = {
      deadOld: `.rec.mp4.${dead}-0123abcd.partial.mp4`,
      deadFresh: `.rec.mp4.${dead}-0123abce.partial.mp4`,
      alive: `.rec.mp4.${process.ppid}-0123abcf.partial.mp4`,
      legacyDayOld: '.rec.mp4.0123abd0.partial.mp4',
      otherTarget: `.other.mp4.${dead}-0123abd1.partial.mp4`,
    };
    for (const n of Object.values(names)) writeFileSync(join(dir, n), 'x');
    for (const n of [names.deadOld, names.alive, names.otherTarget]) utimesSync(join(dir, n), old, old);
    utimesSync(join(dir, names.legacyDayOld), old - 86400, old - 86400);
    const video = { data: new Float32Array(3 * 1 * 16 * 16), shape: [3, 1, 16, 16] };
    await encodeMp4(video, join(dir, 'rec.mp4'));
    expect(readdirSync(dir).sort()).toEqual([names.deadFresh, names.alive, 'rec.mp4'].sort());
    expect(existsSync(join(dir, names.otherTarget))).toBe(false);
    expect(existsSync(join(dir, names.legacyDayOld))).toBe(false);
    expect(existsSync(join(dir, names.deadOld))).toBe(false);
  });
});
