// Time estimates against the clock: `npm run bench -- estimates`. For the
// in-repo tiny model and the bundled demo model, each in a fresh calibration
// folder (so nothing measured before counts), each kind of work is run to
// calibrate it (Reconstruct twice, at two lengths; the whole video once, its
// steady pace measured within the run; eval once) and then estimated before a
// longer run and timed: Reconstruct and the whole video through the app's own session
// (worker threads, the compute worker), eval through the CLI. A row is good
// when the estimate is within ±35 % of the measured time and its frame count
// is the run's. The first estimate of each kind (before any run of it, from
// the probe or another kind) is printed beside it, for information.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const FFMPEG = process.env.WFVAE_TEST_FFMPEG || 'ffmpeg';
const run = promisify(execFile);

// The app's session in a child process: the first run of a kind calibrates it, the second is estimated and timed.
const CHILD = `
import { loadavg } from 'node:os';
import { createSourceSession } from ${JSON.stringify(join(ROOT, 'src/engine/session/source-worker.ts'))};
const [model, clipPath, shortVideo, longVideo, size] = process.argv.slice(2);
const session = createSourceSession();
const out = [];
const sel = (frames) => ({ start: 0, frames, sampleRate: 1, size: Number(size), snap: 4 });
await session.loadModel({ taskId: 'load', path: model });
// Reconstruct: runs of 17 and 33 frames calibrate (two lengths tell a run's fixed cost from its cost per frame), then 49 frames are estimated and run.
let clip = await session.openVideo({ taskId: 'open', source: { kind: 'path', path: clipPath }, selection: sel(17) });
let plans = await session.planRuns({ clipId: clip.clipId });
const first = plans.reconstruct.seconds;
let t0 = performance.now();
await session.reconstruct({ taskId: 'r1', clipId: clip.clipId });
const firstSeconds = (performance.now() - t0) / 1000;
clip = await session.selectClip({ taskId: 'sel1', clipId: clip.clipId, selection: sel(33) });
await session.reconstruct({ taskId: 'r1b', clipId: clip.clipId });
clip = await session.selectClip({ taskId: 'sel', clipId: clip.clipId, selection: sel(49) });
plans = await session.planRuns({ clipId: clip.clipId });
const side = await session.estimateClip({ clipId: clip.clipId, selection: clip.selection });
t0 = performance.now();
const r = await session.reconstruct({ taskId: 'r2', clipId: clip.clipId });
out.push({ kind: 'reconstruct (app)', first, firstSeconds, estimate: plans.reconstruct.seconds, sidebar: side.reconstruct.seconds, seconds: (performance.now() - t0) / 1000, framesPlanned: plans.reconstruct.frames, framesRun: r.frames, load: loadavg()[0] });
// Whole video: a short video calibrates, a long one is estimated and run.
let v = await session.openVideo({ taskId: 'open2', source: { kind: 'path', path: shortVideo }, selection: sel(17) });
let est = await session.estimateClip({ clipId: v.clipId, selection: v.selection });
const firstVideo = est.wholeVideo.seconds;
t0 = performance.now();
await session.reconstructVideo({ taskId: 'v1', clipId: v.clipId });
const firstVideoSeconds = (performance.now() - t0) / 1000;
v = await session.openVideo({ taskId: 'open3', source: { kind: 'path', path: longVideo }, selection: sel(17) });
est = await session.estimateClip({ clipId: v.clipId, selection: v.selection });
t0 = performance.now();
const w = await session.reconstructVideo({ taskId: 'v2', clipId: v.clipId });
out.push({ kind: 'whole video (app)', first: firstVideo, firstSeconds: firstVideoSeconds, estimate: est.wholeVideo.seconds, seconds: (performance.now() - t0) / 1000, framesPlanned: est.wholeVideo.frames, framesRun: w.frames, load: loadavg()[0] });
console.log(JSON.stringify(out));
await session.dispose();
`;

interface Row {
  model: string;
  kind: string;
  /** The estimate of the calibrating run (before any run of its kind here), and that run's time. */
  first: number | null;
  firstSeconds: number;
  estimate: number | null;
  seconds: number;
  framesPlanned: number;
  framesRun: number;
  sidebar?: number | null;
  /** The machine's 1-minute load average when the row's estimated run ended. */
  load?: number;
}

function clip(path: string, source: string, frames: number): void {
  execFileSync(FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-frames:v', String(frames), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18', path]);
}

/** The estimate the CLI printed before `wfvae eval` and the time it took, from its stderr. */
function evalTimes(stderr: string): { estimate: number | null; seconds: number } {
  const done = /^time: ([\d.]+) s \(estimated ([\d.]+) s\)$/m.exec(stderr);
  if (done) return { estimate: Number(done[2]), seconds: Number(done[1]) };
  const s = /^time: ([\d.]+) s/m.exec(stderr);
  return { estimate: null, seconds: s ? Number(s[1]) : NaN };
}

