// The model work of a session, on the thread that owns the onnxruntime
// sessions (the compute worker): load, reconstruct with its metrics, compare
// chunking. onnxruntime-node runs a graph synchronously on the calling
// thread, so this work lives apart from the session's clip store; that is
// what keeps frames, subbands and finished results answering while it runs.
import type { ExecutionInfo } from '../../shared/contract';
import type { ModelFacts } from '../checkpoint/index';
import type { GraphManifest } from '../onnx/cache';
import { psnr, ssim } from '../metrics/index';
import type { ConvertProgress } from '../onnx/convert';
import { WfvaeModel } from '../runtime/model';
import { compareChunking, type CompareResult } from '../runtime/stream-compare';
import { decodeWith, encodeWith } from '../runtime/stream-model';
import { compareModels, type ComparisonRun } from '../model-compare/compare-models';
import { describeVariant, loadVariant, type LoadedVariant, type VariantSpec } from '../model-compare/variant';
import type { Tensor } from '../tensor';
import type { TapMeta } from './tap-views';
import { runVideo, type VideoBlock, type VideoJob, type VideoRunOutput } from './video-run';
import { StagePooler, type PooledTap } from './pathway-pool';
import { CacheFlowRecorder, type CacheFlowSide } from '../runtime/cache-state';

/** What a Causal Cache run carried across its chunk boundaries, per side (null for a run without any). */
export interface RunCacheFlow {
  encoder: CacheFlowSide | null;
  decoder: CacheFlowSide | null;
}

/** Stream options that record the cache a run carries. */
function cacheRecording(): { opts: { onCacheState: (side: 'encoder' | 'decoder', step: Parameters<CacheFlowRecorder['record']>[0]) => Promise<void> }; result: () => RunCacheFlow } {
  const rec = { encoder: new CacheFlowRecorder(), decoder: new CacheFlowRecorder() };
  return {
    opts: { onCacheState: (side, step) => rec[side].record(step) },
    result: () => ({ encoder: rec.encoder.result(), decoder: rec.decoder.result() }),
  };
}

/** What the session needs to know of a model the compute thread loaded. */
export interface LoadedModel {
  handle: number;
  dir: string;
  cached: boolean;
  className: string;
  parameterCount: number;
  facts: ModelFacts;
  provider: string;
  /** Where the graphs run, as proven at load. */
  execution: ExecutionInfo;
  /** For planning runs on the session thread (memory estimates) without asking this one. */
  manifest: GraphManifest;
  taps: TapMeta[];
}

/** How a reconstruct runs: the Causal Cache with these chunks, or the whole clip in one pass. */
export interface ReconstructSettings {
  mode: 'whole' | 'cached';
  encChunk: number;
  decChunk: number;
}

function executionInfo(model: WfvaeModel): ExecutionInfo {
  const r = model.execution;
  return {
    requested: r.requested,
    provider: r.provider,
    summary: r.summary,
    adapter: r.adapter ?? null,
    fallbacks: r.fallbacks.map((f) => ({ provider: f.provider, stage: f.stage, graph: f.graph ?? null, error: f.error })),
    runtimeFallback: r.runtimeFallback ?? null,
  };
}

export interface ReconstructOutput {
  /** (3, T, H, W) */
  video: Tensor;
  /** (1, L, t, h, w) */
  mean: Tensor;
  logvar: Tensor;
  taps: Record<string, Tensor>;
  /** The pathway's backbone stages, pooled (Causal Cache runs only: whole-clip graphs do not expose them). */
  stages: Record<string, PooledTap>;
  /** What the Causal Cache carried between chunks (null for a whole-clip run). */
  cache: RunCacheFlow | null;
  psnr: { clip: number; perFrame: number[] };
  ssim: { clip: number; perFrame: number[] };
  encodeSeconds: number;
  decodeSeconds: number;
  provider: string;
}

