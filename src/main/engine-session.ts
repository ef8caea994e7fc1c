// The engine session of the desktop app: the engine runs in a worker thread
// (the session worker, which starts its own compute worker), and every Node
// child process it needs (the video tool) is started here, on the main
// thread, with utilityProcess — the engine asks over a MessagePort
// (src/engine/process/launch-protocol.ts), the relay answers. How the worker
// is started is given (engine-host.ts: the bundled worker file), so this runs
// the same in a test.
import { join } from 'node:path';
import { MessageChannel, type TransferListItem, type Worker } from 'node:worker_threads';
import type { SessionWorkerData } from '../engine/session/protocol';
import { WorkerSession } from '../engine/session/worker-session';
import type { ElectronMain } from './electron-api';
import { createLaunchRelay, type LaunchRelay } from './launch-relay';
import { utilityLauncher, type UtilityProcessApi } from './utility-launcher';

export type StartWorker = (data: SessionWorkerData, transferList: TransferListItem[], env: NodeJS.ProcessEnv) => Worker;

export interface EngineSessionOptions {
  /** Starts the session worker (the bundled file in the app). */
  startWorker: StartWorker;
  /** The Node scripts the engine may ask to start, as the engine names them (av-tool.mjs where the build ships it). */
  scripts: string[];
}

export interface EngineSession {
  session: WorkerSession;
  relay: LaunchRelay;
  /** Disposes the session (its worker deletes its temp files), then stops whatever it left running. */
  dispose(): Promise<void>;
}

/**
 * A path inside app.asar as its twin in app.asar.unpacked. Files that must be real files (native
 * code, the scripts a utility process runs) are unpacked there by electron-builder (asarUnpack),
 * and a utility process then needs no archive support to run them or to load what they import.
 */
export function unpackedPath(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

/**
 * The bundled demo model ships in resources/: beside the app in development
 * and preview (the app path is the project root), under process.resourcesPath
 * when packaged. The engine finds it through WFVAE_DEMO_MODEL, since its own
 * location in the bundle says nothing about where resources are.
 */
function demoModelPath(app: Pick<ElectronMain['app'], 'isPackaged' | 'getAppPath'>): string {
  return app.isPackaged ? join(process.resourcesPath, 'models', 'wfvae-demo') : join(app.getAppPath(), 'resources', 'models', 'wfvae-demo');
}

export function createEngineSession(electron: { app: Pick<ElectronMain['app'], 'isPackaged' | 'getAppPath'>; utilityProcess: UtilityProcessApi }, opts: EngineSessionOptions): EngineSession {
  const allowed = new Set(opts.scripts.map(unpackedPath));
  const relay = createLaunchRelay({
    launcher: utilityLauncher(electron.utilityProcess),
    resolveScript: (script) => (allowed.has(unpackedPath(script)) ? unpackedPath(script) : null),
  });
  const env = { ...process.env, WFVAE_DEMO_MODEL: process.env.WFVAE_DEMO_MODEL ?? demoModelPath(electron.app) };
  const session = new WorkerSession(() => {
    // A fresh channel for every worker the session starts (a transferred port cannot be reused).
    const { port1, port2 } = new MessageChannel();
    relay.serve(port1);
    return opts.startWorker({ role: 'session', launcher: port2 }, [port2], env);
  });
  return {
    session,
    relay,
    async dispose() {
      await session.dispose();
      await relay.close();
    },
  };
}
