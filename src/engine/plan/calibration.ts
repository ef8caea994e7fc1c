// Measured speed, per machine, model, provider and thread count: what every
// time estimate rests on. Each real run records how long it took for how many
// voxels (model frames x height x width, summed over clips) of which kind of
// work; the planner (plan-work.ts) scales the nearest measurement of the same
// kind (by frame size), or, for a kind not yet run here, a measurement of
// another kind by how much more or less that kind does. Kept in the engine's
// cache folder (calibration.json), shared by the CLI, the app and serve mode,
// and refined by every run: a new measurement of a kind at a frame size
// replaces the older one's weight by half.
import { createHash } from 'node:crypto';
import { availableParallelism, cpus, hostname, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { engineCacheDir } from '../cache-dir';
import { readJsonStore, writeJsonStore } from '../fs/json-store';

/** The kinds of work a plan is made for. */
export const WORK_KINDS = [
  'app-reconstruct', 'reconstruct', 'encode', 'decode', 'compare', 'whole-video', 'eval', 'eval-frequency', 'latent-stats', 'probe',
] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

/**
 * Roughly how long each kind takes per voxel against a Causal Cache reconstruction (encoder and
 * decoder, PSNR/SSIM), used only until the kind has a measurement of its own on this machine:
 * encode and latent-stats run the encoder alone; the comparison runs the model three times
 * (whole, cached, naive); eval adds its measures, and its frequency diagnostics more.
 */
export const KIND_FACTOR: Record<WorkKind, number> = {
  'app-reconstruct': 1,
  reconstruct: 1,
  encode: 0.35,
  decode: 0.7,
  compare: 3.1,
  'whole-video': 1.05,
  eval: 1.1,
  'eval-frequency': 1.4,
  'latent-stats': 0.4,
  probe: 1,
};

export interface Sample {
  /** Pixels per frame the runs had (height x width). */
  area: number;
  /** Seconds per voxel, weighted over the runs recorded (what another kind is scaled from). */
  secondsPerVoxel: number;
  /** Total voxels behind the figure. */
  voxels: number;
  runs: number;
  /** What the last run was, in words. */
  last: string;
  /** The latest runs as [voxels, seconds]: two of different lengths separate a run's fixed cost from its cost per voxel. */
  points?: [number, number][];
  /** A run's fixed cost (starting processes, the first chunk), where a run measured it against its steady pace. */
  overhead?: number;
  /** The steady pace (seconds per voxel) that overhead goes with. */
  steadyPerVoxel?: number;
  /** The machine's load (1-minute load average, our run included) when the last run ended, and when (ms since the epoch). */
  load?: number;
  at?: number;
}

/**
 * How much slower or faster a run goes now than when `s` was measured, from the machine's load: on
 * shared cores a run's wall time grows with the runnable threads beside it (2 cores at load 8: a
 * quarter of the machine). Both loads count our own run (the 1-minute average of the run measured
 * holds it; now, what has decayed of it since is added back), and neither counts below the core
 * count (an idle machine runs us at full speed). Clamped to 0.5-2.
 */
export function loadFactor(s: Pick<Sample, 'load' | 'at'>, now: { load: number; at: number }, ours: number, cores: number): number {
  if (s.load === undefined || s.at === undefined) return 1;
  const idle = Math.max(0, (now.at - s.at) / 1000);
  const withUs = now.load + ours * (1 - Math.exp(-idle / 60));
  const f = Math.max(cores, withUs) / Math.max(cores, s.load);
  return Math.min(2, Math.max(0.5, f));
}

/** seconds = fixed + perVoxel x voxels, by least squares over runs of different lengths; null when they cannot tell the two apart. */
export function fitLine(points: readonly [number, number][]): { fixed: number; perVoxel: number } | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  // Lengths within 20 % of each other say nothing about the fixed part.
  if (sxx === 0 || Math.sqrt(sxx / n) < 0.1 * mx) return null;
  const perVoxel = sxy / sxx;
  const fixed = my - perVoxel * mx;
  if (!(perVoxel > 0)) return null;
  // A negative fixed cost is noise: then the pace through the origin.
  return fixed >= 0 ? { fixed, perVoxel } : { fixed: 0, perVoxel: points.reduce((a, p) => a + p[1], 0) / points.reduce((a, p) => a + p[0], 0) };
}

