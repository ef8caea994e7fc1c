import type { MenuItemConstructorOptions } from 'electron';

/**
 * The menu, without Electron: File > Open… sends the chosen path to the
 * renderer, which opens it like a drop; File > Open Model from Hugging Face…
 * opens the Model panel's form for a Hub id. Reload and the developer tools exist
 * only in development; a packaged build gets zoom and full screen only.
 */
export function menuTemplate(opts: { isMac: boolean; isPackaged: boolean }, actions: { open: () => void; openHubModel?: () => void; quit: () => void }): MenuItemConstructorOptions[] {
  const { isMac, isPackaged } = opts;
  const view: MenuItemConstructorOptions = isPackaged
    ? {
        label: 'View',
        submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
      }
    : { role: 'viewMenu' };
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: actions.open },
        ...(actions.openHubModel ? [{ label: 'Open Model from Hugging Face…', click: actions.openHubModel }] : []),
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: actions.quit },
      ],
    },
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
  ];
}
