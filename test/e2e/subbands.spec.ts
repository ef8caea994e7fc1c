/// <reference lib="dom" />
import { mkdirSync, readFileSync } from 'node:fs';
import { SUBBANDS_3D } from '../../src/shared/subbands';
import { expect, startServe, stopServe, test } from './serve-fixture';
import { checkView, expectAccessible } from './a11y';

test.describe('serve mode: Subbands view', () => {
  test('shows 3 levels x 8 colormapped subband tiles and the energy chart for the clip given at start', async ({ page, serve }) => {
    await page.goto(serve.url);
    await expect(page.getByTestId('clip-info')).toContainText('testsrc2-64f.mp4');
    // 64 frames decode to 1 + 8k = 57, so 3 Haar levels fit.
    await expect(page.getByTestId('clip-info')).toContainText('57 frames · 128×128');
    await expect(page.getByTestId('subband-tile')).toHaveCount(24);
    for (const level of [1, 2, 3]) {
      const names = await page.locator(`[data-testid=subband-tile][data-level="${level}"]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
      expect(names).toEqual([...SUBBANDS_3D]);
      const size = await page.locator(`[data-testid=subband-tile][data-level="${level}"] canvas`).first().evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
      expect(size).toEqual([128 >> level, 128 >> level]);
    }
    // The LLL tile is painted (not blank): many distinct colours.
    const colours = await page.locator('[data-testid=subband-tile][data-level="1"][data-name="LLL"] canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const set = new Set<number>();
      for (let i = 0; i < d.length; i += 4) set.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return set.size;
    });
    expect(colours).toBeGreaterThan(50);
    await expect(page.getByTestId('axis-note')).toContainText('(time, height, width)');
    await expect(page.getByTestId('colormap-legend')).toContainText('viridis');

    const chart = page.getByTestId('energy-chart');
    await expect(chart).toBeVisible();
    await expect(chart.getByTestId('energy-bar')).toHaveCount(24);
    for (const level of [1, 2, 3]) {
      const shares = await chart.locator(`[data-testid=energy-bar][data-level="${level}"]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-share'))));
      expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(shares[0]).toBeGreaterThan(0.5); // LLL dominates
      expect(Math.max(...shares.slice(1))).toBeLessThan(shares[0]);
    }
    // The log scale makes the smallest band's bar visibly wider.
    const hhh = chart.locator('[data-testid=energy-bar][data-level="1"][data-name="HHH"] .energy__bar');
    const linearWidth = await hhh.evaluate((e) => e.getBoundingClientRect().width);
    await page.getByTestId('energy-scale-log').click();
    await expect(chart).toHaveAttribute('data-scale', 'log');
    const logWidth = await hhh.evaluate((e) => e.getBoundingClientRect().width);
    expect(logWidth).toBeGreaterThan(linearWidth + 20);
    await page.getByTestId('energy-scale-linear').click();

    mkdirSync('test-results', { recursive: true });
    await page.getByTestId('frame-slider').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('frame-canvas')).toHaveAttribute('data-frame', '1');
    await expect(page.locator('[data-testid=subband-tile][data-level="1"][data-name="HLL"] .tile__range')).not.toHaveText('[0, 0]');
    await page.screenshot({ path: 'test-results/subbands.png', fullPage: true });
    await checkView(page, 'the Subbands view');
  });

  test('by keyboard: the views are a tab list, a tile opens big on Enter, its chart counts coefficient frames, Escape returns', async ({ page, serve }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(serve.url);
    await expect(page.getByTestId('subband-tile')).toHaveCount(24);
    const tab = page.getByTestId('tab-subbands');
    await tab.focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('tab-reconstruct')).toBeFocused();
    await expect(page.getByTestId('tab-reconstruct')).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('ArrowLeft');
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    // Tab from the tab list into the view reaches the tiles; the focus ring shows.
    const tile = page.locator('[data-testid=subband-tile][data-level="1"][data-name="HLL"]').getByRole('button');
    await tile.focus();
    expect(await tile.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
    await page.keyboard.press('Enter');
    const big = page.getByTestId('big-view');
    await expect(big.getByTestId('big-title')).toHaveText('Level 1 · HLL');
    await expect(big.getByTestId('big-timeline').getByTestId('chart-x-label')).toHaveText('coefficient frame');
    await expectAccessible(page, 'the big view of a subband');
    await page.keyboard.press('Escape');
    await expect(big).toHaveCount(0);
    await expect(tile).toBeFocused();
    await page.keyboard.press('?');
    await expect(page.getByTestId('shortcut-sheet')).toBeVisible();
    await expectAccessible(page, 'the shortcut sheet');
    await page.keyboard.press('Escape');
  });

  test('the scrubber moves through frames: slider, arrow keys, and the picture changes', async ({ page, serve }) => {
    await page.goto(serve.url);
    const canvas = page.getByTestId('frame-canvas');
    await expect(canvas).toHaveAttribute('data-frame', '0');
    const pixels = () => canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const first = await pixels();
    // Frame 0: the causal Haar pads with a copy of frame 0, so every temporal high band is exactly 0.
    await expect(page.locator('[data-testid=subband-tile][data-level="1"][data-name="HLL"] .tile__range')).toHaveText('[0, 0]');

    await page.getByTestId('frame-slider').fill('40');
    await expect(canvas).toHaveAttribute('data-frame', '40');
    await expect(page.getByTestId('frame-label')).toContainText('frame 40 / 56');
    expect(await pixels()).not.toBe(first);
    // Frame 40 lies in level-1 coefficient frame 20, level 2 frame 10, level 3 frame 5.
    await expect(page.locator('[data-testid=subband-level][data-level="3"]')).toContainText('coefficient frame 5');

    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ArrowLeft');
    await expect(canvas).toHaveAttribute('data-frame', '39');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect(canvas).toHaveAttribute('data-frame', '41');

    await page.getByTestId('levels-select').selectOption('2');
    await expect(page.getByTestId('subband-tile')).toHaveCount(16);
  });

  test('a file that is not a video gives a readable error, and a good upload still works after it', async ({ page, serve }) => {
    await page.goto(serve.url);
    await expect(page.getByTestId('subband-tile')).toHaveCount(24);
    await page.getByTestId('file-input').setInputFiles(process.env.WFVAE_E2E_BAD!);
    const error = page.getByTestId('error-message');
    await expect(error).toContainText('Could not open not-a-video.mp4');
    const text = (await error.textContent()) ?? '';
    expect(text.length).toBeGreaterThan(60);
    expect(text).not.toMatch(/INTERNAL|undefined|\[object|wfvae-upload-/);

    await page.getByTestId('file-input').setInputFiles(process.env.WFVAE_E2E_CLIP!);
    await expect(page.getByTestId('error-message')).toHaveCount(0);
    await expect(page.getByTestId('subband-tile')).toHaveCount(24);
  });
});

test.describe('serve mode: progress and cancel', () => {
  test('opening shows a progress bar with Cancel; Cancel stops it and leaves the page as it was', async ({ page }) => {
    const serve = await startServe([]);
    try {
      await page.goto(serve.url);
      await expect(page.getByTestId('drop-zone')).toBeVisible();
      // Hold the upload in the browser so the task is still running when Cancel is clicked.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      await page.route('**/api/openVideo', async (route) => {
        await held;
        await route.continue();
      });
      await page.getByTestId('file-input').setInputFiles(process.env.WFVAE_E2E_CLIP!);
      const progress = page.getByTestId('progress');
      await expect(progress).toContainText('Opening testsrc2-64f.mp4');
      await page.getByTestId('cancel-button').click();
      await expect(progress).toHaveCount(0);
      release();
      // The late answer is dropped: still no clip, no error.
      await page.waitForTimeout(1500);
      await expect(page.getByTestId('drop-zone')).toBeVisible();
      await expect(page.getByTestId('error-message')).toHaveCount(0);
      await expect(page.getByTestId('subband-tile')).toHaveCount(0);
    } finally {
      await stopServe(serve);
    }
  });
});

