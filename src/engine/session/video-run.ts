// The compute thread's half of a whole-video reconstruction: the source
// streams through the Causal Cache encoder and decoder (reconstructFile) and
// every finished block goes straight to files the session thread named (raw
// rgb24 original and reconstruction, the mp4, raw latent chunks). Memory stays
// flat in the video's length; the process's resident memory is sampled after
// every block to show it.
import { open, type FileHandle } from 'node:fs/promises';
import type { WfvaeModel } from '../runtime/model';
import { reconstructFile } from '../runtime/stream-reconstruct';
import type { Tensor } from '../tensor';
import type { DecodeOptions } from '../video/index';
import { planarFramesToRgb24 } from '../video/rgb';

export interface VideoFiles {
  original: string;
  reconstruction: string;
  mp4: string;
  latent: string;
}

export interface VideoJob {
  path: string;
  decode: DecodeOptions;
  /** Frames the decode plan gives (for progress). */
  frames: number;
  encChunk: number;
  decChunk: number;
  files: VideoFiles;
}

export interface VideoRunOutput {
  frames: number;
  width: number;
  height: number;
  fps: number;
  frameIndices: number[];
  psnr: { clip: number; perFrame: number[] };
  ssim: { clip: number; perFrame: number[] };
  seconds: number;
  notes: string[];
  memory: { frame: number; rssBytes: number }[];
  /** Latent frames of each chunk appended to files.latent, in order; each chunk is (L, n, h, w) float32. */
  latentChunks: number[];
  provider: string;
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += (await fh.write(bytes, done, bytes.length - done)).bytesWritten;
}

/** One finished block's measures, sent as it is done (the app's charts grow with them). */
export interface VideoBlock {
  from: number;
  total: number;
  psnr: (number | null)[];
  ssim: number[];
  memory: { frame: number; rssBytes: number };
}

export async function runVideo(
  model: WfvaeModel,
  job: VideoJob,
  signal: AbortSignal,
  onProgress: (phase: string, done: number, total: number) => void,
  onBlock?: (b: VideoBlock) => void,
): Promise<VideoRunOutput> {
  const handles: FileHandle[] = [];
  try {
    const [orig, rec, lat] = await Promise.all([open(job.files.original, 'w'), open(job.files.reconstruction, 'w'), open(job.files.latent, 'w')]);
    handles.push(orig, rec, lat);
    const latentChunks: number[] = [];
    const memory: VideoRunOutput['memory'] = [];
    let written = 0;
    onProgress('reconstruct', 0, job.frames);
    const r = await reconstructFile(model, job.path, job.decode, { mode: 'cached', encChunk: job.encChunk, decChunk: job.decChunk }, {
      outPath: job.files.mp4,
      signal,
      measureDeviation: false,
      onLatent: async (mean: Tensor) => {
        latentChunks.push(mean.shape[2]);
        await writeAll(lat, new Uint8Array(mean.data.buffer, mean.data.byteOffset, mean.data.byteLength));
      },
      onChunk: async (original: Tensor, reconstruction: Tensor, _first: number, measured?: { psnr: number[]; ssim: number[] }) => {
        const [, n, h, w] = original.shape;
        await writeAll(orig, planarFramesToRgb24(original.data, n, h * w, 0, n));
        await writeAll(rec, planarFramesToRgb24(reconstruction.data, n, h * w, 0, n));
        const from = written;
        written += n;
        const sample = { frame: written, rssBytes: process.memoryUsage().rss };
        memory.push(sample);
        if (measured) onBlock?.({ from, total: job.frames, psnr: measured.psnr.map((v) => (Number.isFinite(v) ? v : null)), ssim: measured.ssim, memory: sample });
        onProgress('reconstruct', written, job.frames);
      },
    });
    return {
      frames: r.frames,
      width: r.width,
      height: r.height,
      fps: r.fps,
      frameIndices: r.frameIndices,
      psnr: r.psnr,
      ssim: r.ssim,
      seconds: r.seconds,
      notes: r.notes,
      memory,
      latentChunks,
      provider: model.provider,
    };
  } finally {
    await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
  }
}
