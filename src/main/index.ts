// Electron main process: one window, the menu, and IPC wiring to the engine
// session (a worker thread). No engine work happens on this thread.
import { app, BrowserWindow } from 'electron';
import { createEngineSession } from './engine-host';
import { registerIpc } from './ipc';
import { installMenu } from './menu';
import { createMainWindow } from './window';

let mainWindow: BrowserWindow | null = null;
const getWindow = () => mainWindow;
const session = createEngineSession();

app.whenReady().then(() => {
  registerIpc(session, getWindow);
  installMenu(getWindow);
  mainWindow = createMainWindow();
  mainWindow.on('closed', () => (mainWindow = null));
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) {
      mainWindow = createMainWindow();
      mainWindow.on('closed', () => (mainWindow = null));
    }
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
