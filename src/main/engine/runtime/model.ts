/**
 * WfvaeModel: a converted WF-VAE on onnxruntime-node, whole-clip encode,
 * decode and reconstruct. The app, the CLI and serve mode all go through it.
 * Taps (energy-flow coefficients and block outputs) are fetched only when
 * asked for, so a plain encode does not copy them out of the session.
 */
import * as ort from 'onnxruntime-node';
import type { ModelFacts } from '../checkpoint/index';
import { loadModel, type ConvertedModel, type ConvertOptions } from '../onnx/convert';
import type { GraphEntry, GraphManifest } from '../onnx/cache';
import type { Tensor } from '../tensor';
import type { StreamGraphs } from './chunked';
import { createSession, type CreatedSession, type ProviderAttempt, type ProviderChoice, type ProviderName, type SessionSettings } from './providers';
import { checkLatent, checkVideo } from './validate';

export interface LoadOptions extends SessionSettings {
  /** Conversion options when `path` is a checkpoint (cache folder, progress, cancel). */
  convert?: ConvertOptions;
}

export interface RunOptions {
  taps?: boolean;
  signal?: AbortSignal;
}

export interface EncodeResult {
  mean: Tensor;
  logvar: Tensor;
  taps?: Record<string, Tensor>;
}

export interface DecodeResult {
  video: Tensor;
  taps?: Record<string, Tensor>;
}

export interface ReconstructResult {
  mean: Tensor;
  logvar: Tensor;
  video: Tensor;
  taps?: Record<string, Tensor>;
  encodeSeconds: number;
  decodeSeconds: number;
}

function cancelled(signal?: AbortSignal): void {
  if (signal?.aborted) {
    const e = new Error('cancelled');
    e.name = 'AbortError';
    throw e;
  }
}

function asTensor(t: ort.Tensor): Tensor {
  return { data: t.data as Float32Array, shape: t.dims.map(Number) };
}

export class WfvaeModel {
  private disposed = false;
  /** Causal Cache step sessions, created on first chunked use. */
  private readonly stepSessions = new Map<'encoder' | 'decoder', Promise<CreatedSession>>();

  private constructor(
    readonly converted: ConvertedModel,
    private readonly encoder: CreatedSession,
    private readonly decoder: CreatedSession,
    readonly requestedProvider: ProviderChoice,
    private readonly settings: SessionSettings,
  ) {}

  /** `path`: a checkpoint (converted on first use, cached) or a folder written by convertCheckpoint. */
  static async load(path: string, opts: LoadOptions = {}): Promise<WfvaeModel> {
    const converted = await loadModel(path, opts.convert);
    const choice = opts.provider ?? 'auto';
    const encoder = await createSession(converted.graphPath('encoder'), opts);
    let decoder: CreatedSession;
    try {
      // Same provider for both halves, so results and timings are of one backend.
      decoder = await createSession(converted.graphPath('decoder'), opts, [encoder.provider]);
    } catch (err) {
      await encoder.session.release();
      throw err;
    }
    return new WfvaeModel(converted, encoder, decoder, choice, opts);
  }

  /** The execution provider the sessions actually run on. */
  get provider(): ProviderName {
    return this.encoder.provider;
  }

  /** Providers tried (under 'auto') before the one used, with the reason each failed. */
  get providerFallbacks(): ProviderAttempt[] {
    return this.encoder.failed;
  }

  get manifest(): GraphManifest {
    return this.converted.manifest;
  }

  get facts(): ModelFacts {
    return this.converted.manifest.facts;
  }

  get dir(): string {
    return this.converted.dir;
  }

  private fetches(graph: GraphEntry, fixed: string[], taps: boolean | undefined): string[] {
    return taps ? [...fixed, ...graph.taps.map((t) => t.name)] : fixed;
  }

  private async run(which: 'encoder' | 'decoder', input: Tensor, dims: number[], fetch: string[], signal?: AbortSignal): Promise<ort.InferenceSession.OnnxValueMapType> {
    if (this.disposed) throw new Error('the model was disposed; load it again.');
    cancelled(signal);
    const graph = this.manifest.graphs[which];
    const s = which === 'encoder' ? this.encoder : this.decoder;
    const feed = new ort.Tensor('float32', input.data, dims);
    const out = await s.session.run({ [graph.input]: feed }, fetch);
    cancelled(signal);
    return out;
  }

  private collectTaps(graph: GraphEntry, out: ort.InferenceSession.OnnxValueMapType): Record<string, Tensor> {
    const taps: Record<string, Tensor> = {};
    for (const t of graph.taps) taps[t.name] = asTensor(out[t.name]);
    return taps;
  }

  async encode(video: Tensor, opts: RunOptions = {}): Promise<EncodeResult> {
    const dims = checkVideo(video, this.facts);
    const graph = this.manifest.graphs.encoder;
    const out = await this.run('encoder', video, dims, this.fetches(graph, ['mean', 'logvar'], opts.taps), opts.signal);
    const r: EncodeResult = { mean: asTensor(out.mean), logvar: asTensor(out.logvar) };
    if (opts.taps) r.taps = this.collectTaps(graph, out);
    return r;
  }

  async decode(latent: Tensor, opts: RunOptions = {}): Promise<DecodeResult> {
    const dims = checkLatent(latent, this.facts.latentChannels);
    const graph = this.manifest.graphs.decoder;
    const out = await this.run('decoder', latent, dims, this.fetches(graph, ['video'], opts.taps), opts.signal);
    const r: DecodeResult = { video: asTensor(out.video) };
    if (opts.taps) r.taps = this.collectTaps(graph, out);
    return r;
  }

  /** Encode, then decode from z = mean (no sampling), as the reference reconstructs. */
  async reconstruct(video: Tensor, opts: RunOptions = {}): Promise<ReconstructResult> {
    const t0 = performance.now();
    const enc = await this.encode(video, opts);
    const t1 = performance.now();
    const dec = await this.decode(enc.mean, opts);
    const t2 = performance.now();
    const r: ReconstructResult = { mean: enc.mean, logvar: enc.logvar, video: dec.video, encodeSeconds: (t1 - t0) / 1000, decodeSeconds: (t2 - t1) / 1000 };
    if (opts.taps) r.taps = { ...enc.taps, ...dec.taps };
    return r;
  }

  /** The whole-clip and chunk-step graphs of one side, for the chunk scheduler (chunked.ts). */
  async streamGraphs(side: 'encoder' | 'decoder'): Promise<StreamGraphs> {
    if (this.disposed) throw new Error('the model was disposed; load it again.');
    const role = `${side}-step`;
    const entry = this.manifest.graphs[role];
    let step = this.stepSessions.get(side);
    if (!step) {
      step = createSession(this.converted.graphPath(role), this.settings, [this.provider]);
      this.stepSessions.set(side, step);
    }
    return {
      whole: (side === 'encoder' ? this.encoder : this.decoder).session,
      step: (await step).session,
      states: entry.states,
      stepFlags: entry.flags,
    };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const steps = await Promise.allSettled(this.stepSessions.values());
    await Promise.all([
      this.encoder.session.release(),
      this.decoder.session.release(),
      ...steps.flatMap((s) => (s.status === 'fulfilled' ? [s.value.session.release()] : [])),
    ]);
  }
}
