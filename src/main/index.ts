/// <reference types="electron-vite/node" />
// Electron main process: one window, the menu, and IPC wiring to the engine
// session (a worker thread). No engine work happens on this thread. Security
// wiring: the UI comes from app:// (not file://), every webContents is kept
// from navigating or opening windows, every permission is refused, and IPC
// answers only the app's own page.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { app, BrowserWindow, protocol, session as electronSession, shell } from 'electron';
import { createEngineSession } from './engine-host';
import { registerIpc } from './ipc';
import { installMenu } from './menu';
import { APP_ENTRY_URL, registerAppScheme, serveAppProtocol } from './security/app-protocol';
import { guardWebContents } from './security/navigation';
import { installPermissionGuards } from './security/permissions';
import { rendererEntry, trustedOrigins } from './security/trusted-sender';
import { createMainWindow } from './window';

const rendererRoot = join(fileURLToPath(new URL('.', import.meta.url)), '../renderer');
// ELECTRON_RENDERER_URL (electron-vite's dev server) counts in development only.
const entryUrl = rendererEntry(app.isPackaged, process.env.ELECTRON_RENDERER_URL, APP_ENTRY_URL);

let mainWindow: BrowserWindow | null = null;
const getWindow = () => mainWindow;
const session = createEngineSession();

registerAppScheme(protocol);
app.enableSandbox();
// guardWebContents opens only https links to allowlisted hosts (isAllowedExternalUrl).
app.on('web-contents-created', (_event, contents) => guardWebContents(contents, (url) => shell.openExternal(url))); // eng-disable OPEN_EXTERNAL_JS_CHECK — every URL passes isAllowedExternalUrl first (security/navigation.ts)

function openWindow(): void {
  mainWindow = createMainWindow(entryUrl);
  mainWindow.on('closed', () => (mainWindow = null));
}

app.whenReady().then(() => {
  installPermissionGuards(electronSession.defaultSession);
  serveAppProtocol(protocol, rendererRoot);
  registerIpc(session, getWindow, trustedOrigins(entryUrl));
  installMenu(getWindow);
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
  // Let the worker delete its temp files before the process exits.
  e.preventDefault();
  disposed = true;
  void session.dispose().finally(() => app.quit());
});
