// IPC wiring only: each contract method gets a handler that checks the sender
// and hands the raw request to dispatchIpc (validation + session call); engine
// events are relayed to the window.
import { app, ipcMain, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import { API_METHOD_NAMES, ERROR_CODES, IPC } from '../shared/contract';
import type { WorkerSession } from './engine/session/worker-session';
import { dispatchIpc } from './ipc-dispatch';
import { chooseModelFolder, chooseVideoFile } from './video-dialog';
import { readPrefsFile, writePrefsFile } from './prefs-file';
import { saveBytes, saveExport } from './save-dialogs';

const OWN_CHANNELS = [IPC.chooseFile, IPC.chooseModelFolder, IPC.saveExport, IPC.saveBytes, IPC.loadPrefs, IPC.savePrefs];

export function registerIpc(session: WorkerSession, getWindow: () => BrowserWindow | null): () => void {
  for (const method of API_METHOD_NAMES) {
    ipcMain.handle(IPC.invoke(method), (event, raw: unknown) => {
      if (event.sender !== getWindow()?.webContents) {
        return { ok: false, error: { code: ERROR_CODES.forbidden, message: 'request from an unknown window' } };
      }
      return dispatchIpc(session, method, raw);
    });
  }
  const prefsPath = join(app.getPath('userData'), 'prefs.json');
  ipcMain.handle(IPC.chooseFile, () => chooseVideoFile(getWindow()));
  ipcMain.handle(IPC.chooseModelFolder, () => chooseModelFolder(getWindow()));
  ipcMain.handle(IPC.saveExport, (_e, exportId: unknown) => saveExport(getWindow(), session, exportId));
  ipcMain.handle(IPC.saveBytes, (_e, fileName: unknown, bytes: unknown) => saveBytes(getWindow(), fileName, bytes));
  ipcMain.handle(IPC.loadPrefs, () => readPrefsFile(prefsPath));
  ipcMain.handle(IPC.savePrefs, (_e, prefs: unknown) => writePrefsFile(prefsPath, prefs));
  const off = session.onEvent((event) => getWindow()?.webContents.send(IPC.event, event));
  return () => {
    off();
    for (const method of API_METHOD_NAMES) ipcMain.removeHandler(IPC.invoke(method));
    for (const channel of OWN_CHANNELS) ipcMain.removeHandler(channel);
  };
}
