// The one planner: every memory and time estimate the CLI, the app and serve
// mode show comes from planWork(), fed the same request the run itself is
// made from, so a figure said in one place is the figure said in any other,
// and the run does what was planned (the same chunks, the same frames).
//
// Memory: the runtime's memory plan (runtime/memory-plan.ts: the model's own
// graphs walked at the clip's shape, plus the process, the frames held and
// the chunk state), with what each kind of run holds besides. Time: this
// machine's measured speed for the model and provider (calibration.ts).
import type { GraphManifest } from '../onnx/cache';
import {
  currentRss, describeEstimate, estimateCached, estimateWhole, formatBytes, memoryBudget, planChunks, tapBytes,
  type ClipShape, type MemoryBudget, type MemoryEstimate,
} from '../runtime/memory-plan';
import { largestFitting, refusalActions, type BudgetRefusal } from './refusal';
import type { ChunkSettings } from '../runtime/stream-model';
import { formatDuration } from '../../shared/duration';
import type { Calibration, TimeEstimate, WorkKind } from './calibration';

export interface WorkRequest {
  kind: WorkKind;
  manifest: GraphManifest;
  /** Model frames x height x width of one clip (for eval and latent-stats, of each clip). */
  clip: ClipShape;
  /** How many such clips (eval, latent-stats); time scales with them, memory does not. Default 1. */
  clips?: number;
  /** Voxels of all clips when they differ in shape (`clip` is then the largest, for memory). */
  totalVoxels?: number;
  /** The chunking asked for; absent: the kind's default (Causal Cache chunks sized to the budget). */
  chunking?: { mode: ChunkSettings['mode']; encChunk?: number; decChunk?: number };
  /** compare: reconstructions held besides the whole-clip ground truth (the app's cached and naive runs and its copy: 3). */
  extraVideos?: number;
  budget?: MemoryBudget;
  /** The process's memory before the run (default: now). */
  baseBytes?: number;
}

export interface WorkPlan {
  kind: WorkKind;
  settings: ChunkSettings;
  estimate: MemoryEstimate;
  budget: MemoryBudget;
  fits: boolean;
  /** Frames of each clip, clips, and their voxels (frames x height x width, all clips). */
  frames: number;
  clips: number;
  voxels: number;
  /** Null where nothing has been measured on this machine for this model and provider yet. */
  time: TimeEstimate | null;
  /** When it does not fit: what it needs, what there is, what would make it fit (each host words it). */
  refusal: BudgetRefusal | null;
}

/** Whole clips held in memory by each kind besides the network (cached runs). */
function held(kind: WorkKind, m: GraphManifest, clip: ClipShape): { heldClips: number; extraBytes: number } {
  switch (kind) {
    // The app: the compute thread's copy of the clip and the reconstruction, and every tap, joined.
    case 'app-reconstruct':
      return { heldClips: 2, extraBytes: 2 * tapBytes(m, clip) };
    // Whole tensors in, whole tensors out.
    case 'encode':
    case 'decode':
      return { heldClips: 2, extraBytes: 0 };
    default:
      return { heldClips: 0, extraBytes: 0 };
  }
}

