// The compute worker's message loop: one ModelCompute, jobs by id, cancel by id.
import type { MessagePort } from 'node:worker_threads';
import { ModelCompute } from './model-compute';
import { toComputeError, type ComputeJob, type FromCompute, type ToCompute } from './compute-protocol';
import { transferablesOf } from './protocol';

export function runComputeWorker(port: MessagePort): void {
  const compute = new ModelCompute();
  const jobs = new Map<number, AbortController>();
  const send = (msg: FromCompute, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

  async function perform(id: number, job: ComputeJob, signal: AbortSignal): Promise<unknown> {
    const progress = (phase: string, done: number, total: number) => send({ kind: 'progress', id, phase, done, total });
    switch (job.op) {
      case 'load':
        return compute.load(job.path, signal, (phase) => progress(phase, 0, 0));
      case 'reconstruct':
        return compute.reconstruct(job.model, job.video, job.settings, signal, progress);
      case 'compare':
        return compute.compare(job.model, job.video, job.settings, signal, progress);
      case 'compareModels':
        return compute.compareModels(job.model, job.labelA, job.video, job.spec, signal, (stage) => progress(stage, 0, 0));
      case 'reconstructVideo':
        return compute.reconstructVideo(job.model, job.job, signal, progress, (value) => send({ kind: 'partial', id, value }));
      case 'unload':
        return compute.unload(job.model);
    }
  }

  port.on('message', (msg: ToCompute) => {
    if (msg.kind === 'cancel') {
      jobs.get(msg.id)?.abort();
    } else if (msg.kind === 'dispose') {
      for (const c of jobs.values()) c.abort();
      void compute.dispose().finally(() => send({ kind: 'disposed' }));
    } else {
      const controller = new AbortController();
      jobs.set(msg.id, controller);
      perform(msg.id, msg.job, controller.signal)
        .then(
          // Results (whole videos, latents, taps) move to the session thread without a copy.
          (value) => send({ kind: 'result', id: msg.id, ok: true, value }, transferablesOf(value)),
          (err: unknown) => send({ kind: 'result', id: msg.id, ok: false, error: toComputeError(err) }),
        )
        .finally(() => jobs.delete(msg.id));
    }
  });
}
