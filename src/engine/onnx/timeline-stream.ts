// The Causal Cache as graphs. A chunked run feeds a clip to one step graph,
// chunk by chunk: the first chunk (frame 0 alone; the `first` flag set) is
// padded as a whole clip's start is, every later chunk continues from the
// state the previous one left. Every causal layer keeps what the next chunk
// needs as explicit graph state:
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
// structure alone, so every step agrees on every state's size.
//
// The whole-clip graph carries no state at all: outputs that only a chunked
// run needs would keep every padded activation alive until the end of a
// whole-clip run (onnxruntime computes them, late), doubling its memory.
import type { GraphBuilder, Value } from './graph';
import { DataType } from './proto';
import { concat, dims, shapeOf, slice, sliceDyn } from './layers';
import { doubleFrames, type TimeInterpolation, type Timeline } from './timeline';

export interface StateInfo {
  /** Graph input `cache.<name>`, graph output `cache_next.<name>`. */
  name: string;
  frames: number;
  kind: 'conv' | 'upsample' | 'fifo';
}

export const stateInput = (name: string) => `cache.${name}`;
export const stateOutput = (name: string) => `cache_next.${name}`;
export const FLAG_FIRST = 'stream_first';
export const FLAG_STARTED = 'stream_started';
export const FLAG_FINAL = 'stream_final';

