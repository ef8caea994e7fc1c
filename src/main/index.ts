/// <reference types="electron-vite/node" />
// The Electron main process's entry: Electron itself, handed to the wiring in
// main-process.ts (which the tests run against fakes of the same surface).
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, utilityProcess } from 'electron';
import { createAppEngine, MAIN_DIR } from './engine-host';
import { startMainProcess } from './main-process';

const electron = { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, utilityProcess };

startMainProcess(electron, { mainDir: MAIN_DIR, devServerUrl: process.env.ELECTRON_RENDERER_URL, engine: createAppEngine(electron) });
