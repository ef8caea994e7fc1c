// The engine session of the desktop app. electron-vite bundles the worker as
// its own file (`?modulePath` gives its path at run time); the CLI and serve
// mode start the same worker from source instead (session/source-worker.ts).
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { app } from 'electron';
import workerPath from '../engine/session/worker?modulePath';
import { WorkerSession } from '../engine/session/worker-session';

/**
 * The bundled demo model ships in resources/: beside the app in development
 * and preview (the app path is the project root), under process.resourcesPath
 * when packaged. The engine finds it through WFVAE_DEMO_MODEL, since its own
 * location in the bundle says nothing about where resources are.
 */
function demoModelPath(): string {
  return app.isPackaged ? join(process.resourcesPath, 'models', 'wfvae-demo') : join(app.getAppPath(), 'resources', 'models', 'wfvae-demo');
}

export function createEngineSession(): WorkerSession {
  const env = { ...process.env, WFVAE_DEMO_MODEL: process.env.WFVAE_DEMO_MODEL ?? demoModelPath() };
  return new WorkerSession(() => new Worker(workerPath, { env }));
}
