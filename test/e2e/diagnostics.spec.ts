/// <reference lib="dom" />
// The diagnostics views in serve mode against a real golden model: the
// frequency heatmap next to the reconstruction, latent statistics with the
// config fragment, and model vs model (A against its own BF16 weights) with
// the A/B wipe and the difference image; the A vs B PSNR shown is checked
// against the PyTorch module run with the checkpoint's weights and with them
// rounded to bfloat16 by torch, on the same frames.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { FULL_GOLDENS as FULL, SHARED_GOLDENS as SHARED } from '../helpers/shared-goldens';
import { TORCH_PYTHON, torchMissing } from '../helpers/torch-python';
import { expect, startServe, stopServe, test, type ServeProcess } from './serve-fixture';
import { checkView } from './a11y';
import { losslessRgbCopy, servedFrames, shownDb, torchBf16Reference, type TorchBf16Reference } from './torch-reference';

const MODEL = FULL ? join(SHARED, 'wfvae-l-tiny') : resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny');
const LATENT_CHANNELS = FULL ? 16 : 8;
/** The clip serve opens, stored as lossless RGB so the PyTorch reference decodes the same pixels. */
let rgbClip: string;
/** The model-vs-model numbers shown (A vs B, A and B vs the source), and the torch reference started once they were. */
let compareShown: { psnrAB: number; maxAbsAB: string; psnrA: number; psnrB: number } | undefined;
let bf16Reference: Promise<TorchBf16Reference> | undefined;
/** The PyTorch module (training/wfvae) implements WFVAEModel only: the in-repo subset's wfvae2-tiny is a WFVAE2Model. */
const REFERENCE_SKIP = !FULL
  ? `the in-repo subset's model is a WFVAE2Model, which the PyTorch reference module (training/wfvae) does not implement: needs the shared goldens' wfvae-l-tiny at ${SHARED}`
  : torchMissing && `${TORCH_PYTHON} has no torch: ${torchMissing}`;

let serve: ServeProcess;
let cacheDir: string;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  cacheDir = mkdtempSync(join(tmpdir(), 'wfvae-e2e-diag-'));
  process.env.WFVAE_CACHE_DIR = cacheDir;
  rgbClip = await losslessRgbCopy(process.env.WFVAE_E2E_CLIP!, join(cacheDir, 'testsrc2-rgb.mp4'));
  serve = await startServe(['--model', MODEL, rgbClip]);
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
  // A reconstruction, then the scans at two window sizes, on two shared cores.
  test.setTimeout(120_000);
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
  await checkView(page, 'the Frequency view');
  await page.setViewportSize({ width: 1440, height: 1000 });
});

