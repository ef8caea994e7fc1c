// Worker-thread entry, in one of two roles. The session role runs a
// SessionCore and answers WorkerSession's calls; requests were validated by
// whoever received them from outside (Electron main, the serve server), so
// this thread trusts its parent. The compute role (workerData.role ===
// 'compute') holds the onnxruntime sessions for the session thread, which
// starts it from this same file, so every build that ships the session
// worker ships the compute worker too.
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { toApiErrorShape, type ApiMethodName } from '../../shared/contract';
import { setProcessLauncher } from '../process/launcher';
import { PortLauncher } from '../process/port-launcher';
import { ComputeClient } from './compute-client';
import { runComputeWorker } from './compute-worker';
import { SessionCore } from './session-core';
import { transferablesOf, type FromWorker, type SessionWorkerData, type ToWorker } from './protocol';
import { spawnSourceWorker } from './source-worker';

const port = parentPort;
if (!port) throw new Error('session worker: must be started as a worker thread');

const data = (workerData ?? {}) as SessionWorkerData;

// The host's way of starting Node child processes (the video tool), when it gave one.
const launcher = data.launcher ? new PortLauncher(data.launcher) : null;
if (launcher) setProcessLauncher(launcher);

/** Started from TypeScript source (tsx) or from a bundle: the compute worker is started the same way, with its own channel to the same host. */
function spawnCompute(): Worker {
  const computeData: SessionWorkerData = { role: 'compute', ...(launcher ? { launcher: launcher.adopt() } : {}) };
  const transferList = computeData.launcher ? [computeData.launcher] : [];
  const self = import.meta.url;
  if (self.endsWith('.ts')) return spawnSourceWorker(computeData, transferList);
  return new Worker(fileURLToPath(self), { workerData: computeData, transferList });
}

function runSessionWorker(): void {
  const send = (msg: FromWorker) => port!.postMessage(msg, msg.kind === 'result' && msg.ok ? transferablesOf(msg.value) : []);
  const core = new SessionCore((event) => send({ kind: 'event', event }), { compute: new ComputeClient(spawnCompute), heavyJobs: data.heavyJobs });

  type Handler = (request: never) => Promise<unknown>;
  const handlers: Record<ApiMethodName, Handler> = {
    openVideo: (r) => core.openVideo(r),
    getFrame: (r) => core.getFrame(r),
    getSubbands: (r) => core.getSubbands(r),
    cancel: (r) => core.cancel(r),
    closeClip: (r) => core.closeClip(r),
    listClips: () => core.listClips(),
    getModel: () => core.getModel(),
    loadModel: (r) => core.loadModel(r),
    reconstruct: (r) => core.reconstruct(r),
    planRuns: (r) => core.planRuns(r),
    compareChunking: (r) => core.compareChunking(r),
    getModelFrame: (r) => core.getModelFrame(r),
    getTaps: (r) => core.getTaps(r),
    getLatent: (r) => core.getLatent(r),
    getFrequency: (r) => core.getFrequency(r),
    getLatentStats: (r) => core.getLatentStats(r),
    compareModels: (r) => core.compareModels(r),
    getAbFrame: (r) => core.getAbFrame(r),
    selectClip: (r) => core.selectClip(r),
    estimateClip: (r) => core.estimateClip(r),
    getThumbnails: (r) => core.getThumbnails(r),
    reconstructVideo: (r) => core.reconstructVideo(r),
    getFrames: (r) => core.getFrames(r),
    getTapTimeline: (r) => core.getTapTimeline(r),
    prepareExport: (r) => core.prepareExport(r),
    exportInfo: (r) => core.exportInfo(r),
  };

  port!.on('message', (msg: ToWorker) => {
    if (msg.kind === 'dispose') {
      void core.dispose().finally(() => send({ kind: 'disposed' }));
    } else {
      handlers[msg.method](msg.request as never).then(
        (value) => send({ kind: 'result', id: msg.id, ok: true, value }),
        (err: unknown) => send({ kind: 'result', id: msg.id, ok: false, error: toApiErrorShape(err) }),
      );
    }
  });
}

if (data.role === 'compute') runComputeWorker(port);
else runSessionWorker();