export type StagedProgress = (phase: string, done: number, total: number) => void;

const squeeze = (t: Tensor): Tensor => (t.shape.length === 5 ? { data: t.data, shape: t.shape.slice(1) } : t);

export function describeConvert(p: ConvertProgress): string {
  const pct = p.total > 0 ? Math.round((100 * p.done) / p.total) : 0;
  const what = p.phase === 'hash' ? 'hashing weights' : p.phase === 'build' ? `building graphs ${p.done}/${p.total}` : 'writing graphs';
  return p.phase === 'build' ? `convert: ${what}` : `convert: ${what} ${pct}%`;
}

export class ModelCompute {
  private readonly models = new Map<number, WfvaeModel>();
  private serial = 0;
  /** Model B of the last model-vs-model comparison, kept while A and the spec stay the same. */
  private b: { key: string; variant: LoadedVariant } | undefined;

  async load(path: string, signal: AbortSignal, onPhase: (phase: string) => void): Promise<LoadedModel> {
    onPhase('load');
    const model = await WfvaeModel.load(path, { convert: { signal, onProgress: (p) => onPhase(describeConvert(p)) } });
    if (signal.aborted) {
      await model.dispose();
      signal.throwIfAborted();
    }
    const handle = ++this.serial;
    this.models.set(handle, model);
    const m = model.manifest;
    return {
      handle,
      dir: model.dir,
      cached: model.converted.cached,
      className: m.className,
      parameterCount: m.parameterCount,
      facts: model.facts,
      provider: model.provider,
      execution: executionInfo(model),
      manifest: m,
      taps: [
        ...m.graphs.encoder.taps.map((t) => ({ name: t.name, side: 'encoder' as const, channels: t.channels, what: t.what })),
        ...m.graphs.decoder.taps.map((t) => ({ name: t.name, side: 'decoder' as const, channels: t.channels, what: t.what })),
      ],
    };
  }

  /** video: (3, T, H, W) in [-1, 1]. */
  async reconstruct(handle: number, video: Tensor, settings: ReconstructSettings, signal: AbortSignal, onProgress: StagedProgress): Promise<ReconstructOutput> {
    const model = this.model(handle);
    const input: Tensor = { data: video.data, shape: [1, ...video.shape] };
    let r: { mean: Tensor; logvar: Tensor; video: Tensor; taps?: Record<string, Tensor>; encodeSeconds: number; decodeSeconds: number };
    const poolers = new Map<string, StagePooler>();
    let cache: RunCacheFlow | null = null;
    if (settings.mode === 'whole') {
      onProgress('encode + decode (whole clip)', 0, 0);
      r = await model.reconstruct(input, { taps: true, signal });
    } else {
      // The Causal Cache gives the whole-clip result (for a causal-safe model) in a fraction of the memory.
      // Each chunk of a pathway stage is pooled as it comes, and what each step carries is recorded.
      const recording = cacheRecording();
      const onStageTap = (name: string, chunk: Tensor) => {
        let p = poolers.get(name);
        if (!p) poolers.set(name, (p = new StagePooler()));
        p.push(chunk);
      };
      const t0 = performance.now();
      const enc = await encodeWith(model, input, { mode: 'cached', encChunk: settings.encChunk }, { taps: true, signal, onStageTap, ...recording.opts, onProgress: (p) => onProgress('encode (Causal Cache)', p.done, p.total) });
      const t1 = performance.now();
      const dec = await decodeWith(model, enc.mean, { mode: 'cached', decChunk: settings.decChunk }, { taps: true, signal, onStageTap, ...recording.opts, onProgress: (p) => onProgress('decode (Causal Cache)', p.done, p.total) });
      r = { mean: enc.mean, logvar: enc.logvar, video: dec.video, taps: { ...enc.taps, ...dec.taps }, encodeSeconds: (t1 - t0) / 1000, decodeSeconds: (performance.now() - t1) / 1000 };
      cache = recording.result();
    }
    const stages: Record<string, PooledTap> = {};
    for (const [name, p] of poolers) {
      const pooled = p.result();
      if (pooled) stages[name] = pooled;
    }
    const out = squeeze(r.video);
    // Measured on the reconstruction clipped to [-1, 1], as the CLI, eval and the reference measure it (the video
    // any of them writes is clipped too); the unclipped output stays for the views.
    const clipped: Tensor = { data: out.data.map((v) => Math.min(1, Math.max(-1, v))), shape: out.shape };
    const p = psnr(clipped, video, { range: 2 });
    const s = ssim(clipped, video, { signal, onProgress: (done, total) => onProgress('SSIM', done, total) });
    signal.throwIfAborted();
    return { video: out, mean: r.mean, logvar: r.logvar, taps: r.taps ?? {}, stages, cache, psnr: p, ssim: s, encodeSeconds: r.encodeSeconds, decodeSeconds: r.decodeSeconds, provider: model.provider };
  }

