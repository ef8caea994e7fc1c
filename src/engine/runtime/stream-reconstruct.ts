// Reconstructs a video file chunk by chunk in bounded memory: frames stream
// from ffmpeg into the encoder, latent chunks into the decoder, reconstructed
// frames into the mp4 writer and the metrics. Only the frames between the
// source and the decoder's output (O(chunk)) are alive at any moment.
import { psnr, psnrFromMse, ssim } from '../metrics/index';
import type { Tensor } from '../tensor';
import { createMp4Writer, decodeVideo, decodeVideoChunks, type DecodeOptions, type Mp4Writer } from '../video/index';
import type { WfvaeModel } from './model';
import { concatFrames, FrameAccumulator } from './stream-frames';
import { deviationOf, reconstructStream, type ChunkSettings, type Deviation, type StreamRunOptions } from './stream-model';

export interface StreamedReconstruction {
  frames: number;
  height: number;
  width: number;
  fps: number;
  notes: string[];
  frameIndices: number[];
  psnr: { clip: number; perFrame: number[] };
  ssim: { clip: number; perFrame: number[] };
  seconds: number;
  output: string | null;
  /** Cached chunking of a model that cannot chunk exactly: how far the result is from whole-clip inference. */
  deviation?: Deviation;
}

const clipUnit = (x: Float32Array) => {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = Math.min(1, Math.max(-1, x[i]));
  return y;
};

/** (1, C, T, H, W) or (C, T, H, W) -> (C, T, H, W), no copy. */
const as4d = (t: Tensor): Tensor => (t.shape.length === 5 ? { data: t.data, shape: t.shape.slice(1) } : t);

export async function reconstructFile(
  model: WfvaeModel,
  videoPath: string,
  decode: DecodeOptions,
  settings: ChunkSettings,
  opts: StreamRunOptions & {
    outPath?: string;
    crf?: number;
    /** Each reconstructed block as it becomes final, with the original frames it reconstructs, (3, n, H, W) each, clipped to [-1, 1]. */
    onChunk?: (original: Tensor, reconstruction: Tensor, firstFrame: number, measured: { psnr: number[]; ssim: number[] }) => void | Promise<void>;
    /**
     * Measure how far Causal Cache chunking of a model that mixes frames is from whole-clip inference
     * (default true). That runs the whole clip in memory once more: callers that must stay
     * flat in T (long videos) turn it off.
     */
    measureDeviation?: boolean;
  } = {},
): Promise<StreamedReconstruction> {
  const t0 = performance.now();
  const decodeAll = { ...decode, temporalMultiple: model.facts.temporalCompression };
  const source = decodeVideoChunks(videoPath, {
    ...decode,
    // Streaming holds O(chunk) frames, so the whole-clip size guard does not apply unless asked for.
    maxVoxels: decode.maxVoxels ?? Infinity,
    temporalMultiple: model.facts.temporalCompression,
    chunkFrames: settings.encChunk,
    signal: opts.signal,
  });
  const plan = await source.plan;
  const originals = new FrameAccumulator();
  const blocks = (async function* () {
    for await (const b of source) {
      const t: Tensor = { data: b.data, shape: [1, ...b.shape] };
      originals.push(t);
      yield t;
    }
  })();
  let writer: Mp4Writer | null = opts.outPath
    ? createMp4Writer(opts.outPath, { width: plan.width, height: plan.height, fps: plan.fps, crf: opts.crf, signal: opts.signal })
    : null;
  const mse: number[] = [];
  const ssimPerFrame: number[] = [];
  // Kept only to measure the deviation of a model that cannot chunk exactly.
  const measure = settings.mode === 'cached' && !model.facts.causalSafe && opts.measureDeviation !== false;
  const kept: Tensor[] = [];
  try {
    for await (const chunk of reconstructStream(model, blocks, plan.frames, settings, opts)) {
      const rec: Tensor = { data: clipUnit(chunk.video.data), shape: chunk.video.shape.slice(1) };
      const orig = as4d(originals.take(rec.shape[1]));
      const p = psnr(orig, rec, { range: 2 });
      const s = ssim(orig, rec, { signal: opts.signal }).perFrame;
      mse.push(...p.perFrameMse);
      ssimPerFrame.push(...s);
      await opts.onChunk?.(orig, rec, chunk.frames[0], { psnr: p.perFrame, ssim: s });
      if (measure) kept.push({ data: rec.data, shape: [1, ...rec.shape] });
      await writer?.write(rec);
    }
    await writer?.close();
    writer = null;
  } finally {
    // Cancelled or failed: nothing partial is left behind.
    await writer?.abort();
  }
  const meanMse = mse.reduce((a, b) => a + b, 0) / mse.length;
  let deviation: Deviation | undefined;
  if (measure) {
    const clip = await decodeVideo(videoPath, { ...decodeAll, signal: opts.signal });
    const whole = await model.reconstruct({ data: clip.data, shape: [1, ...clip.shape] }, { signal: opts.signal });
    deviation = deviationOf(concatFrames(kept), { data: clipUnit(whole.video.data), shape: whole.video.shape });
  }
  return {
    deviation,
    frames: plan.frames,
    height: plan.height,
    width: plan.width,
    fps: plan.fps,
    notes: plan.notes,
    frameIndices: plan.frameIndices,
    psnr: { clip: psnrFromMse(meanMse, 2), perFrame: mse.map((m) => psnrFromMse(m, 2)) },
    ssim: { clip: ssimPerFrame.reduce((a, b) => a + b, 0) / ssimPerFrame.length, perFrame: ssimPerFrame },
    seconds: (performance.now() - t0) / 1000,
    output: opts.outPath ?? null,
  };
}
