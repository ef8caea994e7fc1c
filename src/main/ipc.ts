// IPC wiring only: validate what the renderer sends, forward it to the engine
// session, wrap the answer in an envelope (so error codes survive), and relay
// engine events to the window.
import { ipcMain, type BrowserWindow } from 'electron';
import { API_METHOD_NAMES, IPC, parseRequest, toApiErrorShape, type ApiMethodName } from '../shared/contract';
import type { WorkerSession } from './engine/session/worker-session';
import { chooseVideoFile } from './video-dialog';

export function registerIpc(session: WorkerSession, getWindow: () => BrowserWindow | null): () => void {
  for (const method of API_METHOD_NAMES) {
    ipcMain.handle(IPC.invoke(method), async (event, raw: unknown) => {
      if (event.sender !== getWindow()?.webContents) return { ok: false, error: { code: 'FORBIDDEN', message: 'unknown sender' } };
      try {
        const request = parseRequest(method, raw);
        return { ok: true, value: await session.call(method as ApiMethodName, request) };
      } catch (err) {
        return { ok: false, error: toApiErrorShape(err) };
      }
    });
  }
  ipcMain.handle(IPC.chooseFile, () => chooseVideoFile(getWindow()));
  const off = session.onEvent((event) => getWindow()?.webContents.send(IPC.event, event));
  return () => {
    off();
    for (const method of API_METHOD_NAMES) ipcMain.removeHandler(IPC.invoke(method));
    ipcMain.removeHandler(IPC.chooseFile);
  };
}
