// The Causal Cache as graphs. A clip is run as a prefix (its first frame, with
// the whole-clip graph) and then continuation steps of any number of frames.
// Every causal layer keeps what the next chunk needs as explicit graph state:
//
//   causal conv, kernel k, stride s  the last k - s frames of its padded input
//   time x2 upsampling (trilinear)   the last input frame; the newest odd output
//                                    waits for the next frame (one frame of
//                                    look-ahead), flushed by the `final` flag
//   streams that meet (concat, add)  a FIFO delays the stream that is ahead
//
// A stream's "lag" is how many of its frames are held back (by look-ahead)
// relative to what its inputs would allow; merges delay the less-lagged side
// so both carry the same frames. Lags are static: they follow from the model's
// structure alone, so the prefix and step graphs agree on every state's size.
import type { GraphBuilder, Value } from './graph';
import { DataType } from './proto';
import { concat, dims, shapeOf, slice, sliceDyn } from './layers';
import { WholeClipTimeline, doubleFrames, type TimeInterpolation, type Timeline } from './timeline';

export interface StateInfo {
  /** Graph input `cache.<name>`, graph output `cache_next.<name>`. */
  name: string;
  frames: number;
  kind: 'conv' | 'upsample' | 'fifo';
}

export const stateInput = (name: string) => `cache.${name}`;
export const stateOutput = (name: string) => `cache_next.${name}`;
export const FLAG_STARTED = 'stream_started';
export const FLAG_FINAL = 'stream_final';

const stateDims = (name: string, frames: number) => ['batch', `${name}_c`, frames, `${name}_h`, `${name}_w`];

/** Lag (held-back frames) of every stream value, derived from the graph's own structure. */
class LagTracker {
  private readonly known = new Map<string, number>();

  constructor(private readonly g: GraphBuilder) {}

  set(v: Value, lag: number): void {
    this.known.set(v.name, lag);
  }

  of(v: Value): number {
    const hit = this.known.get(v.name);
    if (hit !== undefined) return hit;
    const node = this.g.producerOf(v);
    let lag = 0;
    if (node) for (const i of node.inputs) if (i) lag = Math.max(lag, this.of({ name: i }));
    this.known.set(v.name, lag);
    return lag;
  }
}

abstract class StatefulTimeline implements Timeline {
  readonly states: StateInfo[] = [];
  protected readonly lags: LagTracker;

  constructor(protected readonly g: GraphBuilder) {
    this.lags = new LagTracker(g);
  }

  protected addState(name: string, frames: number, kind: StateInfo['kind']): void {
    if (this.states.some((s) => s.name === name)) throw new Error(`duplicate stream state ${name}`);
    this.states.push({ name, frames, kind });
  }

  protected emitState(name: string, v: Value, frames: number): void {
    this.g.output(stateOutput(name), v, stateDims(name, frames));
  }

  abstract causalPad(x: Value, k: number, stride: number, key: string): Value;
  protected abstract timeDouble(x: Value, mode: TimeInterpolation, key: string): Value;
  protected abstract dropFirst(x: Value): Value;
  protected abstract delay(x: Value, frames: number, key: string): Value;

  upsampleTime(x: Value, mode: TimeInterpolation, key: string): Value {
    const y = this.timeDouble(x, mode, key);
    this.lags.set(y, 2 * this.lags.of(x) + (mode === 'trilinear' ? 1 : 0));
    return y;
  }

  dropPaddingFrame(x: Value, _key: string, coeffs: Value): Value {
    const y = this.dropFirst(x);
    this.lags.set(y, 2 * this.lags.of(coeffs));
    return y;
  }

  align(xs: Value[], key: string): Value[] {
    const lags = xs.map((x) => this.lags.of(x));
    const target = Math.max(...lags);
    return xs.map((x, i) => {
      if (lags[i] === target) return x;
      const y = this.delay(x, target - lags[i], `${key}.${i}`);
      this.lags.set(y, target);
      return y;
    });
  }
}

/**
 * The whole-clip graph, additionally exporting the state a continuation step
 * needs. Run on a clip's first frame it starts a chunked run; its state
 * outputs cost nothing when not fetched.
 */
export class PrefixTimeline extends StatefulTimeline {
  private readonly whole: WholeClipTimeline;

  constructor(g: GraphBuilder) {
    super(g);
    this.whole = new WholeClipTimeline(g);
  }

