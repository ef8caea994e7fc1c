/// <reference lib="dom" />
// The renderer built for Electron (electron-vite's build), in Chromium, in its
// Electron mode: window.wfvae comes from the real preload (src/preload,
// bundled with a page-side `electron` that talks to this test process), and
// behind it the app's real main process — registerIpc, the dialogs, the saves,
// the prefs file — and the real engine session (video tool through the
// utilityProcess launcher, a tiny model), over Electron-shaped fakes
// (test/e2e/electron-page). Driven as a user would: remembered prefs, Open
// (native dialog), a model folder (native dialog), the whole video
// reconstructed, an mp4 and a PNG saved where the Save dialog says, a drop by
// path, and the prefs written back.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { build } from 'vite';
import { FIXTURE_FFPROBE } from '../helpers/fixture-ffmpeg';
import { FFMPEG } from './global-setup';
import { startMainSide, type MainSide } from './electron-page/main-side';

const OUT = resolve('out/.e2e-electron-build');
const MODEL = resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny');

let dir: string;
let clip: string;
let dropped: string;
let userData: string;
let preload: string;
let mainSide: MainSide;
let page: Page;

test.describe.configure({ mode: 'serial' });

function probe(path: string): { width: number; height: number; frames: number } {
  const out = execFileSync(FIXTURE_FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'json', path], { encoding: 'utf8' });
  const s = (JSON.parse(out) as { streams: { width: number; height: number; nb_read_frames: string }[] }).streams[0];
  return { width: s.width, height: s.height, frames: Number(s.nb_read_frames) };
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  dir = mkdtempSync(join(tmpdir(), 'wfvae-e2e-electron-'));
  clip = join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=12', '-frames:v', '17', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
  dropped = join(dir, 'dropped.mp4');
  copyFileSync(clip, dropped);
  // The app's user-data folder remembers the model from an earlier run.
  userData = join(dir, 'user-data');
  mkdirSync(userData);
  writeFileSync(join(userData, 'prefs.json'), JSON.stringify({ recentModels: [{ path: MODEL, className: 'WFVAE2Model' }] }));

  rmSync(OUT, { recursive: true, force: true });
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--outDir', OUT, '--logLevel', 'error'], { stdio: 'pipe' });
  // The real preload, with the page-side electron module in electron's place.
  const bundle = (await build({
    configFile: false,
    logLevel: 'error',
    resolve: { alias: { electron: resolve('test/e2e/electron-page/page-electron.ts') } },
    build: { write: false, minify: false, lib: { entry: resolve('src/preload/index.ts'), formats: ['iife'], name: 'wfvaePreload' } },
  })) as { output: { code?: string }[] }[] | { output: { code?: string }[] };
  preload = (Array.isArray(bundle) ? bundle[0] : bundle).output[0].code!;

  process.env.WFVAE_CACHE_DIR = join(dir, 'cache');
  mainSide = await startMainSide({ outDir: OUT, userData });
  page = await browser.newPage();
  await mainSide.connect(page);
  await page.addInitScript({ content: preload });
});

