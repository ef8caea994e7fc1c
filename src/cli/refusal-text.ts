// The planner's memory refusals (engine/plan/refusal.ts) in the CLI's terms:
// what to change, by the flag that changes it.
import { fitFramesText, refusalFacts, type BudgetRefusal, type RefusalAction } from '../engine/plan/refusal';

const CLI_ACTIONS: Record<RefusalAction, (r: BudgetRefusal) => string> = {
  'use-cache': () => 'run it with the Causal Cache instead (the default: equal to whole-clip inference, in memory that does not grow with the clip; leave out --whole)',
  'fewer-frames': (r) => `pick fewer frames (--frames; ${fitFramesText(r.fitFrames)})`,
  'smaller-size': () => 'pick a smaller size (--size)',
  'smaller-chunks': () => 'use smaller chunks (--enc-chunk / --dec-chunk)',
  'chunk-anyway': () => 'chunk it anyway (--enc-chunk N) and read the reported deviation',
  'more-memory': () => 'raise the budget (--memory-budget / WFVAE_MEMORY_BUDGET) if you know the memory is there',
};

/** "a, b, or c" */
function orList(items: string[]): string {
  return items.length < 3 ? items.join(' or ') : `${items.slice(0, -1).join(', ')}, or ${items[items.length - 1]}`;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The refusal the CLI prints (exit 2): the facts, then what to do with its flags. */
export function cliRefusal(r: BudgetRefusal): string {
  const what = orList(r.actions.map((a) => CLI_ACTIONS[a](r)));
  const why =
    r.run === 'compare' ? 'The comparison needs the whole-clip run as its ground truth: ' : r.timeMixing !== null && r.run === 'whole' ? `This model cannot chunk exactly (${r.timeMixing}): ` : '';
  return `${refusalFacts(r)} ${why ? why + what : capital(what)}.`;
}
