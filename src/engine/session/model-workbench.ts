// The session's model and what it computed on each clip: whole-clip
// reconstruction (with energy-flow taps), and the chunking comparison. One
// model is loaded at a time; loading another drops every result of the old
// one. Views then read single frames, tap tiles or the latent from here, so
// whole clips never cross the wire.
import {
  ApiError,
  ERROR_CODES,
  type ChunkComparison,
  type ApiResponse,
  type ChunkingVerdictInfo,
  type ModelInfo,
  type Reconstruction,
} from '../../shared/contract';
import type { ModelFacts } from '../checkpoint/index';
import { resolveModelPath, resolveModelSource } from '../runtime/model-path';
import type { HubProgress } from '../checkpoint/hub/index';
import { CACHED_TOLERANCE } from '../runtime/stream-compare';
import { chunkingVerdict } from '../runtime/stream-model';
import { Calibration, type WorkKind } from '../plan/calibration';
import { probeClip } from '../plan/probe';
import { SessionPlans, wireRunPlan } from './session-plans';
import { forTheApp, guiRefusal } from './gui-messages';
import type { Tensor } from '../tensor';
import type { ComputeClient } from './compute-client';
import type { LoadedModel } from './model-compute';
import { tapFrameFor, type TapMeta } from './tap-views';
import type { PathwaySpec } from '../../shared/pathway-contract';
import { buildDecoderGraph } from '../onnx/build';
import type { GraphManifest } from '../onnx/cache';
import { buildPathwaySpec } from '../onnx/pathway-spec';
import { WeightStore } from '../onnx/weights';
import type { PooledTap } from './pathway-pool';
import type { RunCacheFlow } from './model-compute';

interface Loaded {
  /** The model as the compute thread holds it. */
  model: LoadedModel;
  info: ModelInfo;
  /** Its plans, on this machine's measured speed for it (kept in the engine's cache folder). */
  plans: SessionPlans;
  /** Runs using the model; it is released only when none is left. */
  users: number;
  retired: boolean;
}

export interface ReconEntry {
  summary: Reconstruction;
  /** (3, T, H, W) */
  video: Tensor;
  /** (1, L, t, h, w) */
  mean: Tensor;
  logvar: Tensor;
  taps: Record<string, Tensor>;
  tapMeta: TapMeta[];
  /** The pathway's backbone stages, pooled (Causal Cache runs only). */
  stages: Record<string, PooledTap>;
  cache: RunCacheFlow | null;
  spec: PathwaySpec;
}

export interface ChunkEntry {
  summary: ChunkComparison;
  videos: { whole: Tensor; cached: Tensor; naive: Tensor };
  cache: RunCacheFlow;
  spec: PathwaySpec;
}

/** The pathway diagram of a converted model: its config, the taps of all its graphs, the decoder's look-ahead. */
export function pathwayOf(m: GraphManifest): PathwaySpec {
  const taps = new Map(Object.values(m.graphs).flatMap((g) => g.taps.map((t) => [t.name, t] as const)));
  // Rebuilt from the config without weights (milliseconds), as the memory plan does: the look-ahead is the graph's own.
  const lookAhead = buildDecoderGraph(m.config, new WeightStore(null), 'step').lookAhead;
  return buildPathwaySpec(m.config, m.facts, [...taps.values()], lookAhead);
}

interface ClipResults {
  recon?: ReconEntry;
  chunks?: ChunkEntry;
}

/** dB or null for identical (JSON has no Infinity). */
const db = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function verdictInfo(facts: ModelFacts): ChunkingVerdictInfo {
  const v = chunkingVerdict(facts, 'cached');
  const n = v.timeMixingLayers.length;
  return {
    exact: v.exact,
    headline: v.exact
      ? 'Causal Cache chunking is exact: equal to whole-clip within float32 rounding'
      : `${facts.timeMixing[0]!.toUpperCase()}${facts.timeMixing.slice(1)}: cannot be exact`,
    message: v.message,
    timeMixingLayers: n,
    timeMixing: facts.timeMixing,
  };
}

