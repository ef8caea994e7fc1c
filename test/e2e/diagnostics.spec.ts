/// <reference lib="dom" />
// The diagnostics views in serve mode against a real golden model: the
// frequency heatmap next to the reconstruction, latent statistics with the
// config fragment, and model vs model (A against its own BF16 weights) with
// the A/B wipe and the difference image.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { FULL_GOLDENS as FULL, SHARED_GOLDENS as SHARED } from '../helpers/shared-goldens';
import { expect, startServe, stopServe, test, type ServeProcess } from './serve-fixture';

const MODEL = FULL ? join(SHARED, 'wfvae-l-tiny') : resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny');
const LATENT_CHANNELS = FULL ? 16 : 8;

let serve: ServeProcess;
let cacheDir: string;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  cacheDir = mkdtempSync(join(tmpdir(), 'wfvae-e2e-diag-'));
  process.env.WFVAE_CACHE_DIR = cacheDir;
  serve = await startServe(['--model', MODEL, process.env.WFVAE_E2E_CLIP!]);
  page = await browser.newPage();
  mkdirSync('test-results', { recursive: true });
});

test.afterAll(async () => {
  await page?.close();
  if (serve) await stopServe(serve);
  delete process.env.WFVAE_CACHE_DIR;
  rmSync(cacheDir, { recursive: true, force: true });
});

/** How many distinct colours a canvas shows: a blank canvas has 1 (or 0). */
function colours(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const set = new Set<number>();
    for (let i = 0; i < d.length; i += 4) set.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return set.size;
  });
}

test('Frequency: subband x level heatmap over time next to the reconstruction, WL table, spectrum, grid map', async () => {
  await page.goto(serve.url);
  await expect(page.getByTestId('clip-info')).toContainText('57 frames');
  await page.getByTestId('tab-frequency').click();
  await page.getByTestId('run-reconstruct-here').click();
  const heat = page.getByTestId('frequency-heatmap');
  // 3 levels x 8 subbands, one column per video frame.
  await expect(heat).toHaveAttribute('data-rows', '24', { timeout: 60_000 });
  await expect(heat).toHaveAttribute('data-frames', '57');
  expect(await colours(page.getByTestId('heatmap-canvas'))).toBeGreaterThan(20);
  await page.getByTestId('frame-slider').fill('20');
  await expect(page.getByTestId('freq-reconstruction')).toHaveAttribute('data-frame', '20');
  await expect(page.getByTestId('freq-original')).toHaveAttribute('data-frame', '20');
  expect(await colours(page.getByTestId('freq-reconstruction'))).toBeGreaterThan(20);
  await expect(page.getByTestId('band-table').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('wl-table').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('spectrum-chart').getByTestId('chart-series')).toHaveCount(2);
  await expect(page.getByTestId('grid-amplitude')).toHaveText(/^amplitude \d+\.\d{3} levels$/);
  expect(await colours(page.getByTestId('grid-phase-canvas'))).toBeGreaterThan(8);
  await page.getByTestId('heat-error').click();
  expect(await colours(page.getByTestId('heatmap-canvas'))).toBeGreaterThan(20);
  await page.screenshot({ path: 'test-results/frequency.png', fullPage: true });
});

test('Latent stats: per-channel mean and std, histogram, correlation, the config fragment', async () => {
  await page.getByTestId('tab-latent-stats').click();
  await expect(page.getByTestId('latent-stats')).toContainText(`Channels${LATENT_CHANNELS}`);
  await expect(page.getByTestId('channel-chart').getByTestId('chart-series').locator('rect')).toHaveCount(LATENT_CHANNELS);
  const fragment = JSON.parse((await page.getByTestId('config-fragment').textContent())!) as { shift: number[]; scale: number[] };
  expect(fragment.shift).toHaveLength(LATENT_CHANNELS);
  expect(fragment.scale.every((s) => s > 0)).toBe(true);
  expect(await colours(page.getByTestId('correlation-canvas'))).toBeGreaterThan(3);
  const before = await page.getByTestId('channel-stat').textContent();
  // Pick the last channel by clicking near the chart's right edge.
  const box = (await page.getByTestId('channel-chart').locator('svg').boundingBox())!;
  await page.mouse.click(box.x + box.width - 24, box.y + box.height / 2);
  await expect(page.getByTestId('channel-stat')).not.toHaveText(before!);
  await page.screenshot({ path: 'test-results/latent-stats.png', fullPage: true });
});

test('Model vs model: A against its BF16 weights, overlaid curves, A/B wipe and diff; fp16 execution explained', async () => {
  await page.getByTestId('tab-models').click();
  await page.getByTestId('model-b-kind').selectOption('bf16');
  await page.getByTestId('run-compare-models').click();
  await expect(page.getByTestId('psnr-ab')).toContainText(/\d+\.\d\d dB/, { timeout: 90_000 });
  await expect(page.getByTestId('compare-stats')).toContainText('B: A with BF16 weights');
  await expect(page.getByTestId('compare-psnr-chart').getByTestId('chart-series')).toHaveCount(2);
  await expect(page.getByTestId('latent-diff-chart').getByTestId('chart-series').locator('rect')).toHaveCount(LATENT_CHANNELS);
  await page.getByTestId('frame-slider').fill('13');
  for (const id of ['ab-canvas-a', 'ab-canvas-b', 'ab-canvas-diff']) await expect(page.getByTestId(id)).toHaveAttribute('data-frame', '13');
  expect(await colours(page.getByTestId('ab-canvas-a'))).toBeGreaterThan(20);
  expect(await colours(page.getByTestId('ab-canvas-diff'))).toBeGreaterThan(3);
  await expect(page.getByTestId('ab-diff-range')).toContainText('[0, ');
  await page.getByTestId('ab-split').fill('25');
  await page.screenshot({ path: 'test-results/model-vs-model.png', fullPage: true });
  await page.getByTestId('model-b-kind').selectOption('fp16');
  await page.getByTestId('run-compare-models').click();
  // The app runs A on the CPU here: fp16 is refused with the reason.
  await expect(page.getByTestId('compare-error')).toContainText('fp16 execution runs on GPU providers only');
});
