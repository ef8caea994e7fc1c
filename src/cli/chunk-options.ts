// --whole / --enc-chunk / --dec-chunk / --naive / --memory-budget, shared by
// encode, decode, reconstruct and compare, and the memory plan every run
// states before it starts.
import type { Flags } from '../hosting/args';
import { progressBar } from '../hosting/progress';
import { UsageError } from '../hosting/errors';
import { chunkingVerdict, type ChunkSettings } from '../engine/runtime/stream-model';
import type { ModelFacts } from '../engine/checkpoint/index';
import { memoryBudget, parseBytes, type ClipShape, type MemoryBudget } from '../engine/runtime/memory-plan';
import type { WorkKind } from '../engine/plan/calibration';
import { describePlan, planWork, type WorkPlan } from '../engine/plan/plan-work';
import type { WfvaeModel } from '../engine/runtime/model';
import { calibrationFor } from './calibration';
import { cliRefusal } from './refusal-text';

export const CHUNK_OPTIONS_HELP = `inference (default: Causal Cache chunks sized to the memory budget, which equal
whole-clip inference; whole clip for models that mix frames: GroupNorm over time, AttnBlock3D):
  --whole          run the whole clip in one pass (refused, with the estimate, when it
                   would not fit the memory budget)
  --enc-chunk N    encode N video frames at a time with the Causal Cache (any N >= 1;
                   frames short of a latent frame wait for the next chunk)
  --dec-chunk M    decode M latent frames at a time with the Causal Cache (any M >= 1)
  --naive          chunk naively instead: every chunk a fresh clip (shows the flicker)
  --memory-budget SIZE  peak memory a run may plan for, e.g. 4G (default: 75% of the
                   memory available, plus what the process holds; WFVAE_MEMORY_BUDGET)`;

/** Flags of these options that take no value (so `--whole clip.mp4` keeps the path). */
export const CHUNK_BOOLEAN_FLAGS = ['whole', 'naive'] as const;

export interface ChunkFlags {
  /** The mode the user asked for, or null for the default. */
  mode: ChunkSettings['mode'] | null;
  encChunk?: number;
  decChunk?: number;
  budgetBytes?: number;
}

export function readChunkFlags(flags: Flags): ChunkFlags {
  const encChunk = flags.int('enc-chunk', { min: 1, max: 100_000 });
  const decChunk = flags.int('dec-chunk', { min: 1, max: 100_000 });
  const naive = flags.bool('naive');
  const whole = flags.bool('whole');
  const budgetText = flags.string('memory-budget');
  if (whole && (naive || encChunk !== undefined || decChunk !== undefined)) throw new UsageError('--whole runs the clip in one pass; it cannot be combined with --enc-chunk, --dec-chunk or --naive');
  let budgetBytes: number | undefined;
  if (budgetText !== undefined) {
    try {
      budgetBytes = parseBytes(budgetText, '--memory-budget');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const mode = whole ? 'whole' : naive ? 'naive' : encChunk !== undefined || decChunk !== undefined ? 'cached' : null;
  return { mode, encChunk, decChunk, budgetBytes };
}

/**
 * Decides how a clip runs and what it will need, before anything runs, with the one planner
 * (engine/plan/plan-work.ts): the default is the Causal Cache with the largest default chunks
 * that fit the budget (whole clip for models that cannot chunk exactly); a run that would not
 * fit is refused with its estimate and what to do. `kind`: 'reconstruct' streams from and to
 * files; 'encode' and 'decode' hold the input and the output whole.
 */
export async function planRun(f: ChunkFlags, model: WfvaeModel, clip: ClipShape, kind: WorkKind, quiet: boolean, signal?: AbortSignal, clips = 1): Promise<WorkPlan> {
  const budget: MemoryBudget = f.budgetBytes !== undefined ? { bytes: f.budgetBytes, source: '--memory-budget' } : memoryBudget();
  const chunking = f.mode === null ? undefined : { mode: f.mode, encChunk: f.encChunk, decChunk: f.decChunk };
  const plan = planWork({ kind, manifest: model.manifest, clip, clips, chunking, budget }, await calibrationFor(model, quiet, signal));
  if (plan.refusal) throw new UsageError(cliRefusal(plan.refusal));
  return plan;
}

/**
 * A comparison holds the whole-clip run (the ground truth) and `extraVideos`
 * more reconstructions: refused, with the estimate, when it would not fit.
 */
export async function planComparison(model: WfvaeModel, clip: ClipShape, budgetBytes: number | undefined, extraVideos: number, quiet: boolean, signal?: AbortSignal): Promise<WorkPlan> {
  const budget: MemoryBudget = budgetBytes !== undefined ? { bytes: budgetBytes, source: '--memory-budget' } : memoryBudget();
  const plan = planWork({ kind: 'compare', manifest: model.manifest, clip, extraVideos, budget }, await calibrationFor(model, quiet, signal));
  if (plan.refusal) throw new UsageError(cliRefusal(plan.refusal));
  return plan;
}

/** Says, before a run, how it will run, whether chunking can be exact for this model, the memory and the time it plans for. */
export function announcePlan(p: WorkPlan, facts: ModelFacts, quiet: boolean): void {
  if (quiet) return;
  const s = p.settings;
  if (p.kind === 'compare') process.stderr.write('inference: the whole clip in one pass as the ground truth, then the chunked runs\n');
  else if (s.mode === 'whole') process.stderr.write('inference: whole clip in one pass\n');
  else {
    const v = chunkingVerdict(facts, s.mode);
    process.stderr.write(`chunking: encoder ${s.encChunk} frames, decoder ${s.decChunk} latent frames; ${v.message}\n`);
  }
  const d = describePlan(p);
  process.stderr.write(`memory: ${d.memory}\n`);
  process.stderr.write(`time: ${d.time}\n`);
}

/** The plan for --json output. */
export function planJson(p: WorkPlan): object {
  return {
    estimateBytes: Math.round(p.estimate.totalBytes),
    budgetBytes: Math.round(p.budget.bytes),
    budgetSource: p.budget.source,
    parts: Object.fromEntries(Object.entries(p.estimate.parts).map(([k, v]) => [k, Math.round(v)])),
    estimateSeconds: p.time ? Math.round(p.time.seconds * 10) / 10 : null,
    timeBasis: p.time?.basis ?? null,
  };
}

export function requireChunked(s: ChunkSettings, command: string): void {
  if (s.mode === 'whole') throw new UsageError(`${command} needs --enc-chunk and/or --dec-chunk`);
}

/** A progress bar per stage (encode, decode) of a chunked run; silent for whole-clip runs. */
export function chunkProgress(s: ChunkSettings): ((p: { stage: string; done: number; total: number }) => void) & { finish(): void } {
  let stage = '';
  let bar: ReturnType<typeof progressBar> | null = null;
  const sink = ((p: { stage: string; done: number; total: number }) => {
    if (s.mode === 'whole') return;
    if (p.stage !== stage) {
      bar?.finish();
      stage = p.stage;
      bar = progressBar(`${p.stage === 'encode' ? 'encoding' : 'decoding'} (${s.mode} chunks)`);
    }
    bar?.(p.done, p.total);
  }) as ((p: { stage: string; done: number; total: number }) => void) & { finish(): void };
  sink.finish = () => bar?.finish();
  return sink;
}
