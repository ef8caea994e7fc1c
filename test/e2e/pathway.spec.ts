/// <reference lib="dom" />
// The energy-flow pathway in serve mode, against golden models converted by
// the engine: every node of the loaded model with a live thumbnail, range and
// energy from the real forward pass, edges as wide as their energy, hover and
// the big view, one frame shared with the A/B viewer, keyboard use, pan and
// zoom (frame times measured and reported, never a pass/fail threshold), the
// Causal Cache across chunk boundaries with a jump to the seam, a second model
// class drawn from its own config, and the accessibility and overflow checks.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { checkView } from './a11y';
import { expect, startServe, stopServe, test, type ServeProcess } from './serve-fixture';

const SHARED = resolve('..', 'shared', 'goldens');
const FULL = existsSync(join(SHARED, 'manifest.json'));
/** WFVAEModel first where the full goldens are, then the other class (in the repo's subset). */
const MODEL = FULL ? join(SHARED, 'wfvae-l-tiny') : resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny');
const OTHER = resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny');

let serve: ServeProcess;
let cacheDir: string;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  cacheDir = mkdtempSync(join(tmpdir(), 'wfvae-e2e-pathway-'));
  process.env.WFVAE_CACHE_DIR = cacheDir;
  serve = await startServe(['--model', MODEL, process.env.WFVAE_E2E_CLIP!]);
  delete process.env.WFVAE_CACHE_DIR;
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  mkdirSync('test-results', { recursive: true });
});

test.afterAll(async () => {
  await page?.close();
  if (serve) await stopServe(serve);
  rmSync(cacheDir, { recursive: true, force: true });
});

const node = (id: string): Locator => page.locator(`[data-testid=pathway-node][data-id="${id}"]`);

function colours(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const set = new Set<number>();
    for (let i = 0; i < d.length; i += 4) set.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return set.size;
  });
}

/**
 * The diagram's scale once what the last key, click or wheel asked for is drawn: the diagram applies a
 * change in the next animation frame, and a callback queued after that one runs after it.
 */
async function drawnScale(): Promise<number> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
  return Number(await page.getByTestId('pathway-viewport').getAttribute('data-scale'));
}