  /** A whole video streamed through the Causal Cache into files (see video-run.ts). */
  async reconstructVideo(handle: number, job: VideoJob, signal: AbortSignal, onProgress: StagedProgress, onBlock?: (b: VideoBlock) => void): Promise<VideoRunOutput> {
    return runVideo(this.model(handle), job, signal, onProgress, onBlock);
  }

  /** Whole-clip, Causal Cache and naive runs; progress is the scheduler's own (stage, done, total). */
  async compare(handle: number, video: Tensor, settings: { encChunk: number; decChunk: number }, signal: AbortSignal, onProgress: StagedProgress): Promise<CompareResult & { cache: RunCacheFlow }> {
    const model = this.model(handle);
    // Only the Causal Cache run calls back: whole-clip and naive runs carry no state.
    const recording = cacheRecording();
    const r = await compareChunking(model, { data: video.data, shape: [1, ...video.shape] }, settings, {
      keepVideos: true,
      signal,
      ...recording.opts,
      onProgress: (p) => onProgress(p.stage, p.done, p.total),
    });
    return { ...r, cache: recording.result() };
  }

  /** Model A (loaded) against B (another checkpoint, or A's weights rounded) on the same clip, whole-clip runs. */
  async compareModels(handle: number, labelA: string, video: Tensor, spec: VariantSpec, signal: AbortSignal, onStage: (stage: string) => void): Promise<Omit<ComparisonRun, 'latents'>> {
    const model = this.model(handle);
    const key = `${handle}/${JSON.stringify(spec)}`;
    if (this.b?.key !== key) {
      const old = this.b;
      this.b = undefined;
      await old?.variant.model.dispose();
      onStage(`loading model B (${describeVariant(spec)})`);
      this.b = { key, variant: await loadVariant(model, spec, { convert: { signal } }) };
    }
    const { variant } = this.b;
    const run = await compareModels(
      { model, label: labelA },
      { model: variant.model, label: variant.label, notes: variant.notes },
      video,
      { mode: 'whole', encChunk: 8, decChunk: 2 },
      { signal, onStage },
    );
    return { comparison: run.comparison, videos: run.videos };
  }

  async unload(handle: number): Promise<void> {
    if (this.b?.key.startsWith(`${handle}/`)) {
      await this.b.variant.model.dispose();
      this.b = undefined;
    }
    const model = this.models.get(handle);
    this.models.delete(handle);
    await model?.dispose();
  }

  async dispose(): Promise<void> {
    await this.b?.variant.model.dispose();
    this.b = undefined;
    const all = [...this.models.values()];
    this.models.clear();
    await Promise.all(all.map((m) => m.dispose()));
  }

  private model(handle: number): WfvaeModel {
    const m = this.models.get(handle);
    if (!m) throw new Error('the model is no longer loaded in the compute thread (it was unloaded or the thread restarted): load it again');
    return m;
  }
}
