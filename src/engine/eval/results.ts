// What an evaluation writes: results.json (protocol, model SHA-256, tool
// version, every setting, per-clip and per-frame numbers, the summary),
// clips.csv and frames.csv. The files hold no timings, hosts or paths, so
// one run, a resumed run and merged shards of the same work are byte-identical;
// those go to run-info.json beside them.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sweepStalePartials } from '../fs/stale-partials';
import { SUBBANDS_3D } from '../../shared/subbands';
import type { ClipEvaluation } from './evaluate-clip';
import { psnrOfMse, type ClipMetrics } from './pooling';
import type { EvalProtocol } from './protocol';
import type { FrameColumns, FrequencyReport } from './clip-measures';
import type { SubbandErrorBand, SubbandErrorLevel } from './subband-error';
import type { WlReport } from './wl-consistency';
import type { ChunkSettings } from '../runtime/stream-model';

export const RESULTS_FORMAT = 'wfvae-eval';
export const RESULTS_VERSION = 1;
export const RESULTS_FILE = 'results.json';
export const CLIPS_CSV = 'clips.csv';
export const FRAMES_CSV = 'frames.csv';

/** Everything that decides the numbers; two runs with equal headers give equal results. */
export interface EvalHeader {
  format: typeof RESULTS_FORMAT;
  version: typeof RESULTS_VERSION;
  tool: { name: string; version: string };
  model: { sha256: string; className: string };
  protocol: EvalProtocol;
  settings: {
    chunking: ChunkSettings;
    levels: number;
    frequency: boolean;
    lpips: { file: string; sha256: string } | null;
    probe: boolean;
    /** The model's arithmetic here: float32, or float16 graphs on a GPU provider (--precision fp16). */
    precision: 'float32' | 'float16';
  };
  dataset: { clips: number; listSha256: string };
  /** null for a whole run (and a merge of all shards). */
  shard: { index: number; count: number } | null;
}

export interface PerFrame extends FrameColumns {
  sourceFrame: number[];
  /** 'E' encoder run starts, 'D' decoder chunk starts, 'ED' both, '' neither. */
  seam: string[];
  psnr: (number | null)[];
}

/** The frequency report as stored per clip: per-frame subband values keep only the error (the file stays small at 10,000 clips). */
export type RecordFrequency = Omit<FrequencyReport, 'subbands'> & {
  subbands: { levels: (Omit<SubbandErrorLevel, 'bands'> & { bands: (Omit<SubbandErrorBand, 'perFrame'> & { perFrame: { error: number[] } })[] })[]; note: string } | null;
  wl: WlReport | null;
};

function compactFrequency(f: (FrequencyReport & { wl: WlReport | null }) | null): RecordFrequency | null {
  if (!f) return null;
  return {
    ...f,
    subbands: f.subbands && {
      levels: f.subbands.levels.map((l) => ({ ...l, bands: l.bands.map((b) => ({ ...b, perFrame: { error: b.perFrame.error } })) })),
      note: f.subbands.note,
    },
  };
}

export interface ClipRecord {
  /** Position in the clip list (-1 for the probe clip). */
  index: number;
  clip: string;
  status: 'ok' | 'skipped' | 'failed';
  reason: string | null;
  provider: string | null;
  frames: number;
  width: number;
  height: number;
  fps: number;
  notes: string[];
  metrics: ClipMetrics | null;
  perFrame: PerFrame | null;
  frequency: RecordFrequency | null;
}

export interface EvalSummary {
  clips: number;
  ok: number;
  skipped: number;
  failed: number;
  frames: number;
  /** Means over the clips evaluated (equal to the reference's dataset values when every clip has the same frame count). */
  psnr: number | null;
  /** Clips whose PSNR is the protocol's cap (identical frames made the mean infinite): they pull the mean PSNR up. */
  psnrCapped: number;
  ssim: number | null;
  lpips: number | null;
  tde: number | null;
  flicker: number | null;
  /** Per level and subband: summed error energy over summed original energy, over all clips. */
  subbandRelativeError: { level: number; bands: { name: string; relativeError: number }[] }[];
  /** Per WL level: mean over clips of mean |enc - dec|. */
  wl: { level: string; meanAbs: number }[];
  gridAmplitudeMax: number | null;
  /** How the model ran, beside how the reference runs it: "float32 on cpu; the reference runs bfloat16 on GPU". Null before any clip ran. */
  compute: string | null;
}

export interface EvalResults extends EvalHeader {
  summary: EvalSummary;
  probe: ClipRecord | null;
  clips: ClipRecord[];
}

