import type { BrowserWindow } from 'electron';
import type { ElectronMain } from './electron-api';

export const VIDEO_EXTENSIONS = ['mp4', 'mov', 'mkv', 'webm', 'avi', 'm4v', 'gif', 'png', 'jpg', 'jpeg', 'webp'];

type Dialogs = Pick<ElectronMain['dialog'], 'showOpenDialog'>;

/** The native Open dialog; the chosen path or null. */
export async function chooseVideoFile(dialog: Dialogs, win: BrowserWindow | null): Promise<string | null> {
  const options = {
    title: 'Open video',
    properties: ['openFile' as const],
    filters: [
      { name: 'Videos and images', extensions: VIDEO_EXTENSIONS },
      { name: 'All files', extensions: ['*'] },
    ],
  };
  const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
}

/** The native folder dialog for a checkpoint (config.json + safetensors) or a converted-graph folder. */
export async function chooseModelFolder(dialog: Dialogs, win: BrowserWindow | null): Promise<string | null> {
  const options = { title: 'Open a WF-VAE checkpoint folder', properties: ['openDirectory' as const] };
  const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
}