export class ModelWorkbench {
  /** Runs the models off this thread: onnxruntime blocks the thread it runs on, and this one answers the cheap calls. */
  constructor(private readonly compute: ComputeClient) {}

  private loaded: Loaded | undefined;
  private readonly results = new Map<string, ClipResults>();
  private serial = 0;

  /** The model a request without a path loads: the one serve's --model named or the last loaded, else the demo model. */
  private defaultPath: string | undefined;

  info(): ModelInfo | null {
    return this.loaded?.info ?? null;
  }

  /** Where loadModel without a path would look (checked on disk, nothing loaded). */
  async defaultModel(): Promise<{ path: string | null; error: string | null }> {
    return resolveModelPath(this.defaultPath).then(
      (path) => ({ path, error: null }),
      (err: unknown) => {
        const e = forTheApp(err);
        return { path: null, error: e instanceof Error ? e.message : String(e) };
      },
    );
  }

  /**
   * Loads a folder, a Hub id (`hub`, or a `path` that is no folder here but reads as one: from the
   * shared Hugging Face cache, else downloaded with progress), or the default model.
   */
  async load(
    path: string | undefined,
    signal: AbortSignal,
    onPhase: (phase: string) => void,
    opts: { hub?: string; onHubProgress?: (p: HubProgress) => void } = {},
  ): Promise<ModelInfo> {
    const source = await resolveModelSource(opts.hub ?? path ?? this.defaultPath, { signal, onHubProgress: opts.onHubProgress, hub: opts.hub !== undefined });
    signal.throwIfAborted();
    const resolved = source.path;
    const model = await this.compute.load(resolved, signal, onPhase);
    if (signal.aborted) {
      await this.compute.unload(model.handle);
      signal.throwIfAborted();
    }
    const info: ModelInfo = {
      modelId: `model-${++this.serial}`,
      path: source.hub ? source.label : resolved,
      hub: source.hub
        ? {
            repo: source.hub.id.repo,
            revision: source.hub.id.revision,
            subfolder: source.hub.id.subfolder,
            commit: source.hub.commit,
            fromCache: source.hub.fromCache,
            downloadedBytes: source.hub.downloadedBytes,
            snapshot: source.hub.dir,
          }
        : null,
      dir: model.dir,
      cached: model.cached,
      className: model.className,
      parameterCount: model.parameterCount,
      latentChannels: model.facts.latentChannels,
      temporalCompression: model.facts.temporalCompression,
      causalSafe: model.facts.causalSafe,
      provider: model.provider,
      execution: model.execution,
      taps: model.taps,
      chunking: verdictInfo(model.facts),
      pathway: pathwayOf(model.manifest),
    };
    const calibration = await Calibration.load({ modelSha256: model.manifest.sha256, provider: model.provider, threads: undefined });
    const old = this.loaded;
    this.loaded = { model, info, users: 0, retired: false, plans: new SessionPlans(model.manifest, calibration) };
    this.defaultPath = resolved;
    this.results.clear();
    if (old) await this.retire(old);
    return info;
  }

  async reconstruct(
    clipId: string,
    video: Tensor,
    signal: AbortSignal,
    onProgress: (phase: string, done: number, total: number) => void,
  ): Promise<Reconstruction> {
    return this.withModel(async ({ model, info, plans }) => {
      const [, T, H, W] = video.shape;
      // The plan the views showed for this clip, made here before the compute thread is asked.
      const plan = plans.plan({ kind: 'app-reconstruct', clip: { frames: T, height: H, width: W } });
      if (!plan.fits) throw new ApiError(ERROR_CODES.overBudget, guiRefusal(plan.refusal!));
      const started = performance.now();
      const settings = { mode: plan.settings.mode === 'whole' ? ('whole' as const) : ('cached' as const), encChunk: plan.settings.encChunk, decChunk: plan.settings.decChunk };
      const r = await this.compute.reconstruct(model.handle, video, settings, signal, onProgress);
      signal.throwIfAborted();
      const p = r.psnr;
      const s = r.ssim;
      const summary: Reconstruction = {
        clipId,
        modelId: info.modelId,
        frames: T,
        width: W,
        height: H,
        psnr: { clip: db(p.clip), perFrame: p.perFrame.map(db) },
        ssim: { clip: s.clip, perFrame: s.perFrame },
        encodeSeconds: r.encodeSeconds,
        decodeSeconds: r.decodeSeconds,
        provider: r.provider,
        plan: wireRunPlan(plan),
        latentShape: r.mean.shape.slice(1),
      };
      this.assertCurrent(info);
      await this.recordRun('app-reconstruct', { frames: T, height: H, width: W }, (performance.now() - started) / 1000, `reconstruct of ${T}×${H}×${W}`);
      this.entry(clipId).recon = { summary, video: r.video, mean: r.mean, logvar: r.logvar, taps: r.taps, tapMeta: info.taps, stages: r.stages, cache: r.cache, spec: info.pathway };
      return summary;
    });
  }

