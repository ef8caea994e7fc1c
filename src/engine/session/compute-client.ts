// The session thread's handle on its compute worker: the same operations as
// ModelCompute, each a message round trip with progress and cancel. The
// worker starts on first use and is started again if it dies.
import type { Worker } from 'node:worker_threads';
import type { CompareResult } from '../runtime/stream-compare';
import type { ComparisonRun } from '../model-compare/compare-models';
import type { VariantSpec } from '../model-compare/variant';
import type { VideoBlock, VideoJob, VideoRunOutput } from './video-run';
import type { Tensor } from '../tensor';
import { fromComputeError, type ComputeJob, type FromCompute, type ToCompute } from './compute-protocol';
import type { LoadedModel, ReconstructOutput, ReconstructSettings, RunCacheFlow, StagedProgress } from './model-compute';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  onProgress?: StagedProgress;
  onPartial?: (value: unknown) => void;
}

export class ComputeClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly spawn: () => Worker) {}

  load(path: string, signal: AbortSignal, onPhase: (phase: string) => void): Promise<LoadedModel> {
    return this.run({ op: 'load', path }, signal, (phase) => onPhase(phase)) as Promise<LoadedModel>;
  }

  /** The clip is copied to the compute thread (onnxruntime cannot read shared memory); the results come back without a copy. */
  reconstruct(model: number, video: Tensor, settings: ReconstructSettings, signal: AbortSignal, onProgress: StagedProgress): Promise<ReconstructOutput> {
    return this.run({ op: 'reconstruct', model, video, settings }, signal, onProgress) as Promise<ReconstructOutput>;
  }

  compare(model: number, video: Tensor, settings: { encChunk: number; decChunk: number }, signal: AbortSignal, onProgress: StagedProgress): Promise<CompareResult & { cache: RunCacheFlow }> {
    return this.run({ op: 'compare', model, video, settings }, signal, onProgress) as Promise<CompareResult & { cache: RunCacheFlow }>;
  }

  compareModels(model: number, labelA: string, video: Tensor, spec: VariantSpec, signal: AbortSignal, onStage: (stage: string) => void): Promise<Omit<ComparisonRun, 'latents'>> {
    return this.run({ op: 'compareModels', model, labelA, video, spec }, signal, (phase) => onStage(phase)) as Promise<Omit<ComparisonRun, 'latents'>>;
  }

  reconstructVideo(model: number, job: VideoJob, signal: AbortSignal, onProgress: StagedProgress, onBlock?: (b: VideoBlock) => void): Promise<VideoRunOutput> {
    return this.run({ op: 'reconstructVideo', model, job }, signal, onProgress, onBlock as ((v: unknown) => void) | undefined) as Promise<VideoRunOutput>;
  }

  async unload(model: number): Promise<void> {
    if (!this.worker) return;
    await this.run({ op: 'unload', model }, new AbortController().signal);
  }

  /** Lets the worker release its onnxruntime sessions, then stops it. */
  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (!w) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      w.on('message', (m: FromCompute) => {
        if (m.kind === 'disposed') {
          clearTimeout(timer);
          resolve();
        }
      });
      w.postMessage({ kind: 'dispose' } satisfies ToCompute);
    });
    await w.terminate();
    this.failAll(new Error('the engine session was shut down'));
  }

  private run(job: ComputeJob, signal: AbortSignal, onProgress?: StagedProgress, onPartial?: (value: unknown) => void): Promise<unknown> {
    signal.throwIfAborted();
    const id = this.nextId++;
    const worker = this.ensureWorker();
    return new Promise((resolve, reject) => {
      const onAbort = () => worker.postMessage({ kind: 'cancel', id } satisfies ToCompute);
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
        onProgress,
        onPartial,
      });
      worker.postMessage({ kind: 'job', id, job } satisfies ToCompute);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = this.spawn();
    w.on('message', (m: FromCompute) => this.onMessage(m));
    w.on('error', (err) => this.failAll(new Error(`the model worker failed: ${err.message}`)));
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.failAll(new Error(`the model worker stopped (exit code ${code}); load the model again`));
    });
    this.worker = w;
    return w;
  }

  private onMessage(m: FromCompute): void {
    if (m.kind === 'progress') {
      this.pending.get(m.id)?.onProgress?.(m.phase, m.done, m.total);
    } else if (m.kind === 'partial') {
      this.pending.get(m.id)?.onPartial?.(m.value);
    } else if (m.kind === 'result') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(fromComputeError(m.error));
    }
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }
}
