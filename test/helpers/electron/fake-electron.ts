// Stand-ins for Electron's main-process objects (no Electron binary here),
// limited to the event surfaces and calls the app uses, with Electron's
// behaviour where the app depends on it:
// - ipcMain.handle refuses a second handler for a channel; invoking a channel
//   with none rejects; arguments and replies cross as structured clones, and a
//   handler's exception reaches the renderer as "Error invoking remote method";
// - every invoke carries the sender webContents and the sending frame, whose
//   URL is what the page shows (a subframe or another window is another frame);
// - webContents.send reaches the ipcRenderer listeners of that webContents' main frame;
// - a new BrowserWindow's webContents is announced with app 'web-contents-created';
// - app.whenReady settles when the test says the app is ready; app.quit emits
//   'will-quit', which a listener may prevent; dialogs answer what the test scripted.
// The renderer side (rendererWorld) is what a preload sees: contextBridge,
// ipcRenderer and webUtils for one frame.
import { EventEmitter } from 'node:events';
import type { ElectronMain } from '../../../src/main/electron-api';
import type { UtilityProcessApi } from '../../../src/main/utility-launcher';
import type { PreloadElectron } from '../../../src/preload/api';

type Handler = (event: InvokeEvent, ...args: unknown[]) => unknown;
export interface InvokeEvent {
  sender: FakeWebContents;
  senderFrame: FakeFrame | null;
}

export class FakeFrame {
  constructor(public url: string) {}
}

export class FakeWebContents extends EventEmitter {
  private static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly mainFrame = new FakeFrame('about:blank');
  /** The main frame's ipcRenderer listeners, by channel. */
  readonly rendererListeners = new Map<string, Set<(event: object, ...args: unknown[]) => void>>();
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly sent: { channel: string; args: unknown[] }[] = [];

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  /** Also emitted as 'renderer-message' (channel, args), for a renderer that lives elsewhere (a browser page). */
  send(channel: string, ...args: unknown[]): void {
    const copy = structuredClone(args);
    this.sent.push({ channel, args: copy });
    this.emit('renderer-message', channel, copy);
    for (const listener of this.rendererListeners.get(channel) ?? []) listener({ sender: null }, ...structuredClone(copy));
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static readonly all = new Set<FakeBrowserWindow>();
  static app: FakeApp | null = null;
  readonly webContents = new FakeWebContents();
  shown = false;

  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.all.add(this);
    FakeBrowserWindow.app?.emit('web-contents-created', {}, this.webContents);
  }

  static getAllWindows(): FakeBrowserWindow[] {
    return [...FakeBrowserWindow.all];
  }

  async loadURL(url: string): Promise<void> {
    this.webContents.mainFrame.url = url;
    this.emit('ready-to-show');
  }

  show(): void {
    this.shown = true;
  }

