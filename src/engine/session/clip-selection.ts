// The Clip panel's selection (start frame, count, sample rate, size, snap) as
// decode options, and what decoding and reconstructing it will cost, said
// before anything runs: the decode from this file's measured speed, the model
// runs from the loaded model's plans (session-plans.ts), the same plans the
// Reconstruct view and the whole-video panel show and run.
import type { ClipEstimate, ClipSelection } from '../../shared/workflow-contract';
import { planDecodeSelection, type WorkPlan } from '../plan/plan-work';
import { describeEstimate } from '../runtime/memory-plan';
import { isVideoError, planDecode, type DecodeOptions, type DecodePlan } from '../video/index';
import type { ClipSource } from './clip-sources';
import { describeRunMode, type SessionPlans } from './session-plans';
import { guiRefusal } from './gui-messages';

export function selectionToDecode(s: ClipSelection): DecodeOptions {
  return { startFrame: s.start, frames: s.frames, sampleRate: s.sampleRate, size: s.size === 'native' ? undefined : s.size, temporalMultiple: s.snap };
}

/** The selection a clip opened with plain decode options (and the engine's defaults) amounts to. */
export function selectionFromOptions(o: { start?: number; sampleRate?: number; frames: number; size?: number; temporalMultiple: 4 | 8 }): ClipSelection {
  const sampleRate = o.sampleRate ?? 1;
  return { start: (o.start ?? 0) * sampleRate, frames: o.frames, sampleRate, size: o.size ?? 'native', snap: o.temporalMultiple };
}

/** The shape of the whole source at the selection's size and sample rate for a model (what the whole-video run gives), or null if it cannot be decoded. */
export function wholeVideoShape(source: ClipSource, s: ClipSelection, temporalCompression: 4 | 8): { frames: number; height: number; width: number } | null {
  const r = tryPlan(source, wholeVideoDecode({ ...s, snap: temporalCompression }));
  return r.plan ? { frames: r.plan.frames, height: r.plan.height, width: r.plan.width } : null;
}

/** The whole source at the selection's size and sample rate: what the whole-video reconstruction runs on. */
export function wholeVideoDecode(s: ClipSelection): DecodeOptions {
  // Streaming holds O(chunk) frames: the whole-clip voxel guard does not apply.
  return { startFrame: 0, sampleRate: s.sampleRate, size: s.size === 'native' ? undefined : s.size, temporalMultiple: s.snap, maxVoxels: Infinity };
}

function tryPlan(source: ClipSource, o: DecodeOptions): { plan: DecodePlan; error: null } | { plan: null; error: string } {
  try {
    return { plan: planDecode(source.info, o), error: null };
  } catch (err) {
    if (isVideoError(err)) return { plan: null, error: err.message.split(source.path).join(source.name) };
    throw err;
  }
}

function cost(p: WorkPlan) {
  const time = p.time ? `time ${p.time.basis}` : 'time: not measured on this machine yet';
  return {
    bytes: p.estimate.totalBytes,
    bytesMeaning: 'peak' as const,
    fits: p.fits,
    seconds: p.time?.seconds ?? null,
    basis: p.fits ? `${describeRunMode(p)}; ${describeEstimate(p.estimate, p.budget)}; ${time}` : `${guiRefusal(p.refusal!)} ${time}`,
  };
}

export function estimateSelection(clipId: string, source: ClipSource, selection: ClipSelection, model: { plans: SessionPlans; className: string; temporalCompression: 4 | 8 } | { missing: string }): ClipEstimate {
  const r = tryPlan(source, selectionToDecode(selection));
  const modelName = 'missing' in model ? model.missing : model.className;
  const out: ClipEstimate = { clipId, selection, plan: null, error: r.error, decode: null, reconstruct: null, wholeVideo: null, model: modelName };
  if (r.plan) {
    const p = r.plan;
    const first = p.frameIndices[0];
    const last = p.frameIndices[p.frames - 1];
    const fps = source.info.fps;
    out.plan = {
      frames: p.frames,
      wanted: Math.min(selection.frames, Math.floor((source.info.frames - 1 - selection.start) / selection.sampleRate) + 1),
      width: p.width,
      height: p.height,
      fps: p.fps,
      firstFrame: first,
      lastFrame: last,
      startSeconds: fps > 0 ? first / fps : 0,
      durationSeconds: p.fps > 0 ? p.frames / p.fps : 0,
      resized: p.resized,
      crop: p.crop,
      notes: p.notes,
    };
    const shape = { frames: p.frames, height: p.height, width: p.width };
    const d = planDecodeSelection(shape, last + 1, source.decodeRate);
    out.decode = { bytes: d.bytes, bytesMeaning: 'added', fits: null, seconds: d.seconds, basis: d.basis };
    if (!('missing' in model)) {
      if ((p.frames - 1) % model.temporalCompression === 0) {
        const plan = model.plans.plan({ kind: 'app-reconstruct', clip: shape });
        out.reconstruct = { ...cost(plan), how: describeRunMode(plan) };
      } else out.error = `${p.frames} frames do not fit this ${model.temporalCompression}× model (it takes 1 + ${model.temporalCompression}k frames): set the snap to ${model.temporalCompression}`;
    }
  }
  if (!('missing' in model)) {
    // The whole-video run forces the model's own snap: the estimate does too, so its frames are the run's.
    const w = wholeVideoShape(source, selection, model.temporalCompression);
    if (w) {
      const plan = model.plans.plan({ kind: 'whole-video', clip: w });
      out.wholeVideo = { ...cost(plan), frames: w.frames, width: w.width, height: w.height, encChunk: plan.settings.encChunk, decChunk: plan.settings.decChunk };
    }
  }
  return out;
}