test('the pathway of the loaded model: every node live from the real forward pass, edges as wide as their energy', async () => {
  test.setTimeout(120_000);
  await page.goto(serve.url);
  await page.getByTestId('tab-energy').click();
  await page.getByTestId('run-reconstruct-here').click();
  const nodes = page.getByTestId('pathway-node');
  await expect(page.getByTestId('pathway-thumb').first()).toBeVisible({ timeout: 90_000 });
  const spec = await page.evaluate(async () => {
    const token = new URL(location.href).searchParams.get('token')!;
    const r = await fetch('/api/getModel', { method: 'POST', headers: { 'x-wfvae-token': token, 'content-type': 'application/json' }, body: '{}' });
    return ((await r.json()) as { model: { pathway: { nodes: { id: string; display: string }[]; edges: { id: string; kind: string }[] } } }).model.pathway;
  });
  await expect(nodes).toHaveCount(spec.nodes.length);
  // A Causal Cache run: every node has values, every node but the joins a painted thumbnail.
  await expect(page.locator('[data-testid=pathway-node][data-available=true]')).toHaveCount(spec.nodes.length);
  const thumbs = page.getByTestId('pathway-thumb');
  await expect(thumbs).toHaveCount(spec.nodes.filter((n) => n.display !== 'join').length);
  for (const id of ['video.in', 'pw.enc.haar1', 'pw.dec.mid', 'mean', 'video.out']) expect(await colours(node(id).getByTestId('pathway-thumb')), id).toBeGreaterThan(8);
  for (const id of ['pw.enc.haar1', 'pw.dec.haar1']) await expect(node(id).getByTestId('pathway-select')).toHaveValue('sb:LLL');
  await expect(node('pw.dec.mid').getByTestId('pathway-select')).toHaveValue('energy');

  // Edges: one per spec edge, the energy-flow shortcuts gold, widths ordered as energies.
  const edges = page.getByTestId('pathway-edge');
  await expect(edges).toHaveCount(spec.edges.length);
  const drawn = await edges.evaluateAll((els) => els.map((e) => ({ kind: e.getAttribute('data-kind')!, energy: Number(e.getAttribute('data-energy')), width: Number(e.getAttribute('data-width')), stroke: e.getAttribute('stroke') })));
  for (const e of drawn) expect(e.stroke).toBe(e.kind === 'inflow' || e.kind === 'outflow' ? '#f2c14e' : e.kind === 'wavelet' ? '#b48ef0' : '#8d98b3');
  const byEnergy = [...drawn].sort((a, b) => a.energy - b.energy);
  for (let i = 1; i < byEnergy.length; i++) expect(byEnergy[i].width).toBeGreaterThanOrEqual(byEnergy[i - 1].width);
  expect(byEnergy.at(-1)!.width).toBeGreaterThan(byEnergy[0].width * 3);
  expect(drawn.filter((e) => e.kind === 'inflow').length).toBeGreaterThanOrEqual(4);

  // Hover: shape, dtype, range.
  await node('pw.enc.haar1').getByRole('button').hover();
  const tip = page.getByTestId('pathway-tooltip');
  await expect(tip).toContainText(/shape \(24, 29, 64, 64\) · float32/);
  await expect(tip).toContainText(/range \[-?[\d.e+-]+, -?[\d.e+-]+\] at frame 0 of 29/);

  // Zoomed out to the whole model the cards are compact (no channel picker); the decoder half has room for it.
  const viewport = page.getByTestId('pathway-viewport');
  await expect(viewport).toHaveClass(/pathway__viewport--compact/);
  await expect(node('pw.dec.mid').getByTestId('pathway-select')).toBeHidden();
  await page.mouse.move(5, 5);
  await page.screenshot({ path: 'test-results/pathway.png' });
  await page.getByTestId('pathway-decoder').click();
  await expect(viewport).not.toHaveClass(/pathway__viewport--compact/);
  // Another channel: the thumbnail changes to that channel, signed.
  const before = await node('pw.dec.mid').getByTestId('pathway-thumb').evaluate((c: HTMLCanvasElement) => c.toDataURL());
  await node('pw.dec.mid').getByTestId('pathway-select').selectOption('ch:3');
  await expect.poll(() => node('pw.dec.mid').getByTestId('pathway-thumb').evaluate((c: HTMLCanvasElement) => c.toDataURL())).not.toBe(before);
  await page.mouse.move(5, 5);
  await page.getByTestId('pathway-viewport').screenshot({ path: 'test-results/pathway-decoder.png' });
});

test('one frame for the pathway and the A/B viewer; click a node for the big view with its energy per frame', async () => {
  await page.getByTestId('pathway-frame-slider').fill('20');
  // Frame 20 of 57: the 29-frame level-1 node shows ceil(20·28/56) = 10, the video nodes frame 20.
  await expect(node('video.in')).toHaveAttribute('data-frame', '20');
  await expect(node('pw.enc.haar1')).toHaveAttribute('data-frame', '10');
  await expect(page.getByTestId('frame-label')).toContainText('frame 20 / 56');
  const viewer = page.getByTestId('pathway-viewer');
  await expect(viewer).toHaveAttribute('data-frame', '20');
  await viewer.getByTestId('pathway-viewer-next').click();
  await expect(node('video.in')).toHaveAttribute('data-frame', '21');
  await expect(page.getByTestId('pathway-frame')).toContainText('21 / 56');
  await expect(viewer.getByTestId('pathway-viewer-play')).toHaveAccessibleName('Play');

  await node('pw.dec.up2').getByRole('button').click();
  const big = page.getByTestId('big-view');
  await expect(big).toHaveAttribute('data-kind', 'node');
  await expect(big.getByTestId('big-title')).toContainText('up2');
  await expect(big).toContainText(/shape \(\d+, 29, 32, 32\) float32/);
  const chart = big.getByTestId('big-timeline');
  await expect(chart.getByTestId('chart-series').locator('circle')).toHaveCount(29);
  await expect(chart.getByTestId('chart-x-label')).toHaveText('node frame');
  await big.getByTestId('big-select').selectOption('ch:0');
  await expect(big.getByTestId('big-title')).toContainText('channel 0');
  await checkView(page, 'the big view of a pathway node');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.keyboard.press('Escape');
  await expect(big).toHaveCount(0);
});