export function planWork(req: WorkRequest, calibration: Calibration | null): WorkPlan {
  const { kind, manifest: m, clip } = req;
  const budget = req.budget ?? memoryBudget();
  // One base for every estimate below (a refusal compares several).
  const base = { baseBytes: req.baseBytes ?? currentRss() };
  const facts = m.facts;
  const clips = req.clips ?? 1;
  let settings: ChunkSettings;
  let estimate: MemoryEstimate;
  let refusal: BudgetRefusal | null = null;
  const ask = req.chunking;
  /** The refusal of a run whose estimate at `frames` frames (this size) is `at`. */
  const refuse = (run: BudgetRefusal['run'], e: MemoryEstimate, chunks: BudgetRefusal['chunks'], at: (frames: number) => MemoryEstimate): BudgetRefusal => {
    const fitFrames = largestFitting(clip.frames, facts.temporalCompression, (frames) => at(frames).totalBytes <= budget.bytes);
    const baseOver = e.parts.baseBytes >= budget.bytes;
    const askedChunks = ask?.encChunk !== undefined || ask?.decChunk !== undefined;
    return {
      run, clip, chunks, estimate: e, budget, timeMixing: facts.causalSafe ? null : facts.timeMixing, fitFrames,
      actions: refusalActions({ run, causalSafe: facts.causalSafe, askedChunks, fitFrames, baseOver }),
    };
  };

  if (kind === 'compare') {
    // The whole-clip ground truth, and the comparison's other reconstructions beside it.
    const at = (frames: number): MemoryEstimate => {
      const c = { ...clip, frames };
      const whole = estimateWhole(m, c, base);
      const extra = (req.extraVideos ?? 3) * 4 * 3 * c.frames * c.height * c.width;
      return { ...whole, totalBytes: whole.totalBytes + extra, parts: { ...whole.parts, frameBytes: whole.parts.frameBytes + extra } };
    };
    estimate = at(clip.frames);
    settings = { mode: 'whole', encChunk: ask?.encChunk ?? 0, decChunk: ask?.decChunk ?? 0 };
    if (estimate.totalBytes > budget.bytes) refusal = refuse('compare', estimate, null, at);
  } else {
    const mode = ask?.mode ?? (facts.causalSafe ? 'cached' : 'whole');
    if (mode === 'whole') {
      estimate = estimateWhole(m, clip, base);
      settings = { mode, encChunk: 0, decChunk: 0 };
      if (estimate.totalBytes > budget.bytes) refusal = refuse('whole', estimate, null, (frames) => estimateWhole(m, { ...clip, frames }, base));
    } else {
      const h = { ...held(kind, m, clip), ...base };
      const auto = planChunks(m, clip, budget, h);
      const chunks = { encChunk: ask?.encChunk ?? auto.chunks.encChunk, decChunk: ask?.decChunk ?? auto.chunks.decChunk };
      estimate = ask?.encChunk === undefined && ask?.decChunk === undefined ? auto.estimate : estimateCached(m, clip, chunks, h);
      settings = { mode, ...chunks };
      if (estimate.totalBytes > budget.bytes) refusal = refuse('cached', estimate, chunks, (frames) => estimateCached(m, { ...clip, frames }, chunks, { ...held(kind, m, { ...clip, frames }), ...base }));
    }
  }
  const voxels = req.totalVoxels ?? clips * clip.frames * clip.height * clip.width;
  const time = calibration ? calibration.estimate(kind, voxels, clip.height * clip.width) : null;
  return { kind, settings, estimate, budget, fits: refusal === null, frames: clip.frames, clips, voxels, time, refusal };
}

/** "about 35 s", "about 4:05", "about 1:02:09" (never "60" seconds). */
export function aboutSeconds(seconds: number): string {
  return `about ${formatDuration(seconds)}`;
}

/** The lines a CLI says before a run: how it runs, memory, time. */
export function describePlan(p: WorkPlan): { memory: string; time: string } {
  const time = p.time ? `${aboutSeconds(p.time.seconds)} (${p.time.basis})` : 'not known yet: nothing has been measured on this machine for this model and provider (this run is)';
  return { memory: describeEstimate(p.estimate, p.budget), time };
}

/** How fast a file decodes here: seconds per source frame read, measured on its last decode. */
export interface DecodeRate {
  seconds: number;
  basis: string;
}

/** Decoding a selection into memory (no model): the (3, T, H, W) float32 it adds, and ffmpeg's time to read up to its last frame. */
export function planDecodeSelection(shape: ClipShape, sourceFramesRead: number, rate: DecodeRate | null): { bytes: number; seconds: number | null; basis: string } {
  const bytes = 3 * shape.frames * shape.height * shape.width * 4;
  return {
    bytes,
    seconds: rate ? sourceFramesRead * rate.seconds : null,
    basis:
      `${shape.frames}×${shape.height}×${shape.width}×3 float32 = ${formatBytes(bytes)}; ffmpeg reads ${sourceFramesRead} source frames` +
      (rate ? ` at ${(rate.seconds * 1000).toFixed(2)} ms each (${rate.basis})` : ' (decode speed not measured yet)'),
  };
}
