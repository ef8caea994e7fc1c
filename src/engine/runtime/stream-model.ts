// Chunked inference on a loaded model: encode, decode and the streaming
// reconstruct pipeline, whole-clip / Causal Cache / naive. The app, the CLI
// and serve mode call these; chunked.ts does the scheduling.
import type { ModelFacts } from '../checkpoint/index';
import type { Tensor } from '../tensor';
import { decodeChunked, encodeChunked, type ChunkMode, type ChunkProgress } from './chunked';
import type { DecodeResult, EncodeResult, WfvaeModel } from './model';
import { concatFrames, FrameWriter, framesInBlocks } from './stream-frames';
import { checkLatent, checkVideo } from './validate';
import type { CarriedState } from './cache-state';

export type InferenceMode = 'whole' | ChunkMode;

export interface ChunkSettings {
  mode: InferenceMode;
  /** Encoder chunk, in video frames (any number >= 1). */
  encChunk: number;
  /** Decoder chunk, in latent frames (any number >= 1). */
  decChunk: number;
}

export interface StreamRunOptions {
  taps?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ChunkProgress & { stage: 'encode' | 'decode' }) => void;
  /** reconstructStream: each latent mean chunk (1, L, n, h, w) as the encoder emits it, before the decoder takes it. */
  onLatent?: (mean: Tensor) => void | Promise<void>;
  /** Causal Cache runs: the state each step carries into the next chunk (the pathway view's cache; see cache-state.ts). */
  onCacheState?: (side: 'encoder' | 'decoder', step: CarriedState) => void | Promise<void>;
  /** Causal Cache runs: every chunk of every pathway stage tap (pw.*, step graphs only), in order. */
  onStageTap?: (name: string, chunk: Tensor) => void;
}

/** The pathway stage taps of a side's step graph (none when the model was converted without them). */
function stageTaps(model: WfvaeModel, side: 'encoder' | 'decoder', opts: StreamRunOptions): string[] {
  if (!opts.onStageTap) return [];
  return (model.manifest.graphs[`${side}-step`]?.taps ?? []).filter((t) => t.stage).map((t) => t.name);
}

/** Hands the stage taps of a chunk to the sink and returns the rest. */
function routeStages(outputs: Record<string, Tensor>, stages: readonly string[], opts: StreamRunOptions): Record<string, Tensor> {
  if (stages.length === 0) return outputs;
  const rest: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(outputs)) {
    if (stages.includes(k)) opts.onStageTap?.(k, v);
    else rest[k] = v;
  }
  return rest;
}

/** What a chunked run will give, said before it starts. */
export interface ChunkingVerdict {
  exact: boolean;
  message: string;
  timeMixingLayers: string[];
}

export function chunkingVerdict(facts: ModelFacts, mode: InferenceMode): ChunkingVerdict {
  if (mode === 'whole') return { exact: true, message: 'whole-clip inference (the ground truth)', timeMixingLayers: [] };
  if (mode === 'naive') {
    return { exact: false, message: 'naive chunking: every chunk is a fresh clip, so frames at chunk boundaries differ from whole-clip (flicker)', timeMixingLayers: [] };
  }
  if (facts.causalSafe) return { exact: true, message: 'Causal Cache chunking: equal to whole-clip inference within float32 rounding', timeMixingLayers: [] };
  return {
    exact: false,
    message:
      `this model mixes frames: ${facts.timeMixing} (e.g. ${facts.timeMixingLayers.slice(0, 3).join(', ')}), ` +
      'so a chunk sees only its own frames there and chunked inference cannot equal whole-clip inference; the deviation is measured after the run',
    timeMixingLayers: facts.timeMixingLayers,
  };
}

const as5d = (t: Tensor): Tensor => (t.shape.length === 4 ? { data: t.data, shape: [1, ...t.shape] } : t);

/** How far a chunked result is from whole-clip inference (measured when the model cannot chunk exactly). */
export interface Deviation {
  maxAbs: number;
  /** dB, with the signal range taken as 2 (video in [-1, 1]). */
  psnr: number;
}

export function deviationOf(a: Tensor, b: Tensor): Deviation {
  let maxAbs = 0;
  let sse = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    maxAbs = Math.max(maxAbs, Math.abs(d));
    sse += d * d;
  }
  const mse = sse / a.data.length;
  return { maxAbs, psnr: mse === 0 ? Infinity : 10 * Math.log10(4 / mse) };
}

/** Cached chunking of a model whose norms pool over time: run whole-clip as well and say how far apart they are. */
const measureDeviation = (model: WfvaeModel, mode: InferenceMode) => mode === 'cached' && !model.facts.causalSafe;

function collect(chunks: Record<string, Tensor[]>, outputs: Record<string, Tensor>): void {
  for (const [k, v] of Object.entries(outputs)) (chunks[k] ??= []).push(v);
}

export async function encodeWith(
  model: WfvaeModel,
  video: Tensor,
  s: Pick<ChunkSettings, 'mode' | 'encChunk'>,
  opts: StreamRunOptions = {},
): Promise<EncodeResult & { deviation?: Deviation }> {
  if (s.mode === 'whole') return model.encode(video, opts);
  const v = as5d(video);
  checkVideo(v, model.facts);
  const graphs = await model.streamGraphs('encoder');
  const taps = opts.taps ? model.manifest.graphs.encoder.taps.map((t) => t.name) : [];
  const stages = s.mode === 'cached' ? stageTaps(model, 'encoder', opts) : [];
  const parts: Record<string, Tensor[]> = {};
  // Fed in blocks of the chunk size: the scheduler then copies one block at a time, not the clip.
  const gen = encodeChunked(graphs, framesInBlocks(v, s.encChunk), v.shape[2], s.encChunk, model.facts.temporalCompression, {
    mode: s.mode,
    outputs: ['mean', 'logvar'],
    taps: [...taps, ...stages],
    onState: opts.onCacheState && ((step) => opts.onCacheState?.('encoder', step)),
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.({ ...p, stage: 'encode' }),
  });
  for await (const c of gen) collect(parts, routeStages(c.outputs, stages, opts));
  const r: EncodeResult & { deviation?: Deviation } = { mean: concatFrames(parts.mean), logvar: concatFrames(parts.logvar) };
  if (opts.taps) r.taps = Object.fromEntries(taps.map((t) => [t, concatFrames(parts[t])]));
  if (measureDeviation(model, s.mode)) r.deviation = deviationOf(r.mean, (await model.encode(v, { signal: opts.signal })).mean);
  return r;
}

