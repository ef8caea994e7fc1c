// The re-audit's cases about signals and what they leave (issue 18): stale
// safetensors temporaries of killed writers are swept (4); eval on a full disk
// names the file and leaves no partial, and a killed run's partials are swept
// (5); eval exits 128 + the signal, as every command does (6); a SIGTERM during
// the final safetensors write never ends in exit 0 (10).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../src/engine/checkpoint/index';
import { convertCheckpoint } from '../../../src/engine/onnx/convert';
import { DEAD_OWNER_QUIET_MS, processIsAlive } from '../../../src/engine/fs/stale-partials';
import { SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { mountSmallDisk, type SmallDisk } from '../../helpers/small-disk';

const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-reaudit-signals-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const MODEL = join(SUBSET_GOLDENS, 'wfvae2-tiny');
const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };
const HAS_STRACE = spawnSync('strace', ['-V']).status === 0;
if (!HAS_STRACE) console.warn('case 10 (SIGTERM during the final safetensors write) is skipped: it slows the write and rename syscalls with strace, which is not installed (apt-get install strace)');

interface Run {
  pid: number;
  done: Promise<{ code: number | null; stderr: string }>;
}

/** `wfvae ARGS`, optionally under strace injecting delays (`prefix`); the pid is the launcher's, which forwards signals. */
function start(args: string[], opts: { prefix?: string[]; env?: NodeJS.ProcessEnv } = {}): Run {
  const cmd = [...(opts.prefix ?? []), process.execPath, WFVAE_CLI, ...args];
  const child = spawn(cmd[0], cmd.slice(1), { env: opts.env ?? env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<{ code: number | null; stderr: string }>((res) => child.on('close', (code) => res({ code, stderr })));
  return { pid: child.pid!, done };
}

/** The launcher's pid: under strace, the node process strace started. */
function launcherOf(run: Run, traced: boolean): number {
  if (!traced) return run.pid;
  const kids = readFileSync(`/proc/${run.pid}/task/${run.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return Number(kids[0]);
}

async function until<T>(probe: () => T | undefined | null | false, what: string, ms = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function deadPid(): number {
  const pid = spawnSync('true').pid as number;
  expect(processIsAlive(pid)).toBe(false);
  return pid;
}

const old = () => Date.now() / 1000 - (DEAD_OWNER_QUIET_MS / 1000 + 60);

let clipDir: string;
/** A list file naming one clip. */
let oneClip: string;
beforeAll(async () => {
  clipDir = join(work, 'clips');
  mkdirSync(clipDir);
  for (const [i, src] of ['testsrc2', 'mandelbrot', 'testsrc'].entries()) {
    await exec(FIXTURE_FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', `${src}=size=64x64:rate=25`, '-frames:v', '65', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', join(clipDir, `clip-${i}.mp4`)]);
  }
  oneClip = join(work, 'one-clip.txt');
  writeFileSync(oneClip, `${join(clipDir, 'clip-0.mp4')}\n`);
});

describe('4: safetensors temporaries of killed writers', () => {
  it('are swept by the next write into the folder; a live writer\'s and a fresh one stay', async () => {
    const dir = join(work, 'st-sweep');
    mkdirSync(dir);
    const dead = deadPid();
    const names = {
      deadOld: `enc.safetensors.partial-${dead}-1700000000000`,
      deadOther: `other.safetensors.partial-${dead}-1700000000001`,
      deadFresh: `enc.safetensors.partial-${dead}-1700000000002`,
      alive: `enc.safetensors.partial-${process.ppid}-1700000000003`,
      notOurs: `notes.txt.partial-${dead}-1700000000004`,
    };
    for (const n of Object.values(names)) writeFileSync(join(dir, n), Buffer.alloc(4096));
    for (const n of [names.deadOld, names.deadOther, names.alive, names.notOurs]) utimesSync(join(dir, n), old(), old());
    await writeSafetensors(join(dir, 'enc.safetensors'), [{ name: 'mean', data: new Float32Array(4), shape: [4] }]);
    expect(readdirSync(dir).sort()).toEqual([names.deadFresh, names.alive, names.notOurs, 'enc.safetensors'].sort());
  });
});

describe('6: eval stops with 128 + the signal', () => {
  // SIGTERM (Slurm, Kubernetes); SIGHUP takes the same path (signalExitCode), as the other commands' tests show.
  for (const [sig, code] of [['SIGTERM', 143]] as const) {
    it(`${sig} during the evaluation: exit ${code}, the journal kept for a resume`, async () => {
      const out = join(work, `eval-${sig}`);
      const run = start(['eval', clipDir, '--out', out, '--model', MODEL, '--preset', 'per-video', '--no-frequency'], { env: { ...env, WFVAE_PROGRESS: '1' } });
      // The first clip is evaluating: the progress bar names it.
      let stderr = '';
      void run.done.then((r) => (stderr = r.stderr));
      await until(() => existsSync(join(out, 'journal.jsonl')) && statSync(join(out, 'journal.jsonl')).size > 0, 'the journal');
      await new Promise((r) => setTimeout(r, 300));
      process.kill(run.pid, sig);
      const r = await run.done;
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(new RegExp(`(interrupted: finished clips are kept in [^\\n]*journal.jsonl; run the same command again to resume|cancel[^\\n]*) \\(${sig}\\)`));
      expect(stderr === '' || stderr === r.stderr).toBe(true);
      expect(readdirSync(out).filter((n) => n.includes('.partial'))).toEqual([]);
    });
  }
});

describe('5: eval on a full disk', () => {
  const disk = mountSmallDisk(256 * 1024);
  const noMount = typeof disk === 'string' ? disk : null;
  afterAll(() => {
    if (!noMount) (disk as SmallDisk).unmount();
  });

  it('a killed run\'s result partials are swept by the next run in the folder', async () => {
    const out = join(work, 'eval-sweep');
    mkdirSync(out);
    const dead = deadPid();
    const stale = [`frames.csv.partial-${dead}`, `results.json.partial-${dead}-0123abcd`, `clips.csv.partial-${dead}-89abcdef`];
    const kept = [`frames.csv.partial-${process.ppid}-00112233`, `notes.txt.partial-${dead}`];
    for (const n of [...stale, ...kept]) {
      writeFileSync(join(out, n), 'x');
      utimesSync(join(out, n), old(), old());
    }
    await exec(process.execPath, [WFVAE_CLI, 'eval', oneClip, '--out', out, '--model', MODEL, '--preset', 'per-video', '--no-frequency'], { env });
    const left = readdirSync(out).filter((n) => n.includes('.partial'));
    expect(left.sort()).toEqual(kept.sort());
  });

  it.skipIf(noMount)(`names the file it could not write and leaves no partial (${noMount ?? 'tmpfs'})`, async () => {
    const small = disk as SmallDisk;
    // The finished run above, on a roomy disk: the run on the small one only writes the result files.
    const full = join(work, 'eval-sweep');
    expect(existsSync(join(full, 'frames.csv'))).toBe(true);
    const journal = statSync(join(full, 'journal.jsonl')).size;
    const clips = statSync(join(full, 'clips.csv')).size;
    const frames = statSync(join(full, 'frames.csv')).size;
    expect(frames).toBeGreaterThan(clips + 8192);
    // Room for the journal and clips.csv (whole pages) but not frames.csv.
    const page = 4096;
    small.leaveFree(Math.ceil(journal / page) * page + Math.ceil(clips / page) * page + page);
    const out = join(small.dir, 'out');
    mkdirSync(out);
    copyFileSync(join(full, 'journal.jsonl'), join(out, 'journal.jsonl'));
    const r = await exec(process.execPath, [WFVAE_CLI, 'eval', oneClip, '--out', out, '--model', MODEL, '--preset', 'per-video', '--no-frequency'], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot write ${join(out, 'frames.csv')} (ENOSPC): the disk holding ${out} is full`);
    expect(readdirSync(out).filter((n) => n.includes('.partial'))).toEqual([]);
  });

});

