// Memory and time of decoding and reconstructing a clip selection, said before
// anything runs. The memory of model runs is the runtime's memory plan
// (runtime/memory-plan.ts: the model's own graphs walked at the clip's shape,
// the process, the frames, checked against this machine's budget); the
// decoded clip is its float32 tensor. The seconds rest on speeds measured on
// this machine: the file's decode, and the model on a probe or its largest run.
import type { GraphManifest } from '../onnx/cache';
import { describeEstimate, estimateWhole, formatBytes, memoryBudget, planChunks, type MemoryBudget } from '../runtime/memory-plan';

export interface Cost {
  bytes: number;
  /** 'added': memory the result takes on top of what the process holds; 'peak': the process's peak during the run. */
  bytesMeaning: 'added' | 'peak';
  /** Whether the peak fits this machine's memory budget (null for added memory). */
  fits: boolean | null;
  /** Null while the speed it rests on is not measured yet. */
  seconds: number | null;
  /** What the numbers rest on, in words. */
  basis: string;
}

/** A measured speed: seconds per unit (voxel or source frame), and how it was measured. */
export interface Rate {
  seconds: number;
  basis: string;
}

export interface ModelCostFacts {
  className: string;
  manifest: GraphManifest;
  temporalCompression: number;
  /** Seconds per video voxel of a reconstruction (model + PSNR/SSIM), measured; null before any measurement. */
  rate: Rate | null;
}

export interface ClipShape {
  frames: number;
  height: number;
  width: number;
}

const F32 = 4;
const speed = (rate: Rate | null) => rate?.basis ?? "the model's speed is measured once it is idle";
const voxels = (s: ClipShape) => s.frames * s.height * s.width;

/** The decoded clip as (3, T, H, W) float32 in memory; ffmpeg decodes every source frame up to the last one kept. */
export function estimateDecode(shape: ClipShape, sourceFramesRead: number, rate: Rate | null): Cost {
  const bytes = 3 * voxels(shape) * F32;
  return {
    bytes,
    bytesMeaning: 'added',
    fits: null,
    seconds: rate ? sourceFramesRead * rate.seconds : null,
    basis:
      `${shape.frames}×${shape.height}×${shape.width}×3 float32 = ${formatBytes(bytes)}; ffmpeg reads ${sourceFramesRead} source frames` +
      (rate ? ` at ${(rate.seconds * 1000).toFixed(2)} ms each (${rate.basis})` : ' (decode speed not measured yet)'),
  };
}

/** Whole-clip reconstruction in memory (the Reconstruct view): activations and frames grow with T. */
export function estimateReconstruct(model: ModelCostFacts, shape: ClipShape, budget: MemoryBudget = memoryBudget()): Cost {
  const e = estimateWhole(model.manifest, shape);
  return {
    bytes: e.totalBytes,
    bytesMeaning: 'peak',
    fits: e.totalBytes <= budget.bytes,
    seconds: model.rate ? voxels(shape) * model.rate.seconds : null,
    basis: `whole clip: ${describeEstimate(e, budget)}; ${speed(model.rate)}`,
  };
}

/**
 * The whole source streamed through the Causal Cache encoder and decoder with
 * the largest default chunks that fit the budget: memory does not depend on T.
 */
export function estimateStreamed(model: ModelCostFacts, shape: ClipShape, budget: MemoryBudget = memoryBudget()): Cost & { encChunk: number; decChunk: number } {
  const plan = planChunks(model.manifest, shape, budget);
  return {
    bytes: plan.estimate.totalBytes,
    bytesMeaning: 'peak',
    fits: plan.fits,
    seconds: model.rate ? voxels(shape) * model.rate.seconds : null,
    basis: `Causal Cache, chunks of ${plan.chunks.encChunk} video / ${plan.chunks.decChunk} latent frames: ${describeEstimate(plan.estimate, budget)}, flat in T (${shape.frames} frames); ${speed(model.rate)}`,
    ...plan.chunks,
  };
}
