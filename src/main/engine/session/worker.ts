// Worker-thread entry: runs a SessionCore and answers WorkerSession's calls.
// Requests were validated by whoever received them from outside (Electron
// main, the serve server); this thread trusts its parent.
import { parentPort } from 'node:worker_threads';
import { toApiErrorShape, type ApiMethodName } from '../../../shared/contract';
import { SessionCore } from './session-core';
import { transferablesOf, type FromWorker, type ToWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('session worker: must be started as a worker thread');

function send(msg: FromWorker): void {
  port!.postMessage(msg, msg.kind === 'result' && msg.ok ? transferablesOf(msg.value) : []);
}

const core = new SessionCore((event) => send({ kind: 'event', event }));

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
  compareChunking: (r) => core.compareChunking(r),
  getModelFrame: (r) => core.getModelFrame(r),
  getTaps: (r) => core.getTaps(r),
  getLatent: (r) => core.getLatent(r),
  selectClip: (r) => core.selectClip(r),
  estimateClip: (r) => core.estimateClip(r),
  getThumbnails: (r) => core.getThumbnails(r),
  reconstructVideo: (r) => core.reconstructVideo(r),
  getFrames: (r) => core.getFrames(r),
  getTapTimeline: (r) => core.getTapTimeline(r),
  prepareExport: (r) => core.prepareExport(r),
  exportInfo: (r) => core.exportInfo(r),
};

port.on('message', (msg: ToWorker) => {
  if (msg.kind === 'cancel') {
    void core.cancel({ taskId: msg.taskId });
  } else if (msg.kind === 'dispose') {
    void core.dispose().finally(() => send({ kind: 'disposed' }));
  } else {
    handlers[msg.method](msg.request as never).then(
      (value) => send({ kind: 'result', id: msg.id, ok: true, value }),
      (err: unknown) => send({ kind: 'result', id: msg.id, ok: false, error: toApiErrorShape(err) }),
    );
  }
});
