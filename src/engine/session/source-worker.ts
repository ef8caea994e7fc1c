// Starts the engine worker (session/worker.ts) for the CLI, serve mode, the
// bench and the tests: the build's worker.js beside this code, or from
// TypeScript source through tsx-worker-boot.mjs, which registers tsx in the
// worker thread first (../package-files.ts says which). The Electron build
// bundles worker.ts as its own entry instead (see src/main/engine-host.ts).
import { Worker, type TransferListItem } from 'node:worker_threads';
import { entryFile } from '../package-files';
import type { SessionWorkerData } from './protocol';
import { WorkerSession } from './worker-session';

export function spawnSourceWorker(data: SessionWorkerData = {}, transferList: TransferListItem[] = []): Worker {
  return new Worker(entryFile('worker.js', 'src/engine/session/tsx-worker-boot.mjs'), { workerData: data, transferList });
}

export function createSourceSession(opts: { heavyJobs?: number } = {}): WorkerSession {
  return new WorkerSession(() => spawnSourceWorker({ role: 'session', heavyJobs: opts.heavyJobs }));
}