test('Latent stats: per-channel mean and std, histogram, correlation, the config fragment', async () => {
  await page.getByTestId('tab-latent-stats').click();
  await expect(page.getByTestId('latent-stats')).toContainText(`Channels${LATENT_CHANNELS}`);
  await expect(page.getByTestId('channel-chart').getByTestId('chart-series').locator('rect')).toHaveCount(LATENT_CHANNELS);
  const fragment = JSON.parse((await page.getByTestId('config-fragment').textContent())!) as { shift: number[]; scale: number[] };
  expect(fragment.shift).toHaveLength(LATENT_CHANNELS);
  expect(fragment.scale.every((s) => s > 0)).toBe(true);
  expect(await colours(page.getByTestId('correlation-canvas'))).toBeGreaterThan(3);
  // The matrix names its axes and reads out the cell under the pointer, or under the keyboard's cursor.
  const corr = page.getByTestId('correlation');
  await expect(corr.locator('.corr__cols span').first()).toHaveText('0');
  await expect(corr.locator('.corr__rows span').first()).toHaveText('0');
  const plot = (await page.getByTestId('correlation-plot').boundingBox())!;
  const cell = plot.width / LATENT_CHANNELS;
  await page.mouse.move(plot.x + 2.5 * cell, plot.y + 1.5 * cell);
  await expect(page.getByTestId('correlation-readout')).toHaveText(/^channel 1 × channel 2: r = -?\d\.\d{3}$/);
  await page.mouse.move(plot.x + 0.5 * cell, plot.y + 0.5 * cell);
  await expect(page.getByTestId('correlation-readout')).toHaveText('channel 0 × channel 0: r = 1.000');
  await page.getByTestId('correlation-plot').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('correlation-readout')).toHaveText(/^channel 0 × channel 1: r = /);
  const before = await page.getByTestId('channel-stat').textContent();
  // Pick the last channel by clicking near the chart's right edge.
  const box = (await page.getByTestId('channel-chart').locator('svg').boundingBox())!;
  await page.mouse.click(box.x + box.width - 24, box.y + box.height / 2);
  await expect(page.getByTestId('channel-stat')).not.toHaveText(before!);
  // The same pick by keyboard: the chart is a named slider one Shift + Tab before the correlation matrix;
  // arrows, Home and End pick, and the frame stays.
  const frameBefore = await page.getByTestId('frame-slider').inputValue();
  const chart = page.getByTestId('channel-chart').getByRole('slider', { name: /^mean ± std by channel: pick one/ });
  const picked = page.locator('.stat', { has: page.getByTestId('channel-stat') }).locator('.stat__label');
  await page.getByTestId('correlation-plot').focus();
  await page.keyboard.press('Shift+Tab');
  await expect(chart).toBeFocused();
  expect(await chart.evaluate((c) => getComputedStyle(c).outlineStyle)).not.toBe('none');
  await page.keyboard.press('Home');
  await expect(picked).toHaveText('channel 0');
  await expect(chart).toHaveAttribute('aria-valuenow', '0');
  await page.keyboard.press('ArrowRight');
  await expect(picked).toHaveText('channel 1');
  await page.keyboard.press('End');
  await expect(picked).toHaveText(`channel ${LATENT_CHANNELS - 1}`);
  await expect(chart).toHaveAttribute('aria-valuetext', `channel ${LATENT_CHANNELS - 1}`);
  await page.keyboard.press('ArrowLeft');
  await expect(picked).toHaveText(`channel ${LATENT_CHANNELS - 2}`);
  expect(await page.getByTestId('frame-slider').inputValue()).toBe(frameBefore);
  await page.screenshot({ path: 'test-results/latent-stats.png', fullPage: true });
  await checkView(page, 'the Latent stats view');
  await page.setViewportSize({ width: 1440, height: 1000 });
});