test('keyboard: every node reachable with the arrow keys, Enter opens it, Escape returns to it', async () => {
  const first = node('video.in').getByRole('button');
  await first.focus();
  await expect(first).toBeFocused();
  await page.keyboard.press('ArrowRight');
  const focusedId = () => page.evaluate(() => document.activeElement?.closest('[data-testid=pathway-node]')?.getAttribute('data-id') ?? null);
  expect(await focusedId()).not.toBe('video.in');
  // End / Home walk to the last and first node; arrows on from there stay inside the diagram.
  await page.keyboard.press('End');
  expect(await focusedId()).toBe('video.out');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('big-view')).toHaveAttribute('data-kind', 'node');
  await expect(page.getByTestId('big-title')).toContainText('Output video');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('big-view')).toHaveCount(0);
  expect(await focusedId()).toBe('video.out');
  // The frame did not move under the arrow keys the diagram took.
  await expect(page.getByTestId('pathway-frame')).toContainText('21 / 56');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  expect(outline).not.toBe('none');
  // Pan and zoom without a mouse: + zooms, Shift + arrows pan, 0 fits again; focus stays on the node.
  const viewport = page.getByTestId('pathway-viewport');
  const transform = () => page.locator('.pathway__content').evaluate((el) => (el as HTMLElement).style.transform);
  await page.keyboard.press('0');
  const fitted = await drawnScale();
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  await expect.poll(async () => Number(await viewport.getAttribute('data-scale'))).toBeGreaterThan(fitted);
  const zoomed = await transform();
  await page.keyboard.press('Shift+ArrowLeft');
  await page.keyboard.press('Shift+ArrowUp');
  await expect.poll(transform).not.toBe(zoomed);
  const [, x0, y0] = /translate\(([-\d.]+)px, ([-\d.]+)px\)/.exec(zoomed)!.map(Number);
  const [, x1, y1] = /translate\(([-\d.]+)px, ([-\d.]+)px\)/.exec(await transform())!.map(Number);
  // Left and up show what lies left and above: the content moves right and down (or stays at its edge).
  expect(x1).toBeGreaterThan(x0);
  expect(y1).toBeGreaterThanOrEqual(y0);
  expect(await focusedId()).toBe('video.out');
  await page.keyboard.press('0');
  await expect.poll(async () => Number(await viewport.getAttribute('data-scale'))).toBeCloseTo(fitted, 3);
  await expect(page.getByTestId('pathway-frame')).toContainText('21 / 56');
});

