// Whole-video reconstructions, kept on disk rather than in memory: the compute
// thread streams the source through the Causal Cache into files this store
// names (video-run.ts): raw rgb24 original and reconstruction for the A/B
// viewer and the exports, the mp4, and a raw file of latent chunks. This side
// keeps the results and reads frames back from the files.
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, ERROR_CODES, type ModelInfo } from '../../shared/contract';
import type { ClipSelection, VideoResult } from '../../shared/workflow-contract';
import { chunkBoundaryFrames } from '../runtime/stream-model';
import type { Tensor } from '../tensor';
import { planDecode } from '../video/index';
import type { ClipSource } from './clip-sources';
import type { ComputeClient } from './compute-client';
import type { LoadedModel } from './model-compute';
import { wholeVideoDecode } from './clip-selection';
import { fileBlock, type FramePair } from './frame-pairs';
import type { VideoBlock } from './video-run';

export interface VideoEntry {
  result: VideoResult;
  sourceId: string;
  source: { name: string; path: string; width: number; height: number };
  selection: ClipSelection;
  provider: string;
  dir: string;
  files: { original: string; reconstruction: string; mp4: string; latent: string };
  /** Latent frames of each chunk appended to files.latent, in order; each chunk is (L, n, h, w) float32. */
  latentChunks: number[];
}

export interface VideoRunArgs {
  compute: ComputeClient;
  model: LoadedModel;
  info: ModelInfo;
  clipId: string;
  source: ClipSource;
  selection: ClipSelection;
  encChunk: number;
  decChunk: number;
  signal: AbortSignal;
  onProgress: (phase: string, done: number, total: number) => void;
  /** Each finished block's measures, as they come. */
  onBlock?: (b: VideoBlock) => void;
}

const db = (v: number): number | null => (Number.isFinite(v) ? v : null);

export class VideoStore {
  private readonly entries = new Map<string, VideoEntry>();
  private next = 1;

  /** `root` gives the session's private folder (made on first use). */
  constructor(private readonly root: () => Promise<string>) {}

  async run(a: VideoRunArgs): Promise<VideoResult> {
    const tc = a.model.facts.temporalCompression;
    if (a.selection.snap !== tc) a = { ...a, selection: { ...a.selection, snap: tc as 4 | 8 } };
    const decode = wholeVideoDecode(a.selection);
    const plan = planDecode(a.source.info, decode);
    const videoId = `video-${this.next++}`;
    const dir = await mkdtemp(join(await this.root(), `${videoId}-`));
    const files = { original: join(dir, 'original.rgb'), reconstruction: join(dir, 'reconstruction.rgb'), mp4: join(dir, 'reconstruction.mp4'), latent: join(dir, 'latent.f32') };
    try {
      const r = await a.compute.reconstructVideo(a.model.handle, { path: a.source.path, decode, frames: plan.frames, encChunk: a.encChunk, decChunk: a.decChunk, files }, a.signal, a.onProgress, a.onBlock);
      const { memory, latentChunks } = r;
      const result: VideoResult = {
        videoId,
        clipId: a.clipId,
        modelId: a.info.modelId,
        model: { className: a.info.className, path: a.info.path },
        source: { name: a.source.name, frames: a.source.info.frames, fps: a.source.info.fps },
        frames: r.frames,
        width: r.width,
        height: r.height,
        fps: r.fps,
        sampleRate: a.selection.sampleRate,
        firstFrame: r.frameIndices[0],
        lastFrame: r.frameIndices[r.frames - 1],
        encChunk: a.encChunk,
        decChunk: a.decChunk,
        exact: a.model.facts.causalSafe,
        psnr: { clip: db(r.psnr.clip), perFrame: r.psnr.perFrame.map(db) },
        ssim: r.ssim,
        seconds: r.seconds,
        memory,
        boundaries: chunkBoundaryFrames(r.frames, { encChunk: a.encChunk, decChunk: a.decChunk }, tc),
        latentShape: [a.model.facts.latentChannels, 1 + (r.frames - 1) / tc, r.height / 8, r.width / 8],
        notes: [
          ...r.notes,
          ...(a.model.facts.causalSafe
            ? []
            : [`this model mixes frames (${a.model.facts.timeMixing}): Causal Cache chunks differ from whole-clip inference (see the Chunking view for how much)`]),
        ],
      };
      // One result per source: the new one replaces the old (and its files).
      for (const [id, e] of this.entries) if (e.sourceId === a.source.id) await this.drop(id);
      this.entries.set(videoId, {
        result,
        sourceId: a.source.id,
        source: { name: a.source.name, path: a.source.temporary ? '' : a.source.path, width: a.source.info.width, height: a.source.info.height },
        selection: a.selection,
        provider: r.provider,
        dir,
        files,
        latentChunks,
      });
      return result;
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  entry(videoId: string): VideoEntry {
    const e = this.entries.get(videoId);
    if (!e) throw new ApiError(ERROR_CODES.noResult, `no whole-video result "${videoId}": it was replaced or its video was closed; reconstruct the video again`);
    return e;
  }

  pair(videoId: string): FramePair {
    const e = this.entry(videoId);
    const size = { frames: e.result.frames, height: e.result.height, width: e.result.width };
    return {
      ...size,
      fps: e.result.fps,
      read: (layer, from, count) => fileBlock(layer === 'original' ? e.files.original : e.files.reconstruction, size, from, count),
    };
  }

  /** The latent mean (1, L, t, h, w) read back from its chunks (the latent is 8·8·tc times smaller than the video). */
  async latent(videoId: string): Promise<Tensor> {
    const e = this.entry(videoId);
    const [L, t, h, w] = e.result.latentShape;
    const raw = new Float32Array(L * t * h * w);
    const fh = await open(e.files.latent, 'r');
    try {
      let at = 0;
      for (const n of e.latentChunks) {
        const chunk = new Float32Array(L * n * h * w);
        await fh.read(new Uint8Array(chunk.buffer), 0, chunk.byteLength, null);
        for (let c = 0; c < L; c++) raw.set(chunk.subarray(c * n * h * w, (c + 1) * n * h * w), (c * t + at) * h * w);
        at += n;
      }
    } finally {
      await fh.close();
    }
    return { data: raw, shape: [1, L, t, h, w] };
  }

  async dropForSource(sourceId: string): Promise<void> {
    for (const [id, e] of this.entries) if (e.sourceId === sourceId) await this.drop(id);
  }

  async dispose(): Promise<void> {
    for (const id of [...this.entries.keys()]) await this.drop(id);
  }

  private async drop(videoId: string): Promise<void> {
    const e = this.entries.get(videoId);
    this.entries.delete(videoId);
    if (e) await rm(e.dir, { recursive: true, force: true });
  }
}
