// Starts the session worker from TypeScript source (CLI, serve mode, tests),
// where tsx does the compiling. Node does not apply a parent's `--import tsx`
// to a worker whose entry is a .ts file, so the worker boots from a tiny ESM
// module that registers tsx first. The Electron build bundles worker.ts as
// its own entry instead (see src/main/engine-host.ts).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { SessionWorkerData } from './protocol';
import { WorkerSession } from './worker-session';

function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  const cjs = require.resolve('tsx/esm/api');
  const mjs = cjs.replace(/\.cjs$/, '.mjs');
  if (!existsSync(mjs)) throw new Error(`tsx's ESM API was not found next to ${cjs}; reinstall dependencies (npm ci)`);
  return pathToFileURL(mjs).href;
}

export function spawnSourceWorker(data: SessionWorkerData = {}, transferList: TransferListItem[] = []): Worker {
  const entry = new URL('./worker.ts', import.meta.url).href;
  const boot = `import { register } from ${JSON.stringify(tsxEsmApiUrl())};\nregister();\nawait import(${JSON.stringify(entry)});\n`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: data, transferList });
}

export function createSourceSession(opts: { heavyJobs?: number } = {}): WorkerSession {
  return new WorkerSession(() => spawnSourceWorker({ role: 'session', heavyJobs: opts.heavyJobs }));
}
