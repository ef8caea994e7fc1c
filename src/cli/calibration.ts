// The CLI's side of time estimates: this machine's calibration for a loaded
// model (engine/plan/calibration.ts), probed once when nothing was measured
// here yet, and every finished run recorded into it.
import { Calibration, type WorkKind } from '../engine/plan/calibration';
import type { WorkPlan } from '../engine/plan/plan-work';
import { probeSpeed } from '../engine/plan/probe';
import type { WfvaeModel } from '../engine/runtime/model';

const loaded = new WeakMap<WfvaeModel, Promise<Calibration>>();

export function calibrationFor(model: WfvaeModel, quiet: boolean, signal?: AbortSignal): Promise<Calibration> {
  let c = loaded.get(model);
  if (!c) {
    c = (async () => {
      const cal = await Calibration.load({ modelSha256: model.manifest.sha256, provider: model.provider, threads: model.threads, precision: model.precision });
      if (cal.empty) {
        if (!quiet) process.stderr.write(`timing: nothing measured yet for this model on ${model.provider} here; a short probe run first\n`);
        await probeSpeed(model, cal, signal);
      }
      return cal;
    })();
    loaded.set(model, c);
  }
  return c;
}

/** Records a finished run of a plan: `seconds` from the start of the work (the model already loaded). */
export async function recordRun(
  model: WfvaeModel,
  plan: Pick<WorkPlan, 'kind' | 'voxels' | 'clips'> & { frames: number },
  area: number,
  seconds: number,
  what: string,
  steady?: { voxels: number; seconds: number },
): Promise<void> {
  const cal = await calibrationFor(model, true);
  await cal.record(plan.kind as WorkKind, { voxels: plan.voxels, area, seconds, what, steady });
}