test('pan and zoom: dragging and Ctrl + wheel move the diagram by transform; frame times are measured and reported', async () => {
  const viewport = page.getByTestId('pathway-viewport');
  await page.getByTestId('pathway-fit').click();
  const box = (await viewport.boundingBox())!;
  const transform = () => page.locator('.pathway__content').evaluate((el) => (el as HTMLElement).style.transform);
  const start = await transform();
  const scaleBefore = await drawnScale();
  // Record every animation frame while the gestures run, by gesture.
  await page.evaluate(() => {
    const w = window as unknown as { __frames: { dt: number; phase: string }[]; __phase: string; __stop: boolean };
    w.__frames = [];
    w.__phase = 'pan';
    w.__stop = false;
    let last = performance.now();
    const tick = (now: number) => {
      w.__frames.push({ dt: now - last, phase: w.__phase });
      last = now;
      if (!w.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const phase = (p: string) => page.evaluate((x) => ((window as unknown as { __phase: string }).__phase = x), p);
  const cx = box.x + box.width / 2;
  const cy = box.y + 12;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx - 300, cy + 40, { steps: 40 });
  await page.mouse.move(cx + 100, cy, { steps: 40 });
  await page.mouse.up();
  await phase('zoom');
  await page.keyboard.down('Control');
  for (let i = 0; i < 20; i++) await page.mouse.wheel(0, -40);
  for (let i = 0; i < 10; i++) await page.mouse.wheel(0, 40);
  await page.keyboard.up('Control');
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: { dt: number; phase: string }[]; __stop: boolean };
    w.__stop = true;
    return w.__frames.slice(1);
  });
  expect(await transform()).not.toBe(start);
  expect(await drawnScale()).toBeGreaterThan(scaleBefore);
  // It rendered all along and still answers: frames kept coming, and a click right after works.
  expect(frames.length).toBeGreaterThan(20);
  await page.getByTestId('pathway-fit').click();
  await expect.poll(async () => Number(await viewport.getAttribute('data-scale'))).toBeCloseTo(scaleBefore, 2);
  const stats = (list: number[]) => {
    const sorted = [...list].sort((a, b) => a - b);
    const pct = (p: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1));
    return { frames: list.length, medianMs: pct(50), p95Ms: pct(95), maxMs: pct(100), over50ms: list.filter((f) => f > 50).length };
  };
  const report = { pan: stats(frames.filter((f) => f.phase === 'pan').map((f) => f.dt)), zoom: stats(frames.filter((f) => f.phase === 'zoom').map((f) => f.dt)) };
  // The same gestures driven inside the page, one step per animation frame: what the diagram itself costs a frame,
  // without the test harness's pacing of input events.
  // 40 animation frames a gesture: enough for a median and a 95th percentile, at half the suite time of 90.
  const inPage = await page.evaluate(async (STEPS) => {
    const vp = document.querySelector('[data-testid=pathway-viewport]') as HTMLElement;
    const r = vp.getBoundingClientRect();
    const next = () => new Promise<number>((res) => requestAnimationFrame(res));
    const at = { x: r.left + r.width / 2, y: r.top + 12 };
    const run = async (step: (i: number) => void, n: number) => {
      const dts: number[] = [];
      let last = await next();
      for (let i = 0; i < n; i++) {
        step(i);
        const now = await next();
        dts.push(now - last);
        last = now;
      }
      return dts;
    };
    const pointer = (type: string, x: number, y: number) =>
      vp.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, pointerId: 7, button: 0, buttons: type === 'pointerup' ? 0 : 1, bubbles: true }));
    const drag = async () => {
      pointer('pointerdown', at.x, at.y);
      const dts = await run((i) => pointer('pointermove', at.x - 8 * (i < STEPS / 2 ? i + 1 : STEPS - i), at.y + (i % 10)), STEPS);
      pointer('pointerup', at.x, at.y);
      return dts;
    };
    const pan = await drag();
    const zoom = await run((i) => vp.dispatchEvent(new WheelEvent('wheel', { deltaY: i < STEPS / 2 ? -60 : 60, ctrlKey: true, clientX: at.x, clientY: at.y + 100, bubbles: true, cancelable: true })), STEPS);
    // Control: the same drag of an empty box of the same size: what this browser and machine cost any moving layer.
    const content = vp.querySelector('.pathway__content') as HTMLElement;
    const hidden = Array.from(content.children) as HTMLElement[];
    for (const c of hidden) c.style.display = 'none';
    content.style.background = '#234';
    const control = await drag();
    for (const c of hidden) c.style.display = '';
    content.style.background = '';
    return { pan, zoom, control };
  }, 40);
  const inPageReport = { pan: stats(inPage.pan), zoom: stats(inPage.zoom), emptyBoxControl: stats(inPage.control) };
  writeFileSync('test-results/pathway-frame-times.json', JSON.stringify({ cdpInput: report, inPage: inPageReport }, null, 2));
  console.log(`pathway pan/zoom frame times driven in the page (ms): ${JSON.stringify(inPageReport)}`);
  console.log(`pathway pan/zoom frame times (ms): ${JSON.stringify(report)}`);
});

