// The engine side of the app's API, in whatever thread it is constructed in:
// a store of decoded clips, decoding with progress and cancel, frames and
// subband views. WorkerSession runs one of these in a worker thread; the
// Electron main process and serve mode both talk to it through that.
import { rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  ApiError,
  ERROR_CODES,
  type ApiEvent,
  type ApiRequest,
  type ApiResponse,
  type ClipInfo,
} from '../../shared/contract';
import { decodeVideo } from '../video/decode';
import { planDecode } from '../video/plan';
import { probeVideo } from '../video/probe';
import { toRgb8 } from '../video/rgb';
import { maxHaarLevels, multiLevelHaar3d, subbandEnergy, lumaTile, coefficientFrameFor, TILE_NOTE, type HaarLevel } from '../wavelet/index';
import { SUBBANDS_3D, type EnergyReport } from '../../shared/subbands';
import type { Tensor } from '../tensor';
import { defaultDecodeOptions } from './default-frames';
import type { ClipSelection } from '../../shared/workflow-contract';
import { SSIM_DESCRIPTION } from '../metrics/index';
import type { DecodeOptions } from '../video/index';
import { recordDecodeRate, SourceStore, type ClipSource } from './clip-sources';
import { estimateSelection, selectionFromOptions, selectionToDecode, wholeVideoShape } from './clip-selection';
import { formatBytes, memoryBudget } from '../runtime/memory-plan';
import { ExportStore, type ExportSubject } from './exports';
import { tensorBlock, tensorPair } from './frame-pairs';
import { PSNR_DESCRIPTION, type MetricsReport } from './metrics-report';
import { makeThumbnails } from './thumbnails';
import { VideoStore } from './video-results';
import { diffFrame, rgbaFrame } from './frame-images';
import type { ComputeClient } from './compute-client';
import { JobQueue } from './job-queue';
import { ModelWorkbench } from './model-workbench';
import { SteadyPace } from '../plan/calibration';
import type { HubProgress } from '../checkpoint/hub/index';
import { DEFAULT_TAP_TILES, tapTimeline, tapView } from './tap-views';
import { DiagnosticsBench } from './diagnostics-bench';
import { getCacheFlow, getPathway, getPathwayNode } from './pathway-session';
import { forTheApp } from './gui-messages';
import { makeOwnedTempDir, sweepOwnedTempDirs } from '../fs/owned-temp';

interface Clip {
  info: ClipInfo;
  video: Tensor;
  /** The file it was decoded from, kept for another selection, thumbnails and the whole-video run. */
  source: ClipSource;
  /** The last pyramid computed, reused while the user scrubs at the same depth. */
  pyramid?: { levels: number; haar: HaarLevel[]; energy: EnergyReport };
}

export type EventSink = (event: ApiEvent) => void;

/** A file serve mode received as an upload: opened under the user's name for it; it belongs to the session from then on (deleted when its last clip closes). Never accepted from outside (the contract has no such source). */
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

