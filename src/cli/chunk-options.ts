// --whole / --enc-chunk / --dec-chunk / --naive / --memory-budget, shared by
// encode, decode, reconstruct and compare, and the memory plan every run
// states before it starts.
import type { Flags } from '../hosting/args';
import { progressBar } from '../hosting/progress';
import { UsageError } from '../hosting/errors';
import { chunkingVerdict, type ChunkSettings } from '../engine/runtime/stream-model';
import type { ModelFacts } from '../engine/checkpoint/index';
import type { GraphManifest } from '../engine/onnx/cache';
import {
  describeEstimate, estimateCached, estimateWhole, formatBytes, memoryBudget, parseBytes, planChunks, wholeRefusal,
  type ClipShape, type MemoryBudget, type MemoryEstimate,
} from '../engine/runtime/memory-plan';

export const CHUNK_OPTIONS_HELP = `inference (default: Causal Cache chunks sized to the memory budget, which equal
whole-clip inference; whole clip for models whose GroupNorm pools over time):
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

export interface RunPlan {
  settings: ChunkSettings;
  estimate: MemoryEstimate;
  budget: MemoryBudget;
}

/**
 * Decides how a clip runs and what it will need, before anything runs: the
 * default is the Causal Cache with the largest default chunks that fit the
 * budget (whole clip for models that cannot chunk exactly); a whole-clip run
 * that would not fit is refused with its estimate and what to do.
 * `holdsClip`: the input and output are whole tensors in memory (encode,
 * decode), not streamed from and to files.
 */
export function planRun(f: ChunkFlags, manifest: GraphManifest, clip: ClipShape, holdsClip = false): RunPlan {
  // encode / decode hold the input and the output whole (the output written in place, not joined).
  const held = { heldClips: holdsClip ? 2 : 0 };
  const budget: MemoryBudget = f.budgetBytes !== undefined ? { bytes: f.budgetBytes, source: '--memory-budget' } : memoryBudget();
  const mode = f.mode ?? (manifest.facts.causalSafe ? 'cached' : 'whole');
  if (mode === 'whole') {
    const estimate = estimateWhole(manifest, clip);
    if (estimate.totalBytes > budget.bytes) {
      const hint = manifest.facts.causalSafe ? '' : ' This model cannot chunk exactly (GroupNorm over time); --enc-chunk N runs it chunked anyway and reports the deviation.';
      throw new UsageError(wholeRefusal(estimate, budget, clip) + hint);
    }
    return { settings: { mode, encChunk: 0, decChunk: 0 }, estimate, budget };
  }
  const auto = planChunks(manifest, clip, budget, held);
  const chunks = { encChunk: f.encChunk ?? auto.chunks.encChunk, decChunk: f.decChunk ?? auto.chunks.decChunk };
  const estimate = f.encChunk === undefined && f.decChunk === undefined ? auto.estimate : estimateCached(manifest, clip, chunks, held);
  if (estimate.totalBytes > budget.bytes) {
    throw new UsageError(
      `chunked inference of ${clip.frames}x${clip.height}x${clip.width} (TxHxW) with encoder chunks of ${chunks.encChunk} frames and decoder chunks of ` +
        `${chunks.decChunk} latent frames needs ${describeEstimate(estimate)}, more than the budget of ${formatBytes(budget.bytes)} (${budget.source}). ` +
        `Pick a smaller size (--size) or smaller chunks, or raise the budget (--memory-budget) if you know the memory is there.`,
    );
  }
  return { settings: { mode, ...chunks }, estimate, budget };
}

/**
 * A comparison holds the whole-clip run (the ground truth) and `extraVideos`
 * more reconstructions: refused, with the estimate, when it would not fit.
 */
export function planComparison(manifest: GraphManifest, clip: ClipShape, budgetBytes: number | undefined, extraVideos: number): RunPlan {
  const budget: MemoryBudget = budgetBytes !== undefined ? { bytes: budgetBytes, source: '--memory-budget' } : memoryBudget();
  const whole = estimateWhole(manifest, clip);
  const extra = extraVideos * 4 * 3 * clip.frames * clip.height * clip.width;
  const estimate: MemoryEstimate = { ...whole, totalBytes: whole.totalBytes + extra, parts: { ...whole.parts, frameBytes: whole.parts.frameBytes + extra } };
  if (estimate.totalBytes > budget.bytes) throw new UsageError(wholeRefusal(estimate, budget, clip).replace('Run it with the Causal Cache instead (the default: equal to whole-clip inference, in memory that does not grow with the clip), pick', 'Pick'));
  return { settings: { mode: 'whole', encChunk: 0, decChunk: 0 }, estimate, budget };
}

/** Says, before a run, how it will run, whether chunking can be exact for this model, and the memory it plans for. */
export function announcePlan(p: RunPlan, facts: ModelFacts, quiet: boolean): void {
  if (quiet) return;
  const s = p.settings;
  if (s.mode === 'whole') {
    process.stderr.write('inference: whole clip in one pass\n');
  } else {
    const v = chunkingVerdict(facts, s.mode);
    process.stderr.write(`chunking: encoder ${s.encChunk} frames, decoder ${s.decChunk} latent frames; ${v.message}\n`);
  }
  process.stderr.write(`memory: ${describeEstimate(p.estimate, p.budget)}\n`);
}

/** The plan for --json output. */
export function planJson(p: RunPlan): object {
  return {
    estimateBytes: Math.round(p.estimate.totalBytes),
    budgetBytes: Math.round(p.budget.bytes),
    budgetSource: p.budget.source,
    parts: Object.fromEntries(Object.entries(p.estimate.parts).map(([k, v]) => [k, Math.round(v)])),
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
