// The engine side of the app's API, in whatever thread it is constructed in:
// a store of decoded clips, decoding with progress and cancel, frames and
// subband views. WorkerSession runs one of these in a worker thread; the
// Electron main process and serve mode both talk to it through that.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  ApiError,
  ERROR_CODES,
  type ApiEvent,
  type ApiRequest,
  type ApiResponse,
  type ClipInfo,
} from '../../../shared/contract';
import { decodeVideo } from '../video/decode';
import { probeVideo } from '../video/probe';
import { toRgb8 } from '../video/rgb';
import { maxHaarLevels, multiLevelHaar3d, subbandEnergy, lumaTile, coefficientFrameFor, TILE_NOTE, type HaarLevel } from '../wavelet/index';
import { SUBBANDS_3D, type EnergyReport } from '../../../shared/subbands';
import type { Tensor } from '../tensor';
import { defaultDecodeOptions } from './default-frames';
import { diffFrame, rgbaFrame } from './frame-images';
import type { ComputeClient } from './compute-client';
import { JobQueue } from './job-queue';
import { ModelWorkbench } from './model-workbench';
import { DEFAULT_TAP_TILES, tapView } from './tap-views';
import { DiagnosticsBench } from './diagnostics-bench';

interface Clip {
  info: ClipInfo;
  video: Tensor;
  /** The last pyramid computed, reused while the user scrubs at the same depth. */
  pyramid?: { levels: number; haar: HaarLevel[]; energy: EnergyReport };
}

export type EventSink = (event: ApiEvent) => void;

/** A file serve mode received as an upload: opened under the user's name for it, and deleted once decoded. Never accepted from outside (the contract has no such source). */
export interface UploadedSource {
  kind: 'upload';
  name: string;
  path: string;
}
export type OpenVideoRequest = Omit<ApiRequest<'openVideo'>, 'source'> & { source: ApiRequest<'openVideo'>['source'] | UploadedSource };

export interface SessionCoreOptions {
  /** Runs the models (onnxruntime blocks its thread). */
  compute: ComputeClient;
  /** Heavy jobs (decode, model load, reconstruct, compare) allowed to run at once; the rest wait in line. Default 1. */
  heavyJobs?: number;
}

/** Fewer progress events than this interval apart are dropped (the last one always goes). */
const PROGRESS_INTERVAL_MS = 50;

export class SessionCore {
  private readonly clips = new Map<string, Clip>();
  private readonly tasks = new Map<string, AbortController>();
  private nextClip = 1;
  private uploadDir: string | undefined;
  private readonly models: ModelWorkbench;
  private readonly heavy: JobQueue;
  private readonly diagnostics: DiagnosticsBench;

  constructor(
    private readonly emit: EventSink,
    opts: SessionCoreOptions,
  ) {
    this.models = new ModelWorkbench(opts.compute);
    this.diagnostics = new DiagnosticsBench(this.models, opts.compute);
    this.heavy = new JobQueue(opts.heavyJobs ?? 1, (taskId, queuePosition) =>
      this.emit({ type: 'progress', taskId, phase: 'queued', done: 0, total: 0, queuePosition }),
    );
  }

  async openVideo(req: OpenVideoRequest): Promise<ApiResponse<'openVideo'>> {
    return this.runHeavy(req.taskId, async (signal) => {
      let path: string;
      let name: string;
      let temporary = false;
      if (req.source.kind === 'path') {
        path = req.source.path;
        name = basename(path);
      } else if (req.source.kind === 'upload') {
        path = req.source.path;
        name = req.source.name;
        temporary = true;
      } else {
        path = await this.storeUpload(req.source.name, req.source.bytes);
        name = req.source.name;
        temporary = true;
      }
      try {
        const defaults = defaultDecodeOptions(await probeVideo(path, { signal }), req.options ?? {});
        const progress = this.progressReporter(req.taskId, 'decode');
        const decoded = await decodeVideo(path, {
          ...req.options,
          ...defaults,
          signal,
          onProgress: progress,
        });
        signal.throwIfAborted();
        const [, T, H, W] = decoded.shape;
        const clipId = `clip-${this.nextClip++}`;
        const info: ClipInfo = {
          clipId,
          name,
          path: temporary ? '' : path,
          codec: decoded.info.codec,
          isImage: decoded.info.isImage,
          width: W,
          height: H,
          frames: T,
          fps: decoded.fps,
          source: {
            width: decoded.info.width,
            height: decoded.info.height,
            frames: decoded.info.frames,
            fps: decoded.info.fps,
            durationSec: decoded.info.durationSec,
          },
          frameIndices: decoded.frameIndices,
          maxLevels: maxHaarLevels(T, H, W),
          notes: decoded.notes,
        };
        this.clips.set(clipId, { info, video: { data: decoded.data, shape: decoded.shape } });
        return info;
      } catch (err) {
        // Messages name the private temp copy of an upload; the user knows the file by its own name.
        if (temporary && err instanceof Error && err.message.includes(path)) err.message = err.message.split(path).join(name);
        throw err;
      } finally {
        if (temporary) await rm(path, { force: true });
      }
    });
  }