/** A Hub step as a progress phase: "downloading vae/config.json", bytes as counts. */
function hubPhase(p: HubProgress): string {
  const name = p.file.split('/').pop()!;
  if (p.phase === 'lookup') return `asking the Hub for ${name}`;
  if (p.phase === 'wait') return `waiting for another download of ${name}`;
  if (p.phase === 'verify') return `checking ${name}`;
  return `downloading ${name}`;
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
  /** Private folder for results kept on disk (whole-video runs, exports). */
  private resultsDir: Promise<string> | undefined;
  private readonly results = () => (this.resultsDir ??= makeOwnedTempDir('wfvae-results-'));
  private readonly videos = new VideoStore(this.results);
  private readonly exports = new ExportStore(this.results);
  private readonly sources = new SourceStore((source) => this.videos.dropForSource(source.id));

  private readonly compute: ComputeClient;

  constructor(
    private readonly emit: EventSink,
    opts: SessionCoreOptions,
  ) {
    this.compute = opts.compute;
    this.models = new ModelWorkbench(opts.compute);
    this.diagnostics = new DiagnosticsBench(this.models, opts.compute);
    this.heavy = new JobQueue(opts.heavyJobs ?? 1, (taskId, queuePosition) =>
      this.emit({ type: 'progress', taskId, phase: 'queued', done: 0, total: 0, queuePosition }),
    );
    // Uploads and results of sessions killed outright (their host got SIGKILL): nobody else removes them.
    void sweepOwnedTempDirs();
  }

  async openVideo(req: OpenVideoRequest): Promise<ApiResponse<'openVideo'>> {
    let started = false;
    try {
      return await this.openVideoJob(req, () => (started = true));
    } finally {
      // An upload whose job was cancelled before it started: the job would have owned the file.
      if (!started && req.source.kind === 'upload') await rm(req.source.path, { force: true });
    }
  }

  private openVideoJob(req: OpenVideoRequest, onStart: () => void): Promise<ApiResponse<'openVideo'>> {
    return this.runHeavy(req.taskId, async (signal) => {
      onStart();
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
      let source: ClipSource | undefined;
      try {
        const info = await probeVideo(path, { signal });
        let options: DecodeOptions;
        let selection: ClipSelection;
        if (req.selection) {
          options = selectionToDecode(req.selection);
          selection = req.selection;
        } else {
          const defaults = defaultDecodeOptions(info, req.options ?? {});
          options = { ...req.options, ...defaults };
          selection = selectionFromOptions({ ...req.options, ...defaults });
        }
        source = this.sources.add(path, name, temporary, info);
        return await this.decodeClip(req.taskId, source, options, selection, signal);
      } catch (err) {
        if (source) await this.sources.release(source);
        else if (temporary) await rm(path, { force: true });
        // Messages name the private temp copy of an upload; the user knows the file by its own name.
        if (temporary && err instanceof Error && err.message.includes(path)) err.message = err.message.split(path).join(name);
        throw forTheApp(err);
      }
    });
  }

  /** Decodes another part of a clip's source (the Clip panel's selection) as a new clip; the caller closes the old one. */
  async selectClip(req: ApiRequest<'selectClip'>): Promise<ApiResponse<'selectClip'>> {
    const { source } = this.clip(req.clipId);
    return this.runHeavy(req.taskId, async (signal) => {
      this.sources.retain(source);
      try {
        return await this.decodeClip(req.taskId, source, selectionToDecode(req.selection), req.selection, signal);
      } catch (err) {
        await this.sources.release(source);
        if (source.temporary && err instanceof Error) err.message = err.message.split(source.path).join(source.name);
        throw forTheApp(err);
      }
    });
  }

  async estimateClip(req: ApiRequest<'estimateClip'>): Promise<ApiResponse<'estimateClip'>> {
    const { source } = this.clip(req.clipId);
    const plans = await this.models.readyPlans();
    const info = this.models.info();
    return estimateSelection(
      req.clipId,
      source,
      req.selection,
      plans && info ? { plans, className: info.className, temporalCompression: info.temporalCompression as 4 | 8 } : { missing: 'no model loaded: load one for the reconstruct estimates' },
    );
  }

  async getThumbnails(req: ApiRequest<'getThumbnails'>): Promise<ApiResponse<'getThumbnails'>> {
    const { source } = this.clip(req.clipId);
    return this.runHeavy(req.taskId, (signal) => makeThumbnails(req.clipId, source, signal, this.progressReporter(req.taskId, 'thumbnails')));
  }

  async reconstructVideo(req: ApiRequest<'reconstructVideo'>): Promise<ApiResponse<'reconstructVideo'>> {
    const clip = this.clip(req.clipId);
    return this.runHeavy(req.taskId, (signal) =>
      this.models.use(async (model, info) => {
        // The plan the estimate showed: its chunks (the largest that fit this machine's budget at the video's frame size).
        const tc = model.facts.temporalCompression as 4 | 8;
        const shape = wholeVideoShape(clip.source, clip.info.selection, tc);
        const plans = await this.models.readyPlans();
        const auto = shape && plans ? plans.plan({ kind: 'whole-video', clip: shape }).settings : { encChunk: 2 * tc, decChunk: 2 };
        const pace = new SteadyPace();
        const area = shape ? shape.height * shape.width : 0;
        const r = await this.videos.run({
          compute: this.compute,
          model,
          info,
          clipId: req.clipId,
          source: clip.source,
          selection: clip.info.selection,
          encChunk: req.encChunk ?? auto.encChunk,
          decChunk: req.decChunk ?? auto.decChunk,
          signal,
          onProgress: this.stagedReporter(req.taskId),
          onBlock: (b) => {
            pace.mark(b.memory.frame * area);
            this.emit({ type: 'video-block', taskId: req.taskId, ...b });
          },
        });
        await this.models.recordRun('whole-video', { frames: r.frames, height: r.height, width: r.width }, r.seconds, `whole-video run of ${r.frames}×${r.height}×${r.width}`, 1, pace.result());
        return r;
      }),
    );
  }

  async getFrames(req: ApiRequest<'getFrames'>): Promise<ApiResponse<'getFrames'>> {
    const { ref } = req;
    try {
      if (ref.kind === 'video') return await this.videos.pair(ref.videoId).read(ref.layer, req.from, req.count);
      const clip = this.clip(ref.clipId);
      const video =
        ref.layer === 'original' ? clip.video : ref.layer === 'reconstruction' ? this.models.recon(ref.clipId).video : this.models.chunks(ref.clipId).videos[ref.layer];
      return tensorBlock(video, req.from, req.count);
    } catch (err) {
      if (err instanceof RangeError) throw new ApiError(ERROR_CODES.badRequest, err.message);
      throw err;
    }
  }

  async getTapTimeline(req: ApiRequest<'getTapTimeline'>): Promise<ApiResponse<'getTapTimeline'>> {
    this.clip(req.clipId);
    const r = this.models.recon(req.clipId);
    const meta = r.tapMeta.find((m) => m.name === req.tap);
    const tensor = r.taps[req.tap];
    if (!meta || !tensor) throw new ApiError(ERROR_CODES.badRequest, `the model has no tap "${req.tap}" (it has ${r.tapMeta.map((m) => m.name).join(', ')})`);
    try {
      return { clipId: req.clipId, tap: req.tap, label: req.label, ...tapTimeline(meta, tensor, req.label) };
    } catch (err) {
      if (err instanceof RangeError) throw new ApiError(ERROR_CODES.badRequest, err.message);
      throw err;
    }
  }

  async prepareExport(req: ApiRequest<'prepareExport'>): Promise<ApiResponse<'prepareExport'>> {
    const subject = req.source.kind === 'video' ? this.videoSubject(req.source.videoId) : this.clipSubject(req.source.clipId);
    return this.runHeavy(req.taskId, (signal) => this.exports.prepare(subject, req.what, req.diff, signal, this.progressReporter(req.taskId, `export ${req.what}`)));
  }

  async exportInfo(req: ApiRequest<'exportInfo'>): Promise<ApiResponse<'exportInfo'>> {
    return this.exports.info(req.exportId);
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
    return this.runHeavy(req.taskId, (signal) => {
      const staged = this.stagedReporter(req.taskId);
      return this.models
        .load(req.path, signal, this.phaseReporter(req.taskId), {
          hub: req.hub,
          onHubProgress: (p) => staged(hubPhase(p), p.done, p.total),
        })
        .catch((err: unknown) => {
          throw forTheApp(err);
        });
    });
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

  async getPathway(req: ApiRequest<'getPathway'>): Promise<ApiResponse<'getPathway'>> {
    return getPathway(this.clip(req.clipId).video, this.models.recon(req.clipId), req);
  }

  async getPathwayNode(req: ApiRequest<'getPathwayNode'>): Promise<ApiResponse<'getPathwayNode'>> {
    return getPathwayNode(this.clip(req.clipId).video, this.models.recon(req.clipId), req);
  }

  async getCacheFlow(req: ApiRequest<'getCacheFlow'>): Promise<ApiResponse<'getCacheFlow'>> {
    this.clip(req.clipId);
    const entry = req.run === 'chunking' ? this.models.chunks(req.clipId) : this.models.recon(req.clipId);
    return getCacheFlow(req, entry, entry.spec.temporalCompression);
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
    const clip = this.clips.get(req.clipId);
    if (!clip) return { closed: false };
    this.clips.delete(req.clipId);
    await this.sources.release(clip.source);
    return { closed: true };
  }

  async listClips(): Promise<ApiResponse<'listClips'>> {
    return { clips: [...this.clips.values()].map((c) => c.info) };
  }

  async dispose(): Promise<void> {
    for (const t of this.tasks.values()) t.abort();
    this.clips.clear();
    await this.diagnostics.dispose();
    await this.models.dispose();
    await this.sources.dispose();
    await this.videos.dispose();
    await this.exports.dispose();
    if (this.resultsDir) await rm(await this.resultsDir, { recursive: true, force: true });
    this.resultsDir = undefined;
    if (this.uploadDir) await rm(this.uploadDir, { recursive: true, force: true });
    this.uploadDir = undefined;
  }

  /** Decodes a selection of a source into a new clip (the source must already count this clip among its users). */
  private async decodeClip(taskId: string, source: ClipSource, options: DecodeOptions, selection: ClipSelection, signal: AbortSignal): Promise<ClipInfo> {
    this.assertClipFits(source, options);
    const progress = this.progressReporter(taskId, 'decode');
    const t0 = performance.now();
    const decoded = await decodeVideo(source.path, { ...options, signal, onProgress: progress });
    signal.throwIfAborted();
    const [, T, H, W] = decoded.shape;
    recordDecodeRate(source, (performance.now() - t0) / 1000, decoded.frameIndices[T - 1], 'the last decode');
    const clipId = `clip-${this.nextClip++}`;
    const info: ClipInfo = {
      clipId,
      name: source.name,
      path: source.temporary ? '' : source.path,
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
        claimedFrames: decoded.info.claimedFrames ?? null,
      },
      frameIndices: decoded.frameIndices,
      maxLevels: maxHaarLevels(T, H, W),
      notes: decoded.notes,
      selection,
    };
    this.clips.set(clipId, { info, video: { data: decoded.data, shape: decoded.shape }, source });
    return info;
  }

  /**
   * Decoded clips stay in memory until closed: the open ones plus this one must fit the engine's
   * memory budget (the one every model run is planned against), or the open is refused, saying what
   * the clips hold. Eight large clips from a few tabs would otherwise take the machine's memory.
   */
  private assertClipFits(source: ClipSource, options: DecodeOptions): void {
    let plan;
    try {
      plan = planDecode(source.info, options);
    } catch {
      return; // decodeVideo explains what is wrong with the options
    }
    const bytes = 3 * plan.frames * plan.height * plan.width * Float32Array.BYTES_PER_ELEMENT;
    let held = 0;
    for (const c of this.clips.values()) {
      held += c.video.data.byteLength;
      for (const level of c.pyramid?.haar ?? []) for (const band of Object.values(level.subbands)) held += band.data.byteLength;
    }
    const budget = memoryBudget();
    if (held + bytes <= budget.bytes) return;
    throw new ApiError(
      ERROR_CODES.overBudget,
      `opening ${plan.frames} frames of ${plan.width}x${plan.height} takes ${formatBytes(bytes)}, and the ${this.clips.size} clip${this.clips.size === 1 ? '' : 's'} open already hold ${formatBytes(held)}: ` +
        `together over the memory budget of ${formatBytes(budget.bytes)} (${budget.source}). Close a clip (or a tab that has one open), or pick fewer frames or a smaller size.`,
    );
  }

  private clipSubject(clipId: string): ExportSubject {
    const clip = this.clip(clipId);
    const r = this.models.recon(clipId);
    const model = this.models.info();
    const i = clip.info;
    const metrics: MetricsReport = {
      model: { className: model?.className ?? '', path: model?.path ?? '', provider: r.summary.provider },
      source: { name: i.name, path: i.path, frames: i.source.frames, fps: i.source.fps, width: i.source.width, height: i.source.height },
      selection: { ...i.selection, firstFrame: i.frameIndices[0], lastFrame: i.frameIndices[i.frames - 1], width: i.width, height: i.height, fps: i.fps },
      protocol: {
        psnr: PSNR_DESCRIPTION,
        ssim: SSIM_DESCRIPTION,
        inference:
          r.summary.plan.mode === 'whole'
            ? 'whole clip in one pass (no chunking)'
            : `Causal Cache: encoder chunks of ${r.summary.plan.encChunk} video frames, decoder chunks of ${r.summary.plan.decChunk} latent frames (equal to whole-clip inference for this model)`,
        decodedFrom: 'z = latent mean (no sampling)',
        clipping: 'the model output is measured as it is (not clipped to [-1, 1]); frames shown and exported are clipped to 8 bits',
      },
      summary: { frames: i.frames, psnr: r.summary.psnr.clip, ssim: r.summary.ssim.clip, seconds: r.summary.encodeSeconds + r.summary.decodeSeconds },
      perFrame: r.summary.psnr.perFrame.map((psnr, f) => ({ frame: f, sourceFrame: i.frameIndices[f], psnr, ssim: r.summary.ssim.perFrame[f] })),
    };
    return {
      stem: exportStem(i.name, i.frameIndices[0], i.frameIndices[i.frames - 1]),
      pair: tensorPair(clip.video, r.video, i.fps),
      latent: async () => r.mean,
      metrics,
    };
  }

  private videoSubject(videoId: string): ExportSubject {
    const e = this.videos.entry(videoId);
    const v = e.result;
    const step = v.frames > 1 ? (v.lastFrame - v.firstFrame) / (v.frames - 1) : 1;
    const metrics: MetricsReport = {
      model: { className: v.model.className, path: v.model.path, provider: e.provider },
      source: { name: e.source.name, path: e.source.path, frames: v.source.frames, fps: v.source.fps, width: e.source.width, height: e.source.height },
      selection: { ...e.selection, start: v.firstFrame, frames: v.frames, firstFrame: v.firstFrame, lastFrame: v.lastFrame, width: v.width, height: v.height, fps: v.fps },
      protocol: {
        psnr: PSNR_DESCRIPTION,
        ssim: SSIM_DESCRIPTION,
        inference: `Causal Cache, streamed: encoder chunks of ${v.encChunk} video frames, decoder chunks of ${v.decChunk} latent frames${v.exact ? ' (equal to whole-clip inference for this model)' : ' (this model mixes frames, so it deviates from whole-clip inference)'}`,
        decodedFrom: 'z = latent mean (no sampling)',
        clipping: 'the reconstruction is clipped to [-1, 1] before measuring, as the saved video is',
      },
      summary: { frames: v.frames, psnr: v.psnr.clip, ssim: v.ssim.clip, seconds: v.seconds },
      perFrame: v.psnr.perFrame.map((psnr, f) => ({ frame: f, sourceFrame: Math.round(v.firstFrame + f * step), psnr, ssim: v.ssim.perFrame[f] })),
    };
    return {
      stem: exportStem(e.source.name, v.firstFrame, v.lastFrame),
      pair: this.videos.pair(videoId),
      latent: () => this.videos.latent(videoId),
      metrics,
      reconstructionMp4: e.files.mp4,
    };
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
    this.uploadDir ??= await makeOwnedTempDir('wfvae-upload-');
    const safe = basename(name).replace(/[^\w.-]+/g, '_').slice(-100) || 'upload';
    const path = join(this.uploadDir, `${Date.now()}-${Math.random().toString(36).slice(2, 8)}-${safe}`);
    await writeFile(path, bytes);
    return path;
  }
}

/** "clip.mp4", 100, 196 -> "clip-f100-196" (a file name stem for exports). */
function exportStem(name: string, first: number, last: number): string {
  const base = name.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_').slice(0, 80) || 'clip';
  return `${base}-f${first}-${last}`;
}
