// The app's runs, planned before they start: how the Reconstruct view and the
// Chunking view's comparison will run on the loaded model and the open clip,
// and the memory each needs against the budget. A run that would not fit is
// refused with the same text the view showed before it was started.
import type { RunPlan } from '../../shared/contract';
import type { GraphManifest } from '../onnx/cache';
import {
  describeEstimate, estimateWhole, formatBytes, memoryBudget, planChunks, tapBytes, wholeRefusal,
  type ClipShape, type MemoryBudget, type MemoryEstimate,
} from '../runtime/memory-plan';

export interface PlannedRun extends RunPlan {
  settings: { mode: 'whole' | 'cached'; encChunk: number; decChunk: number };
}

function plan(estimate: MemoryEstimate, budget: MemoryBudget, refusal: string, chunks?: { encChunk: number; decChunk: number }): PlannedRun {
  const fits = estimate.totalBytes <= budget.bytes;
  return {
    mode: estimate.mode,
    encChunk: chunks?.encChunk ?? null,
    decChunk: chunks?.decChunk ?? null,
    estimateBytes: estimate.totalBytes,
    budgetBytes: budget.bytes,
    fits,
    text: fits ? describeEstimate(estimate, budget) : refusal,
    settings: { mode: estimate.mode, encChunk: chunks?.encChunk ?? 0, decChunk: chunks?.decChunk ?? 0 },
  };
}

/** Reconstruct: the Causal Cache (exact) with chunks sized to the budget; whole clip for a model that cannot chunk exactly. */
export function reconstructPlan(m: GraphManifest, clip: ClipShape, budget: MemoryBudget = memoryBudget()): PlannedRun {
  if (!m.facts.causalSafe) {
    const e = estimateWhole(m, clip);
    return plan(e, budget, wholeRefusal(e, budget, clip).replace(/ Run it with the Causal Cache instead.*$/, ' This model cannot chunk exactly (GroupNorm over time), so the app reconstructs it whole: pick fewer frames or a smaller size in the Clip panel, or raise WFVAE_MEMORY_BUDGET if you know the memory is there.'));
  }
  // Beside the session's clip (already in the process): the compute thread's copy, the reconstruction,
  // and every tap, collected chunk by chunk and joined.
  const p = planChunks(m, clip, budget, { heldClips: 2, extraBytes: 2 * tapBytes(m, clip) });
  const refusal =
    `even Causal Cache chunks of ${p.chunks.encChunk} frames / ${p.chunks.decChunk} latent frames need ${describeEstimate(p.estimate)}, ` +
    `more than the budget of ${formatBytes(budget.bytes)} (${budget.source}): pick a smaller size in the Clip panel, or raise WFVAE_MEMORY_BUDGET.`;
  return plan(p.estimate, budget, refusal, p.chunks);
}

/** The Chunking view's comparison holds the whole-clip ground truth and two more reconstructions. */
export function comparePlan(m: GraphManifest, clip: ClipShape, chunks: { encChunk: number; decChunk: number }, budget: MemoryBudget = memoryBudget()): PlannedRun {
  const whole = estimateWhole(m, clip);
  // The cached and naive reconstructions, and the compute thread's copy of the clip.
  const extra = 3 * 4 * 3 * clip.frames * clip.height * clip.width;
  const e: MemoryEstimate = { ...whole, totalBytes: whole.totalBytes + extra, parts: { ...whole.parts, frameBytes: whole.parts.frameBytes + extra } };
  const refusal = wholeRefusal(e, budget, clip).replace(/ Run it with the Causal Cache instead.*$/, ' The comparison needs the whole-clip run as its ground truth: pick fewer frames or a smaller size in the Clip panel, or raise WFVAE_MEMORY_BUDGET.');
  return { ...plan(e, budget, refusal), encChunk: chunks.encChunk, decChunk: chunks.decChunk };
}

/** Drops the engine-only settings for the wire. */
export function wirePlan(p: PlannedRun): RunPlan {
  const { settings: _settings, ...wire } = p;
  return wire;
}
