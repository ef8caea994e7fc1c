/// <reference lib="dom" />
// What the preload gets for `electron` when it runs in plain Chromium (the
// renderer e2e test bundles src/preload/index.ts with this module in
// electron's place): contextBridge puts the API on window; ipcRenderer sends
// invokes to the Node side of the test through a Playwright binding and
// receives what main sends (webContents.send) through a function the Node
// side calls; webUtils knows the disk path of the files the test hands the
// page (Electron knows it for files dropped or picked from the OS). Values
// cross as the wire codec writes them, typed arrays included.
import { decodeWire, encodeWire } from '../../../src/shared/wire-codec';

type Listener = (event: object, ...args: unknown[]) => void;

interface TestWindow {
  /** The Node side's ipcMain.invoke, for this page's frame: '{"v": result}' in wire form. */
  __wfvaeIpcInvoke(channel: string, args: string): Promise<string>;
  __wfvaeIpcDeliver(channel: string, args: string): void;
  __wfvaeFilePaths: WeakMap<File, string>;
}

const page = window as unknown as TestWindow;
const listeners = new Map<string, Set<Listener>>();

page.__wfvaeFilePaths = new WeakMap();
page.__wfvaeIpcDeliver = (channel, args) => {
  for (const listener of listeners.get(channel) ?? []) listener({}, ...(decodeWire(args) as unknown[]));
};

export const contextBridge = {
  exposeInMainWorld(key: string, api: object): void {
    Object.defineProperty(window, key, { value: Object.freeze({ ...api }), enumerable: true });
  },
};

export const ipcRenderer = {
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    return (decodeWire(await page.__wfvaeIpcInvoke(channel, encodeWire(args))) as { v: unknown }).v;
  },
  on(channel: string, listener: Listener) {
    const set = listeners.get(channel) ?? new Set<Listener>();
    set.add(listener);
    listeners.set(channel, set);
    return ipcRenderer;
  },
  removeListener(channel: string, listener: Listener) {
    listeners.get(channel)?.delete(listener);
    return ipcRenderer;
  },
};

export const webUtils = {
  getPathForFile: (file: File): string => page.__wfvaeFilePaths.get(file) ?? '',
};
