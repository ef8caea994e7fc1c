/// <reference lib="dom" />
// The inspector's workflows in serve mode, as a user goes through them: pick
// frames 100-196 of a 280-frame clip at native size with the estimate shown,
// reconstruct the whole video with Causal Cache (memory flat in T), compare
// A/B (wipe, difference, zoom to pixels, play, seams), export the mp4s, the
// latent and the metrics, open tiles big, and the everyday comforts. One
// server and one page for the whole file (serial), a golden tiny model
// (random weights, real forward passes) to keep it fast on two cores.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Download, Locator, Page } from '@playwright/test';
import { FIXTURE_FFPROBE as FFPROBE } from '../helpers/fixture-ffmpeg';
import { FFMPEG } from './global-setup';
import { expect, startServe, stopServe, test, type ServeProcess } from './serve-fixture';
import { checkView } from './a11y';

const MODEL = resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny');
// 280 frames at 20 fps (14 s), 84x48: small enough for two cores, long enough to stream; 84 is not a
// multiple of 8, so the native size shows the crop, and 256 resizes it to 448x256.
const SOURCE_FRAMES = 280;

let dir: string;
let longClip: string;
let cacheDir: string;
let serve: ServeProcess;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-e2e-workflows-'));
  longClip = join(dir, 'long-clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=84x48:rate=20', '-frames:v', String(SOURCE_FRAMES), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', longClip]);
  cacheDir = join(dir, 'cache');
  process.env.WFVAE_CACHE_DIR = cacheDir;
  serve = await startServe(['--model', MODEL, longClip]);
  delete process.env.WFVAE_CACHE_DIR;
  page = await browser.newPage();
  mkdirSync('test-results', { recursive: true });
});

test.afterAll(async () => {
  await page?.close();
  if (serve) await stopServe(serve);
  rmSync(dir, { recursive: true, force: true });
});

/** Distinct colours on a canvas: a painted picture has many, a blank one 1. */
function colours(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const set = new Set<number>();
    for (let i = 0; i < d.length; i += 4) set.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return set.size;
  });
}

function pixel(canvas: Locator, x: number, y: number): Promise<number[]> {
  return canvas.evaluate((c: HTMLCanvasElement, [px, py]) => [...c.getContext('2d')!.getImageData(px, py, 1, 1).data.slice(0, 3)], [x, y] as const);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `test-results/workflows-${name}.png`, fullPage: true });
}

async function download(click: () => Promise<void>): Promise<{ path: string; name: string }> {
  const pending = page.waitForEvent('download');
  await click();
  const d: Download = await pending;
  const path = join(dir, d.suggestedFilename());
  await d.saveAs(path);
  return { path, name: d.suggestedFilename() };
}

function probe(path: string): { width: number; height: number; frames: number } {
  const out = execFileSync(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'json', path], { encoding: 'utf8' });
  const s = (JSON.parse(out) as { streams: { width: number; height: number; nb_read_frames: string }[] }).streams[0];
  return { width: s.width, height: s.height, frames: Number(s.nb_read_frames) };
}

