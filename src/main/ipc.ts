// IPC wiring only: every channel (the contract's methods, the dialogs, the
// saves and the preferences) first checks its sender — the app window's main
// frame showing the app's own origin — then hands the raw request to
// dispatchIpc (validation + session call); engine events are relayed to the window.
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { API_METHOD_NAMES, ERROR_CODES, IPC } from '../shared/contract';
import type { WorkerSession } from '../engine/session/worker-session';
import { dispatchIpc } from './ipc-dispatch';
import type { ElectronMain } from './electron-api';
import { checkSender, type SenderVerdict } from './security/trusted-sender';
import { chooseModelFolder, chooseVideoFile } from './video-dialog';
import { readPrefsFile, writePrefsFile } from './prefs-file';
import { saveBytes, saveExport } from './save-dialogs';

const OWN_CHANNELS = [IPC.chooseFile, IPC.chooseModelFolder, IPC.saveExport, IPC.saveBytes, IPC.loadPrefs, IPC.savePrefs];

export function registerIpc(
  electron: Pick<ElectronMain, 'app' | 'ipcMain' | 'dialog'>,
  session: WorkerSession,
  getWindow: () => BrowserWindow | null,
  origins: string[],
): () => void {
  const { app, ipcMain, dialog } = electron;
  const verdict = (event: IpcMainInvokeEvent): SenderVerdict =>
    checkSender(
      {
        fromAppWindow: event.sender === getWindow()?.webContents,
        isMainFrame: event.senderFrame !== null && event.senderFrame === event.sender.mainFrame,
        frameUrl: event.senderFrame?.url,
      },
      origins,
    );
  for (const method of API_METHOD_NAMES) {
    ipcMain.handle(IPC.invoke(method), (event, raw: unknown) => {
      const v = verdict(event);
      if (!v.ok) return { ok: false, error: { code: ERROR_CODES.forbidden, message: v.message } };
      return dispatchIpc(session, method, raw);
    });
  }
  const prefsPath = join(app.getPath('userData'), 'prefs.json');
  // Dialogs, saves and preferences answer only the app: a foreign frame gets no dialog, no path, no file.
  const trusted = (event: IpcMainInvokeEvent) => verdict(event).ok;
  ipcMain.handle(IPC.chooseFile, (event) => (trusted(event) ? chooseVideoFile(dialog, getWindow()) : null));
  ipcMain.handle(IPC.chooseModelFolder, (event) => (trusted(event) ? chooseModelFolder(dialog, getWindow()) : null));
  ipcMain.handle(IPC.saveExport, (event, exportId: unknown) => (trusted(event) ? saveExport(dialog, getWindow(), session, exportId) : null));
  ipcMain.handle(IPC.saveBytes, (event, fileName: unknown, bytes: unknown) => (trusted(event) ? saveBytes(dialog, getWindow(), fileName, bytes) : null));
  ipcMain.handle(IPC.loadPrefs, (event) => (trusted(event) ? readPrefsFile(prefsPath) : null));
  ipcMain.handle(IPC.savePrefs, (event, prefs: unknown) => (trusted(event) ? writePrefsFile(prefsPath, prefs) : null));
  const off = session.onEvent((event) => getWindow()?.webContents.send(IPC.event, event));
  return () => {
    off();
    for (const method of API_METHOD_NAMES) ipcMain.removeHandler(IPC.invoke(method));
    for (const channel of OWN_CHANNELS) ipcMain.removeHandler(channel);
  };
}