/** Frames the CLI's plan said it would take ("plan: 3 clips of 17x128x128"), from its stderr; null when it said none. */
function plannedFrames(stderr: string): number | null {
  const m = /^plan: (\d+) clips? of (\d+)x\d+x\d+/m.exec(stderr);
  return m ? Number(m[1]) * Number(m[2]) : null;
}

async function cliEval(model: string, folder: string, out: string, env: NodeJS.ProcessEnv, size: number): Promise<{ estimate: number | null; seconds: number; framesPlanned: number; framesRun: number }> {
  const args = [join(ROOT, 'bin', 'wfvae.mjs'), 'eval', folder, '--out', out, '--model', model, '--frames', '17', '--size', String(size), '--crop', `${size}x${size}`];
  const r = await run(process.execPath, args, { env, maxBuffer: 1 << 24 });
  const t = evalTimes(r.stderr);
  // The run's frames from what it wrote, the plan's from what it said before: neither from this file.
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { summary: { frames: number } };
  return { ...t, framesPlanned: plannedFrames(r.stderr) ?? -1, framesRun: results.summary.frames };
}

export async function estimateRows(keep = false): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wfvae-bench-estimates-'));
  const rows: Row[] = [];
  try {
    const src = join(dir, 'clip.mp4');
    clip(src, 'mandelbrot=s=320x240:rate=25', 60);
    const shortV = join(dir, 'short.mp4');
    const longV = join(dir, 'long.mp4');
    clip(shortV, 'testsrc2=s=320x240:rate=25', 61);
    clip(longV, 'testsrc2=s=320x240:rate=25', 241);
    const one = join(dir, 'eval-1');
    const three = join(dir, 'eval-3');
    mkdirSync(one);
    mkdirSync(three);
    clip(join(one, 'a.mp4'), 'mandelbrot=s=320x240:rate=25', 17);
    for (const [n, s] of [['b.mp4', 'testsrc2'], ['c.mp4', 'smptebars'], ['d.mp4', 'mandelbrot']]) clip(join(three, n), `${s}=s=320x240:rate=25`, 17);
    const models: [string, string, number][] = [
      ['tiny (wfvae2-tiny)', join(ROOT, 'test', 'fixtures', 'goldens-subset', 'wfvae2-tiny'), 128],
      ['demo (wfvae-demo)', join(ROOT, 'resources', 'models', 'wfvae-demo'), 128],
    ];
    for (const [name, model, size] of models) {
      const cache = join(dir, `cache-${rows.length}`);
      const env = { ...process.env, WFVAE_CACHE_DIR: cache };
      // A module file, not --eval: the session's worker threads inherit the process's flags.
      const script = join(dir, 'child.mts');
      writeFileSync(script, CHILD);
      const child = spawnSync(process.execPath, ['--import', 'tsx', script, model, src, shortV, longV, String(size)], { encoding: 'utf8', cwd: ROOT, env, maxBuffer: 1 << 24 });
      if (child.status !== 0) throw new Error(`the session child failed: ${child.stderr.slice(-2000)}`);
      for (const r of JSON.parse(child.stdout.trim().split('\n').pop()!) as Omit<Row, 'model'>[]) rows.push({ model: name, ...r });
      const first = await cliEval(model, one, join(dir, `eval-1-${rows.length}`), env, size);
      const second = await cliEval(model, three, join(dir, `eval-3-${rows.length}`), env, size);
      rows.push({ model: name, kind: 'eval (CLI)', first: first.estimate, firstSeconds: first.seconds, estimate: second.estimate, seconds: second.seconds, framesPlanned: second.framesPlanned, framesRun: second.framesRun, load: loadavg()[0] });
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

const pct = (e: number | null, s: number) => (e === null ? '–' : `${(((e - s) / s) * 100).toFixed(0).padStart(4)} %`);

export function estimateTable(rows: Row[]): string {
  const lines = [
    `model               work                measured  estimate  error   frames (plan/run)  first estimate (uncalibrated)  within ±35 %  load (${availableParallelism()} cores)`,
    ...rows.map((r) => {
      const ok = r.estimate !== null && Math.abs(r.estimate - r.seconds) <= 0.35 * r.seconds && r.framesPlanned === r.framesRun;
      return `${r.model.padEnd(19)} ${r.kind.padEnd(19)} ${r.seconds.toFixed(1).padStart(6)} s ${r.estimate === null ? '       –' : `${r.estimate.toFixed(1).padStart(6)} s`} ${pct(r.estimate, r.seconds)}   ${`${r.framesPlanned}/${r.framesRun}`.padStart(9)}          ${r.first === null ? '–' : `${r.first.toFixed(1)} s for ${r.firstSeconds.toFixed(1)} s (${pct(r.first, r.firstSeconds).trim()})`}`.padEnd(120) + (ok ? 'yes' : 'NO ') + (r.load === undefined ? '' : `           ${r.load.toFixed(1)}`);
    }),
  ];
  if (rows.some((r) => r.sidebar !== undefined && r.sidebar !== r.estimate)) lines.push('the Clip panel and the Reconstruct view disagreed on a plan');
  return lines.join('\n');
}