export function okRecord(index: number, clip: string, provider: string, e: ClipEvaluation): ClipRecord {
  const enc = new Set(e.seams.encoder);
  const dec = new Set(e.seams.decoder);
  const c = e.columns;
  return {
    index,
    clip,
    status: 'ok',
    reason: null,
    provider,
    frames: e.frames,
    width: e.width,
    height: e.height,
    fps: e.fps,
    notes: e.notes,
    metrics: e.metrics,
    perFrame: {
      sourceFrame: e.frameIndices,
      seam: c.mse.map((_, t) => `${enc.has(t) ? 'E' : ''}${dec.has(t) ? 'D' : ''}`),
      mse: c.mse,
      psnr: c.mse.map(psnrOfMse),
      ssim: c.ssim,
      lpips: c.lpips,
      tde: c.tde,
      flicker: c.flicker,
      lumaOriginal: c.lumaOriginal,
      lumaReconstruction: c.lumaReconstruction,
    },
    frequency: compactFrequency(e.frequency),
  };
}

export function failedRecord(index: number, clip: string, status: 'skipped' | 'failed', reason: string): ClipRecord {
  return { index, clip, status, reason, provider: null, frames: 0, width: 0, height: 0, fps: 0, notes: [], metrics: null, perFrame: null, frequency: null };
}

const meanOf = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);

/** The model's precision and where the clips ran, and, for the reference's pipeline, how the reference runs its model. */
export function computeText(header: Pick<EvalHeader, 'protocol' | 'settings'>, records: readonly ClipRecord[]): string | null {
  const providers = [...new Set(records.map((r) => r.provider).filter((p): p is string => p !== null))].sort();
  if (!providers.length) return null;
  const here = `${header.settings.precision} on ${providers.join(' and ')}`;
  return header.protocol.pipeline === 'reference' ? `${here}; the reference runs bfloat16 on GPU` : here;
}

export function summarize(records: readonly ClipRecord[]): EvalSummary {
  const ok = records.filter((r) => r.status === 'ok' && r.metrics);
  const pick = (f: (m: ClipMetrics) => number | null) => meanOf(ok.map((r) => f(r.metrics!)).filter((v): v is number => v !== null));
  const bandSums = new Map<string, { level: number; name: string; err: number; orig: number }>();
  const wl = new Map<string, number[]>();
  let grid: number | null = null;
  for (const r of ok) {
    for (const lv of r.frequency?.subbands?.levels ?? []) {
      for (const b of lv.bands) {
        const key = `${lv.level}/${b.name}`;
        const s = bandSums.get(key) ?? { level: lv.level, name: b.name, err: 0, orig: 0 };
        s.err += b.error;
        s.orig += b.original;
        bandSums.set(key, s);
      }
    }
    for (const lv of r.frequency?.wl?.levels ?? []) wl.set(lv.level, [...(wl.get(lv.level) ?? []), lv.meanAbs]);
    const g = r.frequency?.grid.amplitude;
    if (g !== undefined) grid = grid === null ? g : Math.max(grid, g);
  }
  const levels = [...new Set([...bandSums.values()].map((s) => s.level))].sort((a, b) => a - b);
  return {
    clips: records.length,
    ok: ok.length,
    skipped: records.filter((r) => r.status === 'skipped').length,
    failed: records.filter((r) => r.status === 'failed').length,
    frames: ok.reduce((s, r) => s + r.frames, 0),
    psnr: pick((m) => m.psnr),
    psnrCapped: ok.filter((r) => r.metrics!.psnrCapped).length,
    ssim: pick((m) => m.ssim),
    lpips: pick((m) => m.lpips),
    tde: pick((m) => m.tde),
    flicker: pick((m) => m.flicker),
    subbandRelativeError: levels.map((level) => ({
      level,
      bands: SUBBANDS_3D.map((name) => {
        const s = bandSums.get(`${level}/${name}`);
        return { name, relativeError: s && s.orig > 0 ? s.err / s.orig : 0 };
      }),
    })),
    wl: [...wl.entries()].map(([level, v]) => ({ level, meanAbs: meanOf(v) ?? 0 })),
    gridAmplitudeMax: grid,
    compute: null,
  };
}

/** The results of a header and its records (sorted by index); the one function a run, a resume and a merge all use. */
export function buildResults(header: EvalHeader, records: readonly ClipRecord[], probe: ClipRecord | null): EvalResults {
  const clips = [...records].sort((a, b) => a.index - b.index);
  return { ...header, summary: { ...summarize(clips), compute: computeText(header, clips) }, probe, clips };
}