test('Model vs model: A against its BF16 weights, overlaid curves, A/B wipe and diff; fp16 execution explained', async () => {
  test.setTimeout(120_000);
  await page.getByTestId('tab-models').click();
  await page.getByTestId('model-b-kind').selectOption('bf16');
  await page.getByTestId('run-compare-models').click();
  await expect(page.getByTestId('psnr-ab')).toHaveText(/^\d+\.\d\d dB · max \|d\| \S+$/, { timeout: 90_000 });
  await expect(page.getByTestId('compare-stats')).toContainText('B: A with BF16 weights');
  const ab = (await page.getByTestId('psnr-ab').textContent())!;
  compareShown = {
    psnrAB: shownDb(ab),
    maxAbsAB: /max \|d\| (\S+)$/.exec(ab)![1],
    psnrA: shownDb(/· (\d+\.\d\d dB)/.exec((await page.getByTestId('psnr-a').textContent())!)?.[1] ?? null),
    psnrB: shownDb(await page.getByTestId('psnr-b').textContent()),
  };
  // The outside reference runs while the rest of this view is checked (the app's model runs are done).
  if (!REFERENCE_SKIP) {
    bf16Reference = servedFrames(serve.url).then((frames) => torchBf16Reference(MODEL, rgbClip, frames));
    bf16Reference.catch(() => undefined); // awaited, and reported, by the next test
  }
  await expect(page.getByTestId('compare-psnr-chart').getByTestId('chart-series')).toHaveCount(2);
  await expect(page.getByTestId('latent-diff-chart').getByTestId('chart-series').locator('rect')).toHaveCount(LATENT_CHANNELS);
  await page.getByTestId('frame-slider').fill('13');
  for (const id of ['ab-canvas-a', 'ab-canvas-b', 'ab-canvas-diff']) await expect(page.getByTestId(id)).toHaveAttribute('data-frame', '13');
  expect(await colours(page.getByTestId('ab-canvas-a'))).toBeGreaterThan(20);
  expect(await colours(page.getByTestId('ab-canvas-diff'))).toBeGreaterThan(3);
  await expect(page.getByTestId('ab-diff-range')).toContainText('[0, ');
  // A is drawn wide and translucent under B's dashes: where they coincide both stay visible.
  const psnrLines = page.getByTestId('compare-psnr-chart').getByTestId('chart-series').locator('path');
  await expect(psnrLines.first()).toHaveAttribute('stroke-width', '5');
  await expect(psnrLines.nth(1)).toHaveAttribute('stroke-dasharray', '6 4');
  // The split follows the pointer; the slider stays for the keyboard.
  await page.getByTestId('ab-canvas-a').scrollIntoViewIfNeeded();
  const wipe = (await page.getByTestId('ab-canvas-a').boundingBox())!;
  await page.mouse.move(wipe.x + wipe.width * 0.7, wipe.y + wipe.height / 2);
  await expect(page.getByTestId('ab-split')).toHaveValue('70');
  await page.getByTestId('ab-split').fill('25');
  // The divider by keyboard alone: the split slider takes arrows, and B's layer follows it.
  const split = page.getByRole('slider', { name: 'A/B split' });
  await split.focus();
  await expect(split).toBeFocused();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  await expect(split).toHaveValue('30');
  await page.keyboard.press('Home');
  await expect(split).toHaveValue('0');
  await expect(page.locator('.ab-wipe__split')).toHaveAttribute('style', /left: 0%/);
  await page.keyboard.press('End');
  await expect(page.locator('.ab-wipe__split')).toHaveAttribute('style', /left: 100%/);
  await split.fill('25');
  await page.screenshot({ path: 'test-results/model-vs-model.png', fullPage: true });
  await checkView(page, 'the Model vs model view');
  // At 1440x900 (checkView leaves it there): the Model panel and the "rms |zA − zB|" axis do not overlap, and the
  // panel's long values (the checkpoint path, the taps) stay inside their boxes and the card.
  const panel = (await page.getByTestId('model-panel').boundingBox())!;
  const axis = page.getByTestId('latent-diff-chart').locator('svg text', { hasText: 'rms |zA − zB|' });
  await axis.scrollIntoViewIfNeeded();
  const panelNow = (await page.getByTestId('model-panel').boundingBox())!;
  const label = (await axis.boundingBox())!;
  const apart = (a: typeof label, b: typeof label) => a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
  expect(apart(panelNow, label), `Model panel ${JSON.stringify(panelNow)} and the axis label ${JSON.stringify(label)}`).toBe(true);
  expect(panel.width).toBeGreaterThan(100);
  const spills = await page.getByTestId('model-panel').evaluate((card) => {
    const c = card.getBoundingClientRect();
    const values = [card.querySelector('[data-testid=model-path]'), ...Array.from(card.querySelectorAll('[data-testid=model-info] dd'))].filter((e): e is HTMLElement => !!e);
    return {
      count: values.length,
      bad: values
        .filter((e) => {
          const r = e.getBoundingClientRect();
          return e.scrollWidth > e.clientWidth || r.left < c.left - 0.5 || r.right > c.right + 0.5;
        })
        .map((e) => `${e.tagName} "${(e.textContent ?? '').slice(0, 40)}": scroll ${e.scrollWidth} > ${e.clientWidth}`),
      // Each value on one line, as wide as its text would be: those wider than their box must wrap.
      wraps: values.map((e) => {
        const one = e.cloneNode(true) as HTMLElement;
        Object.assign(one.style, { position: 'absolute', visibility: 'hidden', whiteSpace: 'nowrap', width: 'auto' });
        e.parentElement!.appendChild(one);
        const single = { width: one.getBoundingClientRect().width, height: one.getBoundingClientRect().height };
        one.remove();
        return { text: (e.textContent ?? '').slice(0, 40), long: single.width > e.clientWidth + 1, lines: e.getBoundingClientRect().height / single.height };
      }),
    };
  });
  expect(spills.count).toBeGreaterThan(3);
  expect(spills.bad).toEqual([]);
  // A value longer than its box (the taps, a long path) wraps onto more lines rather than running out.
  expect(spills.wraps.some((w) => w.long), 'some value of the Model panel is longer than its box').toBe(true);
  for (const w of spills.wraps.filter((x) => x.long)) expect(w.lines, `"${w.text}" wraps`).toBeGreaterThan(1.5);
  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.getByTestId('model-b-kind').selectOption('fp16');
  await page.getByTestId('run-compare-models').click();
  // The app runs A on the CPU here: fp16 is refused with the reason.
  await expect(page.getByTestId('compare-error')).toContainText('fp16 execution runs on GPU providers only');
});

