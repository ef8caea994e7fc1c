// Reconstructs a video file chunk by chunk in bounded memory: frames stream
// from ffmpeg into the encoder, latent chunks into the decoder, reconstructed
// frames into the mp4 writer and the metrics. Only the frames between the
// source and the decoder's output (O(chunk)) are alive at any moment.
import { psnrFromMse, ssim } from '../metrics/index';
import type { Tensor } from '../tensor';
import { createMp4Writer, decodeVideoChunks, type DecodeOptions, type Mp4Writer } from '../video/index';
import type { WfvaeModel } from './model';
import { FrameAccumulator } from './stream-frames';
import { reconstructStream, type ChunkSettings, type StreamRunOptions } from './stream-model';

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
}

const clipUnit = (x: Float32Array) => {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = Math.min(1, Math.max(-1, x[i]));
  return y;
};

/** (1, C, T, H, W) or (C, T, H, W) -> (C, T, H, W), no copy. */
const as4d = (t: Tensor): Tensor => (t.shape.length === 5 ? { data: t.data, shape: t.shape.slice(1) } : t);

function frameMse(a: Tensor, b: Tensor): number[] {
  const [c, t, h, w] = a.shape;
  const plane = h * w;
  const out = new Array<number>(t).fill(0);
  for (let ch = 0; ch < c; ch++) {
    for (let f = 0; f < t; f++) {
      const base = (ch * t + f) * plane;
      let s = 0;
      for (let i = 0; i < plane; i++) {
        const d = a.data[base + i] - b.data[base + i];
        s += d * d;
      }
      out[f] += s;
    }
  }
  return out.map((s) => s / (c * plane));
}

export async function reconstructFile(
  model: WfvaeModel,
  videoPath: string,
  decode: DecodeOptions,
  settings: ChunkSettings,
  opts: StreamRunOptions & { outPath?: string; crf?: number } = {},
): Promise<StreamedReconstruction> {
  const t0 = performance.now();
  const source = decodeVideoChunks(videoPath, {
    ...decode,
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
  try {
    for await (const chunk of reconstructStream(model, blocks, plan.frames, settings, opts)) {
      const rec: Tensor = { data: clipUnit(chunk.video.data), shape: chunk.video.shape.slice(1) };
      const orig = as4d(originals.take(rec.shape[1]));
      mse.push(...frameMse(orig, rec));
      ssimPerFrame.push(...ssim(orig, rec, { signal: opts.signal }).perFrame);
      await writer?.write(rec);
    }
    await writer?.close();
    writer = null;
  } finally {
    // Cancelled or failed: nothing partial is left behind.
    await writer?.abort();
  }
  const meanMse = mse.reduce((a, b) => a + b, 0) / mse.length;
  return {
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
