// IPC wiring only: each contract method gets a handler that checks the sender
// and hands the raw request to dispatchIpc (validation + session call); engine
// events are relayed to the window.
import { ipcMain, type BrowserWindow } from 'electron';
import { API_METHOD_NAMES, ERROR_CODES, IPC } from '../shared/contract';
import type { WorkerSession } from './engine/session/worker-session';
import { dispatchIpc } from './ipc-dispatch';
import { chooseModelFolder, chooseVideoFile } from './video-dialog';

export function registerIpc(session: WorkerSession, getWindow: () => BrowserWindow | null): () => void {
  for (const method of API_METHOD_NAMES) {
    ipcMain.handle(IPC.invoke(method), (event, raw: unknown) => {
      if (event.sender !== getWindow()?.webContents) {
        return { ok: false, error: { code: ERROR_CODES.forbidden, message: 'request from an unknown window' } };
      }
      return dispatchIpc(session, method, raw);
    });
  }
  ipcMain.handle(IPC.chooseFile, () => chooseVideoFile(getWindow()));
  ipcMain.handle(IPC.chooseModelFolder, () => chooseModelFolder(getWindow()));
  const off = session.onEvent((event) => getWindow()?.webContents.send(IPC.event, event));
  return () => {
    off();
    for (const method of API_METHOD_NAMES) ipcMain.removeHandler(IPC.invoke(method));
    ipcMain.removeHandler(IPC.chooseFile);
    ipcMain.removeHandler(IPC.chooseModelFolder);
  };
}