describe.skipIf(!HAS_STRACE)('10: SIGTERM during the final safetensors write never exits 0 (needs strace)', () => {
  const input = join(work, 'input.safetensors');
  beforeAll(async () => {
    // Converted beforehand, so the slowed writes are the output's alone.
    await convertCheckpoint(MODEL, { cacheDir: env.WFVAE_CACHE_DIR });
    await writeSafetensors(input, [{ name: 'input', data: new Float32Array(3 * 9 * 16 * 16).fill(0.25), shape: [1, 3, 9, 16, 16] }]);
  });

  it('while its bytes are written (each write slowed by strace): exit 143, no file and no partial', async () => {
    const dir = join(work, 'enc-writing');
    mkdirSync(dir);
    const prefix = ['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=pwrite64', '-e', 'inject=pwrite64:delay_enter=400000'];
    const run = start(['encode', '--model', MODEL, '--tensor', `${input}:input`, '--out', join(dir, 'enc.safetensors')], { prefix });
    await until(() => readdirSync(dir).some((n) => n.includes('.partial-')), 'the partial safetensors file');
    process.kill(launcherOf(run, true), 'SIGTERM');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(143);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('while it is renamed into place (the rename slowed): exit 143, and the file there is complete', async () => {
    const dir = join(work, 'enc-renaming');
    mkdirSync(dir);
    const prefix = ['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=rename', '-e', 'inject=rename:delay_enter=1500000'];
    const run = start(['encode', '--model', MODEL, '--tensor', `${input}:input`, '--out', join(dir, 'enc.safetensors')], { prefix });
    await until(() => readdirSync(dir).some((n) => n.includes('.partial-')), 'the partial safetensors file');
    await new Promise((r) => setTimeout(r, 300));
    process.kill(launcherOf(run, true), 'SIGTERM');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('SIGTERM arrived as the work was finishing: every output reported above is complete');
    expect(readdirSync(dir)).toEqual(['enc.safetensors']);
  });
});