  async compare(
    clipId: string,
    video: Tensor,
    settings: { encChunk: number; decChunk: number },
    signal: AbortSignal,
    onProgress: (phase: string, done: number, total: number) => void,
  ): Promise<ChunkComparison> {
    return this.withModel(async ({ model, info, plans }) => {
      const [, T, H, W] = video.shape;
      const plan = plans.plan({ kind: 'compare', clip: { frames: T, height: H, width: W }, chunks: settings });
      if (!plan.fits) throw new ApiError(ERROR_CODES.overBudget, guiRefusal(plan.refusal!));
      const started = performance.now();
      // compareChunking runs whole (no progress of its own), then cached, then naive, each encode then decode.
      let run = 0;
      let lastStage = '';
      const runs = ['cached', 'naive'];
      onProgress('whole-clip run', 0, 0);
      const r = await this.compute.compare(model.handle, video, settings, signal, (stage, done, total) => {
        if (stage === 'encode' && lastStage === 'decode') run++;
        lastStage = stage;
        onProgress(`${runs[Math.min(run, 1)]} ${stage}`, done, total);
      });
      signal.throwIfAborted();
      const dev = (d: typeof r.cached): ChunkComparison['cached'] => ({
        maxAbs: d.maxAbs,
        psnr: db(d.psnr),
        perFrame: d.perFrame.map((f) => ({ maxAbs: f.maxAbs, psnr: db(f.psnr) })),
      });
      const summary: ChunkComparison = {
        clipId,
        modelId: info.modelId,
        encChunk: settings.encChunk,
        decChunk: settings.decChunk,
        frames: r.frames,
        boundaries: r.boundaries,
        cached: dev(r.cached),
        naive: dev(r.naive),
        cachedExact: r.cachedExact,
        tolerance: CACHED_TOLERANCE,
        verdict: info.chunking,
        seconds: r.seconds,
      };
      this.assertCurrent(info);
      await this.recordRun('compare', { frames: T, height: H, width: W }, (performance.now() - started) / 1000, `comparison of ${T}×${H}×${W}`);
      this.entry(clipId).chunks = { summary, videos: r.videos!, cache: r.cache, spec: info.pathway };
      return summary;
    });
  }

  /** How Reconstruct and the chunking comparison would run on this clip, the memory and time each needs, before either runs. */
  async planRuns(clipId: string, video: Tensor, chunks: { encChunk: number; decChunk: number }): Promise<ApiResponse<'planRuns'>> {
    const plans = await this.readyPlans();
    if (!plans) throw new ApiError(ERROR_CODES.noModel, 'no model is loaded: load one in the Model panel (a checkpoint folder or a converted folder)');
    const [, T, H, W] = video.shape;
    const clip = { frames: T, height: H, width: W };
    const reconstruct = plans.plan({ kind: 'app-reconstruct', clip });
    return {
      clipId,
      reconstruct: wireRunPlan(reconstruct),
      compare: wireRunPlan(plans.plan({ kind: 'compare', clip, chunks })),
      budgetSource: reconstruct.budget.source,
    };
  }

