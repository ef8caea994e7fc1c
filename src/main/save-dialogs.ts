// Native Save dialogs for exports: a file the engine prepared is copied where
// the user says; bytes made in the renderer (a view as PNG) are written there.
// Either appears there complete (engine/fs/atomic-file.ts).
import type { BrowserWindow, SaveDialogOptions } from 'electron';
import { copyFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { WorkerSession } from '../engine/session/worker-session';
import { saveAtomically } from '../engine/fs/atomic-file';
import type { ElectronMain } from './electron-api';

type Dialogs = Pick<ElectronMain['dialog'], 'showSaveDialog'>;

async function askWhere(dialog: Dialogs, win: BrowserWindow | null, fileName: string): Promise<string | null> {
  const ext = extname(fileName).slice(1);
  const options: SaveDialogOptions = {
    title: `Save ${fileName}`,
    defaultPath: fileName,
    filters: ext ? [{ name: ext.toUpperCase(), extensions: [ext] }, { name: 'All files', extensions: ['*'] }] : [],
  };
  const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
  return r.canceled || !r.filePath ? null : r.filePath;
}

export async function saveExport(dialog: Dialogs, win: BrowserWindow | null, session: WorkerSession, exportId: unknown): Promise<string | null> {
  if (typeof exportId !== 'string') throw new Error('saveExport needs an export id');
  const info = await session.exportInfo({ exportId });
  const target = await askWhere(dialog, win, info.fileName);
  if (target) await saveAtomically(target, (tmp) => copyFile(info.path, tmp));
  return target;
}

export async function saveBytes(dialog: Dialogs, win: BrowserWindow | null, fileName: unknown, bytes: unknown): Promise<string | null> {
  if (typeof fileName !== 'string' || !(bytes instanceof Uint8Array)) throw new Error('saveBytes needs a file name and bytes');
  const target = await askWhere(dialog, win, fileName.replace(/[\\/]/g, '_'));
  if (target) await saveAtomically(target, (tmp) => writeFile(tmp, bytes));
  return target;
}
