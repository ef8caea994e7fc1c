// The engine session of the desktop app. electron-vite bundles the worker as
// its own file (`?modulePath` gives its path at run time); the CLI and serve
// mode start the same worker from source instead (session/source-worker.ts).
import { Worker } from 'node:worker_threads';
import workerPath from './engine/session/worker?modulePath';
import { WorkerSession } from './engine/session/worker-session';

export function createEngineSession(): WorkerSession {
  return new WorkerSession(() => new Worker(workerPath));
}
