// A run the planner refuses for memory, as facts and actions rather than a
// sentence: what was planned, what it needs, the budget, and what would make it
// fit. Each host words the actions in its own terms — the CLI names its flags
// (cli/refusal-text.ts), the app names its controls (session/gui-messages.ts) —
// so the app never tells its user to pass --memory-budget.
import { describeEstimate, formatBytes, type ClipShape, type MemoryBudget, type MemoryEstimate } from '../runtime/memory-plan';

/** What would make a refused run fit, most useful first. */
export type RefusalAction =
  /** Run it with the Causal Cache instead of whole (the model chunks exactly). */
  | 'use-cache'
  /** Fewer frames at this size (`fitFrames` says how many fit). */
  | 'fewer-frames'
  /** A smaller frame size. */
  | 'smaller-size'
  /** Smaller chunks than the ones asked for. */
  | 'smaller-chunks'
  /** The model cannot chunk exactly: chunk it anyway and read the deviation. */
  | 'chunk-anyway'
  /** Free memory outside the run (the process alone holds more than the budget) or raise the budget. */
  | 'more-memory';

export interface BudgetRefusal {
  /** What was planned: one whole-clip pass, Causal Cache chunks, or the comparison (whole clip as the ground truth, and more). */
  run: 'whole' | 'cached' | 'compare';
  clip: ClipShape;
  /** The chunks of a cached run; null otherwise. */
  chunks: { encChunk: number; decChunk: number } | null;
  estimate: MemoryEstimate;
  budget: MemoryBudget;
  /** What in the model mixes frames (why it cannot chunk exactly); null when it chunks exactly. */
  timeMixing: string | null;
  /** The most frames that fit at this size on the model's 1 + k·t grid; 0 when not even one does. */
  fitFrames: number;
  actions: RefusalAction[];
}

/** What was planned and why it does not fit, in one sentence every host says alike. */
export function refusalFacts(r: BudgetRefusal): string {
  const c = r.clip;
  const shape = `${c.frames}x${c.height}x${c.width} (TxHxW)`;
  const what = r.chunks
    ? `chunked inference of ${shape} with encoder chunks of ${r.chunks.encChunk} frames and decoder chunks of ${r.chunks.decChunk} latent frames`
    : `whole-clip inference of ${shape}`;
  return `${what} needs ${describeEstimate(r.estimate)}, more than the budget of ${formatBytes(r.budget.bytes)} (${r.budget.source}).`;
}

/** "at most 17 frames fit at this size", "not even one frame fits at this size". */
export function fitFramesText(n: number): string {
  return n >= 1 ? `at most ${n} frame${n === 1 ? '' : 's'} fit${n === 1 ? 's' : ''} at this size` : 'not even one frame fits at this size';
}

/**
 * The actions for a refused run, from its facts: fewer frames only where fewer
 * fit (a streamed run's memory does not grow with the clip), a smaller size
 * unless the process alone is over the budget.
 */
export function refusalActions(o: { run: BudgetRefusal['run']; causalSafe: boolean; askedChunks: boolean; fitFrames: number; baseOver: boolean }): RefusalAction[] {
  const a: RefusalAction[] = [];
  if (o.run === 'whole' && o.causalSafe) a.push('use-cache');
  if (o.fitFrames >= 1) a.push('fewer-frames');
  if (!o.baseOver) a.push('smaller-size');
  if (o.run === 'cached' && o.askedChunks) a.push('smaller-chunks');
  if (o.run === 'whole' && !o.causalSafe) a.push('chunk-anyway');
  a.push('more-memory');
  return a;
}

/**
 * The most frames (1 + k·t, up to the clip's) whose estimate fits, by bisection:
 * every estimate grows with the frame count.
 */
export function largestFitting(frames: number, temporalCompression: number, fits: (frames: number) => boolean): number {
  let lo = 0;
  let hi = Math.floor((frames - 1) / temporalCompression);
  if (!fits(1)) return 0;
  if (fits(1 + hi * temporalCompression)) return 1 + hi * temporalCompression;
  // Here fits(1 + lo·t) and not fits(1 + hi·t).
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fits(1 + mid * temporalCompression)) lo = mid;
    else hi = mid;
  }
  return 1 + lo * temporalCompression;
}
