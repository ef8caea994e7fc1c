/// <reference lib="dom" />
// The real Electron app, where an Electron binary exists: opened on a video,
// which it decodes (the video tool in a utility process), reconstructs (a tiny
// model) and exports as an mp4 (ffprobe checks it) — once from `npm start`'s
// build (electron-vite build, the project folder as the app) and once from an
// unpacked `electron-builder --dir` build (app.asar, the unpacked natives and
// video tool, the fuses flipped by the afterPack hook). Electron 45 downloads
// its binary on first use, which these machines cannot do, so this looks for
// the binary itself and skips when it is absent, never touching the
// `electron` package's index (which would start the download). Linux needs a
// display: .ci/run runs the tests under xvfb-run.
//
// Playwright attaches to the main process through --inspect, which the
// shipped fuses refuse: the test turns that one fuse back on in its copy of
// the packaged binary (RunAsNode stays off, ASAR-only and integrity stay on),
// then answers the native Open and Save dialogs from the main process.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { flipFuses, FuseState, FuseV1Options, FuseVersion, getCurrentFuseWire } from '@electron/fuses';
import { FIXTURE_FFPROBE } from '../helpers/fixture-ffmpeg';
import { FFMPEG } from './global-setup';

const MODEL = resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny');

/** Electron's unpacked distribution (what electron-builder packs around the app) and its executable. */
function electronDist(): { dist: string; bin: string } | undefined {
  const pkg = join('node_modules', 'electron');
  const pathTxt = join(pkg, 'path.txt');
  const relative = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : process.platform === 'win32' ? 'electron.exe' : 'electron';
  const dist = resolve(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkg, 'dist'));
  const bin = join(dist, relative);
  return existsSync(bin) ? { dist, bin } : undefined;
}

const found = electronDist();
const bin = found?.bin;

function skipWithoutElectron(): void {
  test.skip(
    !bin,
    'no Electron binary: node_modules/electron/dist is missing and ELECTRON_OVERRIDE_DIST_PATH is not set (Electron 45 downloads it on first launch, which this machine cannot do)',
  );
  test.skip(
    process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY,
    'no display for the Electron window: run under xvfb-run (apt install xvfb), e.g. xvfb-run -a npm run test:e2e (.ci/run does)',
  );
}

function probe(path: string): { width: number; height: number; frames: number } {
  const out = execFileSync(FIXTURE_FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'json', path], { encoding: 'utf8' });
  const s = (JSON.parse(out) as { streams: { width: number; height: number; nb_read_frames: string }[] }).streams[0];
  return { width: s.width, height: s.height, frames: Number(s.nb_read_frames) };
}

/** The app's executable inside an electron-builder --dir output. */
function packagedExecutable(outDir: string): string {
  switch (process.platform) {
    case 'darwin': {
      const dir = ['mac', 'mac-arm64', 'mac-universal'].map((d) => join(outDir, d)).find(existsSync)!;
      return join(dir, 'WF-VAE Inspector.app', 'Contents', 'MacOS', 'WF-VAE Inspector');
    }
    case 'win32':
      return join(outDir, 'win-unpacked', 'WF-VAE Inspector.exe');
    default:
      return join(outDir, 'linux-unpacked', 'wfvae-inspector');
  }
}

let dir: string;
let clip: string;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-e2e-window-'));
  clip = join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=12', '-frames:v', '17', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
});

test.afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Launches the app, opens the clip through the Open dialog, reconstructs the whole video with the tiny model, saves its mp4. */
async function openReconstructExport(executablePath: string, args: string[], label: string): Promise<void> {
  const home = join(dir, `${label}-config`);
  const mp4 = join(dir, `${label}-reconstruction.mp4`);
  const app = await electron.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', ...args],
    // A user-data folder of its own (XDG_CONFIG_HOME on Linux), a private graph cache.
    env: { ...process.env, XDG_CONFIG_HOME: home, WFVAE_CACHE_DIR: join(dir, `${label}-cache`) },
  });
  try {
    const win = await app.firstWindow();
    await expect(win.getByTestId('drop-zone')).toBeVisible();
    expect(await win.evaluate(() => typeof (window as { wfvae?: unknown }).wfvae)).toBe('object');
    expect(await win.evaluate(() => typeof (window as { require?: unknown }).require)).toBe('undefined');
    expect(win.url()).toBe('app://wfvae/index.html');
    // The native dialogs, answered in the main process.
    await app.evaluate(({ dialog }, [video, out]) => {
      dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [video] })) as typeof dialog.showOpenDialog;
      dialog.showSaveDialog = (async () => ({ canceled: false, filePath: out })) as typeof dialog.showSaveDialog;
    }, [clip, mp4] as const);
    await win.getByTestId('open-button').click();
    await expect(win.getByTestId('clip-info')).toContainText('17 frames · 64×48');
    await win.getByTestId('model-path-input').fill(MODEL);
    await win.getByTestId('load-model').click();
    await expect(win.getByTestId('model-path')).toContainText(MODEL, { timeout: 60_000 });
    await win.getByTestId('tab-reconstruct').click();
    await win.getByTestId('whole-video').getByTestId('run-video').click();
    await expect(win.getByTestId('whole-video').getByTestId('video-result')).toHaveAttribute('data-frames', '17', { timeout: 120_000 });
    await win.getByTestId('video-export').getByTestId('video-export-reconstruction-mp4').click();
    await expect(win.getByTestId('video-export').getByTestId('export-done')).toContainText(mp4, { timeout: 60_000 });
    expect(probe(mp4)).toEqual({ width: 64, height: 48, frames: 17 });
  } finally {
    await app.close();
  }
}

test("npm start's build: opens a video, reconstructs it and exports an mp4", async () => {
  skipWithoutElectron();
  test.setTimeout(300_000);
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], { stdio: 'pipe' });
  // As `electron-vite preview` starts it: the project folder is the app (package.json "main" is out/main/index.js).
  await openReconstructExport(bin!, ['.'], 'start');
});

test('an unpacked electron-builder --dir build (app.asar, fuses flipped): opens a video, reconstructs it and exports an mp4', async () => {
  skipWithoutElectron();
  test.setTimeout(600_000);
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], { stdio: 'pipe' });
  const outDir = join(dir, 'dist');
  const platform = { darwin: '--mac', win32: '--win' }[process.platform as string] ?? '--linux';
  execFileSync(process.execPath, ['node_modules/electron-builder/cli.js', '--dir', platform, `-c.electronDist=${found!.dist}`, `-c.directories.output=${outDir}`], { stdio: 'pipe' });
  const exe = packagedExecutable(outDir);
  const fuses = await getCurrentFuseWire(process.platform === 'darwin' ? exe.replace(/\/Contents\/MacOS\/[^/]+$/, '') : exe);
  expect(fuses[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
  expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
  expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
  // The one exception, in this copy only: Playwright needs --inspect to reach the main process.
  await flipFuses(process.platform === 'darwin' ? exe.replace(/\/Contents\/MacOS\/[^/]+$/, '') : exe, {
    version: FuseVersion.V1,
    [FuseV1Options.EnableNodeCliInspectArguments]: true,
    resetAdHocDarwinSignature: process.platform === 'darwin' && process.arch === 'arm64',
  });
  await openReconstructExport(exe, [], 'packaged');
});