export async function decodeWith(
  model: WfvaeModel,
  latent: Tensor,
  s: Pick<ChunkSettings, 'mode' | 'decChunk'>,
  opts: StreamRunOptions = {},
): Promise<DecodeResult & { deviation?: Deviation }> {
  if (s.mode === 'whole') return model.decode(latent, opts);
  const z = as5d(latent);
  checkLatent(z, model.facts.latentChannels);
  const graphs = await model.streamGraphs('decoder');
  const taps = opts.taps ? model.manifest.graphs.decoder.taps.map((t) => t.name) : [];
  const stages = s.mode === 'cached' ? stageTaps(model, 'decoder', opts) : [];
  const parts: Record<string, Tensor[]> = {};
  // The video goes straight into one preallocated tensor: no chunk list and join beside it.
  const video = new FrameWriter(1 + (z.shape[2] - 1) * model.facts.temporalCompression);
  const gen = decodeChunked(graphs, framesInBlocks(z, s.decChunk), z.shape[2], s.decChunk, {
    mode: s.mode,
    outputs: ['video'],
    taps: [...taps, ...stages],
    onState: opts.onCacheState && ((step) => opts.onCacheState?.('decoder', step)),
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.({ ...p, stage: 'decode' }),
  });
  for await (const c of gen) {
    const { video: v, ...rest } = routeStages(c.outputs, stages, opts);
    video.write(v);
    collect(parts, rest);
  }
  const r: DecodeResult & { deviation?: Deviation } = { video: video.result() };
  if (opts.taps) r.taps = Object.fromEntries(taps.map((t) => [t, concatFrames(parts[t])]));
  if (measureDeviation(model, s.mode)) r.deviation = deviationOf(r.video, (await model.decode(z, { signal: opts.signal })).video);
  return r;
}

export interface ReconstructedChunk {
  /** Output video frames [start, end) this chunk holds. */
  frames: [number, number];
  video: Tensor;
}

/**
 * Reconstructs a clip that arrives in frame blocks (1, 3, n, H, W) and yields
 * the reconstruction as it becomes final: the encoder's latent chunks feed the
 * decoder directly, so only O(chunk) frames and activations are alive at once.
 */
export async function* reconstructStream(
  model: WfvaeModel,
  source: AsyncIterable<Tensor> | Iterable<Tensor>,
  totalFrames: number,
  s: ChunkSettings,
  opts: StreamRunOptions = {},
): AsyncGenerator<ReconstructedChunk> {
  if (s.mode === 'whole') throw new Error('reconstructStream runs chunked modes; use WfvaeModel.reconstruct for whole-clip inference');
  const tc = model.facts.temporalCompression;
  if ((totalFrames - 1) % tc !== 0) throw new Error(`a clip of ${totalFrames} frames cannot be encoded: this model needs 1 + ${tc}k frames`);
  const [enc, dec] = await Promise.all([model.streamGraphs('encoder'), model.streamGraphs('decoder')]);
  const latents = encodeChunked(enc, source, totalFrames, s.encChunk, tc, {
    mode: s.mode,
    outputs: ['mean'],
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.({ ...p, stage: 'encode' }),
  });
  const means = (async function* () {
    for await (const c of latents) {
      await opts.onLatent?.(c.outputs.mean);
      yield c.outputs.mean;
    }
  })();
  const totalLatent = 1 + (totalFrames - 1) / tc;
  let at = 0;
  for await (const c of decodeChunked(dec, means, totalLatent, s.decChunk, {
    mode: s.mode,
    outputs: ['video'],
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.({ ...p, stage: 'decode' }),
  })) {
    const video = c.outputs.video;
    const n = video.shape[2];
    yield { frames: [at, at + n], video };
    at += n;
  }
  if (at !== totalFrames) throw new Error(`internal: reconstructed ${at} frames of ${totalFrames}`);
}

/**
 * Video frames at which the encoder's runs and the decoder's chunks begin (as
 * encodeChunked / decodeChunked schedule them): where naive chunking seams.
 */
export function chunkBoundaryFrames(totalFrames: number, s: Pick<ChunkSettings, 'encChunk' | 'decChunk'>, temporalCompression: number): { encoder: number[]; decoder: number[] } {
  const encoder: number[] = [];
  let fed = 1;
  let consumed = 1;
  while (consumed < totalFrames) {
    fed = Math.min(totalFrames, fed + s.encChunk);
    const ready = Math.floor((fed - consumed) / temporalCompression) * temporalCompression;
    if (ready > 0) {
      encoder.push(consumed);
      consumed += ready;
    }
  }
  const decoder: number[] = [];
  const totalLatent = 1 + (totalFrames - 1) / temporalCompression;
  for (let a = 1; a < totalLatent; a += s.decChunk) decoder.push(1 + (a - 1) * temporalCompression);
  return { encoder, decoder };
}