const BOOL = 9; // onnx TensorProto.BOOL
const INT64_MAX = Number.MAX_SAFE_INTEGER;

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

  /** Frames of `v` held back by look-ahead (0 where nothing upstream looks ahead). */
  lagOf(v: Value): number {
    return this.lags.of(v);
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
 * One chunk of a chunked run: state in, outputs and state out. The first chunk
 * of a clip (`stream_first` = 1) is its frame 0 alone (latent frame 0 for the
 * decoder); its state inputs are placeholders of shape (1, 1, frames, 1, 1),
 * and every layer pads it as a whole clip's start is padded.
 */
export class StepTimeline extends StatefulTimeline {
  private first?: Value;
  private firstBool?: Value;
  private started?: Value;
  private final?: Value;
  private notFirstFlag?: Value;
  private notStartedFlag?: Value;

  /** 1 on a clip's first chunk. */
  private flagFirst(): Value {
    this.first ??= this.g.input(FLAG_FIRST, [1], DataType.INT64);
    return this.first;
  }

  private isFirst(): Value {
    this.firstBool ??= this.g.op1('Cast', [this.flagFirst()], { to: BOOL });
    return this.firstBool;
  }

  /** 1 once the streams after frame 0 have begun (from the clip's third chunk on). */
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

  /** 1 on every chunk but a clip's first. */
  private notFirst(): Value {
    this.notFirstFlag ??= this.g.op1('Sub', [this.g.int64([1]), this.flagFirst()]);
    return this.notFirstFlag;
  }

  /** 1 until the streams after frame 0 have begun. */
  private notStarted(): Value {
    this.notStartedFlag ??= this.g.op1('Sub', [this.g.int64([1]), this.flagStarted()]);
    return this.notStartedFlag;
  }

  /**
   * The first `n` frames of `x` where `on` is 1, none where it is 0. Choosing
   * between the carried state and a clip's start padding by length, rather
   * than with Where, copies only what is kept: a Where built both operands
   * and wrote the chosen one on every chunk (4 of 37 s of the demo decoder's
   * Causal Cache run at 65x256x448). An empty input of Concat may differ in
   * its other dimensions (the first chunk's placeholder states are 1x1).
   */
  private framesIf(x: Value, n: number, on: Value): Value {
    const g = this.g;
    return sliceDyn(g, x, 2, g.int64([0]), n === 1 ? on : g.op1('Mul', [g.int64([n]), on]));
  }

  causalPad(x: Value, k: number, stride: number, key: string): Value {
    const g = this.g;
    const lead = k - 1; // frames a clip's start is padded with (copies of frame 0)
    if (lead <= 0) return x;
    const keep = Math.max(0, k - stride); // frames carried from chunk to chunk
    // First chunk: `lead` copies of frame 0. Later chunks (whole strides): the `keep` frames carried.
    const carried = keep > 0 ? [this.framesIf(this.stateIn(key, keep, 'conv'), keep, this.notFirst())] : [];
    const start = Array<Value>(lead).fill(this.framesIf(x, 1, this.flagFirst()));
    const padded = concat(g, [...carried, ...start, x], 2);
    if (keep > 0) this.emitState(key, slice(g, padded, 2, -keep), keep);
    return padded;
  }

  protected timeDouble(x: Value, mode: TimeInterpolation, key: string): Value {
    const g = this.g;
    // A clip's first frame is not doubled: on the first chunk (frame 0 alone) keep one copy.
    if (mode === 'nearest') return sliceDyn(g, doubleFrames(g, x, mode, x, x), 2, this.flagFirst(), g.int64([INT64_MAX]));
    const started = this.flagStarted();
    const last = this.stateIn(key, 1, 'upsample');
    // Before the stream starts its first frame has no predecessor: clamp to itself.
    const seq = concat(g, [this.framesIf(last, 1, started), this.framesIf(x, 1, this.notStarted()), x], 2);
    const prev = concat(g, [slice(g, seq, 2, 0, 1), slice(g, seq, 2, 0, -1)], 2);
    const next = concat(g, [slice(g, seq, 2, 1), slice(g, seq, 2, -1)], 2);
    // The first chunk's frame passes through unblended (weights 0 and 1), as in the whole clip.
    const near = g.op1('Where', [this.isFirst(), g.scalar(1), g.scalar(0.75)]);
    const far = g.op1('Where', [this.isFirst(), g.scalar(0), g.scalar(0.25)]);
    const doubled = doubleFrames(g, seq, mode, prev, next, { near, far });
    // doubled = [even(pad), odd(pad), even(x0), odd(x0), …]. Keep odd(pad) only
    // when pad is the real previous frame; keep the last odd frame only at the
    // end of the clip (otherwise it needs the next chunk's first frame), and
    // never on the first chunk, whose one frame is not doubled.
    const len = dims(g, shapeOf(g, doubled), 2, 3);
    const start = g.op1('Sub', [g.int64([2]), started]);
    const release = g.op1('Mul', [this.flagFinal(), g.op1('Sub', [g.int64([1]), this.flagFirst()])]);
    const end = g.op1('Add', [g.op1('Sub', [len, g.int64([1])]), release]);
    this.emitState(key, slice(g, x, 2, -1), 1);
    return sliceDyn(g, doubled, 2, start, end);
  }

  protected dropFirst(x: Value): Value {
    // Only the clip's first chunk carries the padding frame.
    return sliceDyn(this.g, x, 2, this.flagFirst(), this.g.int64([INT64_MAX]));
  }

  protected delay(x: Value, frames: number, key: string): Value {
    const g = this.g;
    // Until the streams start, the FIFO holds copies of the chunk's first frame.
    const held = this.framesIf(this.stateIn(key, frames, 'fifo'), frames, this.flagStarted());
    const fifo = concat(g, [held, ...Array<Value>(frames).fill(this.framesIf(x, 1, this.notStarted())), x], 2);
    const n = dims(g, shapeOf(g, x), 2, 3);
    const d = g.int64([frames]);
    // Emit as many frames as came in, shifted by `frames`. Until the streams
    // start the FIFO holds only its placeholder (skipped); on the first chunk
    // nothing is delayed (frame 0 has no look-ahead); at the last it drains.
    const start = g.op1('Mul', [d, g.op1('Sub', [g.int64([1]), this.flagStarted()])]);
    const end = g.op1('Add', [n, g.op1('Mul', [d, g.op1('Max', [this.flagFinal(), this.flagFirst()])])]);
    this.emitState(key, slice(g, fifo, 2, -frames), frames);
    return sliceDyn(g, fifo, 2, start, end);
  }
}