// ---- CSV --------------------------------------------------------------------

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function clipsCsv(r: EvalResults): string {
  const levels = r.settings.frequency ? r.settings.levels : 0;
  const bandCols: { level: number; name: string }[] = [];
  for (let l = 1; l <= levels; l++) for (const name of SUBBANDS_3D) bandCols.push({ level: l, name });
  const wlLevels = [...new Set(r.clips.flatMap((c) => c.frequency?.wl?.levels.map((l) => l.level) ?? []))];
  const head = [
    'index', 'clip', 'status', 'reason', 'provider', 'frames', 'width', 'height', 'psnr', 'psnr_capped', 'identical_frames', 'ssim', 'lpips', 'mse', 'tde', 'flicker', 'flicker_max',
    'tde_at_seams', 'tde_elsewhere', 'flicker_at_seams', 'flicker_elsewhere', 'grid_amplitude', 'grid_share',
    ...bandCols.map((b) => `rel_err_L${b.level}_${b.name}`),
    ...wlLevels.map((l) => `wl_${l.replace(/\s+/g, '')}_mean_abs`),
  ];
  const rows = [head.join(',')];
  const all = r.probe ? [r.probe, ...r.clips] : r.clips;
  for (const c of all) {
    const m = c.metrics;
    const band = (level: number, name: string) => c.frequency?.subbands?.levels.find((l) => l.level === level)?.bands.find((b) => b.name === name)?.relativeError;
    rows.push(
      [
        c.index, c.clip, c.status, c.reason, c.provider, c.frames, c.width, c.height,
        m?.psnr, m?.psnrCapped, m?.identicalFrames, m?.ssim, m?.lpips, m?.mse, m?.tde, m?.flicker, m?.flickerMax,
        m?.seams.tdeAtSeams, m?.seams.tdeElsewhere, m?.seams.flickerAtSeams, m?.seams.flickerElsewhere,
        c.frequency?.grid.amplitude, c.frequency?.spectrum.gridShare,
        ...bandCols.map((b) => band(b.level, b.name)),
        ...wlLevels.map((l) => c.frequency?.wl?.levels.find((x) => x.level === l)?.meanAbs),
      ].map(cell).join(','),
    );
  }
  return rows.join('\n') + '\n';
}

export function framesCsv(r: EvalResults): string {
  const rows = ['index,clip,frame,source_frame,seam,mse,psnr,ssim,lpips,tde,flicker,luma_original,luma_reconstruction'];
  const all = r.probe ? [r.probe, ...r.clips] : r.clips;
  for (const c of all) {
    const f = c.perFrame;
    if (!f) continue;
    for (let t = 0; t < f.mse.length; t++) {
      rows.push(
        [c.index, c.clip, t, f.sourceFrame[t], f.seam[t], f.mse[t], f.psnr[t], f.ssim[t], f.lpips?.[t], f.tde[t], f.flicker[t], f.lumaOriginal[t], f.lumaReconstruction[t]]
          .map(cell)
          .join(','),
      );
    }
  }
  return rows.join('\n') + '\n';
}

/** `results.json.partial-<pid>-<hex>`: the writer's pid, so a killed run's leftovers are swept (sweepResultPartials). */
const PARTIAL = /\.partial-(\d+)(?:-[0-9a-f]{8})?$/;

/**
 * Writes a file under a temporary name and renames it into place, so readers never see half a
 * file. A failed write (a full disk) removes the temporary and names the file and the reason.
 */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw writeFailure(err, path);
  }
}

function writeFailure(err: unknown, path: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOSPC' ? `the disk holding ${dirname(path)} is full; free some space and run the same command again (finished clips are kept in the journal)`
      : code === 'EFBIG' ? "the file reached this process's file-size limit (ulimit -f)"
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `${dirname(path)} is not writable; pick another --out`
          : (err as Error).message;
  return new Error(`cannot write ${path}${code ? ` (${code})` : ''}: ${why}`, { cause: err });
}

/** Removes what killed runs left of the result files in `dir` (never a live run's). */
export function sweepResultPartials(dir: string): Promise<string[]> {
  const names = new Set([CLIPS_CSV, FRAMES_CSV, RESULTS_FILE, 'run-info.json']);
  return sweepStalePartials(dir, {
    ownerOf: (name) => {
      const m = PARTIAL.exec(name);
      return m && names.has(name.slice(0, m.index)) ? Number(m[1]) : null;
    },
  });
}

export async function writeResults(dir: string, r: EvalResults): Promise<void> {
  await writeAtomic(join(dir, CLIPS_CSV), clipsCsv(r));
  await writeAtomic(join(dir, FRAMES_CSV), framesCsv(r));
  // results.json last: its presence says the directory is complete.
  await writeAtomic(join(dir, RESULTS_FILE), JSON.stringify(r) + '\n');
}