test('the Causal Cache: a slider over the chunk boundaries, what every causal layer carries, naive nothing; a mark opens the seam', async () => {
  const panel = page.getByTestId('cache-panel');
  // The Reconstruct run's cache (Causal Cache, 8 / 2) until a comparison exists.
  await expect(panel).toHaveAttribute('data-run', 'reconstruct');
  const marks = panel.getByTestId('cache-mark');
  expect(await marks.count()).toBeGreaterThan(4);
  await panel.getByTestId('cache-slider').fill('2');
  await expect(panel.getByTestId('cache-summary')).toContainText(/boundary 3 of \d+/);
  expect(await panel.getByTestId('cache-row').count()).toBeGreaterThan(3);
  await expect(panel.getByTestId('cache-naive')).toHaveText('0 B');
  const carried = page.getByTestId('pathway-carried');
  expect(await carried.count()).toBeGreaterThan(1);
  await expect(carried.first()).toContainText(/⟳ \d+ f · [\d.]+ (B|KiB|MiB)/);

  const seam = panel.locator('[data-testid=cache-mark][data-side=decoder][data-frame="9"]');
  await seam.click();
  await expect(page.getByTestId('chunking-view')).toBeVisible();
  await expect(page.getByTestId('frame-label')).toContainText('frame 9 / 56');
  await expect(page.getByTestId('enc-chunk')).toHaveValue('8');
  await expect(page.getByTestId('dec-chunk')).toHaveValue('2');
  await page.getByTestId('run-chunking').click();
  await expect(page.getByTestId('verdict-after')).toContainText('within 1e-5', { timeout: 60_000 });
  // The seam is marked at 9, the naive error begins the decoder's look-ahead earlier: the chart shades those frames and says why.
  const zone = page.getByTestId('chunking-chart').locator('[data-testid=chart-zone][data-to="8"]');
  await expect(zone).toHaveAttribute('data-from', '7');
  await expect(page.getByTestId('lookahead-note')).toContainText('naive error starts 2 frames before the seam');
  await page.getByTestId('tab-energy').click();
  await expect(page.getByTestId('cache-panel')).toHaveAttribute('data-run', 'chunking');
  await page.getByTestId('pathway-fit').click();
  await page.screenshot({ path: 'test-results/pathway-cache.png', fullPage: true });
  await checkView(page, 'the Energy flow view', () => page.getByTestId('pathway-fit').click());
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByTestId('pathway-fit').click();
  await page.screenshot({ path: 'test-results/pathway-1280x800.png' });
  await page.setViewportSize({ width: 1440, height: 900 });
});

test('another model class draws from its own config: WFVAE2Model\'s blocks, levels and shortcuts', async () => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  const panel = page.getByTestId('model-panel');
  await panel.getByTestId('model-path-input').fill(OTHER);
  await panel.getByTestId('load-model').click();
  await expect(panel.getByTestId('model-info')).toContainText('WFVAE2Model', { timeout: 60_000 });
  await page.getByTestId('run-reconstruct-here').click();
  await expect(node('pw.enc.block.1')).toHaveAttribute('data-available', 'true', { timeout: 90_000 });
  for (const id of ['enc.coeffs.0', 'enc.inflow.1', 'dec.coeffs.0', 'dec.outflow.1', 'pw.dec.block.1', 'pw.dec.haar1']) await expect(node(id)).toHaveCount(1);
  await expect(node('pw.enc.down1')).toHaveCount(0);
  // Drawn as laid out: no two nodes overlap on screen.
  const boxes = await page.getByTestId('pathway-node').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.top, r.right, r.bottom]));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      expect(a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5).toBe(false);
    }
  }
  await page.screenshot({ path: 'test-results/pathway-wfvae2.png' });
});
