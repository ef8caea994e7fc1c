// The app's diagnostics on the open clip: frequency diagnostics and latent
// statistics of the loaded model's reconstruction (ModelWorkbench holds it),
// and model vs model, which keeps its own model B and both reconstructions
// so the A/B viewer reads single frames from here.
import { ApiError, ERROR_CODES } from '../../shared/contract';
import type { AbFrame, Frequency, LatentStatsView, ModelB, ModelComparisonView } from '../../shared/diagnostics-contract';
import { clipFrequency } from '../eval/clip-frequency';
import { quantize } from '../eval/pooling';
import { configFragment, LatentStatsAccumulator } from '../latent-stats/accumulator';
import type { VariantSpec } from '../model-compare/variant';
import type { ComputeClient } from './compute-client';
import type { Tensor } from '../tensor';
import { diffFrame, rgbaFrame } from './frame-images';
import type { ModelWorkbench } from './model-workbench';
import { resolveModelPath } from '../runtime/model-path';

interface Comparison {
  summary: ModelComparisonView;
  videos: { a: Tensor; b: Tensor };
}

const specOf = (b: ModelB): VariantSpec => (b.kind === 'path' ? { kind: 'checkpoint', path: b.path } : b.kind === 'weights' ? { kind: 'weights', dtype: b.dtype } : { kind: 'execution', precision: 'fp16' });

export class DiagnosticsBench {
  private readonly frequencies = new Map<string, { key: string; value: Frequency }>();
  private readonly comparisons = new Map<string, Comparison>();

  constructor(
    private readonly models: ModelWorkbench,
    /** Model B is loaded and both models run in the compute thread, beside model A. */
    private readonly compute: ComputeClient,
  ) {}

  /** Frequency diagnostics of the clip's reconstruction; computed once per reconstruction and level count. */
  async frequency(clipId: string, original: Tensor, levels: number, signal?: AbortSignal): Promise<Frequency> {
    const r = this.models.recon(clipId);
    const key = `${r.summary.modelId}/${r.summary.encodeSeconds}/${levels}`;
    const cached = this.frequencies.get(clipId);
    if (cached?.key === key) return cached.value;
    const reconstruction: Tensor = { data: quantize(r.video.data, 'float'), shape: r.video.shape };
    const f = await clipFrequency(original, reconstruction, levels, r.taps, signal);
    const value: Frequency = { clipId, modelId: r.summary.modelId, frames: r.summary.frames, ...f };
    this.frequencies.set(clipId, { key, value });
    return value;
  }

  latentStats(clipId: string): LatentStatsView {
    const r = this.models.recon(clipId);
    const [, L] = r.mean.shape;
    const acc = new LatentStatsAccumulator(L);
    acc.add(r.mean);
    const s = acc.result();
    return { clipId, modelId: r.summary.modelId, ...s, configFragment: JSON.stringify(configFragment(s), null, 2) };
  }

  async compare(clipId: string, video: Tensor, b: ModelB, signal: AbortSignal, onStage: (stage: string) => void): Promise<ModelComparisonView> {
    return this.models.use(async (model, info) => {
      // Model B may be a Hub id: from the shared cache, or downloaded first.
      const spec = b.kind === 'path' ? { kind: 'checkpoint' as const, path: await resolveModelPath(b.path, process.env, { signal, onHubProgress: (p) => onStage(`model B: ${p.phase} ${p.file}`) }) } : specOf(b);
      const run = await this.compute.compareModels(model.handle, info.path, video, spec, signal, onStage);
      const summary: ModelComparisonView = { clipId, modelId: info.modelId, ...run.comparison };
      this.comparisons.set(clipId, { summary, videos: run.videos });
      return summary;
    });
  }

  abFrame(clipId: string, t: number, kind: AbFrame['kind']): AbFrame {
    const c = this.comparisons.get(clipId);
    if (!c || c.summary.modelId !== this.models.info()?.modelId) {
      throw new ApiError(ERROR_CODES.noResult, 'no model-vs-model comparison for this clip with the loaded model: run Compare first');
    }
    const { width, height, frames } = c.summary;
    if (t >= frames) throw new ApiError(ERROR_CODES.badRequest, `frame ${t} is out of range: the clip has ${frames} frames (0..${frames - 1})`);
    if (kind === 'diff') {
      const d = diffFrame(c.videos.a, c.videos.b, t);
      return { clipId, t, kind, width, height, rgba: d.rgba, diff: { maxAbs: d.maxAbs, gain: d.gain } };
    }
    return { clipId, t, kind, width, height, rgba: rgbaFrame(kind === 'a' ? c.videos.a : c.videos.b, t) };
  }

  forgetClip(clipId: string): void {
    this.frequencies.delete(clipId);
    this.comparisons.delete(clipId);
  }

  async dispose(): Promise<void> {
    this.frequencies.clear();
    this.comparisons.clear();
  }
}
