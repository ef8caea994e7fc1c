import type { BrowserWindow } from 'electron';
import { join } from 'node:path';
import type { ElectronMain } from './electron-api';

/** The app window; navigation, new windows and permissions are guarded app-wide (see main-process.ts). `mainDir`: the folder of the built main bundle. */
export function createMainWindow(electron: Pick<ElectronMain, 'BrowserWindow'>, mainDir: string, entryUrl: string): BrowserWindow {
  const { BrowserWindow } = electron;
  const win = new BrowserWindow({
    width: 1440,
    height: 960,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: '#0f1115',
    title: 'WF-VAE Inspector',
    webPreferences: {
      preload: join(mainDir, '../preload/index.cjs'), // eng-disable PRELOAD_JS_CHECK — reviewed: a sandboxed contextBridge pipe (src/preload) that exposes invoke/onEvent and two dialogs, nothing of Node
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      // No <webview>, and no Node in workers or subframes.
      webviewTag: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      // A middle click must not open a link in a new window.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(entryUrl);
  return win;
}
