/// <reference lib="dom" />
// Serve mode's upload workflow end to end (issue 18, case 1), as a user goes
// through it: `wfvae serve` with no video, "Open video…" in the browser, the
// thumbnail strip of the uploaded file, a selection at start 100, the whole
// video reconstructed, an export; the upload's temp file stays while the page
// uses it and goes when the page closes, after a SIGKILL at the next start, and
// when the server gets SIGHUP. The server runs with a temp folder of its
// own, so what it leaves there is exactly what the test sees.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { FFMPEG } from './global-setup';
import { expect, startServe, stopServe, test, type ServeProcess } from './serve-fixture';

const MODEL = resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny');
// 112 frames at 20 fps, 48x32: a selection can start at frame 100, and the whole video is quick on two cores.
const SOURCE_FRAMES = 112;

let dir: string;
let tmp: string;
let clip: string;
let env: NodeJS.ProcessEnv;

test.describe.configure({ mode: 'serial' });

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-e2e-uploads-'));
  tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  clip = join(dir, 'holiday clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=48x32:rate=20', '-frames:v', String(SOURCE_FRAMES), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
  env = { ...process.env, TMPDIR: tmp, WFVAE_CACHE_DIR: join(dir, 'cache') };
});

test.afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The uploaded files in the server's temp folder. */
function uploads(): string[] {
  return readdirSync(tmp)
    .filter((d) => d.startsWith('wfvae-upload-'))
    .flatMap((d) => (existsSync(join(tmp, d)) ? readdirSync(join(tmp, d)).map((f) => join(d, f)) : []));
}

/** "Open video…" and the browser's file chooser, as a user picks the file. */
async function openThroughButton(page: Page): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('open-button').click();
  await (await chooser).setFiles(clip);
  await expect(page.getByTestId('clip-info')).toContainText('holiday clip.mp4');
}

/** The serve host: `wfvae serve` is the launcher, its child the CLI, whose child serves. */
function serveHostOf(p: ServeProcess): number {
  const kids = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return kids(kids(p.child.pid!)[0])[0];
}

function exitOf(p: ServeProcess): Promise<number | null> {
  return new Promise((r) => (p.child.exitCode !== null ? r(p.child.exitCode) : p.child.once('exit', (code) => r(code))));
}

test('upload, thumbnail strip, selection at start 100, whole video, export; the file goes when the page closes; after a SIGKILL it stays', async ({ browser }) => {
  test.setTimeout(240_000);
  const serve = await startServe(['--model', MODEL], env);
  let killed = false;
  try {
    const page = await browser.newPage();
    await page.goto(serve.url);
    await expect(page.getByTestId('drop-zone')).toBeVisible();
    await openThroughButton(page);
    expect(uploads()).toEqual([expect.stringMatching(/holiday_clip\.mp4$/)]);

    // The thumbnail strip of the whole uploaded file.
    const panel = page.getByTestId('selection-panel');
    await expect(panel.getByTestId('thumbnail-strip')).toBeVisible({ timeout: 60_000 });
    const count = Number(await panel.getByTestId('thumbnail-strip').getAttribute('data-thumbnails'));
    expect(count).toBeGreaterThan(4);
    await expect(panel.getByTestId('thumbnail').last()).toHaveAttribute('data-frame', /^(9\d|1\d\d)$/);

    // A selection from frame 100: 9 frames, decoded again from the uploaded file.
    await panel.getByTestId('sel-start').fill('100');
    await panel.getByTestId('sel-frames').fill('9');
    await panel.getByTestId('sel-apply').click();
    await expect(page.getByTestId('clip-info')).toContainText('9 frames · 48×32');
    await expect(page.getByTestId('frame-label')).toContainText('(source #100)');
    expect(uploads()).toHaveLength(1);

    // The whole video, streamed from the uploaded file.
    const frames = SOURCE_FRAMES - ((SOURCE_FRAMES - 1) % 4);
    await page.getByTestId('tab-reconstruct').click();
    const whole = page.getByTestId('whole-video');
    await whole.getByTestId('run-video').click();
    const result = whole.getByTestId('video-result');
    await expect(result).toBeVisible({ timeout: 120_000 });
    await expect(result).toHaveAttribute('data-frames', String(frames));
    await expect(whole.getByTestId('video-frames')).toContainText(`(source 0–${frames - 1})`);

    // An export: the metrics of every frame, downloaded.
    const pending = page.waitForEvent('download');
    await page.getByTestId('video-export').getByTestId('video-export-metrics-csv').click();
    const download = await pending;
    expect(download.suggestedFilename()).toMatch(/^holiday_clip-f0-\d+-metrics\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\n').filter((l) => /^\d+,/.test(l))).toHaveLength(frames);
    expect(csv).toContain('# source: holiday clip.mp4');
    expect(uploads()).toHaveLength(1);

    // The page goes: after the grace period for a reconnect, so does its upload.
    await page.close();
    await expect.poll(uploads, { timeout: 30_000, intervals: [500] }).toEqual([]);

    // Another page uploads, and the server is killed outright: nothing runs to clean up.
    const again = await browser.newPage();
    await again.goto(serve.url);
    await openThroughButton(again);
    expect(uploads()).toHaveLength(1);
    const exit = exitOf(serve);
    process.kill(serveHostOf(serve), 'SIGKILL');
    killed = true;
    expect(await exit).toBe(137);
    await again.close();
    expect(uploads()).toHaveLength(1);
  } finally {
    if (!killed) await stopServe(serve);
  }
});

test('the next start removes what the killed server left; SIGHUP removes the upload of a page still open: exit 129', async ({ browser }) => {
  const serve = await startServe([], env);
  const page = await browser.newPage();
  try {
    await expect.poll(uploads, { timeout: 10_000 }).toEqual([]);
    await page.goto(serve.url);
    await openThroughButton(page);
    expect(uploads()).toHaveLength(1);
    const exit = exitOf(serve);
    serve.child.kill('SIGHUP');
    expect(await exit).toBe(129);
    expect(uploads()).toEqual([]);
    expect(readdirSync(tmp).filter((d) => d.startsWith('wfvae-'))).toEqual([]);
  } finally {
    await page.close();
  }
});
