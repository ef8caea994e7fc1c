// IPC wiring only: every channel (the contract's methods and the two dialog
// channels) first checks its sender — the app window's main frame showing
// the app's own origin — then hands the raw request to dispatchIpc
// (validation + session call); engine events are relayed to the window.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { API_METHOD_NAMES, ERROR_CODES, IPC } from '../shared/contract';
import type { WorkerSession } from './engine/session/worker-session';
import { dispatchIpc } from './ipc-dispatch';
import { checkSender, type SenderVerdict } from './security/trusted-sender';
import { chooseModelFolder, chooseVideoFile } from './video-dialog';

export function registerIpc(session: WorkerSession, getWindow: () => BrowserWindow | null, origins: string[]): () => void {
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
  // The dialogs answer only the app: a foreign frame gets no dialog and no path.
  ipcMain.handle(IPC.chooseFile, (event) => (verdict(event).ok ? chooseVideoFile(getWindow()) : null));
  ipcMain.handle(IPC.chooseModelFolder, (event) => (verdict(event).ok ? chooseModelFolder(getWindow()) : null));
  const off = session.onEvent((event) => getWindow()?.webContents.send(IPC.event, event));
  return () => {
    off();
    for (const method of API_METHOD_NAMES) ipcMain.removeHandler(IPC.invoke(method));
    ipcMain.removeHandler(IPC.chooseFile);
    ipcMain.removeHandler(IPC.chooseModelFolder);
  };
}
