/**
 * WfvaeModel: a converted WF-VAE on onnxruntime-node, whole-clip encode,
 * decode and reconstruct. The app, the CLI and serve mode all go through it.
 * Taps (energy-flow coefficients and block outputs) are fetched only when
 * asked for, so a plain encode does not copy them out of the session.
 */
import * as ort from 'onnxruntime-node';
import type { ModelFacts } from '../checkpoint/index';
import { loadModel, type ConvertedModel, type ConvertOptions } from '../onnx/convert';
import { withFloat16Graphs } from '../onnx/fp16-graphs';
import type { GraphEntry, GraphManifest } from '../onnx/cache';
import type { Tensor } from '../tensor';
import type { StreamGraphs } from './chunked';
import { Execution, type ExecutionReport, type GraphRole, type OpenOptions } from './execution';
import { fp16Candidates, type Precision } from './precision';
import { providerCandidates, type ProviderAttempt, type ProviderChoice, type ProviderName, type SessionSettings } from './providers';
import { checkLatent, checkVideo } from './validate';

export interface LoadOptions extends SessionSettings {
  /** Conversion options when `path` is a checkpoint (cache folder, progress, cancel). */
  convert?: ConvertOptions;
  /** Cancels the provider proof runs. */
  signal?: AbortSignal;
  /**
   * fp32 (default), or fp16 graphs on a GPU provider: built on first use and
   * cached beside the float32 graphs; refused on the CPU provider, and by
   * 'auto' where no GPU provider is usable.
   */
  precision?: Precision;
  /** For tests: what the machine offers (see providerCandidates). */
  probe?: OpenOptions['probe'];
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

  private constructor(
    readonly converted: ConvertedModel,
    private readonly exec: Execution,
  ) {}

  /**
   * `path`: a checkpoint (converted on first use, cached) or a folder written
   * by convertCheckpoint. Every graph is proven on the provider before the
   * model is returned (see execution.ts).
   */
  static async load(path: string, opts: LoadOptions = {}): Promise<WfvaeModel> {
    const signal = opts.signal ?? opts.convert?.signal;
    const precision = opts.precision ?? 'fp32';
    // Refused before anything is converted or built when fp16 cannot run here.
    if (precision === 'fp16') fp16Candidates(opts.provider ?? 'auto', providerCandidates(opts.provider ?? 'auto', opts.probe));
    let converted = await loadModel(path, opts.convert);
    if (precision === 'fp16') converted = await withFloat16Graphs(converted, { signal });
    const exec = await Execution.open(converted, { provider: opts.provider, threads: opts.threads, signal, probe: opts.probe, precision });
    return new WfvaeModel(converted, exec);
  }

  /** The execution provider the sessions actually run on (it can change to 'cpu' if a GPU run fails under 'auto'). */
  get provider(): ProviderName {
    return this.exec.provider;
  }

  /** fp32, or fp16 on a GPU provider (back to fp32 if a GPU run fails under 'auto' and the model moves to the CPU). */
  get precision(): Precision {
    return this.exec.precision;
  }

  /** Intra-op threads asked for (undefined: onnxruntime's default), part of what a speed measured here depends on. */
  get threads(): number | undefined {
    return this.exec.threads;
  }

  get requestedProvider(): ProviderChoice {
    return this.exec.report.requested;
  }

  /** Providers passed over before the one used (or left at run time), with the reason each failed. */
  get providerFallbacks(): ProviderAttempt[] {
    return this.exec.report.fallbacks;
  }

  /** Where the graphs run: provider, fallbacks with reasons, node placement from onnxruntime's profile. */
  get execution(): ExecutionReport {
    return this.exec.report;
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
    const feed = new ort.Tensor('float32', input.data, dims);
    const out = await this.exec.session(which).run({ [graph.input]: feed }, fetch);
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
    const role: GraphRole = `${side}-step`;
    const entry = this.manifest.graphs[role];
    return { whole: this.exec.session(side), step: this.exec.session(role), states: entry.states, stepFlags: entry.flags };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.exec.release();
  }
}
