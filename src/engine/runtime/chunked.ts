// The chunk scheduler: feeds a clip through the encoder or decoder chunk by
// chunk, either with the Causal Cache (state carried between chunks: the result
// equals whole-clip inference) or naively (every chunk a fresh clip: the seams
// flicker). It holds O(chunk) activations and yields results as they come.
import * as ort from 'onnxruntime-node';
import type { Tensor } from '../tensor';
import { FLAG_FINAL, FLAG_FIRST, FLAG_STARTED, stateInput, stateOutput, type StateInfo } from '../onnx/timeline-stream';
import { FrameAccumulator, sliceFrames } from './stream-frames';
import { releaseDeviceTensors } from './gpu-state';
import type { CarriedState } from './cache-state';

export type ChunkMode = 'cached' | 'naive';

/** What the scheduler needs of a session: ORT's own `run`. */
export interface GraphSession {
  run(feeds: Record<string, ort.Tensor>, fetches: readonly string[]): Promise<Record<string, ort.Tensor>>;
}

/** The two graphs of one side (encoder or decoder) of a converted model. */
export interface StreamGraphs {
  /** Whole-clip graph (naive chunking runs every chunk through it). */
  whole: GraphSession;
  /** Causal Cache step graph (first chunk and continuations); null when the model was converted without one. */
  step: GraphSession | null;
  states: readonly StateInfo[];
  /** Flag inputs the step graph takes. */
  stepFlags: readonly string[];
}

export interface ChunkProgress {
  /** Input frames consumed so far (video frames for the encoder, latent frames for the decoder). */
  done: number;
  total: number;
  chunk: number;
}

export interface ChunkOptions {
  mode: ChunkMode;
  /** Taps to fetch per chunk (their chunks concatenate to the whole-clip tap). */
  taps?: readonly string[];
  /**
   * Causal Cache runs: called after every chunk but the last with the state it
   * carries into the next one (the pathway view's cache). Naive runs carry none.
   */
  onState?: (step: CarriedState) => void | Promise<void>;
  signal?: AbortSignal;
  onProgress?: (p: ChunkProgress) => void;
}

export interface OutputChunk {
  /** Input frame range [start, end) this chunk consumed. */
  input: [number, number];
  outputs: Record<string, Tensor>;
}

const toOrt = (t: Tensor) => new ort.Tensor('float32', t.data, [...t.shape]);
const fromOrt = (t: ort.Tensor): Tensor => ({ data: t.data as Float32Array, shape: [...t.dims] });
const flag = (v: boolean) => new ort.Tensor('int64', BigInt64Array.from([v ? 1n : 0n]), [1]);

/**
 * Runs chunks through the Causal Cache step graph. The first chunk is frame 0
 * alone (latent frame 0 for the decoder): the graph pads it as a clip's start
 * and its state inputs are placeholders; every later chunk continues from the
 * state the previous one returned.
 */
class CachedRunner {
  private state: Record<string, ort.Tensor> | null = null;
  private chunks = 0;

  constructor(
    private readonly graphs: StreamGraphs,
    private readonly inputName: string,
    private readonly fetch: readonly string[],
  ) {
    if (!graphs.step) throw new Error('this converted model has no chunk-step graph; convert it again with this version to enable Causal Cache chunking');
  }

  async run(chunk: Tensor, final: boolean): Promise<Record<string, Tensor>> {
    const first = this.chunks === 0;
    if (first && chunk.shape[2] !== 1) throw new Error(`internal: a Causal Cache run starts with one frame alone (got ${chunk.shape[2]})`);
    const states = this.graphs.states.map((s) => stateOutput(s.name));
    const feeds: Record<string, ort.Tensor> = { [this.inputName]: toOrt(chunk) };
    for (const s of this.graphs.states) feeds[stateInput(s.name)] = this.state?.[stateOutput(s.name)] ?? placeholder(s.frames);
    const flags = this.graphs.stepFlags;
    if (flags.includes(FLAG_FIRST)) feeds[FLAG_FIRST] = flag(first);
    // The streams after frame 0 begin on the second chunk; from the third on they carry state.
    if (flags.includes(FLAG_STARTED)) feeds[FLAG_STARTED] = flag(this.chunks >= 2);
    if (flags.includes(FLAG_FINAL)) feeds[FLAG_FINAL] = flag(final);
    const out = await (this.graphs.step as GraphSession).run(feeds, [...this.fetch, ...states]);
    this.chunks++;
    const previous = this.state;
    this.state = {};
    for (const s of states) this.state[s] = out[s];
    // On a GPU provider the state stays on the device; the step just run has consumed the previous one.
    if (previous) {
      const kept = new Set(Object.values(this.state));
      releaseDeviceTensors(Object.values(previous).filter((t) => !kept.has(t)));
    }
    const result: Record<string, Tensor> = {};
    for (const f of this.fetch) result[f] = fromOrt(out[f]);
    return result;
  }

