// The Electron main process and preload without Electron: the app's real
// wiring (main-process.ts: registerIpc, the dialogs, the saves, the prefs
// file, the menu, the app:// protocol, the guards) and the real preload
// (window.wfvae from src/preload/api.ts), run against stand-ins for Electron's
// objects (test/helpers/electron/fake-electron.ts), with the real engine
// session behind them (its worker, its video tool through the utilityProcess
// launcher, a tiny model). The renderer's own transport talks to the preload.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSourceWorker } from '../../../src/engine/session/source-worker';
import { avToolScript } from '../../../src/engine/video/ffmpeg-paths';
import { createEngineSession, type EngineSession } from '../../../src/main/engine-session';
import { startMainProcess, type MainProcess } from '../../../src/main/main-process';
import { APP_ENTRY_URL } from '../../../src/main/security/app-protocol';
import { exposeWfvae } from '../../../src/preload/api';
import { electronTransport } from '../../../src/renderer/src/transport/electron-transport';
import { IPC, parseEvent, type ApiEvent } from '../../../src/shared/contract';
import { EMPTY_PREFS, parsePrefs } from '../../../src/shared/prefs';
import type { WfvaePreloadApi } from '../../../src/shared/preload-api';
import { FakeBrowserWindow, FakeFrame, fakeElectron, FILE_PATHS, rendererWorld, type FakeElectron } from '../../helpers/electron/fake-electron';
import { fakeUtilityProcess } from '../../helpers/electron/fake-utility-process';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { execFileSync } from 'node:child_process';

const TINY_MODEL = resolve('test/fixtures/goldens-subset/wfvae2-tiny');

let dir: string;
let clip: string;
let userData: string;
let fake: FakeElectron;
let utility: ReturnType<typeof fakeUtilityProcess>;
let engine: EngineSession;
let main: MainProcess;
let win: FakeBrowserWindow;
/** window.wfvae of the app window's page, as the real preload exposed it. */
let wfvae: WfvaePreloadApi;
const savedCache = process.env.WFVAE_CACHE_DIR;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-main-process-'));
  clip = join(dir, 'clip.mp4');
  execFileSync(FIXTURE_FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=48x32:rate=10', '-frames:v', '9', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
  userData = join(dir, 'user-data');
  // The built layout main-process.ts expects: the renderer and the preload beside out/main.
  mkdirSync(join(dir, 'app/main'), { recursive: true });
  mkdirSync(join(dir, 'app/renderer'), { recursive: true });
  writeFileSync(join(dir, 'app/renderer/index.html'), '<!doctype html><title>WF-VAE Inspector</title>');
  process.env.WFVAE_CACHE_DIR = join(dir, 'cache');

  utility = fakeUtilityProcess();
  fake = fakeElectron({ appPath: process.cwd(), userData, utilityProcess: utility.api });
  engine = createEngineSession(fake.electron, { startWorker: (data, transferList) => spawnSourceWorker(data, transferList), scripts: [avToolScript()] });
  main = startMainProcess(fake.electron, { mainDir: join(dir, 'app/main'), devServerUrl: undefined, engine });
  fake.app.ready();
  await main.ready;
  win = FakeBrowserWindow.getAllWindows()[0];
  // The page loads; its preload runs in its main frame.
  const page = rendererWorld(fake.ipcMain, win.webContents);
  exposeWfvae(page.electron);
  wfvae = page.world.wfvae as WfvaePreloadApi;
});

afterAll(async () => {
  if (!fake.app.exited) await engine?.dispose();
  if (savedCache === undefined) delete process.env.WFVAE_CACHE_DIR;
  else process.env.WFVAE_CACHE_DIR = savedCache;
  rmSync(dir, { recursive: true, force: true });
});

