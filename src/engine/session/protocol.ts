// Messages between a WorkerSession (calling thread) and its worker thread.
import type { MessagePort } from 'node:worker_threads';
import type { ApiErrorShape, ApiEvent, ApiMethodName } from '../../shared/contract';

export type ToWorker = { kind: 'call'; id: number; method: ApiMethodName; request: unknown } | { kind: 'dispose' };

/** What a worker started from worker.ts is told: its role, and for the session role how many heavy jobs may run at once. */
export interface SessionWorkerData {
  role?: 'session' | 'compute';
  heavyJobs?: number;
  /**
   * Where this thread's Node child processes start (port-launcher.ts): a channel to the host that can
   * start them (Electron's main thread). Absent: plain Node's child_process. Listed in transferList.
   */
  launcher?: MessagePort;
}

export type FromWorker =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: ApiErrorShape }
  | { kind: 'event'; event: ApiEvent }
  | { kind: 'disposed' };

/** Collects the ArrayBuffers inside a value so postMessage moves them instead of copying. */
export function transferablesOf(value: unknown, out: ArrayBuffer[] = [], seen = new Set<unknown>()): ArrayBuffer[] {
  if (!value || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (ArrayBuffer.isView(value)) {
    const buf = value.buffer;
    // Only whole, unshared buffers: a view into a larger buffer would detach its neighbours.
    if (buf instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buf.byteLength && !out.includes(buf)) out.push(buf);
    return out;
  }
  for (const v of Object.values(value)) transferablesOf(v, out, seen);
  return out;
}
