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
import { Mp4vRoundTrip, type Mp4vKeep, type SavedPair } from './reference/mp4v';
import { evaluationFrames, savedBytes, stageBGeometry, type StageBSpec } from './reference/pipeline';
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

/**
 * The reference's saving and measuring (eval/reference/pipeline.ts, stages 3 and 4): both videos saved
 * to 8 bits from bfloat16 (the input as it is, the output rounded to bf16), optionally through an
 * mp4v file and back (`mp4vFps`), then the evaluation's resize and crop.
 */
export interface ReferenceSaving {
  stageB: StageBSpec;
  /** Frame rate of the mp4v copies (--reference-io); null: measured on the saved frames directly. */
  mp4vFps: number | null;
  /** Keep the mp4v copies there (--keep-mp4v); absent: private temporary files. */
  mp4vKeep?: Mp4vKeep | null;
}

export interface EvaluateOptions {
  protocol: Pick<EvalProtocol, 'quantize' | 'psnr' | 'psnrCap'>;
  /** The reference pipeline's saving; absent: the reconstruction is quantised as `protocol.quantize` says and measured against the input. */
  reference?: ReferenceSaving | null;
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
  const ref = o.reference ?? null;
  // What is measured: the model's frames, or the reference's after its evaluation resize and crop.
  const measured = ref ? stageBGeometry({ width: W, height: H }, ref.stageB).out : { width: W, height: H };
  const levels = o.frequency ? fittingLevels(o.levels, T, measured.height, measured.width) : 0;
  const measures = new ClipMeasures({ frames: T, height: measured.height, width: measured.width, levels, frequency: o.frequency, lpips: o.lpips, signal: o.signal });
  const io = ref?.mp4vFps ? await Mp4vRoundTrip.open(W, H, ref.mp4vFps, o.signal, ref.mp4vKeep) : null;
  try {
    return await run();
  } finally {
    await io?.dispose();
  }

  async function run(): Promise<ClipEvaluation> {
    const tapNames = [...model.manifest.graphs.encoder.taps, ...model.manifest.graphs.decoder.taps].map((t) => t.name);
    const wl = o.frequency ? new WlAccumulator(wlPairs(tapNames)) : null;
    const originals = new FrameAccumulator();
    const signed = (x: Float32Array, n: number): Tensor => {
      for (let i = 0; i < x.length; i++) x[i] = 2 * x[i] - 1;
      return { data: x, shape: [3, n, measured.height, measured.width] };
    };
    const measureSaved = async (p: SavedPair) => {
      const a = evaluationFrames(p.original, p.n, { width: W, height: H }, ref!.stageB);
      const b = evaluationFrames(p.reconstruction, p.n, { width: W, height: H }, ref!.stageB);
      await measures.push(signed(a.data, p.n), signed(b.data, p.n));
    };
    let modelled = 0;
    const measure = async (video: Tensor) => {
      const n = video.shape[2];
      const original = as4d(originals.take(n));
      if (!ref) {
        const rec: Tensor = { data: quantize(video.data, o.protocol.quantize), shape: video.shape.slice(1) };
        await measures.push(original, rec);
        o.onProgress?.(measures.framesDone, T);
        return;
      }
      const pair: SavedPair = { original: savedBytes(original.data, false), reconstruction: savedBytes(video.data, true), n };
      modelled += n;
      if (io) {
        await io.write(pair);
        o.onProgress?.(Math.floor(modelled / 2), T);
      } else {
        await measureSaved(pair);
        o.onProgress?.(measures.framesDone, T);
      }
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
    if (io) {
      for await (const p of io.readBack(16)) {
        await measureSaved(p);
        o.onProgress?.(Math.floor(T / 2 + measures.framesDone / 2), T);
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
      notes: io
        ? [...source.notes, `measured on both videos written as mp4v (MPEG-4 Part 2, OpenCV's writer settings, ${ref!.mp4vFps} fps) and read back (--reference-io)`]
        : source.notes,
      seams,
      columns: measures.columns,
      metrics: poolClip(measures.columns, o.protocol, seamFramesOf(seams)),
      frequency: frequency ? { ...frequency, wl: wl ? wl.report() : null } : null,
    };
  }
}