test('clip selection: frames 100-196 at native size, with the snap, the crop and the estimate shown before decoding', async () => {
  await page.goto(serve.url);
  await expect(page.getByTestId('clip-info')).toContainText('long-clip.mp4');
  const panel = page.getByTestId('selection-panel');
  await expect(panel.getByTestId('thumbnail')).toHaveCount(17);
  await expect(panel.getByTestId('thumbnail').nth(8)).toBeVisible();
  expect(await colours(panel.getByTestId('thumbnail').nth(8).locator('canvas'))).toBeGreaterThan(30);
  // A click on the strip starts the selection there: the 6th thumbnail's frames begin at 5 x 17 = 85.
  await panel.getByTestId('thumbnail').nth(5).click({ position: { x: 1, y: 5 } });
  await expect(panel.getByTestId('sel-start')).toHaveValue('85');

  await panel.getByTestId('sel-start').fill('100');
  await panel.getByTestId('sel-frames').fill('99');
  await panel.getByTestId('sel-size').selectOption('native');
  await panel.getByTestId('sel-snap').selectOption('4');
  await expect(panel.getByTestId('sel-snap-note')).toHaveText('99 frames snapped down to 97 = 1 + 4·24');
  await panel.getByTestId('sel-frames').fill('97');
  await expect(panel.getByTestId('sel-plan-frames')).toHaveText('97');
  await expect(panel.getByTestId('sel-plan')).toContainText('source 100–196');
  await expect(panel.getByTestId('sel-plan-size')).toHaveText('80×48');
  await expect(panel.getByTestId('sel-snap-note')).toContainText('no snap needed');
  await expect(panel.getByTestId('sel-crop')).toHaveText('centre crop to 80×48 at (2, 0)');
  // The start as a time: 5 s at 20 fps is frame 100.
  await panel.getByTestId('sel-start-unit').selectOption('time');
  await panel.getByTestId('sel-start').fill('5');
  await expect(panel.getByTestId('sel-plan')).toContainText('source 100–196');
  await expect(panel.getByTestId('strip-range')).toHaveText('selected 100–196 · 5.00 s–9.80 s');
  // Thumbnails at 85, 102, …, 187 cover frames 100-196.
  expect(await panel.locator('[data-testid=thumbnail][data-selected=true]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))))).toEqual([85, 102, 119, 136, 153, 170, 187]);

  // The estimate, before anything runs: decode 97x48x80x3 float32, reconstruct and the streamed whole video.
  const decode = panel.getByTestId('estimate-decode');
  await expect(decode).toHaveAttribute('data-bytes', String(97 * 48 * 80 * 3 * 4));
  await expect(decode).toContainText(/\+4\.3 MB · ≈ [\d.]+ s/);
  // Model runs: the process's peak from the runtime's memory plan, and the time from measured speeds.
  const recon = panel.getByTestId('estimate-reconstruct');
  await expect(recon).toContainText(/peak \d+ MB · ≈ [\d.]+ s/);
  await expect(recon).toHaveAttribute('data-fits', 'true');
  await expect(panel.getByTestId('estimate-video')).toContainText('Whole video: 277 frames, Causal Cache 8/2');
  const reconBytes = Number(await recon.getAttribute('data-bytes'));
  const videoBytes = Number(await panel.getByTestId('estimate-video').getAttribute('data-bytes'));
  // Streaming all 277 frames peaks lower than holding 97 in memory: flat in T.
  expect(videoBytes).toBeLessThan(reconBytes);

  await shot('selection');

  await panel.getByTestId('sel-apply').click();
  await expect(page.getByTestId('clip-info')).toContainText('97 frames · 80×48');
  await expect(page.getByTestId('frame-label')).toContainText('(source #100)');
  await page.getByTestId('frame-slider').fill('96');
  await expect(page.getByTestId('frame-label')).toContainText('(source #196)');
  await expect(page.getByTestId('frame-canvas')).toHaveAttribute('data-frame', '96');
  expect(await colours(page.getByTestId('frame-canvas'))).toBeGreaterThan(50);
});

test('whole video: streamed with Causal Cache, progress with ETA, cancel, then 277 frames with memory flat in T', async () => {
  await page.getByTestId('tab-reconstruct').click();
  const whole = page.getByTestId('whole-video');
  await expect(whole.getByTestId('video-estimate')).toContainText('277 frames at 80×48');
  await whole.getByTestId('run-video').click();
  await expect(page.getByTestId('task-eta')).toBeVisible({ timeout: 60_000 });
  // The charts grow during the run: blocks already measured are drawn before it ends.
  const live = whole.getByTestId('video-live');
  await expect(live).toBeVisible();
  expect(Number(await live.getAttribute('data-frames-done'))).toBeGreaterThan(0);
  await expect(page.getByTestId('task-eta')).toHaveText(/ETA \d+:\d\d(:\d\d)?$/);
  await page.getByTestId('cancel-button').click();
  await expect(page.getByTestId('progress')).toHaveCount(0);
  await expect(whole.getByTestId('video-result')).toHaveCount(0);
  await expect(page.getByTestId('error-message')).toHaveCount(0);

  await whole.getByTestId('run-video').click();
  const result = whole.getByTestId('video-result');
  await expect(result).toBeVisible({ timeout: 120_000 });
  await expect(result).toHaveAttribute('data-frames', '277');
  await expect(whole.getByTestId('video-frames')).toContainText('277 (source 0–276)');
  await expect(whole.getByTestId('video-psnr-chart').getByTestId('chart-series').locator('circle')).toHaveCount(277);
  await expect(whole.getByTestId('video-ssim-chart').getByTestId('chart-series').locator('circle')).toHaveCount(277);
  // Memory flat in T: the engine's resident memory after each block, from a quarter of the video to its end.
  const rss = JSON.parse((await result.getAttribute('data-rss'))!) as [number, number][];
  const mb = (b: number) => Math.round(b / 2 ** 20);
  const quarter = rss[Math.floor(rss.length / 4)][1];
  const peak = Math.max(...rss.map(([, b]) => b));
  console.log(`whole-video RSS (MB) by frame: ${rss.map(([f, b]) => `${f}:${mb(b)}`).join(' ')}`);
  console.log(`whole-video RSS: ${mb(quarter)} MB at a quarter, peak ${mb(peak)} MB (whole-clip inference of 277 frames would add ~${mb(277 * 48 * 80 * 134)} MB)`);
  // A block per decoder chunk: the first frame alone, then 2 latent frames = 8 video frames each.
  expect(rss.length).toBe(1 + Math.ceil(276 / 8));
  // Holding the frames or the activations of the whole video would add hundreds of MB between a quarter and the end.
  expect(peak - quarter).toBeLessThan(96 * 2 ** 20);
  await shot('whole-video');
});

test('A/B viewer: side by side, wipe, difference (abs, signed, gain, scale bar), zoom to pixels, play, step and seams', async () => {
  const viewer = page.getByTestId('video-viewer');
  await expect(viewer).toHaveAttribute('data-frame', '0');
  const a = viewer.locator('canvas').nth(0);
  const b = viewer.locator('canvas').nth(1);
  expect(await colours(a)).toBeGreaterThan(50);
  expect(await colours(b)).toBeGreaterThan(20);
  const left = await pixel(a, 10, 30);
  const right = await pixel(b, 70, 30);
  const originalAt70 = await pixel(a, 70, 30);
  expect(originalAt70).not.toEqual(right);

  // Wipe at the middle: A on the left, B on the right of one canvas.
  await viewer.getByTestId('video-viewer-mode-wipe').click();
  const canvas = viewer.getByTestId('video-viewer-canvas');
  await expect(viewer.getByTestId('video-viewer-wipe-line')).toBeVisible();
  expect(await pixel(canvas, 10, 30)).toEqual(left);
  expect(await pixel(canvas, 70, 30)).toEqual(right);
  // Moved right of x = 70, the wipe shows A there.
  await viewer.getByTestId('video-viewer-wipe').fill('950');
  await expect.poll(() => pixel(canvas, 70, 30)).toEqual(originalAt70);
  // The divider follows the pointer too.
  await viewer.getByTestId('video-viewer-pane-a').scrollIntoViewIfNeeded();
  const pane = (await viewer.getByTestId('video-viewer-pane-a').boundingBox())!;
  await page.mouse.move(pane.x + pane.width * 0.25, pane.y + pane.height / 2);
  await expect(viewer.getByTestId('video-viewer-wipe')).toHaveValue('250');
  const line = (await viewer.getByTestId('video-viewer-wipe-line').boundingBox())!;
  expect(Math.abs(line.x + line.width / 2 - (pane.x + pane.width * 0.25))).toBeLessThan(2);
  await page.mouse.move(5, 5);
  await shot('wipe');

  // Difference: absolute, then signed, with the scale bar following the gain.
  await viewer.getByTestId('video-viewer-mode-diff').click();
  const scale = viewer.getByTestId('video-viewer-scale');
  await expect(scale).toHaveAttribute('data-max', String(255 / 8));
  expect(await colours(canvas)).toBeGreaterThan(5);
  await viewer.getByTestId('video-viewer-diff-signed').click();
  await viewer.getByTestId('video-viewer-gain').selectOption('32');
  await expect(scale).toHaveAttribute('data-min', String(-255 / 32));
  await expect(scale).toContainText('luma(B) − luma(A)');
  await shot('diff');

  // Zoom to pixels: nearest-neighbour, both panes together.
  await viewer.getByTestId('video-viewer-mode-side').click();
  for (let i = 0; i < 3; i++) await viewer.getByTestId('video-viewer-zoom-in').click();
  await expect(a).toHaveAttribute('data-zoom', '8');
  expect(await a.evaluate((c) => getComputedStyle(c).imageRendering)).toBe('pixelated');
  const style = (c: Locator) => c.evaluate((el) => [el.style.width, el.style.left, el.style.top].join(' '));
  expect(await style(b)).toBe(await style(a));
  const box = (await viewer.getByTestId('video-viewer-pane-a').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await expect(viewer.getByTestId('video-viewer-readout')).toContainText(/pixel \(\d+, \d+\): Original \d+, \d+, \d+ · Reconstruction \d+, \d+, \d+/);
  await shot('zoom');
  await page.keyboard.press('0');
  await expect(a).toHaveAttribute('data-zoom', '1');

  // Keyboard: → steps, ] and [ jump between the decoder's chunk seams (every 8 frames from 1), space plays.
  await page.mouse.click(box.x + 5, box.y + 5);
  await page.keyboard.press('ArrowRight');
  await expect(viewer).toHaveAttribute('data-frame', '1');
  await page.keyboard.press(']');
  await expect(viewer).toHaveAttribute('data-frame', '9');
  await page.keyboard.press(']');
  await expect(viewer).toHaveAttribute('data-frame', '17');
  await page.keyboard.press('[');
  await expect(viewer).toHaveAttribute('data-frame', '9');
  await page.keyboard.press('ArrowLeft');
  await expect(viewer).toHaveAttribute('data-frame', '8');
  await page.keyboard.press(' ');
  await expect(viewer).toHaveAttribute('data-playing', 'true');
  await expect.poll(async () => Number(await viewer.getAttribute('data-frame'))).toBeGreaterThan(12);
  await page.keyboard.press(' ');
  await expect(viewer).toHaveAttribute('data-playing', 'false');
  await expect(viewer.getByTestId('video-viewer-loop')).toHaveAttribute('aria-pressed', 'true');
  await shot('viewer');
  await checkView(page, 'the Reconstruct view with a whole-video result and the Clip selection panel');
  await page.setViewportSize({ width: 1440, height: 1000 });
});

test('export: reconstruction, side-by-side and difference mp4s, latent safetensors, metrics CSV and JSON, a view as PNG', async () => {
  const bar = page.getByTestId('video-export');
  const rec = await download(() => bar.getByTestId('video-export-reconstruction-mp4').click());
  expect(rec.name).toBe('long-clip-f0-276-reconstruction.mp4');
  expect(probe(rec.path)).toEqual({ width: 80, height: 48, frames: 277 });
  const side = await download(() => bar.getByTestId('video-export-side-by-side-mp4').click());
  expect(probe(side.path)).toEqual({ width: 160, height: 48, frames: 277 });
  const diff = await download(() => bar.getByTestId('video-export-diff-mp4').click());
  expect(diff.name).toBe('long-clip-f0-276-diff-signed-x32.mp4');
  expect(probe(diff.path)).toEqual({ width: 80, height: 48, frames: 277 });

  const lat = await download(() => bar.getByTestId('video-export-latents').click());
  const bytes = readFileSync(lat.path);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as Record<string, { shape?: number[]; dtype?: string }> & { __metadata__: Record<string, string> };
  expect(header['latent.mean']).toMatchObject({ dtype: 'F32', shape: [1, 8, 70, 6, 10] });
  expect(header.__metadata__.model).toContain('WFVAE2Model');

  const csv = readFileSync((await download(() => bar.getByTestId('video-export-metrics-csv').click())).path, 'utf8');
  const lines = csv.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('# model: WFVAE2Model'))).toHaveLength(1);
  expect(csv).toContain('# selection: start 0, frames 277, sample rate 1, size native, snap 1+4k');
  expect(csv).toContain('# psnr: PSNR = 10 log10');
  const rows = lines.filter((l) => !l.startsWith('#'));
  expect(rows[0]).toBe('frame,source_frame,psnr_db,ssim');
  expect(rows).toHaveLength(1 + 277);
  expect(rows[101].split(',').slice(0, 2)).toEqual(['100', '100']);

  const json = JSON.parse(readFileSync((await download(() => bar.getByTestId('video-export-metrics-json').click())).path, 'utf8')) as {
    model: { className: string; path: string };
    selection: { firstFrame: number; lastFrame: number; size: string };
    protocol: { inference: string; ssim: string };
    perFrame: unknown[];
  };
  expect(json.model).toMatchObject({ className: 'WFVAE2Model', path: MODEL });
  expect(json.selection).toMatchObject({ firstFrame: 0, lastFrame: 276, size: 'native' });
  expect(json.protocol.inference).toContain('Causal Cache');
  expect(json.protocol.ssim).toContain('11x11 Gaussian');
  expect(json.perFrame).toHaveLength(277);
  await expect(bar.getByTestId('export-done')).toContainText('metrics.json');

  const png = await download(() => page.getByTestId('video-viewer-png').click());
  expect(readFileSync(png.path).subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(png.name).toMatch(/^long-clip-f0-276-side-Original-vs-Reconstruction-f\d+\.png$/);
});

test('chunking A/B: whole vs Causal Cache vs naive, [ and ] jump between chunk seams', async () => {
  // A shorter selection keeps the three runs (whole, cached, naive) quick.
  const panel = page.getByTestId('selection-panel');
  await panel.getByTestId('sel-start-unit').selectOption('frame');
  await panel.getByTestId('sel-start').fill('0');
  await panel.getByTestId('sel-frames').fill('33');
  await panel.getByTestId('sel-apply').click();
  await expect(page.getByTestId('clip-info')).toContainText('33 frames · 80×48');
  await page.getByTestId('tab-chunking').click();
  await page.getByTestId('enc-chunk').fill('8');
  await page.getByTestId('dec-chunk').fill('2');
  await page.getByTestId('run-chunking').click();
  const viewer = page.getByTestId('chunk-viewer');
  await expect(viewer).toBeVisible({ timeout: 60_000 });
  await expect(viewer.getByTestId('chunk-viewer-a')).toHaveValue('0');
  await expect(viewer.getByTestId('chunk-viewer-b')).toHaveValue('2');
  await viewer.getByTestId('chunk-viewer-mode-side').click();
  const box = (await viewer.getByTestId('chunk-viewer-pane-a').boundingBox())!;
  await page.mouse.click(box.x + 5, box.y + 5);
  await page.keyboard.press(']');
  await expect(viewer).toHaveAttribute('data-frame', '1');
  await page.keyboard.press(']');
  await expect(viewer).toHaveAttribute('data-frame', '9');
  /** Largest 8-bit difference between the two panes. */
  const maxDiff = () =>
    viewer.evaluate((el) => {
      const [a, b] = Array.from(el.querySelectorAll('canvas')).map((c) => c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
      let m = 0;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
      return m;
    });
  // At a seam naive chunking breaks away from whole-clip inference; Causal Cache (layernorm) stays within float rounding: at most one 8-bit level.
  await expect.poll(maxDiff).toBeGreaterThan(8);
  await viewer.getByTestId('chunk-viewer-b').selectOption({ label: 'Causal Cache' });
  await expect.poll(maxDiff).toBeLessThanOrEqual(1);
  await viewer.getByTestId('chunk-viewer-b').selectOption({ label: 'Naive chunks' });
  await viewer.getByTestId('chunk-viewer-mode-diff').click();
  expect(await colours(viewer.getByTestId('chunk-viewer-canvas'))).toBeGreaterThan(1);
  await shot('chunking-ab');
  await viewer.getByTestId('chunk-viewer-mode-side').click();
});

test('big views: a subband, an energy-flow tap tile and a latent channel open large with their range and energy per frame', async () => {
  // The clip's own (whole-clip) reconstruction feeds the taps and the latent.
  await page.getByTestId('tab-reconstruct').click();
  await page.getByTestId('run-reconstruct').click();
  await expect(page.getByTestId('psnr-clip')).toHaveText(/^\d+\.\d\d dB$/, { timeout: 60_000 });
  await expect(page.getByTestId('original-canvas')).toHaveAttribute('data-frame', /\d+/);
  expect(await colours(page.getByTestId('reconstruction-canvas'))).toBeGreaterThan(20);

  await page.getByTestId('tab-subbands').click();
  await page.locator('[data-testid=subband-tile][data-level="1"][data-name="HLL"]').click();
  const big = page.getByTestId('big-view');
  await expect(big.getByTestId('big-title')).toHaveText('Level 1 · HLL');
  await expect(big.getByTestId('big-range')).toContainText('range [');
  // 33 frames -> 17 level-1 coefficient frames.
  await expect(big.getByTestId('big-timeline').getByTestId('chart-series').locator('circle')).toHaveCount(17);
  // The x axis counts what the ticks are: the subband's coefficient frames.
  await expect(big.getByTestId('big-timeline').getByTestId('chart-x-label')).toHaveText('coefficient frame');
  expect(await colours(big.getByTestId('big-canvas'))).toBeGreaterThan(20);
  await shot('big-subband');
  // A saved PNG is said in the big view, and goes with it: it does not linger under another view's export bar.
  await download(() => big.getByTestId('big-png').click());
  await expect(big.getByTestId('big-saved')).toContainText('saved Level_1_HLL.png');
  await checkView(page, 'the big view of a subband');
  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.keyboard.press('Escape');
  await expect(big).toHaveCount(0);
  await page.getByTestId('tab-reconstruct').click();
  await expect(page.getByTestId('clip-export')).toBeVisible();
  await expect(page.getByTestId('export-done')).toHaveCount(0);
  await expect(page.getByText('Level_1_HLL.png')).toHaveCount(0);

  await page.getByTestId('tab-energy').click();
  await page.getByTestId('tap-details').locator('summary').click();
  await page.locator('[data-testid=tap][data-name="enc.coeffs.0"] [data-testid=tap-tile][data-label="LH"]').click();
  await expect(big.getByTestId('big-title')).toHaveText('enc.coeffs.0 · LH');
  await expect(big.getByTestId('big-timeline').getByTestId('chart-series').locator('circle')).toHaveCount(17);
  await expect(big.getByTestId('big-timeline').getByTestId('chart-x-label')).toHaveText('tap frame');
  expect(await colours(big.getByTestId('big-canvas'))).toBeGreaterThan(20);
  await big.getByTestId('big-close').click();

  await page.getByTestId('tab-latent').click();
  await page.getByTestId('latent-tile').nth(3).click();
  await expect(big.getByTestId('big-title')).toHaveText('Latent channel 3');
  await expect(big.getByTestId('big-timeline').getByTestId('chart-series').locator('circle')).toHaveCount(9);
  await expect(big.getByTestId('big-timeline').getByTestId('chart-x-label')).toHaveText('latent frame');
  expect(await colours(big.getByTestId('big-canvas'))).toBeGreaterThan(10);
  await shot('big-latent');
  await page.getByTestId('big-view-backdrop').click({ position: { x: 5, y: 5 } });
  await expect(big).toHaveCount(0);
});

test('scrubbing at 256x448 in Chromium: frames drawn per second (printed, not asserted)', async () => {
  await page.getByTestId('tab-reconstruct').click();
  const panel = page.getByTestId('selection-panel');
  await panel.getByTestId('sel-start-unit').selectOption('frame');
  await panel.getByTestId('sel-start').fill('0');
  await panel.getByTestId('sel-frames').fill('5');
  await panel.getByTestId('sel-size').selectOption('256');
  await expect(panel.getByTestId('sel-plan-size')).toHaveText('448×256');
  await panel.getByTestId('sel-apply').click();
  await expect(page.getByTestId('clip-info')).toContainText('5 frames · 448×256');
  await page.getByTestId('run-reconstruct').click();
  const viewer = page.getByTestId('clip-viewer');
  await expect(viewer).toHaveAttribute('data-frame', '0', { timeout: 60_000 });
  // Every frame once, so the measurement scrubs through frames the viewer holds.
  for (let t = 1; t < 5; t++) {
    await viewer.getByTestId('clip-viewer-slider').fill(String(t));
    await expect(viewer).toHaveAttribute('data-frame', String(t));
  }
  const r = await viewer.getByTestId('clip-viewer-slider').evaluate(async (slider: HTMLInputElement) => {
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    const section = slider.closest('[data-testid=clip-viewer]')!;
    let drawn = 0;
    let last = section.getAttribute('data-frame');
    let i = 0;
    const intervals: number[] = [];
    const start = performance.now();
    let prev = start;
    while (performance.now() - start < 2000) {
      setValue.call(slider, String(++i % 5));
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((res) => requestAnimationFrame(() => res(null)));
      const now = section.getAttribute('data-frame');
      if (now !== last) drawn++;
      last = now;
      intervals.push(performance.now() - prev);
      prev = performance.now();
    }
    const canvas = section.querySelector('canvas')!;
    intervals.sort((x, y) => x - y);
    return { drawn, seconds: (performance.now() - start) / 1000, medianMs: intervals[Math.floor(intervals.length / 2)], size: [canvas.width, canvas.height] };
  });
  console.log(
    `scrubbing at ${r.size[1]}x${r.size[0]} (two panes): ${(r.drawn / r.seconds).toFixed(1)} frames drawn per second over ${r.seconds.toFixed(1)} s ` +
      `(median ${r.medianMs.toFixed(1)} ms between animation frames; the machine's load decides much of it)`,
  );
  expect(r.size).toEqual([448, 256]);
  expect(r.drawn).toBeGreaterThan(0);
});

test('comforts: remembered view and selection, recent files and models, drop anywhere, the shortcut sheet', async () => {
  await page.reload();
  // The last view comes back, and the newest clip the session holds.
  await expect(page.getByTestId('tab-reconstruct')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('clip-info')).toContainText('5 frames · 448×256');

  await page.getByTestId('recent-button').click();
  const menu = page.getByTestId('recent-menu');
  await expect(menu.getByTestId('recent-file').first()).toContainText('long-clip.mp4');
  await expect(menu.getByTestId('recent-model').first()).toContainText('WFVAE2Model');
  await shot('recent');
  await page.keyboard.press('Escape');
  await page.getByTestId('recent-button').click();

  // Drop a file on the views (not on a drop zone): it opens.
  const bytes = readFileSync(process.env.WFVAE_E2E_CLIP!).toString('base64');
  await page.getByTestId('whole-video').evaluate((el, b64) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([data], 'dropped.mp4', { type: 'video/mp4' }));
    el.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
    el.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, bytes);
  await expect(page.getByTestId('clip-info')).toContainText('dropped.mp4');

  // A recent file reopens with the selection last decoded from it.
  await page.getByTestId('recent-button').click();
  await page.getByTestId('recent-menu').getByTestId('recent-file').first().click();
  await expect(page.getByTestId('clip-info')).toContainText('long-clip.mp4');
  await expect(page.getByTestId('clip-info')).toContainText('5 frames · 448×256');

  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcut-sheet')).toContainText('Space');
  await expect(page.getByTestId('shortcut-sheet')).toContainText('previous / next chunk seam');
  await shot('shortcuts');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('shortcut-sheet')).toHaveCount(0);
});
