// The only bridge between the renderer and Electron: a raw invoke/event pipe
// plus what only Electron can do (a dropped File's path, the native Open and
// Save dialogs, the remembered settings file). Validation happens in main (requests) and in the renderer
// (replies, events), both with the schemas of src/shared/contract.
// Electron's objects are given (index.ts), so tests run this against fakes.
import type { ContextBridge, IpcRenderer, IpcRendererEvent, WebUtils } from 'electron';
import { IPC, looksLikeMethodName } from '../shared/ipc-channels';
import type { WfvaePreloadApi } from '../shared/preload-api';

export interface PreloadElectron {
  contextBridge: Pick<ContextBridge, 'exposeInMainWorld'>;
  ipcRenderer: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;
  webUtils: Pick<WebUtils, 'getPathForFile'>;
}

export function createPreloadApi({ ipcRenderer, webUtils }: Omit<PreloadElectron, 'contextBridge'>): WfvaePreloadApi {
  return {
    invoke(method, request) {
      if (!looksLikeMethodName(method)) return Promise.reject(new Error(`unknown API method "${String(method)}"`));
      return ipcRenderer.invoke(IPC.invoke(method), request);
    },
    onEvent(listener) {
      const handler = (_e: IpcRendererEvent, event: unknown) => listener(event);
      ipcRenderer.on(IPC.event, handler);
      return () => ipcRenderer.removeListener(IPC.event, handler);
    },
    getPathForFile(file) {
      return webUtils.getPathForFile(file);
    },
    chooseVideoFile() {
      return ipcRenderer.invoke(IPC.chooseFile) as Promise<string | null>;
    },
    chooseModelFolder() {
      return ipcRenderer.invoke(IPC.chooseModelFolder) as Promise<string | null>;
    },
    saveExport(exportId) {
      return ipcRenderer.invoke(IPC.saveExport, exportId) as Promise<string | null>;
    },
    saveBytes(fileName, bytes) {
      return ipcRenderer.invoke(IPC.saveBytes, fileName, bytes) as Promise<string | null>;
    },
    loadPrefs() {
      return ipcRenderer.invoke(IPC.loadPrefs) as Promise<unknown>;
    },
    savePrefs(prefs) {
      return ipcRenderer.invoke(IPC.savePrefs, prefs) as Promise<void>;
    },
  };
}

/** What the preload does: `window.wfvae` in the page's world, through contextBridge. */
export function exposeWfvae(electron: PreloadElectron): void {
  electron.contextBridge.exposeInMainWorld('wfvae', createPreloadApi(electron));
}
