// One clip through the model and every measure, streaming: frames come from
// ffmpeg (or memory) in blocks, go through the encoder and decoder with the
// Causal Cache, and each reconstructed block is measured against its
// originals and dropped. Memory is O(chunk) whatever the clip's length.
import { decodeChunked, encodeChunked } from '../runtime/chunked';
import type { WfvaeModel } from '../runtime/model';
import { concatFrames, FrameAccumulator } from '../runtime/stream-frames';
import { chunkBoundaryFrames, type ChunkSettings } from '../runtime/stream-model';
import type { Tensor } from '../tensor';
import { decodeVideoChunks, type DecodeOptions } from '../video/index';
import { ClipMeasures, type FrameColumns, type FrequencyReport } from './clip-measures';
import type { LpipsNet } from './lpips';
import { poolClip, quantize, type ClipMetrics } from './pooling';
import type { EvalProtocol } from './protocol';
import { fittingLevels } from './subband-error';
import { WlAccumulator, wlPairs, type WlReport } from './wl-consistency';

/** A clip as frame blocks (3, n, H, W) on [-1, 1], with what is known before the first block. */
export interface FrameSource {
  frames: number;
  height: number;
  width: number;
  fps: number;
  /** Source frame number of each frame. */
  frameIndices: number[];
  notes: string[];
  blocks: AsyncIterable<Tensor>;
}

export async function fileSource(path: string, decode: DecodeOptions & { temporalMultiple: 4 | 8; chunkFrames: number }): Promise<FrameSource> {
  // Streaming holds O(chunk) frames, so the whole-clip size guard does not apply.
  const chunks = decodeVideoChunks(path, { maxVoxels: Infinity, ...decode });
  const plan = await chunks.plan;
  const blocks = (async function* () {
    for await (const c of chunks) yield { data: c.data, shape: c.shape } as Tensor;
  })();
  return { frames: plan.frames, height: plan.height, width: plan.width, fps: plan.fps, frameIndices: plan.frameIndices, notes: plan.notes, blocks };
}

/** A (3, T, H, W) clip already in memory (the probe clip, the app's open clip), in blocks of `chunk` frames. */
export function tensorSource(video: Tensor, chunk: number, fps = 25): FrameSource {
  const [, T, H, W] = video.shape;
  const blocks = (async function* () {
    const v5: Tensor = { data: video.data, shape: [1, ...video.shape] };
    const acc = new FrameAccumulator();
    acc.push(v5);
    while (acc.frames > 0) {
      const b = acc.take(Math.min(chunk, acc.frames));
      yield { data: b.data, shape: b.shape.slice(1) } as Tensor;
    }
  })();
  return { frames: T, height: H, width: W, fps, frameIndices: Array.from({ length: T }, (_, i) => i), notes: [], blocks };
}

export interface EvaluateOptions {
  protocol: Pick<EvalProtocol, 'quantize' | 'psnr' | 'psnrCap'>;
  chunking: ChunkSettings;
  /** Haar levels for the subband error (fewer when the clip does not allow them). */
  levels: number;
  frequency: boolean;
  lpips?: LpipsNet | null;
  signal?: AbortSignal;
  onProgress?: (doneFrames: number, totalFrames: number) => void;
}

export interface ClipEvaluation {
  frames: number;
  height: number;
  width: number;
  fps: number;
  frameIndices: number[];
  notes: string[];
  /** Video frames where encoder runs ('E') and decoder chunks ('D') begin. */
  seams: { encoder: number[]; decoder: number[] };
  columns: FrameColumns;
  metrics: ClipMetrics;
  frequency: (FrequencyReport & { wl: WlReport | null }) | null;
}

const as4d = (t: Tensor): Tensor => (t.shape.length === 5 ? { data: t.data, shape: t.shape.slice(1) } : t);

export function seamFramesOf(seams: { encoder: number[]; decoder: number[] }): number[] {
  return [...new Set([...seams.encoder, ...seams.decoder])].sort((a, b) => a - b);
}

export async function evaluateSource(model: WfvaeModel, source: FrameSource, o: EvaluateOptions): Promise<ClipEvaluation> {
  const { frames: T, height: H, width: W } = source;
  const tc = model.facts.temporalCompression;
  if ((T - 1) % tc !== 0) throw new Error(`a clip of ${T} frames cannot be encoded: this model needs 1 + ${tc}k frames`);
  const levels = o.frequency ? fittingLevels(o.levels, T, H, W) : 0;
  const measures = new ClipMeasures({ frames: T, height: H, width: W, levels, frequency: o.frequency, lpips: o.lpips, signal: o.signal });
  const tapNames = [...model.manifest.graphs.encoder.taps, ...model.manifest.graphs.decoder.taps].map((t) => t.name);
  const wl = o.frequency ? new WlAccumulator(wlPairs(tapNames)) : null;
  const originals = new FrameAccumulator();
  const measure = async (video: Tensor) => {
    const n = video.shape[2];
    const rec: Tensor = { data: quantize(video.data, o.protocol.quantize), shape: video.shape.slice(1) };
    await measures.push(as4d(originals.take(n)), rec);
    o.onProgress?.(measures.framesDone, T);
  };
  const blocks = (async function* () {
    for await (const b of source.blocks) {
      const t: Tensor = { data: b.data, shape: [1, ...b.shape] };
      originals.push(t);
      yield t;
    }
  })();

  let seams = { encoder: [] as number[], decoder: [] as number[] };
  if (o.chunking.mode === 'whole') {
    const parts: Tensor[] = [];
    for await (const b of blocks) parts.push(b);
    const r = await model.reconstruct(concatFrames(parts), { taps: wl !== null, signal: o.signal });
    if (wl && r.taps) {
      wl.pushEncoder(r.taps);
      wl.pushDecoder(r.taps);
    }
    await measure(r.video);
  } else {
    seams = chunkBoundaryFrames(T, o.chunking, tc);
    const [enc, dec] = await Promise.all([model.streamGraphs('encoder'), model.streamGraphs('decoder')]);
    const latents = encodeChunked(enc, blocks, T, o.chunking.encChunk, tc, { mode: o.chunking.mode, outputs: ['mean'], taps: wl?.encoderTaps ?? [], signal: o.signal });
    const means = (async function* () {
      for await (const c of latents) {
        wl?.pushEncoder(c.outputs);
        yield c.outputs.mean;
      }
    })();
    const totalLatent = 1 + (T - 1) / tc;
    for await (const c of decodeChunked(dec, means, totalLatent, o.chunking.decChunk, { mode: o.chunking.mode, outputs: ['video'], taps: wl?.decoderTaps ?? [], signal: o.signal })) {
      wl?.pushDecoder(c.outputs);
      await measure(c.outputs.video);
    }
  }
  if (measures.framesDone !== T) throw new Error(`internal: measured ${measures.framesDone} of ${T} frames`);
  const frequency = measures.frequency();
  return {
    frames: T,
    height: H,
    width: W,
    fps: source.fps,
    frameIndices: source.frameIndices,
    notes: source.notes,
    seams,
    columns: measures.columns,
    metrics: poolClip(measures.columns, o.protocol, seamFramesOf(seams)),
    frequency: frequency ? { ...frequency, wl: wl ? wl.report() : null } : null,
  };
}