  /** The state the last step returned, which the next one takes in. */
  carried(): CarriedState['states'] {
    const state = this.state;
    if (!state) return [];
    return this.graphs.states.map((info) => ({ info, tensor: state[stateOutput(info.name)] }));
  }

  /** Frees the state still held (finished, failed or cancelled runs alike). */
  close(): void {
    if (this.state) releaseDeviceTensors(Object.values(this.state));
    this.state = null;
  }
}

/** A state input's stand-in on the first chunk (the graph does not read it there; it broadcasts to any shape). */
function placeholder(frames: number): ort.Tensor {
  return new ort.Tensor('float32', new Float32Array(frames), [1, 1, frames, 1, 1]);
}

/**
 * Runs chunks as fresh clips. To keep frame counts, every chunk after the first
 * starts one frame early (replication-padded, as any clip's first frame is) and
 * that frame's output is dropped: in a causal network a clip's first output
 * frame, of every stream, depends on its first input frame alone.
 */
class NaiveRunner {
  private last: Tensor | null = null;

  constructor(
    private readonly graphs: StreamGraphs,
    private readonly inputName: string,
    private readonly fetch: readonly string[],
  ) {}

  async run(chunk: Tensor): Promise<Record<string, Tensor>> {
    const overlap = this.last !== null;
    const clip = overlap ? concatTwo(this.last as Tensor, chunk) : chunk;
    this.last = sliceFrames(chunk, chunk.shape[2] - 1, chunk.shape[2]);
    const out = await this.graphs.whole.run({ [this.inputName]: toOrt(clip) }, this.fetch);
    const result: Record<string, Tensor> = {};
    for (const f of this.fetch) {
      const t = fromOrt(out[f]);
      result[f] = overlap ? sliceFrames(t, 1, t.shape[2]) : t;
    }
    return result;
  }
}

function concatTwo(a: Tensor, b: Tensor): Tensor {
  const acc = new FrameAccumulator();
  acc.push(a);
  acc.push(b);
  return acc.take(a.shape[2] + b.shape[2]);
}

/**
 * Decodes latents (1, L, T, h, w), arriving in blocks of any size, in chunks of
 * `chunk` latent frames (any number >= 1), after a first chunk of latent frame
 * 0 alone — the frame that decodes to a single video frame. Yields each
 * chunk's new output frames as soon as they are final.
 */
export async function* decodeChunked(
  graphs: StreamGraphs,
  source: AsyncIterable<Tensor> | Iterable<Tensor>,
  totalLatent: number,
  chunk: number,
  opts: ChunkOptions & { outputs: readonly string[] },
): AsyncGenerator<OutputChunk> {
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`decoder chunk must be a whole number of latent frames >= 1 (got ${chunk})`);
  const fetch = [...opts.outputs, ...(opts.taps ?? [])];
  const runner = opts.mode === 'cached' ? new CachedRunner(graphs, 'latent', fetch) : new NaiveRunner(graphs, 'latent', fetch);
  const pending = new FrameAccumulator();
  const it = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<Tensor>)[Symbol.iterator]()) as AsyncIterator<Tensor> | Iterator<Tensor>;
  const bounds = chunkBounds(totalLatent, chunk);
  try {
    for (let i = 0; i < bounds.length; i++) {
      const [a, b] = bounds[i];
      while (pending.frames < b - a) {
        const next = await it.next();
        if (next.done) throw new Error(`the latent source ended after ${a + pending.frames} of ${totalLatent} announced frames`);
        pending.push(next.value);
      }
      opts.signal?.throwIfAborted();
      const part = pending.take(b - a);
      const outputs = runner instanceof CachedRunner ? await runner.run(part, b === totalLatent) : await runner.run(part);
      if (opts.onState && runner instanceof CachedRunner && b < totalLatent) await opts.onState({ chunk: i, input: [a, b], states: runner.carried() });
      opts.onProgress?.({ done: b, total: totalLatent, chunk: i });
      yield { input: [a, b], outputs };
    }
  } finally {
    if (runner instanceof CachedRunner) runner.close();
  }
}