test.afterAll(async () => {
  await page?.close();
  await mainSide?.close();
  delete process.env.WFVAE_CACHE_DIR;
  rmSync(OUT, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the Electron-mode page: window.wfvae from the preload, remembered prefs read from the user-data folder', async () => {
  await page.goto(mainSide.url);
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  expect(await page.evaluate(() => Object.keys((window as { wfvae?: object }).wfvae ?? {}).sort())).toEqual(
    ['chooseModelFolder', 'chooseVideoFile', 'getPathForFile', 'invoke', 'loadPrefs', 'onEvent', 'saveBytes', 'saveExport', 'savePrefs'],
  );
  await page.getByTestId('recent-button').click();
  await expect(page.getByTestId('recent-menu').getByTestId('recent-model').first()).toContainText('WFVAE2Model');
  await page.keyboard.press('Escape');
});

test('Open… shows the native dialog and opens the chosen file; a model folder comes from the folder dialog', async () => {
  const { dialog } = mainSide.fake;
  dialog.answer({ canceled: true });
  await page.getByTestId('open-button').click();
  await expect.poll(() => dialog.calls.length).toBe(1);
  await expect(page.getByTestId('clip-info')).toHaveCount(0);
  dialog.answer({ canceled: false, filePaths: [clip] });
  await page.getByTestId('open-button').click();
  await expect(page.getByTestId('clip-info')).toContainText('clip.mp4');
  await expect(page.getByTestId('clip-info')).toContainText('17 frames · 64×48');
  expect(dialog.calls[1]).toMatchObject({ kind: 'open', window: mainSide.window, options: { title: 'Open video' } });

  dialog.answer({ canceled: false, filePaths: [MODEL] });
  await page.getByTestId('choose-model-folder').click();
  await expect(page.getByTestId('model-path')).toContainText(MODEL);
  expect(dialog.calls[2].options).toMatchObject({ properties: ['openDirectory'] });
});

test('the whole video reconstructed; its mp4 and a view as PNG saved where the Save dialog says', async () => {
  const { dialog } = mainSide.fake;
  await page.getByTestId('tab-reconstruct').click();
  const whole = page.getByTestId('whole-video');
  await whole.getByTestId('run-video').click();
  const result = whole.getByTestId('video-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  const frames = Number(await result.getAttribute('data-frames'));
  expect(frames).toBe(17);

  const bar = page.getByTestId('video-export');
  dialog.answer({ canceled: true });
  await bar.getByTestId('video-export-reconstruction-mp4').click();
  await expect.poll(() => dialog.calls.at(-1)?.kind).toBe('save');
  const mp4 = join(dir, 'saved-reconstruction.mp4');
  dialog.answer({ canceled: false, filePath: mp4 });
  await bar.getByTestId('video-export-reconstruction-mp4').click();
  await expect(bar.getByTestId('export-done')).toContainText(mp4);
  expect(dialog.calls.at(-1)!.options).toMatchObject({ defaultPath: 'clip-f0-16-reconstruction.mp4' });
  expect(probe(mp4)).toEqual({ width: 64, height: 48, frames: 17 });

  const png = join(dir, 'saved-view.png');
  dialog.answer({ canceled: false, filePath: png });
  await page.getByTestId('video-viewer-png').click();
  await expect.poll(() => existsSync(png)).toBe(true);
  expect(readFileSync(png).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  // Side by side: original and reconstruction, 64 wide each.
  expect(probe(png)).toMatchObject({ width: 128, height: 48 });
});

test('a file dropped on the window opens by its path on disk (webUtils.getPathForFile), and the prefs file remembers it all', async () => {
  const bytes = readFileSync(dropped).toString('base64');
  await page.getByTestId('whole-video').evaluate(
    (el, [b64, path]) => {
      const file = new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'dropped.mp4', { type: 'video/mp4' });
      // What Electron knows of a file dropped from the OS: where it is.
      (window as unknown as { __wfvaeFilePaths: WeakMap<File, string> }).__wfvaeFilePaths.set(file, path);
      const dt = new DataTransfer();
      dt.items.add(file);
      el.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
      el.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
    },
    [bytes, dropped] as const,
  );
  await expect(page.getByTestId('clip-info')).toContainText('dropped.mp4');
  // Opened by path: the engine holds the file itself, not an upload.
  expect((await mainSide.engine.session.listClips({})).clips.map((c) => c.path)).toContain(dropped);

  const stored = () => JSON.parse(readFileSync(join(userData, 'prefs.json'), 'utf8')) as { recentFiles: { path: string }[]; recentModels: { path: string }[]; view: string };
  await expect.poll(() => stored().recentFiles.map((f) => f.path)).toEqual([dropped, clip]);
  expect(stored().recentModels.map((m) => m.path)).toEqual([MODEL]);
  expect(stored().view).toBe('reconstruct');
});
