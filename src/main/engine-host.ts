// Where the desktop app's engine worker and video tool are: electron-vite
// bundles the session worker as its own file (`?modulePath` gives its path at
// run time) and ships av-tool.mjs beside it (electron.vite.config.ts); the CLI
// and serve mode start the same worker from source instead
// (session/source-worker.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import workerPath from '../engine/session/worker?modulePath';
import type { ElectronMain } from './electron-api';
import { createEngineSession, type EngineSession } from './engine-session';

/** The folder of the built main bundle (out/main, inside app.asar when packaged). */
export const MAIN_DIR = dirname(fileURLToPath(import.meta.url));

export function createAppEngine(electron: Pick<ElectronMain, 'app' | 'utilityProcess'>): EngineSession {
  return createEngineSession(electron, {
    startWorker: (workerData, transferList, env) => new Worker(workerPath, { env, workerData, transferList }),
    // The worker finds av-tool.mjs beside its own chunk; out/main holds a copy too.
    scripts: [join(MAIN_DIR, 'chunks', 'av-tool.mjs'), join(MAIN_DIR, 'av-tool.mjs')],
  });
}
