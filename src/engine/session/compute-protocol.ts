// Messages between the session worker (ComputeClient) and its compute worker (ModelCompute).
import type { Tensor } from '../tensor';
import type { VariantSpec } from '../model-compare/variant';
import type { VideoJob } from './video-run';

export type ComputeJob =
  | { op: 'load'; path: string }
  | { op: 'reconstruct'; model: number; video: Tensor; settings: { mode: 'whole' | 'cached'; encChunk: number; decChunk: number } }
  | { op: 'compare'; model: number; video: Tensor; settings: { encChunk: number; decChunk: number } }
  | { op: 'compareModels'; model: number; labelA: string; video: Tensor; spec: VariantSpec }
  | { op: 'reconstructVideo'; model: number; job: VideoJob }
  | { op: 'unload'; model: number };

export type ToCompute = { kind: 'job'; id: number; job: ComputeJob } | { kind: 'cancel'; id: number } | { kind: 'dispose' };

/** Errors cross as their name, code and message, so AbortError and engine error codes survive. */
export interface ComputeError {
  name: string;
  message: string;
  code?: string;
}

export type FromCompute =
  | { kind: 'progress'; id: number; phase: string; done: number; total: number }
  /** A job's partial results as they come (the whole-video run's per-block measures). */
  | { kind: 'partial'; id: number; value: unknown }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: ComputeError }
  | { kind: 'disposed' };

export function toComputeError(err: unknown): ComputeError {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; message?: unknown; code?: unknown };
    return {
      name: typeof e.name === 'string' ? e.name : 'Error',
      message: typeof e.message === 'string' ? e.message : String(err),
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
    };
  }
  return { name: 'Error', message: String(err) };
}

export function fromComputeError(e: ComputeError): Error {
  return Object.assign(new Error(e.message), { name: e.name }, e.code === undefined ? {} : { code: e.code });
}
