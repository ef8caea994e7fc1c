// The memory and time a run will need, said before it is started: the engine's
// one planner plans Reconstruct (Causal Cache chunks sized to the budget) and
// the Chunking comparison (whole clip as ground truth) for the open clip and
// loaded model; the Clip panel shows the same plan. A run that would not fit is
// refused by the engine with the same text.
import type { RunPlan } from '../../../shared/contract';
import { useStore } from '../store';
import { useEngineQuery } from './use-engine-query';
import { formatSeconds } from '../workflow/SelectionPanel';

export function useRunPlans() {
  const clip = useStore((s) => s.clip);
  const model = useStore((s) => s.model);
  const transport = useStore((s) => s.transport);
  const busy = useStore((s) => s.task !== null);
  // Asked again after each task: what the process holds (the base of every estimate) changes with results.
  const key = clip && model && transport && !busy ? `${clip.clipId}/${model.modelId}` : null;
  return useEngineQuery(key, () => transport!.api.planRuns({ clipId: clip!.clipId }));
}

function describeRun(p: RunPlan): string {
  if (p.mode === 'whole') return 'whole clip in one pass';
  return `Causal Cache, encoder chunks of ${p.encChunk} frames, decoder chunks of ${p.decChunk} latent frames`;
}

export function RunPlanNote({ plan, testId }: { plan: RunPlan | undefined; testId: string }) {
  if (!plan) return null;
  return (
    <p className={plan.fits ? 'muted run-plan' : 'verdict verdict--warn run-plan'} data-testid={testId} data-fits={plan.fits ? 'yes' : 'no'}>
      {plan.fits ? (
        <>
          <strong>Memory:</strong> {plan.text} — {describeRun(plan)}.{' '}
          <strong>Time:</strong> <span data-testid={`${testId}-time`} data-seconds={plan.seconds ?? ''} title={plan.timeBasis}>{formatSeconds(plan.seconds)}</span>
        </>
      ) : (
        <>
          <strong>Will not run:</strong> {plan.text}
        </>
      )}
    </p>
  );
}
