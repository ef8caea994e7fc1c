// The engine API on the calling thread, backed by a SessionCore in a worker
// thread so decoding and wavelet work never block Electron's main process or
// the serve server. Cancel goes straight to the worker, so it reaches a task
// while the worker is awaiting ffmpeg.
import type { Worker } from 'node:worker_threads';
import {
  ApiError,
  ERROR_CODES,
  type ApiEvent,
  type ApiMethodName,
  type ApiRequest,
  type ApiResponse,
  type WfvaeApi,
} from '../../shared/contract';
import type { FromWorker, ToWorker } from './protocol';
import type { OpenVideoRequest } from './session-core';
import { disableOrtTelemetry } from '../runtime/ort-telemetry';

export type WorkerFactory = () => Worker;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class WorkerSession implements WfvaeApi {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: ApiEvent) => void>();
  private nextId = 1;
  private disposed = false;

  constructor(private readonly spawn: WorkerFactory) {
    // The workers' onnxruntime reads the process's real environment, which only this (the host's) thread can set.
    disableOrtTelemetry();
  }

  openVideo(r: ApiRequest<'openVideo'>): Promise<ApiResponse<'openVideo'>> {
    return this.call('openVideo', r);
  }
  getFrame(r: ApiRequest<'getFrame'>): Promise<ApiResponse<'getFrame'>> {
    return this.call('getFrame', r);
  }
  getSubbands(r: ApiRequest<'getSubbands'>): Promise<ApiResponse<'getSubbands'>> {
    return this.call('getSubbands', r);
  }
  closeClip(r: ApiRequest<'closeClip'>): Promise<ApiResponse<'closeClip'>> {
    return this.call('closeClip', r);
  }
  listClips(r: ApiRequest<'listClips'>): Promise<ApiResponse<'listClips'>> {
    return this.call('listClips', r);
  }
  getModel(r: ApiRequest<'getModel'>): Promise<ApiResponse<'getModel'>> {
    return this.call('getModel', r);
  }
  loadModel(r: ApiRequest<'loadModel'>): Promise<ApiResponse<'loadModel'>> {
    return this.call('loadModel', r);
  }
  reconstruct(r: ApiRequest<'reconstruct'>): Promise<ApiResponse<'reconstruct'>> {
    return this.call('reconstruct', r);
  }
  planRuns(r: ApiRequest<'planRuns'>): Promise<ApiResponse<'planRuns'>> {
    return this.call('planRuns', r);
  }

  compareChunking(r: ApiRequest<'compareChunking'>): Promise<ApiResponse<'compareChunking'>> {
    return this.call('compareChunking', r);
  }
  getModelFrame(r: ApiRequest<'getModelFrame'>): Promise<ApiResponse<'getModelFrame'>> {
    return this.call('getModelFrame', r);
  }
  getTaps(r: ApiRequest<'getTaps'>): Promise<ApiResponse<'getTaps'>> {
    return this.call('getTaps', r);
  }
  getLatent(r: ApiRequest<'getLatent'>): Promise<ApiResponse<'getLatent'>> {
    return this.call('getLatent', r);
  }
  getFrequency(r: ApiRequest<'getFrequency'>): Promise<ApiResponse<'getFrequency'>> {
    return this.call('getFrequency', r);
  }
  getLatentStats(r: ApiRequest<'getLatentStats'>): Promise<ApiResponse<'getLatentStats'>> {
    return this.call('getLatentStats', r);
  }
  compareModels(r: ApiRequest<'compareModels'>): Promise<ApiResponse<'compareModels'>> {
    return this.call('compareModels', r);
  }
  getAbFrame(r: ApiRequest<'getAbFrame'>): Promise<ApiResponse<'getAbFrame'>> {
    return this.call('getAbFrame', r);
  }
  selectClip(r: ApiRequest<'selectClip'>): Promise<ApiResponse<'selectClip'>> {
    return this.call('selectClip', r);
  }
  estimateClip(r: ApiRequest<'estimateClip'>): Promise<ApiResponse<'estimateClip'>> {
    return this.call('estimateClip', r);
  }
  getThumbnails(r: ApiRequest<'getThumbnails'>): Promise<ApiResponse<'getThumbnails'>> {
    return this.call('getThumbnails', r);
  }
  reconstructVideo(r: ApiRequest<'reconstructVideo'>): Promise<ApiResponse<'reconstructVideo'>> {
    return this.call('reconstructVideo', r);
  }
  getFrames(r: ApiRequest<'getFrames'>): Promise<ApiResponse<'getFrames'>> {
    return this.call('getFrames', r);
  }
  getTapTimeline(r: ApiRequest<'getTapTimeline'>): Promise<ApiResponse<'getTapTimeline'>> {
    return this.call('getTapTimeline', r);
  }
  prepareExport(r: ApiRequest<'prepareExport'>): Promise<ApiResponse<'prepareExport'>> {
    return this.call('prepareExport', r);
  }
  exportInfo(r: ApiRequest<'exportInfo'>): Promise<ApiResponse<'exportInfo'>> {
    return this.call('exportInfo', r);
  }
  /** A file serve mode received as an upload (see UploadedSource); not part of the contract, so no outside request can name one. */
  openUploaded(r: OpenVideoRequest): Promise<ApiResponse<'openVideo'>> {
    return this.call('openVideo', r as ApiRequest<'openVideo'>);
  }
  /** The worker answers whether the task was there: its thread stays free while models run (they run in its compute worker). */
  async cancel(r: ApiRequest<'cancel'>): Promise<ApiResponse<'cancel'>> {
    if (!this.worker || this.disposed) return { cancelled: false, message: `no task "${r.taskId}" is running or queued (the engine is idle)` };
    return this.send('cancel', r);
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Generic entry for transports that dispatch by method name. */
  call<M extends ApiMethodName>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> {
    if (method === 'cancel') return this.cancel(request as ApiRequest<'cancel'>) as Promise<ApiResponse<M>>;
    return this.send(method, request);
  }

  private send<M extends ApiMethodName>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> {
    if (this.disposed) return Promise.reject(new ApiError(ERROR_CODES.internal, 'the engine session has been shut down'));
    const id = this.nextId++;
    return new Promise<ApiResponse<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ kind: 'call', id, method, request });
      this.worker?.ref();
    });
  }

  /** Lets the worker remove its temp files, then stops it. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const w = this.worker;
    if (!w) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      w.on('message', (m: FromWorker) => {
        if (m.kind === 'disposed') {
          clearTimeout(timer);
          resolve();
        }
      });
      w.postMessage({ kind: 'dispose' } satisfies ToWorker);
    });
    await w.terminate();
    this.worker = undefined;
    this.failAll(new ApiError(ERROR_CODES.internal, 'the engine session was shut down'));
  }

  private post(msg: ToWorker): void {
    this.ensureWorker().postMessage(msg);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = this.spawn();
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (err) => {
      this.failAll(new ApiError(ERROR_CODES.internal, `the engine worker failed: ${err.message}`));
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      if (!this.disposed) this.failAll(new ApiError(ERROR_CODES.internal, `the engine worker stopped (exit code ${code}); try again`));
    });
    // Referenced only while calls are pending: an idle worker must not keep a CLI process alive.
    w.unref();
    this.worker = w;
    return w;
  }

  private onMessage(m: FromWorker): void {
    if (m.kind === 'event') {
      for (const l of this.listeners) l(m.event);
    } else if (m.kind === 'result') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker?.unref();
      if (m.ok) p.resolve(m.value);
      else p.reject(new ApiError(m.error.code, m.error.message));
    }
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }
}