test.describe('serve mode: access', () => {
  test('the page without its token explains what to do and the API refuses it', async ({ page, serve }) => {
    const base = new URL(serve.url);
    const res = await page.request.post(`${base.origin}/api/listClips`, { data: '{}' });
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain('open the exact URL');
  });

  test('an empty session shows the drop zone and opens a file dropped on it', async ({ page }) => {
    const serve = await startServe([]);
    try {
      await page.goto(serve.url);
      await expect(page.getByTestId('drop-zone')).toBeVisible();
      await expectAccessible(page, 'the empty window (drop zone)');
      const bytes = [...readFileSync(process.env.WFVAE_E2E_CLIP!)];
      const dataTransfer = await page.evaluateHandle((b) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(b)], 'dropped.mp4', { type: 'video/mp4' }));
        return dt;
      }, bytes);
      await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer });
      await expect(page.getByTestId('subband-tile')).toHaveCount(24);
      await expect(page.getByTestId('clip-info')).toContainText('dropped.mp4');
    } finally {
      // Stopped by SIGINT: serve exits as a shell reports it, 128 + 2.
      const before = serve.child.exitCode;
      const code = await stopServe(serve);
      const what = before === null ? 'serve was running when the SIGINT was sent' : `serve had already exited (${before}) before the SIGINT`;
      expect(code, `${what}; its stderr:\n${serve.stderr()}`).toBe(130);
      // The shutdown finished by itself, not by its watchdog.
      expect(serve.stderr()).not.toContain('the shutdown took over');
    }
  });
});