test('Model vs model: A vs B shown is the PyTorch module\'s, run with the checkpoint\'s weights and with them rounded to bfloat16 by torch', async () => {
  test.skip(!!REFERENCE_SKIP, String(REFERENCE_SKIP));
  test.setTimeout(180_000);
  const ref = await bf16Reference!;
  const shown = compareShown!;
  console.log(
    `[diagnostics] ${MODEL} vs its BF16 weights over ${ref.frames} frames: A vs B shown ${shown.psnrAB} dB (max |d| ${shown.maxAbsAB}), ` +
      `PyTorch ${ref.bf16.psnrVsA} dB (max |d| ${ref.bf16.maxAbsVsA}); A vs source shown ${shown.psnrA}, PyTorch ${ref.psnr}; B vs source shown ${shown.psnrB}, PyTorch ${ref.bf16.psnr}`,
  );
  expect(ref.frames).toBe(57);
  // The app's A vs B is the PSNR of A's reconstruction against B's (both clamped to [-1, 1], range 2, MSE over
  // the whole clip: src/engine/model-compare/compare-models.ts), as the reference computes it. Shown to 2 decimals
  // (0.005 dB of rounding). Each side runs the whole clip at once (model-compute.ts) and differs from torch by at most
  // 1e-5 per value (twice the worst this model's goldens show, 5e-6: engine-parity.test.ts), so the error e
  // in the A - B difference d is at most 2e-5, and by Cauchy-Schwarz it moves d's MSE by at most
  // 2 rms(e)/rms(d) + (rms(e)/rms(d))^2 of itself: the dB bound below, from the reference's own rms(d).
  const rmsAB = 2 * 10 ** (-ref.bf16.psnrVsA / 20);
  const r = 2e-5 / rmsAB;
  const tol = 0.005 + 10 * Math.log10(1 + 2 * r + r * r);
  expect(Math.abs(shown.psnrAB - ref.bf16.psnrVsA), `A vs B within ${tol.toFixed(4)} dB`).toBeLessThanOrEqual(tol);
  // max |A - B| shown to 3 significant digits; the same 2e-5 besides.
  const digit = 10 ** (Math.floor(Math.log10(ref.bf16.maxAbsVsA)) - 2);
  expect(Math.abs(Number(shown.maxAbsAB) - ref.bf16.maxAbsVsA)).toBeLessThanOrEqual(digit / 2 + 2e-5);
  // A and B against the source: an error of 2e-5 is nothing next to their own, so the display's rounding only (as model-views.spec.ts).
  expect(Math.abs(shown.psnrA - ref.psnr), 'A vs source').toBeLessThanOrEqual(0.006);
  expect(Math.abs(shown.psnrB - ref.bf16.psnr), 'B vs source').toBeLessThanOrEqual(0.006);
});