/** A sample's seconds for `voxels`: a fitted line, a measured steady pace and fixed cost, or its mean pace. */
function sampleSeconds(s: Sample, voxels: number): number {
  const line = s.points ? fitLine(s.points) : null;
  if (line) return line.fixed + line.perVoxel * voxels;
  if (s.overhead !== undefined && s.steadyPerVoxel !== undefined) return s.overhead + s.steadyPerVoxel * voxels;
  return s.secondsPerVoxel * voxels;
}

/** What identifies a speed: this machine, the model, where it runs, in which precision. */
export interface CalibrationKey {
  modelSha256: string;
  provider: string;
  threads: number | undefined;
  /** fp16 graphs run at their own speed (default fp32). */
  precision?: 'fp32' | 'fp16';
}

type Entry = Partial<Record<WorkKind, Sample[]>>;

const FILE = 'calibration.json';

/** This machine, as far as speed goes: host, processor, cores, memory. */
export function machineId(): string {
  const c = cpus();
  const text = `${hostname()}|${c[0]?.model ?? 'cpu'}|${c.length}|${Math.round(totalmem() / 2 ** 30)}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The calibration file's key for one speed: machine, model, provider, threads, precision (fp32 keys keep their older form). */
export function entryKey(k: CalibrationKey): string {
  const base = `${machineId()}|${k.modelSha256}|${k.provider}|${k.threads ?? 'default'}`;
  return k.precision === 'fp16' ? `${base}|fp16` : base;
}

export interface TimeEstimate {
  seconds: number;
  /** What it rests on, in words. */
  basis: string;
}

/** A calibration loaded for one key: read by plans, written after runs. */
export class Calibration {
  /** Bumped by every record(): plans made before are stale. */
  version = 0;

  private constructor(
    readonly key: CalibrationKey,
    private readonly path: string,
    private entry: Entry,
    private readonly machineLoad: () => number,
  ) {}

  /** `machineLoad`: the 1-minute load average (tests pass a fixed one). */
  static async load(key: CalibrationKey, cacheDir = engineCacheDir(), machineLoad = () => loadavg()[0]): Promise<Calibration> {
    const path = join(cacheDir, FILE);
    const all = await readJsonStore<Entry>(path);
    return new Calibration(key, path, all[entryKey(key)] ?? {}, machineLoad);
  }

  /** An in-memory calibration (tests, a session that must not read or write the machine's). */
  static memory(key: CalibrationKey, entry: Entry = {}, machineLoad = () => loadavg()[0]): Calibration {
    return new Calibration(key, '', entry, machineLoad);
  }

  /** Our run's threads, as far as the load goes. */
  private get ours(): number {
    const cores = availableParallelism();
    return Math.min(cores, this.key.threads ?? cores);
  }

  get empty(): boolean {
    return Object.values(this.entry).every((s) => !s?.length);
  }

  samples(kind: WorkKind): readonly Sample[] {
    return this.entry[kind] ?? [];
  }

  /**
   * Seconds for `voxels` voxels of `kind` at frames of `area` pixels: the same kind's sample nearest
   * in frame size, else the nearest sample of any kind scaled by KIND_FACTOR; null with no samples.
   */
  estimate(kind: WorkKind, voxels: number, area: number): TimeEstimate | null {
    const near = (samples: readonly Sample[]) => samples.reduce<Sample | null>((best, s) => (best === null || Math.abs(Math.log(s.area / area)) < Math.abs(Math.log(best.area / area)) ? s : best), null);
    const now = { load: this.machineLoad(), at: Date.now() };
    const cores = availableParallelism();
    const scaled = (s: Sample) => {
      const f = loadFactor(s, now, this.ours, cores);
      // Within 5 %, the load says nothing a run's own noise does not.
      if (Math.abs(f - 1) < 0.05) return { f: 1, note: '' };
      return { f, note: `; ×${f.toFixed(2)} for the machine's load now (${now.load.toFixed(1)}, then ${s.load!.toFixed(1)}, ${cores} cores)` };
    };
    const own = near(this.samples(kind));
    if (own) {
      const l = scaled(own);
      return { seconds: sampleSeconds(own, voxels) * l.f, basis: `measured here: ${own.last}${own.runs > 1 ? ` (${own.runs} runs)` : ''}${l.note}` };
    }
    let best: { s: Sample; k: WorkKind } | null = null;
    for (const k of Object.keys(this.entry) as WorkKind[]) {
      const s = near(this.samples(k));
      if (!s) continue;
      // Real runs before the probe; then the nearest frame size.
      const rank = (x: { s: Sample; k: WorkKind }) => (x.k === 'probe' ? 1e6 : 0) + Math.abs(Math.log(x.s.area / area));
      if (!best || rank({ s, k }) < rank(best)) best = { s, k };
    }
    if (!best) return null;
    const perVoxel = (best.s.secondsPerVoxel / KIND_FACTOR[best.k]) * KIND_FACTOR[kind];
    const l = scaled(best.s);
    return { seconds: perVoxel * voxels * l.f, basis: `from ${best.k === 'probe' ? 'a probe' : `a ${best.k} run`} here (${best.s.last}), scaled for ${kind}: no ${kind} run measured yet${l.note}` };
  }

  /**
   * Records a finished run; a size within 10 % of a recorded one refines it (the new run weighs half).
   * `steady`: the part of the run after its first block (its steady pace), which separates the run's
   * fixed cost from its cost per voxel within one run.
   */
  async record(kind: WorkKind, run: { voxels: number; area: number; seconds: number; what: string; steady?: { voxels: number; seconds: number } }): Promise<void> {
    if (!(run.seconds > 0) || !(run.voxels > 0) || !(run.area > 0)) return;
    const rate = run.seconds / run.voxels;
    const list = [...(this.entry[kind] ?? [])];
    const i = list.findIndex((s) => Math.abs(Math.log(s.area / run.area)) < Math.log(1.1));
    const last = `${run.what} took ${run.seconds.toFixed(1)} s`;
    const point: [number, number] = [run.voxels, run.seconds];
    const steady = run.steady && run.steady.voxels > 0 && run.steady.seconds > 0 ? run.steady.seconds / run.steady.voxels : undefined;
    const split = steady !== undefined ? { steadyPerVoxel: steady, overhead: Math.max(0, run.seconds - steady * run.voxels) } : {};
    const when = { load: this.machineLoad(), at: Date.now() };
    if (i >= 0) {
      const s = list[i];
      list[i] = { ...s, ...split, ...when, area: run.area, secondsPerVoxel: (s.secondsPerVoxel + rate) / 2, voxels: s.voxels + run.voxels, runs: s.runs + 1, last, points: [...(s.points ?? []), point].slice(-6) };
    } else list.push({ area: run.area, secondsPerVoxel: rate, voxels: run.voxels, runs: 1, last, points: [point], ...split, ...when });
    // A handful of frame sizes per kind is plenty.
    this.entry = { ...this.entry, [kind]: list.slice(-8) };
    this.version++;
    if (!this.path) return;
    const all = await readJsonStore<Entry>(this.path);
    all[entryKey(this.key)] = { ...all[entryKey(this.key)], [kind]: this.entry[kind] };
    await writeJsonStore(this.path, all, 500);
  }
}

/**
 * A run's steady pace: the time from its first finished block to its last, over the voxels in
 * between. What came before the first block (starting processes, warming the graphs) is the
 * run's fixed cost.
 */
export class SteadyPace {
  private first: { at: number; voxels: number } | null = null;
  private lastMark: { at: number; voxels: number } | null = null;

  /** After a block: voxels done so far. */
  mark(voxelsDone: number, at = performance.now()): void {
    if (!this.first) this.first = { at, voxels: voxelsDone };
    else this.lastMark = { at, voxels: voxelsDone };
  }

  result(): { voxels: number; seconds: number } | undefined {
    if (!this.first || !this.lastMark || this.lastMark.voxels <= this.first.voxels) return undefined;
    return { voxels: this.lastMark.voxels - this.first.voxels, seconds: (this.lastMark.at - this.first.at) / 1000 };
  }
}
