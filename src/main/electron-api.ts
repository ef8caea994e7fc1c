// The part of Electron's main-process API the app uses, as one value handed
// down from index.ts (the only module that imports 'electron' at run time in
// the main process). Each module takes the pieces it needs, so the same code
// runs in a test against fakes of these surfaces.
import type * as electron from 'electron';

export type ElectronMain = Pick<typeof electron, 'app' | 'BrowserWindow' | 'dialog' | 'ipcMain' | 'Menu' | 'protocol' | 'session' | 'shell' | 'utilityProcess'>;