/**
 * Encodes video frames arriving in blocks (1, 3, n, H, W), `chunk` frames at a
 * time (any number >= 1). Frame 0 is encoded alone first (it is latent frame
 * 0); after that, frames that do not yet complete a latent frame (a group of
 * `temporalCompression`) wait for the next chunk.
 */
export async function* encodeChunked(
  graphs: StreamGraphs,
  source: AsyncIterable<Tensor> | Iterable<Tensor>,
  totalFrames: number,
  chunk: number,
  temporalCompression: number,
  opts: ChunkOptions & { outputs: readonly string[] },
): AsyncGenerator<OutputChunk> {
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`encoder chunk must be a whole number of frames >= 1 (got ${chunk})`);
  if ((totalFrames - 1) % temporalCompression !== 0) {
    throw new Error(`a clip of ${totalFrames} frames cannot be encoded: this model needs 1 + ${temporalCompression}k frames`);
  }
  const fetch = [...opts.outputs, ...(opts.taps ?? [])];
  const runner = opts.mode === 'cached' ? new CachedRunner(graphs, 'video', fetch) : new NaiveRunner(graphs, 'video', fetch);
  const pending = new FrameAccumulator();
  let fed = 0; // frames taken from the source into `pending`
  let consumed = 0; // frames run through the model
  let index = 0;
  // Runs what is ready: frame 0 alone first, then every complete latent group pending.
  const runReady = async function* (): AsyncGenerator<OutputChunk> {
    const ready = consumed === 0 ? Math.min(1, pending.frames) : Math.floor(pending.frames / temporalCompression) * temporalCompression;
    if (ready === 0) return;
    opts.signal?.throwIfAborted();
    const part = pending.take(ready);
    // The encoder has no look-ahead, so its steps need no end-of-clip flag.
    const outputs = runner instanceof CachedRunner ? await runner.run(part, false) : await runner.run(part);
    const input: [number, number] = [consumed, consumed + ready];
    consumed += ready;
    if (opts.onState && runner instanceof CachedRunner && consumed < totalFrames) await opts.onState({ chunk: index, input, states: runner.carried() });
    opts.onProgress?.({ done: consumed, total: totalFrames, chunk: index++ });
    yield { input, outputs };
  };
  // Re-block the source into chunks of `chunk` frames.
  const feed = new FrameAccumulator();
  try {
    for await (const block of source as AsyncIterable<Tensor>) {
      feed.push(block);
      while (feed.frames >= (fed === 0 ? 1 : chunk)) {
        const n = fed === 0 ? 1 : chunk;
        pending.push(feed.take(n));
        fed += n;
        yield* runReady();
      }
    }
    const rest = feed.takeAll();
    if (rest) {
      pending.push(rest);
      fed += rest.shape[2];
    }
    yield* runReady();
  } finally {
    if (runner instanceof CachedRunner) runner.close();
  }
  if (consumed !== totalFrames || fed !== totalFrames) {
    throw new Error(`the video source gave ${fed} frames, ${totalFrames} were announced (${consumed} encoded)`);
  }
}

/** Chunk boundaries along the latent axis: [0, 1), then `chunk` frames at a time. */
export function chunkBounds(total: number, chunk: number): [number, number][] {
  const out: [number, number][] = [[0, Math.min(1, total)]];
  for (let a = 1; a < total; a += chunk) out.push([a, Math.min(total, a + chunk)]);
  return out;
}