  /**
   * Runs work with the loaded model, which stays alive until the work ends even if another is loaded
   * meanwhile (NO_MODEL when none is loaded); a result of a model replaced meanwhile is refused.
   */
  async use<T>(work: (model: LoadedModel, info: ModelInfo) => Promise<T>): Promise<T> {
    return this.withModel(async (l) => {
      const out = await work(l.model, l.info);
      this.assertCurrent(l.info);
      return out;
    });
  }

  /** Records a finished run of the loaded model into this machine's measured speeds. */
  async recordRun(kind: WorkKind, clip: { frames: number; height: number; width: number }, seconds: number, what: string, clips = 1, steady?: { voxels: number; seconds: number }): Promise<void> {
    const l = this.loaded;
    if (!l) return;
    await l.plans.calibration.record(kind, { voxels: clips * clip.frames * clip.height * clip.width, area: clip.height * clip.width, seconds, what: `${what} on ${l.model.provider}`, steady });
  }

  /**
   * The loaded model's plans, on its measured speed on this machine: before anything was measured
   * for it here, a small probe run first (zeros in, a real forward pass and SSIM, in the compute
   * thread, once it is idle). Null when no model is loaded.
   */
  async readyPlans(): Promise<SessionPlans | null> {
    const l = this.loaded;
    if (!l) return null;
    // A probe while the model runs something else would measure both: wait for an idle moment.
    if (l.plans.calibration.empty && l.users === 0) {
      const video = probeClip(l.model.facts.temporalCompression);
      const [, T, H, W] = video.shape;
      const t0 = performance.now();
      await this.withModel(({ model }) => this.compute.reconstruct(model.handle, video, { mode: 'whole', encChunk: 0, decChunk: 0 }, new AbortController().signal, () => undefined));
      // A real run measured meanwhile makes the probe needless.
      if (l.plans.calibration.empty) await l.plans.calibration.record('probe', { voxels: T * H * W, area: H * W, seconds: (performance.now() - t0) / 1000, what: `a ${T}×${H}×${W} probe run on ${l.model.provider}` });
    }
    return l.plans;
  }

  recon(clipId: string): ReconEntry {
    const r = this.results.get(clipId)?.recon;
    if (!r) throw new ApiError(ERROR_CODES.noResult, 'this clip has not been reconstructed with the loaded model yet: run Reconstruct first');
    return r;
  }

  chunks(clipId: string): ChunkEntry {
    const r = this.results.get(clipId)?.chunks;
    if (!r) throw new ApiError(ERROR_CODES.noResult, 'no chunking comparison for this clip with the loaded model yet: run Compare first');
    return r;
  }

  latentFrameOf(clipId: string): number[] {
    const { summary } = this.recon(clipId);
    return Array.from({ length: summary.frames }, (_, f) => tapFrameFor(f, summary.frames, summary.latentShape[1]));
  }

  forgetClip(clipId: string): void {
    this.results.delete(clipId);
  }

  async dispose(): Promise<void> {
    this.results.clear();
    const l = this.loaded;
    this.loaded = undefined;
    if (l) await this.retire(l);
    await this.compute.dispose();
  }

  private entry(clipId: string): ClipResults {
    let e = this.results.get(clipId);
    if (!e) this.results.set(clipId, (e = {}));
    return e;
  }

  private async withModel<T>(work: (l: Loaded) => Promise<T>): Promise<T> {
    const l = this.loaded;
    if (!l) throw new ApiError(ERROR_CODES.noModel, 'no model is loaded: load one in the Model panel (a checkpoint folder or a converted folder)');
    l.users++;
    try {
      return await work(l);
    } finally {
      l.users--;
      if (l.retired && l.users === 0) await this.compute.unload(l.model.handle);
    }
  }

  /** A model loaded meanwhile owns the results now; a run of the old one must not store its own. */
  private assertCurrent(info: ModelInfo): void {
    if (this.loaded?.info.modelId !== info.modelId) throw new ApiError(ERROR_CODES.cancelled, 'another model was loaded while this ran; run it again');
  }

  private async retire(l: Loaded): Promise<void> {
    l.retired = true;
    if (l.users === 0) await this.compute.unload(l.model.handle);
  }
}