describe('the main process as index.ts wires it', () => {
  it('registers app:// before ready, sandboxes renderers, refuses permissions, serves the renderer folder over app://', async () => {
    expect(fake.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(fake.app.sandboxed).toBe(true);
    const granted: boolean[] = [];
    (fake.permissions.request as unknown as (wc: unknown, p: string, cb: (g: boolean) => void) => void)({}, 'media', (g) => granted.push(g));
    expect(granted).toEqual([false]);
    const ok = await fake.protocol.handlers.get('app')!(new Request(APP_ENTRY_URL));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<title>WF-VAE Inspector</title>');
    expect(ok.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fake.protocol.handlers.get('app')!(new Request('app://wfvae/../main/index.js'))).status).toBe(404);
  });

  it('opens one sandboxed, context-isolated window on app:// with the preload beside the main bundle, guarded against navigation', () => {
    expect(FakeBrowserWindow.getAllWindows()).toHaveLength(1);
    expect(win.webContents.mainFrame.url).toBe(APP_ENTRY_URL);
    expect(win.shown).toBe(true);
    expect(win.options.webPreferences).toMatchObject({
      preload: join(dir, 'app/preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webviewTag: false,
    });
    // 'web-contents-created' installed the guard on the window's contents.
    expect(win.webContents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(win.webContents.listenerCount('will-navigate')).toBe(1);
  });

  it("a trusted page reaches the engine through the real preload: a decode, subbands identical to the engine's own, a tiny model's reconstruction", async () => {
    const { api } = electronTransport(wfvae);
    const events: ApiEvent[] = [];
    const off = api.onEvent((e) => events.push(e));
    const info = await api.openVideo({ taskId: 'm1', source: { kind: 'path', path: clip } });
    expect(info).toMatchObject({ frames: 9, width: 48, height: 32, maxLevels: 3 });
    const viaIpc = await api.getSubbands({ clipId: info.clipId, t: 4, levels: 2 });
    const direct = await engine.session.getSubbands({ clipId: info.clipId, t: 4, levels: 2 });
    expect(viaIpc.levels[0].tiles[0].data).toBeInstanceOf(Float32Array);
    expect(viaIpc).toEqual(direct);
    await api.loadModel({ taskId: 'm2', path: TINY_MODEL });
    const recon = await api.reconstruct({ taskId: 'm3', clipId: info.clipId });
    expect(recon).toMatchObject({ frames: 9, width: 48, height: 32, latentShape: [8, 3, 4, 6] });
    // The clip's PSNR is that of the mean squared error over its frames (range 2: [-1, 1]), recomputed from the per-frame values.
    // (null: an exact frame, infinite PSNR.)
    const mse = recon.psnr.perFrame.map((p) => (p === null ? 0 : 4 * 10 ** (-p / 10)));
    expect(recon.psnr.clip).toBeCloseTo(10 * Math.log10(4 / (mse.reduce((a, b) => a + b, 0) / mse.length)), 4);
    // Engine events (progress of these tasks) were relayed to the window and read by the renderer.
    off();
    expect(events.some((e) => e.type === 'progress' && e.taskId === 'm1')).toBe(true);
    expect(win.webContents.sent.every((s) => s.channel === IPC.event && parseEvent(s.args[0]) !== undefined)).toBe(true);
    // The video tool ran in utility processes.
    expect(utility.forks.map((f) => f.args[0])).toEqual(expect.arrayContaining(['probe', 'decode']));
  });

  it('a malformed request gets BAD_REQUEST from main; unknown clips and missing files get their codes', async () => {
    expect(await wfvae.invoke('getFrame', { clipId: 'x', t: 'zero' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST', message: expect.stringMatching(/invalid getFrame request: t:/) },
    });
    const { api } = electronTransport(wfvae);
    await expect(api.getFrame({ clipId: 'clip-404', t: 0 })).rejects.toMatchObject({ code: 'UNKNOWN_CLIP' });
    await expect(api.openVideo({ taskId: 'm4', source: { kind: 'path', path: join(dir, 'missing.mp4') } })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a foreign frame gets FORBIDDEN, and no dialog, path, file or prefs', async () => {
    const other = new FakeBrowserWindow({});
    await other.loadURL(APP_ENTRY_URL);
    const foreign = {
      subframe: rendererWorld(fake.ipcMain, win.webContents, new FakeFrame('app://wfvae/index.html')),
      'other window': rendererWorld(fake.ipcMain, other.webContents),
    };
    const dialogs = fake.dialog.calls.length;
    for (const [what, world] of Object.entries(foreign)) {
      exposeWfvae(world.electron);
      const page = world.world.wfvae as WfvaePreloadApi;
      const refusal = await page.invoke('listClips', {});
      expect(refusal, what).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: what === 'subframe' ? 'request from a frame inside the page' : 'request from an unknown window' } });
      await expect(electronTransport(page).api.listClips({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await page.chooseVideoFile()).toBeNull();
      expect(await page.chooseModelFolder()).toBeNull();
      expect(await page.saveBytes('x.png', new Uint8Array([1, 2, 3]))).toBeNull();
      expect(await page.loadPrefs()).toBeNull();
      expect(await page.savePrefs({ view: 'stolen' })).toBeNull();
    }
    other.close();
    // The app window's own page after navigating elsewhere (navigation is blocked, but were it not): another origin.
    win.webContents.mainFrame.url = 'https://evil.example/';
    try {
      expect(await wfvae.invoke('listClips', {})).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'request from a page that is not the app (https://evil.example)' } });
    } finally {
      win.webContents.mainFrame.url = APP_ENTRY_URL;
    }
    expect(fake.dialog.calls.length).toBe(dialogs);
    expect(existsSync(join(userData, 'prefs.json'))).toBe(false);
  });

  it('Open and model-folder dialogs: cancelled gives null, confirmed gives the path; each is a child of the app window', async () => {
    fake.dialog.answer({ canceled: true });
    expect(await wfvae.chooseVideoFile()).toBeNull();
    fake.dialog.answer({ canceled: false, filePaths: [clip] });
    expect(await wfvae.chooseVideoFile()).toBe(clip);
    fake.dialog.answer({ canceled: false, filePaths: [TINY_MODEL] });
    expect(await wfvae.chooseModelFolder()).toBe(TINY_MODEL);
    const [cancelled, video, model] = fake.dialog.calls.slice(-3);
    expect(cancelled.window).toBe(win);
    expect(video.options).toMatchObject({ title: 'Open video', properties: ['openFile'] });
    expect((video.options.filters as { extensions: string[] }[])[0].extensions).toContain('mp4');
    expect(model.options).toMatchObject({ properties: ['openDirectory'] });
  });

  it('File > Open… in the menu sends the chosen path to the page as an open-path event', async () => {
    const file = (fake.menu!.template as { label?: string; submenu?: { label?: string; click?: () => void }[] }[]).find((m) => m.label === 'File')!;
    const received: unknown[] = [];
    const off = wfvae.onEvent((e) => received.push(e));
    fake.dialog.answer({ canceled: false, filePaths: [clip] });
    file.submenu!.find((i) => i.label === 'Open…')!.click!();
    await expect.poll(() => received).toEqual([{ type: 'open-path', path: clip }]);
    off();
  });

  it('saves: an export is copied where the Save dialog says (or nowhere when cancelled); bytes from the page are written', async () => {
    const { api } = electronTransport(wfvae);
    const [{ clipId }] = (await api.listClips({})).clips;
    const exported = await api.prepareExport({ taskId: 'm5', source: { kind: 'clip', clipId }, what: 'metrics-csv' });
    const { path: prepared } = await engine.session.exportInfo({ exportId: exported.exportId });
    fake.dialog.answer({ canceled: true });
    expect(await wfvae.saveExport(exported.exportId)).toBeNull();
    const target = join(dir, 'saved.csv');
    fake.dialog.answer({ canceled: false, filePath: target });
    expect(await wfvae.saveExport(exported.exportId)).toBe(target);
    expect(readFileSync(target).length).toBeGreaterThan(100);
    expect(readFileSync(target)).toEqual(readFileSync(prepared));
    const [cancelled, saved] = fake.dialog.calls.slice(-2);
    expect(cancelled.options).toMatchObject({ defaultPath: exported.fileName, filters: [{ name: 'CSV', extensions: ['csv'] }, { name: 'All files', extensions: ['*'] }] });
    expect(saved.window).toBe(win);

    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    fake.dialog.answer({ canceled: false, filePath: join(dir, 'view.png') });
    expect(await wfvae.saveBytes('a/../view.png', png)).toBe(join(dir, 'view.png'));
    expect(new Uint8Array(readFileSync(join(dir, 'view.png')))).toEqual(png);
    // A name from the page cannot point the dialog into another folder.
    expect(fake.dialog.calls.at(-1)!.options.defaultPath).toBe('a_.._view.png');
    // Saved whole or not at all: no temporary file beside it; a save that fails (the target is a
    // folder) leaves what was there and no temporary either.
    expect(readdirSync(dir).filter((n) => n.endsWith('.partial'))).toEqual([]);
    mkdirSync(join(dir, 'taken.png'));
    fake.dialog.answer({ canceled: false, filePath: join(dir, 'taken.png') });
    await expect(wfvae.saveBytes('taken.png', png)).rejects.toThrow(/wfvae:save-bytes/);
    expect(statSync(join(dir, 'taken.png')).isDirectory()).toBe(true);
    expect(readdirSync(dir).filter((n) => n.endsWith('.partial'))).toEqual([]);
    // Wrong arguments are refused before any dialog.
    await expect(wfvae.saveBytes('x.png', [1, 2] as unknown as Uint8Array)).rejects.toThrow(/Error invoking remote method 'wfvae:save-bytes'.*saveBytes needs a file name and bytes/);
    await expect(wfvae.saveExport(42 as unknown as string)).rejects.toThrow(/saveExport needs an export id/);
  });

  it('prefs: defaults when there is no file or a broken one; saved atomically (validated, no temporary left, concurrent saves never torn)', async () => {
    const file = join(userData, 'prefs.json');
    expect(await wfvae.loadPrefs()).toEqual(EMPTY_PREFS);
    const prefs = { ...EMPTY_PREFS, recentFiles: [{ path: clip, name: 'clip.mp4' }], view: 'reconstruct', junk: 'dropped' };
    await wfvae.savePrefs(prefs);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(parsePrefs(prefs));
    expect(JSON.parse(readFileSync(file, 'utf8'))).not.toHaveProperty('junk');
    expect(await wfvae.loadPrefs()).toEqual(parsePrefs(prefs));
    // Ten saves at once: every one succeeds and the file is exactly one of them.
    const views = Array.from({ length: 10 }, (_, i) => `view-${i}`);
    await Promise.all(views.map((view) => wfvae.savePrefs({ ...prefs, view })));
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { view: string };
    expect(views).toContain(stored.view);
    expect(stored).toEqual(parsePrefs({ ...prefs, view: stored.view }));
    expect(readdirSync(userData)).toEqual(['prefs.json']);
    writeFileSync(file, '{"recentFiles": [');
    expect(await wfvae.loadPrefs()).toEqual(EMPTY_PREFS);
  });

  it('the renderer refuses replies that do not match the contract (a lying main process)', async () => {
    const lying: WfvaePreloadApi = { ...wfvae, invoke: async () => ({ ok: true, value: { clips: 'none' } }) };
    await expect(electronTransport(lying).api.listClips({})).rejects.toThrow(/invalid listClips response: clips/);
    const garbage: WfvaePreloadApi = { ...wfvae, invoke: async () => 42 };
    await expect(electronTransport(garbage).api.listClips({})).rejects.toThrow(/malformed listClips reply/);
  });

  it('a dropped file opens by the path Electron knows for it (webUtils.getPathForFile)', async () => {
    const { sourceForFile } = electronTransport(wfvae);
    const dropped = new File([readFileSync(clip)], 'clip.mp4', { type: 'video/mp4' });
    FILE_PATHS.set(dropped, clip);
    expect(await sourceForFile(dropped)).toEqual({ kind: 'path', path: clip });
    await expect(sourceForFile(new File(['x'], 'pasted.mp4'))).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/has no path on disk/) });
  });

  it('quitting removes every handler, disposes the engine (its worker and video tools gone), then quits', async () => {
    expect(fake.ipcMain.handlers.size).toBeGreaterThan(20);
    win.close();
    // window-all-closed -> app.quit() -> will-quit (prevented once for the engine's cleanup) -> app.quit() again.
    await expect.poll(() => fake.app.exited, { timeout: 30_000 }).toBe(true);
    expect(fake.app.quitCalls).toBe(2);
    expect(fake.ipcMain.handlers.size).toBe(0);
    await expect(engine.session.listClips({})).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(engine.relay.running).toBe(0);
    expect(utility.alive.size).toBe(0);
    await expect(wfvae.invoke('listClips', {})).rejects.toThrow(/No handler registered for 'wfvae:listClips'/);
  });
});