  close(): void {
    FakeBrowserWindow.all.delete(this);
    this.emit('closed');
    if (FakeBrowserWindow.all.size === 0) FakeBrowserWindow.app?.emit('window-all-closed');
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<string, Handler>();

  handle(channel: string, handler: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** What ipcRenderer.invoke does: the handler's answer, cloned, or its error as Electron words it. */
  async invoke(event: InvokeEvent, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    try {
      return structuredClone(await handler(event, ...structuredClone(args)));
    } catch (e) {
      throw new Error(`Error invoking remote method '${channel}': ${String(e)}`);
    }
  }
}

type DialogAnswer = { canceled: boolean; filePaths?: string[]; filePath?: string };

export class FakeDialog {
  readonly calls: { kind: 'open' | 'save'; window: unknown; options: Record<string, unknown> }[] = [];
  private readonly answers: DialogAnswer[] = [];

  /** The next dialog's answer (a test scripts each one; an unscripted dialog fails the test). */
  answer(a: DialogAnswer): void {
    this.answers.push(a);
  }

  private next(kind: 'open' | 'save', args: unknown[]): DialogAnswer {
    const [window, options] = args.length === 2 ? args : [undefined, args[0]];
    this.calls.push({ kind, window, options: options as Record<string, unknown> });
    const a = this.answers.shift();
    if (!a) throw new Error(`an unexpected ${kind} dialog: ${JSON.stringify(options)}`);
    return a;
  }

  async showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> {
    const a = this.next('open', args);
    return { canceled: a.canceled, filePaths: a.filePaths ?? [] };
  }

  async showSaveDialog(...args: unknown[]): Promise<{ canceled: boolean; filePath: string }> {
    const a = this.next('save', args);
    return { canceled: a.canceled, filePath: a.filePath ?? '' };
  }
}

export class FakeApp extends EventEmitter {
  isPackaged = false;
  sandboxed = false;
  quitCalls = 0;
  /** Set once a 'will-quit' went unprevented: the process would exit. */
  exited = false;
  private readonly readyGate: Promise<void>;
  private open!: () => void;

  constructor(
    private readonly appPath: string,
    private readonly userData: string,
  ) {
    super();
    this.readyGate = new Promise((resolve) => (this.open = resolve));
  }

  ready(): void {
    this.emit('ready');
    this.open();
  }

  whenReady(): Promise<void> {
    return this.readyGate;
  }

  enableSandbox(): void {
    this.sandboxed = true;
  }

  getAppPath(): string {
    return this.appPath;
  }

  getPath(name: string): string {
    if (name !== 'userData') throw new Error(`getPath(${name}) is not used by the app`);
    return this.userData;
  }

  quit(): void {
    this.quitCalls++;
    let prevented = false;
    this.emit('will-quit', { preventDefault: () => (prevented = true) });
    if (!prevented) this.exited = true;
  }
}

export interface FakeElectron {
  electron: ElectronMain;
  app: FakeApp;
  ipcMain: FakeIpcMain;
  dialog: FakeDialog;
  protocol: { privileged: unknown[]; handlers: Map<string, (request: Request) => Promise<Response> | Response> };
  permissions: Record<string, (...args: never[]) => unknown>;
  opened: string[];
  menu: { template: unknown[] } | null;
}

export function fakeElectron(opts: { appPath: string; userData: string; utilityProcess: UtilityProcessApi }): FakeElectron {
  const app = new FakeApp(opts.appPath, opts.userData);
  FakeBrowserWindow.all.clear();
  FakeBrowserWindow.app = app;
  const ipcMain = new FakeIpcMain();
  const dialog = new FakeDialog();
  const protocol = {
    privileged: [] as unknown[],
    handlers: new Map<string, (request: Request) => Promise<Response> | Response>(),
    registerSchemesAsPrivileged(schemes: unknown[]) {
      this.privileged.push(...schemes);
    },
    handle(scheme: string, handler: (request: Request) => Promise<Response> | Response) {
      this.handlers.set(scheme, handler);
    },
  };
  const permissions: Record<string, (...args: never[]) => unknown> = {};
  const defaultSession = {
    setPermissionRequestHandler: (h: (...args: never[]) => unknown) => void (permissions.request = h),
    setPermissionCheckHandler: (h: (...args: never[]) => unknown) => void (permissions.check = h),
    setDevicePermissionHandler: (h: (...args: never[]) => unknown) => void (permissions.device = h),
  };
  const opened: string[] = [];
  const result: FakeElectron = { electron: undefined as never, app, ipcMain, dialog, protocol, permissions, opened, menu: null };
  const Menu = {
    buildFromTemplate: (template: unknown[]) => ({ template }),
    setApplicationMenu: (menu: { template: unknown[] }) => void (result.menu = menu),
  };
  const shell = { openExternal: async (url: string) => void opened.push(url) };
  // The one place the fakes meet Electron's types: each stands in for the surface of the same name.
  result.electron = {
    app,
    BrowserWindow: FakeBrowserWindow,
    dialog,
    ipcMain,
    Menu,
    protocol,
    session: { defaultSession },
    shell,
    utilityProcess: opts.utilityProcess,
  } as unknown as ElectronMain;
  return result;
}

/** A file the page holds, and where it is on disk (what Electron knows of a dropped or picked file). */
export const FILE_PATHS = new WeakMap<object, string>();

/**
 * What the preload of one frame sees: contextBridge (exposes into `world`), ipcRenderer wired to
 * `ipcMain` as that frame of `contents`, and webUtils. A frame other than contents.mainFrame is a
 * subframe of the page.
 */
export function rendererWorld(ipcMain: FakeIpcMain, contents: FakeWebContents, frame: FakeFrame = contents.mainFrame) {
  const world: Record<string, unknown> = {};
  const isMain = frame === contents.mainFrame;
  const electron: PreloadElectron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => void (world[key] = api),
    } as PreloadElectron['contextBridge'],
    ipcRenderer: {
      invoke: (channel: string, ...args: unknown[]) => ipcMain.invoke({ sender: contents, senderFrame: frame }, channel, ...args),
      on(channel: string, listener: (event: object, ...args: unknown[]) => void) {
        // webContents.send reaches the main frame only.
        if (isMain) {
          const set = contents.rendererListeners.get(channel) ?? new Set();
          set.add(listener);
          contents.rendererListeners.set(channel, set);
        }
        return this;
      },
      removeListener(channel: string, listener: (event: object, ...args: unknown[]) => void) {
        contents.rendererListeners.get(channel)?.delete(listener);
        return this;
      },
    } as unknown as PreloadElectron['ipcRenderer'],
    webUtils: { getPathForFile: (file: File) => FILE_PATHS.get(file) ?? '' },
  };
  return { electron, world };
}
