// The app's plans (memory and time said before a run) for the loaded model,
// made by the one planner (plan/plan-work.ts) and kept per request, so that
// the Clip panel, the Reconstruct and Chunking views and the whole-video panel
// show the very same figures for the same clip, and the run uses the very
// chunks they showed. A plan is made again when the model's measured speed
// changes (after each run).
import type { RunPlan } from '../../shared/contract';
import { formatDuration } from '../../shared/duration';
import type { Calibration, WorkKind } from '../plan/calibration';
import { planWork, type WorkPlan } from '../plan/plan-work';
import type { GraphManifest } from '../onnx/cache';
import { describeEstimate, memoryBudget, type ClipShape } from '../runtime/memory-plan';
import { guiRefusal } from './gui-messages';

export interface SessionPlanRequest {
  kind: Extract<WorkKind, 'app-reconstruct' | 'compare' | 'whole-video'>;
  clip: ClipShape;
  chunks?: { encChunk: number; decChunk: number };
}

export class SessionPlans {
  private readonly made = new Map<string, WorkPlan>();

  constructor(
    private readonly manifest: GraphManifest,
    readonly calibration: Calibration,
  ) {}

  plan(r: SessionPlanRequest): WorkPlan {
    // The comparison's memory and time do not depend on its chunks (any the user picks): one plan for all of them.
    const chunked = r.kind !== 'compare' && r.chunks;
    const key = `${r.kind}|${r.clip.frames}x${r.clip.height}x${r.clip.width}|${chunked ? `${r.chunks!.encChunk}/${r.chunks!.decChunk}` : 'auto'}|${this.calibration.version}`;
    let p = this.made.get(key);
    if (!p) {
      const chunking = chunked ? { mode: 'cached' as const, ...r.chunks! } : undefined;
      p = planWork({ kind: r.kind, manifest: this.manifest, clip: r.clip, chunking, budget: memoryBudget(), extraVideos: r.kind === 'compare' ? 3 : undefined }, this.calibration);
      if (this.made.size > 64) this.made.clear();
      this.made.set(key, p);
    }
    return r.kind === 'compare' && r.chunks ? { ...p, settings: { ...p.settings, ...r.chunks } } : p;
  }
}

/** How a plan runs, in words, for the views. */
export function describeRunMode(p: WorkPlan): string {
  if (p.kind === 'compare') return `whole clip as the ground truth, then Causal Cache and naive chunks of ${p.settings.encChunk} video / ${p.settings.decChunk} latent frames`;
  if (p.settings.mode === 'whole') return 'whole clip in one pass';
  return `Causal Cache, chunks of ${p.settings.encChunk} video / ${p.settings.decChunk} latent frames`;
}

/** The plan as the wire carries it to the views. */
export function wireRunPlan(p: WorkPlan): RunPlan {
  const whole = p.settings.mode === 'whole' && p.kind !== 'compare';
  return {
    mode: p.settings.mode === 'whole' ? 'whole' : 'cached',
    encChunk: whole ? null : p.settings.encChunk,
    decChunk: whole ? null : p.settings.decChunk,
    estimateBytes: p.estimate.totalBytes,
    budgetBytes: p.budget.bytes,
    fits: p.fits,
    text: p.fits ? describeEstimate(p.estimate, p.budget) : guiRefusal(p.refusal!),
    frames: p.frames,
    seconds: p.time?.seconds ?? null,
    timeBasis: p.time ? `${formatDuration(p.time.seconds)}: ${p.time.basis}` : 'time: not measured on this machine yet',
  };
}

