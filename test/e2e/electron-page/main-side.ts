// The Node side of the renderer's Electron-mode e2e test: the app's real main
// process (main-process.ts, over the fakes of test/helpers/electron) and its
// real engine session, serving the built renderer the way app:// does, with a
// Playwright page as the window's webContents: the page's ipcRenderer.invoke
// arrives through a binding (the sender frame is the page's real frame and
// URL), webContents.send goes back into the page. Values cross as the wire
// codec writes them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { spawnSourceWorker } from '../../../src/engine/session/source-worker';
import { avToolScript } from '../../../src/engine/video/ffmpeg-paths';
import { createEngineSession, type EngineSession } from '../../../src/main/engine-session';
import { startMainProcess } from '../../../src/main/main-process';
import { appResponse } from '../../../src/main/security/app-protocol';
import { decodeWire, encodeWire } from '../../../src/shared/wire-codec';
import { FakeBrowserWindow, FakeFrame, fakeElectron, type FakeElectron } from '../../helpers/electron/fake-electron';
import { fakeUtilityProcess } from '../../helpers/electron/fake-utility-process';

export interface MainSide {
  fake: FakeElectron;
  engine: EngineSession;
  window: FakeBrowserWindow;
  /** Where the page loads from (the renderer folder over HTTP, answered by the app:// handler). */
  url: string;
  connect(page: Page): Promise<void>;
  close(): Promise<void>;
}

/** `outDir`: an electron-vite build (main/, preload/, renderer/). */
export async function startMainSide(opts: { outDir: string; userData: string }): Promise<MainSide> {
  const rendererRoot = join(opts.outDir, 'renderer');
  const server: Server = createServer((req, res) => {
    void appResponse(rendererRoot, `app://wfvae${new URL(req.url ?? '/', 'http://x').pathname}`).then(async (r) => {
      const headers: Record<string, string> = {};
      r.headers.forEach((value, name) => (headers[name] = value));
      res.writeHead(r.status, headers);
      res.end(Buffer.from(await r.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The page's origin is trusted the way the dev server's is (ELECTRON_RENDERER_URL, development only).
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`;

  const utility = fakeUtilityProcess();
  const fake = fakeElectron({ appPath: process.cwd(), userData: opts.userData, utilityProcess: utility.api });
  const engine = createEngineSession(fake.electron, { startWorker: (data, transferList) => spawnSourceWorker(data, transferList), scripts: [avToolScript()] });
  const main = startMainProcess(fake.electron, { mainDir: join(opts.outDir, 'main'), devServerUrl: url, engine });
  fake.app.ready();
  await main.ready;
  const appWindow = FakeBrowserWindow.getAllWindows()[0];

  return {
    fake,
    engine,
    window: appWindow,
    url,
    async connect(page) {
      await page.exposeBinding('__wfvaeIpcInvoke', async (source, channel: string, args: string) => {
        const frame = source.frame === page.mainFrame() ? Object.assign(appWindow.webContents.mainFrame, { url: source.frame.url() }) : new FakeFrame(source.frame.url());
        const result = await fake.ipcMain.invoke({ sender: appWindow.webContents, senderFrame: frame }, channel, ...(decodeWire(args) as unknown[]));
        return encodeWire({ v: result });
      });
      appWindow.webContents.on('renderer-message', (channel: string, args: unknown[]) => {
        void page.evaluate(([c, a]) => (window as unknown as { __wfvaeIpcDeliver(c: string, a: string): void }).__wfvaeIpcDeliver(c, a), [channel, encodeWire(args)] as const).catch(() => undefined);
      });
    },
    async close() {
      if (!fake.app.exited) await engine.dispose();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