  causalPad(x: Value, k: number, stride: number, key: string): Value {
    const padded = this.whole.causalPad(x, k);
    const keep = k - stride;
    if (keep > 0) {
      this.addState(key, keep, 'conv');
      this.emitState(key, slice(this.g, padded, 2, -keep), keep);
    }
    return padded;
  }

  protected timeDouble(x: Value, mode: TimeInterpolation, key: string): Value {
    if (mode === 'trilinear') {
      // Contents unused: the first step starts the upsampling stream afresh.
      this.addState(key, 1, 'upsample');
      this.emitState(key, slice(this.g, x, 2, -1), 1);
    }
    return this.whole.upsampleTime(x, mode);
  }

  protected dropFirst(x: Value): Value {
    return this.whole.dropPaddingFrame(x);
  }

  protected delay(x: Value, frames: number, key: string): Value {
    // Contents unused: a FIFO has nothing to release before its stream starts.
    this.addState(key, frames, 'fifo');
    this.emitState(key, concat(this.g, Array<Value>(frames).fill(slice(this.g, x, 2, 0, 1)), 2), frames);
    return x;
  }
}

/** One continuation chunk: state in, outputs and state out. */
export class StepTimeline extends StatefulTimeline {
  private started?: Value;
  private final?: Value;

  /** 1 once the upsampling streams have begun (every step after the first). */
  private flagStarted(): Value {
    this.started ??= this.g.input(FLAG_STARTED, [1], DataType.INT64);
    return this.started;
  }

  /** 1 on the clip's last chunk: look-ahead frames are released with clamped neighbours. */
  private flagFinal(): Value {
    this.final ??= this.g.input(FLAG_FINAL, [1], DataType.INT64);
    return this.final;
  }

  private stateIn(name: string, frames: number, kind: StateInfo['kind']): Value {
    this.addState(name, frames, kind);
    return this.g.input(stateInput(name), stateDims(name, frames));
  }

  causalPad(x: Value, k: number, stride: number, key: string): Value {
    const keep = k - stride;
    if (keep <= 0) return x; // chunks arrive in whole strides: nothing carries over
    const padded = concat(this.g, [this.stateIn(key, keep, 'conv'), x], 2);
    this.emitState(key, slice(this.g, padded, 2, -keep), keep);
    return padded;
  }

  protected timeDouble(x: Value, mode: TimeInterpolation, key: string): Value {
    const g = this.g;
    if (mode === 'nearest') return doubleFrames(g, x, mode, x, x);
    const started = this.flagStarted();
    const last = this.stateIn(key, 1, 'upsample');
    // Before the stream starts its first frame has no predecessor: clamp to itself.
    const pad = g.op1('Where', [g.op1('Cast', [started], { to: 9 /* BOOL */ }), last, slice(g, x, 2, 0, 1)]);
    const seq = concat(g, [pad, x], 2);
    const prev = concat(g, [slice(g, seq, 2, 0, 1), slice(g, seq, 2, 0, -1)], 2);
    const next = concat(g, [slice(g, seq, 2, 1), slice(g, seq, 2, -1)], 2);
    const doubled = doubleFrames(g, seq, mode, prev, next);
    // doubled = [even(pad), odd(pad), even(x0), odd(x0), …]. Keep odd(pad) only
    // when pad is the real previous frame; keep the last odd frame only at the
    // end of the clip (otherwise it needs the next chunk's first frame).
    const len = dims(g, shapeOf(g, doubled), 2, 3);
    const start = g.op1('Sub', [g.int64([2]), started]);
    const end = g.op1('Add', [g.op1('Sub', [len, g.int64([1])]), this.flagFinal()]);
    this.emitState(key, slice(g, x, 2, -1), 1);
    return sliceDyn(g, doubled, 2, start, end);
  }

  protected dropFirst(x: Value): Value {
    return x; // only the clip's first chunk carries the padding frame
  }

  protected delay(x: Value, frames: number, key: string): Value {
    const g = this.g;
    const fifo = concat(g, [this.stateIn(key, frames, 'fifo'), x], 2);
    const n = dims(g, shapeOf(g, x), 2, 3);
    const d = g.int64([frames]);
    // Emit as many frames as came in, shifted by `frames`; at the first step the
    // FIFO is empty (skip its placeholder), at the last it drains.
    const start = g.op1('Mul', [d, g.op1('Sub', [g.int64([1]), this.flagStarted()])]);
    const end = g.op1('Add', [n, g.op1('Mul', [d, this.flagFinal()])]);
    this.emitState(key, slice(g, fifo, 2, -frames), frames);
    return sliceDyn(g, fifo, 2, start, end);
  }
}
