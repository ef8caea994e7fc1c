import type { BrowserWindow } from 'electron';
import { IPC } from '../shared/contract';
import type { ElectronMain } from './electron-api';
import { menuTemplate } from './menu-template';
import { chooseVideoFile } from './video-dialog';

export function installMenu(electron: Pick<ElectronMain, 'app' | 'Menu' | 'dialog'>, getWindow: () => BrowserWindow | null): void {
  const { app, Menu, dialog } = electron;
  const template = menuTemplate(
    { isMac: process.platform === 'darwin', isPackaged: app.isPackaged },
    {
      open: () => {
        void (async () => {
          const win = getWindow();
          const path = await chooseVideoFile(dialog, win);
          if (path && win) win.webContents.send(IPC.event, { type: 'open-path', path });
        })();
      },
      openHubModel: () => getWindow()?.webContents.send(IPC.event, { type: 'open-hub-model' }),
      quit: () => app.quit(),
    },
  );
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