  async getFrame(req: ApiRequest<'getFrame'>): Promise<ApiResponse<'getFrame'>> {
    const clip = this.clip(req.clipId);
    const { frames, width, height } = clip.info;
    if (req.t >= frames) throw new ApiError(ERROR_CODES.badRequest, `frame ${req.t} is out of range: the clip has ${frames} frames (0..${frames - 1})`);
    const rgb = toRgb8(clip.video, req.t);
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
      rgba[j] = rgb[i];
      rgba[j + 1] = rgb[i + 1];
      rgba[j + 2] = rgb[i + 2];
      rgba[j + 3] = 255;
    }
    return { clipId: req.clipId, t: req.t, width, height, rgba };
  }

  async getSubbands(req: ApiRequest<'getSubbands'>): Promise<ApiResponse<'getSubbands'>> {
    const clip = this.clip(req.clipId);
    const { frames, maxLevels, width, height } = clip.info;
    if (req.t >= frames) throw new ApiError(ERROR_CODES.badRequest, `frame ${req.t} is out of range: the clip has ${frames} frames (0..${frames - 1})`);
    if (req.levels > maxLevels) {
      throw new ApiError(
        ERROR_CODES.badRequest,
        `${req.levels} Haar levels need T = 1 + ${2 ** req.levels}k frames and sides that are multiples of ${2 ** req.levels}; ` +
          `this clip (${frames} frames, ${width}x${height}) allows at most ${maxLevels}. Pick fewer levels or reopen with a different frame count.`,
      );
    }
    const taskId = req.taskId ?? `subbands-${req.clipId}`;
    return this.runTask(taskId, async (signal) => {
      if (clip.pyramid?.levels !== req.levels) {
        clip.pyramid = undefined; // free the old one before making the new one
        this.emit({ type: 'progress', taskId, phase: 'subbands', done: 0, total: 1 });
        const haar = multiLevelHaar3d(clip.video, req.levels, { signal });
        clip.pyramid = { levels: req.levels, haar, energy: subbandEnergy(haar) };
        this.emit({ type: 'progress', taskId, phase: 'subbands', done: 1, total: 1 });
      }
      const { haar, energy } = clip.pyramid;
      return {
        clipId: req.clipId,
        frame: req.t,
        levels: haar.map((lv) => {
          const coefficientFrame = coefficientFrameFor(req.t, lv.level);
          return {
            level: lv.level,
            coefficientFrame,
            tiles: SUBBANDS_3D.map((name) => lumaTile(name, lv.subbands[name], coefficientFrame)),
          };
        }),
        energy,
        note: TILE_NOTE,
      };
    });
  }

  async getModel(): Promise<ApiResponse<'getModel'>> {
    return { model: this.models.info(), defaultModel: await this.models.defaultModel() };
  }

  async loadModel(req: ApiRequest<'loadModel'>): Promise<ApiResponse<'loadModel'>> {
    return this.runHeavy(req.taskId, (signal) => this.models.load(req.path, signal, this.phaseReporter(req.taskId)));
  }

  async reconstruct(req: ApiRequest<'reconstruct'>): Promise<ApiResponse<'reconstruct'>> {
    const clip = this.clip(req.clipId);
    return this.runHeavy(req.taskId, (signal) => this.models.reconstruct(req.clipId, clip.video, signal, this.stagedReporter(req.taskId)));
  }

  async planRuns(req: ApiRequest<'planRuns'>): Promise<ApiResponse<'planRuns'>> {
    const clip = this.clip(req.clipId);
    return this.models.planRuns(req.clipId, clip.video, { encChunk: 8, decChunk: 2 });
  }

  async compareChunking(req: ApiRequest<'compareChunking'>): Promise<ApiResponse<'compareChunking'>> {
    const clip = this.clip(req.clipId);
    return this.runHeavy(req.taskId, (signal) =>
      this.models.compare(req.clipId, clip.video, { encChunk: req.encChunk, decChunk: req.decChunk }, signal, this.stagedReporter(req.taskId)),
    );
  }

  async getModelFrame(req: ApiRequest<'getModelFrame'>): Promise<ApiResponse<'getModelFrame'>> {
    const { frames, width, height } = this.clip(req.clipId).info;
    if (req.t >= frames) throw new ApiError(ERROR_CODES.badRequest, `frame ${req.t} is out of range: the clip has ${frames} frames (0..${frames - 1})`);
    const base = { clipId: req.clipId, t: req.t, width, height, kind: req.kind };
    if (req.kind === 'reconstruction') return { ...base, rgba: rgbaFrame(this.models.recon(req.clipId).video, req.t) };
    const { videos } = this.models.chunks(req.clipId);
    if (req.kind === 'diff-cached' || req.kind === 'diff-naive') {
      const d = diffFrame(req.kind === 'diff-cached' ? videos.cached : videos.naive, videos.whole, req.t);
      return { ...base, rgba: d.rgba, diff: { maxAbs: d.maxAbs, gain: d.gain } };
    }
    return { ...base, rgba: rgbaFrame(videos[req.kind], req.t) };
  }

  async getTaps(req: ApiRequest<'getTaps'>): Promise<ApiResponse<'getTaps'>> {
    const { frames } = this.clip(req.clipId).info;
    if (req.t >= frames) throw new ApiError(ERROR_CODES.badRequest, `frame ${req.t} is out of range: the clip has ${frames} frames (0..${frames - 1})`);
    const r = this.models.recon(req.clipId);
    const cap = req.maxTilesPerTap ?? DEFAULT_TAP_TILES;
    return {
      clipId: req.clipId,
      modelId: r.summary.modelId,
      frame: req.t,
      frames,
      taps: r.tapMeta.filter((m) => r.taps[m.name]).map((m) => tapView(m, r.taps[m.name], req.t, frames, cap)),
    };
  }

  async getLatent(req: ApiRequest<'getLatent'>): Promise<ApiResponse<'getLatent'>> {
    this.clip(req.clipId);
    const r = this.models.recon(req.clipId);
    const [, L, t, h, w] = r.mean.shape;
    const n = t * h * w;
    const channelRanges = Array.from({ length: L }, (_, c) => {
      let min = Infinity;
      let max = -Infinity;
      for (let i = c * n; i < (c + 1) * n; i++) {
        const v = r.mean.data[i];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      return { min, max };
    });
    return {
      clipId: req.clipId,
      modelId: r.summary.modelId,
      shape: [L, t, h, w],
      // A copy: the worker transfers what it sends, and the mean stays here for the next call.
      data: r.mean.data.slice(),
      channelRanges,
      latentFrameOf: this.models.latentFrameOf(req.clipId),
    };
  }

  async getFrequency(req: ApiRequest<'getFrequency'>): Promise<ApiResponse<'getFrequency'>> {
    const clip = this.clip(req.clipId);
    return this.diagnostics.frequency(req.clipId, clip.video, req.levels ?? 3);
  }

  async getLatentStats(req: ApiRequest<'getLatentStats'>): Promise<ApiResponse<'getLatentStats'>> {
    this.clip(req.clipId);
    return this.diagnostics.latentStats(req.clipId);
  }

  async compareModels(req: ApiRequest<'compareModels'>): Promise<ApiResponse<'compareModels'>> {
    const clip = this.clip(req.clipId);
    return this.runHeavy(req.taskId, (signal) => this.diagnostics.compare(req.clipId, clip.video, req.b, signal, this.phaseReporter(req.taskId)));
  }

  async getAbFrame(req: ApiRequest<'getAbFrame'>): Promise<ApiResponse<'getAbFrame'>> {
    this.clip(req.clipId);
    return this.diagnostics.abFrame(req.clipId, req.t, req.kind);
  }

  async cancel(req: ApiRequest<'cancel'>): Promise<ApiResponse<'cancel'>> {
    const task = this.tasks.get(req.taskId);
    if (!task) return { cancelled: false, message: `no task "${req.taskId}" is running or queued (it may have finished already)` };
    task.abort();
    return { cancelled: true };
  }

  async closeClip(req: ApiRequest<'closeClip'>): Promise<ApiResponse<'closeClip'>> {
    this.models.forgetClip(req.clipId);
    this.diagnostics.forgetClip(req.clipId);
    return { closed: this.clips.delete(req.clipId) };
  }

  async listClips(): Promise<ApiResponse<'listClips'>> {
    return { clips: [...this.clips.values()].map((c) => c.info) };
  }

  async dispose(): Promise<void> {
    for (const t of this.tasks.values()) t.abort();
    this.clips.clear();
    await this.diagnostics.dispose();
    await this.models.dispose();
    if (this.uploadDir) await rm(this.uploadDir, { recursive: true, force: true });
    this.uploadDir = undefined;
  }

  private clip(clipId: string): Clip {
    const clip = this.clips.get(clipId);
    if (!clip) throw new ApiError(ERROR_CODES.unknownClip, `no open clip "${clipId}": open the video again`);
    return clip;
  }

  /** A task that waits its turn in the heavy-job queue (position reported as progress), then runs. */
  private runHeavy<T>(taskId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.runTask(taskId, (signal) =>
      this.heavy.run(taskId, signal, (waited) => {
        // Progress without a queue position tells the client its task left the queue.
        if (waited) this.emit({ type: 'progress', taskId, phase: 'starting', done: 0, total: 0 });
        return work(signal);
      }),
    );
  }

  private async runTask<T>(taskId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.tasks.has(taskId)) throw new ApiError(ERROR_CODES.badRequest, `task "${taskId}" is already running`);
    const controller = new AbortController();
    this.tasks.set(taskId, controller);
    try {
      return await work(controller.signal);
    } catch (err) {
      if (controller.signal.aborted) throw new ApiError(ERROR_CODES.cancelled, 'cancelled by the user');
      throw err;
    } finally {
      this.tasks.delete(taskId);
    }
  }

  private progressReporter(taskId: string, phase: string): (done: number, total: number) => void {
    let last = 0;
    return (done, total) => {
      const now = Date.now();
      if (done < total && now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      this.emit({ type: 'progress', taskId, phase, done: Math.max(0, Math.floor(done)), total: Math.max(0, Math.floor(total)) });
    };
  }

  /** Progress of work that has stages but no counts (conversion, a whole-clip run): the bar shows the stage, busy. */
  private phaseReporter(taskId: string): (phase: string) => void {
    let last = '';
    return (phase) => {
      if (phase === last) return;
      last = phase;
      this.emit({ type: 'progress', taskId, phase: phase.slice(0, 64), done: 0, total: 0 });
    };
  }

  /** Progress through named stages, each with its own counts: a new stage is always sent, counts within one are throttled. */
  private stagedReporter(taskId: string): (phase: string, done: number, total: number) => void {
    let stage = '';
    let report = this.progressReporter(taskId, stage);
    return (phase, done, total) => {
      if (phase !== stage) {
        stage = phase;
        report = this.progressReporter(taskId, phase.slice(0, 64));
        this.emit({ type: 'progress', taskId, phase: phase.slice(0, 64), done: Math.max(0, Math.floor(done)), total: Math.max(0, Math.floor(total)) });
      } else report(done, total);
    };
  }

  /** Uploaded bytes (serve mode) go to a private temp file for ffmpeg, removed after decoding. */
  private async storeUpload(name: string, bytes: Uint8Array): Promise<string> {
    this.uploadDir ??= await mkdtemp(join(tmpdir(), 'wfvae-upload-'));
    const safe = basename(name).replace(/[^\w.-]+/g, '_').slice(-100) || 'upload';
    const path = join(this.uploadDir, `${Date.now()}-${Math.random().toString(36).slice(2, 8)}-${safe}`);
    await writeFile(path, bytes);
    return path;
  }
}
