// The preload script (sandboxed, CommonJS once bundled): exposes window.wfvae
// (api.ts) with Electron's own contextBridge, ipcRenderer and webUtils.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { exposeWfvae } from './api';

exposeWfvae({ contextBridge, ipcRenderer, webUtils });
