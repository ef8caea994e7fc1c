// Electron main process: one window, the menu, and IPC wiring to the engine
// session (a worker thread). No engine work happens on this thread. Security
// wiring: the UI comes from app:// (not file://), every webContents is kept
// from navigating or opening windows, every permission is refused, and IPC
// answers only the app's own page. index.ts calls this with Electron itself.
import type { BrowserWindow } from 'electron';
import { join } from 'node:path';
import type { ElectronMain } from './electron-api';
import type { EngineSession } from './engine-session';
import { registerIpc } from './ipc';
import { installMenu } from './menu';
import { APP_ENTRY_URL, registerAppScheme, serveAppProtocol } from './security/app-protocol';
import { guardWebContents } from './security/navigation';
import { installPermissionGuards } from './security/permissions';
import { rendererEntry, trustedOrigins } from './security/trusted-sender';
import { createMainWindow } from './window';

export interface MainProcessOptions {
  /** The folder of the built main bundle: the renderer and the preload are beside it. */
  mainDir: string;
  /** electron-vite's dev server (ELECTRON_RENDERER_URL); counts in development only. */
  devServerUrl: string | undefined;
  engine: EngineSession;
}

export interface MainProcess {
  /** Settles once the app is ready and the window is open. */
  ready: Promise<void>;
  window(): BrowserWindow | null;
}

export function startMainProcess(electron: ElectronMain, opts: MainProcessOptions): MainProcess {
  const { app, BrowserWindow, protocol, session: electronSession, shell } = electron;
  const rendererRoot = join(opts.mainDir, '../renderer');
  const entryUrl = rendererEntry(app.isPackaged, opts.devServerUrl, APP_ENTRY_URL);
  const { session } = opts.engine;

  let mainWindow: BrowserWindow | null = null;
  const getWindow = () => mainWindow;
  let removeIpc: (() => void) | null = null;

  registerAppScheme(protocol);
  app.enableSandbox();
  // guardWebContents opens only https links to allowlisted hosts (isAllowedExternalUrl).
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, (url) => shell.openExternal(url))); // eng-disable OPEN_EXTERNAL_JS_CHECK — every URL passes isAllowedExternalUrl first (security/navigation.ts)

  function openWindow(): void {
    mainWindow = createMainWindow(electron, opts.mainDir, entryUrl);
    mainWindow.on('closed', () => (mainWindow = null));
  }

  const ready = app.whenReady().then(() => {
    installPermissionGuards(electronSession.defaultSession);
    serveAppProtocol(protocol, rendererRoot);
    removeIpc = registerIpc(electron, session, getWindow, trustedOrigins(entryUrl));
    installMenu(electron, getWindow);
    openWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let disposed = false;
  app.on('will-quit', (e) => {
    if (disposed) return;
    // Let the worker delete its temp files (and the video tool end) before the process exits.
    e.preventDefault();
    disposed = true;
    removeIpc?.();
    void opts.engine.dispose().finally(() => app.quit());
  });

  return { ready, window: getWindow };
}
