/// <reference lib="dom" />
// The model views in serve mode, against a real golden model converted by the
// engine: load, reconstruct, Causal Cache vs naive chunking, the energy-flow
// taps and the latent in 3D (WebGL through SwiftShader; with WebGL taken away,
// the view must say so and show the 2D grid). The PSNR shown is checked
// against the PyTorch reference on the same frames.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../playwright.config';
import { FULL_GOLDENS as FULL, SHARED_GOLDENS as SHARED } from '../helpers/shared-goldens';
import { TORCH_PYTHON, torchMissing } from '../helpers/torch-python';
import { expect, startServe, stopServe, test, type ServeProcess } from './serve-fixture';
import { checkView } from './a11y';
import { losslessRgbCopy, losslessTestClip, servedFrames, shownDb, torchReference } from './torch-reference';

/** Layernorm (exact chunking): wfvae-l-tiny, or the in-repo subset's wfvae2-tiny in a fresh clone. */
const MODEL = FULL ? join(SHARED, 'wfvae-l-tiny') : resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny');
const CLASS = FULL ? 'WFVAEModel' : 'WFVAE2Model';
const DEMO = resolve('resources', 'models', 'wfvae-demo');
/** The clips serve reconstructs here, stored as lossless RGB so the PyTorch reference decodes the same pixels. */
let rgbClip: string;
/** Small, so the PyTorch reference of the whole clip takes seconds: 9 frames of 64x64. */
let demoClip: string;
/** What the Reconstruct views showed (clip PSNR, or PSNR at some frames), with the frames serve decoded. */
let demoShown: { db: number; frames: Awaited<ReturnType<typeof servedFrames>> } | undefined;
let modelShown: { perFrame: Map<number, number>; frames: Awaited<ReturnType<typeof servedFrames>> } | undefined;
/** Frames whose reconstruction a 9-frame prefix of the clip already fixes (causal model; the look-ahead reaches frames 7 and 8). */
const PREFIX_FRAMES = 9;
const CHECKED_FRAMES = [0, 3, 6];
const TORCH_SKIP = `${TORCH_PYTHON} has no torch: ${torchMissing ?? ''}`;

// GPU off as everywhere else, but WebGL through the software rasteriser.
test.use({
  launchOptions: {
    executablePath: process.env.WFVAE_CHROMIUM ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  },
});

let serve: ServeProcess;
let cacheDir: string;
let page: Page;
/** Anything the page's Content-Security-Policy blocked, across every view below. */
const cspViolations: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  cacheDir = mkdtempSync(join(tmpdir(), 'wfvae-e2e-cache-'));
  process.env.WFVAE_CACHE_DIR = cacheDir;
  rgbClip = await losslessRgbCopy(process.env.WFVAE_E2E_CLIP!, join(cacheDir, 'testsrc2-rgb.mp4'));
  demoClip = await losslessTestClip('64x64', 9, join(cacheDir, 'testsrc2-9f-rgb.mp4'));
  serve = await startServe(['--model', MODEL, rgbClip]);
  page = await browser.newPage();
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  mkdirSync('test-results', { recursive: true });
});

test.afterAll(async () => {
  await page?.close();
  if (serve) await stopServe(serve);
  delete process.env.WFVAE_CACHE_DIR;
  rmSync(cacheDir, { recursive: true, force: true });
});

test('without --model and without the demo model the panel says so, and a model typed by path loads; a selection over the memory budget says what to change in the app', async ({ browser }) => {
  const saved = process.env.WFVAE_DEMO_MODEL;
  process.env.WFVAE_DEMO_MODEL = join(cacheDir, 'no-demo-model');
  // A machine with 1500 MB to give: the clip at its own 128x128 opens, 57 frames of 512x512 would not reconstruct.
  const bare = await startServe([process.env.WFVAE_E2E_CLIP!], { ...process.env, WFVAE_MEMORY_BUDGET: '1500M' });
  if (saved === undefined) delete process.env.WFVAE_DEMO_MODEL;
  else process.env.WFVAE_DEMO_MODEL = saved;
  const p = await browser.newPage();
  try {
    await p.goto(bare.url);
    const panel = p.getByTestId('model-panel');
    await expect(panel.getByTestId('model-none')).toBeVisible();
    await expect(panel.getByTestId('default-model-error')).toContainText('bundled demo model is not installed');
    await p.getByTestId('tab-chunking').click();
    await expect(p.getByTestId('needs-model')).toBeVisible();
    // A GroupNorm model where the full goldens are there: the verdict is said before any run.
    const path = FULL ? join(SHARED, 'wfvae-gn-nearest') : MODEL;
    await panel.getByTestId('model-path-input').fill(path);
    await panel.getByTestId('load-model').click();
    await expect(panel.getByTestId('model-path')).toHaveText(path);
    await expect(p.getByTestId('verdict-before')).toContainText(FULL ? 'GroupNorm over time in 36 layers: cannot be exact' : 'Causal Cache chunking is exact');
    // Over the budget, the Clip selection panel names its own controls, not the CLI's flags.
    const selection = p.getByTestId('selection-panel');
    await selection.getByTestId('sel-size').selectOption('512');
    const over = selection.getByTestId('estimate-reconstruct');
    await expect(over).toHaveAttribute('data-fits', 'false');
    await expect(over).toContainText("over this machine's memory budget");
    const said = (await over.locator('.estimate__basis').textContent())!;
    expect(said).toMatch(/^(Whole-clip|Chunked) inference of 57x512x512 \(TxHxW\).* more than the budget of 1\.46 GB \(WFVAE_MEMORY_BUDGET\)\./);
    expect(said).toMatch(/In the Clip selection panel, (lower Frames \(at most \d+ frames? fits? at this size\) or )?pick a smaller Size such as 256, then press Decode selection\./);
    expect(said).toContain('The budget is fixed by WFVAE_MEMORY_BUDGET in the environment the app was started with.');
    expect(said).not.toMatch(/--[a-z]/);
    // Back at its own size it fits again.
    await selection.getByTestId('sel-size').selectOption('native');
    await expect(over).toHaveAttribute('data-fits', 'true');
  } finally {
    await p.close();
    await stopServe(bare);
  }
});

test('without --model the bundled demo model loads by itself when a model view opens, and reconstructs the clip', async ({ browser }) => {
  // Converting the demo model, then a Causal Cache run that also keeps the pathway's stages, on two shared cores.
  test.setTimeout(150_000);
  const bare = await startServe([demoClip]);
  const p = await browser.newPage();
  try {
    await p.goto(bare.url);
    const panel = p.getByTestId('model-panel');
    await expect(panel.getByTestId('model-none')).toBeVisible();
    await p.getByTestId('tab-reconstruct').click();
    await expect(panel.getByTestId('model-path')).toContainText('wfvae-demo', { timeout: 60_000 });
    await expect(panel.getByTestId('model-info')).toContainText('WFVAEModel');
    await p.getByTestId('run-reconstruct').click();
    await expect(p.getByTestId('psnr-clip')).toHaveText(/^\d+\.\d\d dB$/, { timeout: 60_000 });
    demoShown = { db: shownDb(await p.getByTestId('psnr-clip').textContent()), frames: await servedFrames(bare.url) };
    await p.screenshot({ path: 'test-results/reconstruct-demo.png', fullPage: true });
  } finally {
    await p.close();
    await stopServe(bare);
  }
});

test('the demo model\'s clip PSNR shown is the PyTorch reference\'s on the same frames', async () => {
  test.skip(!!torchMissing, TORCH_SKIP);
  test.setTimeout(180_000);
  const ref = await torchReference(DEMO, demoClip, demoShown!.frames);
  console.log(`[model-views] demo model: shown ${demoShown!.db} dB, PyTorch ${ref.psnr} dB over ${ref.frames} frames`);
  expect(ref.frames).toBe(9);
  // Shown to 2 decimals (0.005 dB of rounding); the graphs agree with torch within 2e-4, far less than that.
  expect(Math.abs(demoShown!.db - ref.psnr)).toBeLessThanOrEqual(0.006);
});

test('the Model panel shows the model serve loaded, refuses a bad path, and loads one by path', async () => {
  await page.goto(serve.url);
  await expect(page.getByTestId('clip-info')).toContainText('57 frames');
  const panel = page.getByTestId('model-panel');
  await expect(panel.getByTestId('model-info')).toContainText(CLASS);
  await expect(panel.getByTestId('model-path')).toHaveText(MODEL);
  await expect(panel).toContainText('Causal Cache chunking is exact');

  await panel.getByTestId('model-path-input').fill('/nonexistent/wfvae-model');
  await panel.getByTestId('load-model').click();
  await expect(panel.getByTestId('model-error')).toContainText('/nonexistent/wfvae-model');
  // The old model stays loaded after a failed load.
  await expect(panel.getByTestId('model-info')).toContainText(CLASS);

  await panel.getByTestId('model-path-input').fill(MODEL);
  await panel.getByTestId('load-model').click();
  await expect(panel.getByTestId('model-error')).toHaveCount(0);
  await expect(panel.getByTestId('model-info')).toContainText('cpu');
});

test('Reconstruct: PSNR and SSIM per frame, original and reconstruction side by side', async () => {
  test.setTimeout(120_000);
  await page.getByTestId('tab-reconstruct').click();
  await expect(page.getByTestId('reconstruct-hint')).toContainText('Press Reconstruct');
  await page.getByTestId('run-reconstruct').click();
  // While it runs the view says so, not "Press Reconstruct".
  await expect(page.getByTestId('progress')).toBeVisible();
  await expect(page.getByTestId('reconstruct-hint')).toHaveCount(0);
  await expect(page.getByTestId('reconstruct-running')).toContainText('Reconstructing all 57 frames');
  // 57 frames at 128x128 on two busy shared cores can take longer than the default 15 s.
  await expect(page.getByTestId('psnr-clip')).toHaveText(/^\d+\.\d\d dB$/, { timeout: 60_000 });
  const perFrame = new Map<number, number>();
  const frameStat = (t: number) => page.locator('.stat', { has: page.locator('.stat__label', { hasText: new RegExp(`^frame ${t}$`) }) }).locator('.stat__value');
  for (const t of CHECKED_FRAMES) {
    await page.getByTestId('frame-slider').fill(String(t));
    await expect(frameStat(t)).toHaveText(/^\d+\.\d\d dB · SSIM/);
    perFrame.set(t, shownDb(await frameStat(t).textContent()));
  }
  modelShown = { perFrame, frames: await servedFrames(serve.url) };
  await expect(page.getByTestId('psnr-chart').getByTestId('chart-series').locator('circle')).toHaveCount(57);
  await expect(page.getByTestId('ssim-chart')).toBeVisible();
  await page.getByTestId('frame-slider').fill('20');
  await expect(page.getByTestId('original-canvas')).toHaveAttribute('data-frame', '20');
  await expect(page.getByTestId('reconstruction-canvas')).toHaveAttribute('data-frame', '20');
  const size = await page.getByTestId('reconstruction-canvas').evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
  expect(size).toEqual([128, 128]);
  // The viewer by keyboard alone: + zooms, Shift + arrows pan (not the frame), 0 fits; w, then the wipe slider moves the divider.
  const viewer = page.getByTestId('clip-viewer');
  const left = () => page.getByTestId('original-canvas').evaluate((c) => parseFloat((c as HTMLElement).style.left));
  await viewer.getByTestId('clip-viewer-zoom-in').focus();
  await page.keyboard.press('+');
  await expect(viewer.getByTestId('clip-viewer-zoom')).toHaveText(/^2× /);
  const centred = await left();
  await page.keyboard.press('Shift+ArrowRight');
  await expect.poll(left).toBeLessThan(centred);
  await page.keyboard.press('Shift+ArrowLeft');
  await page.keyboard.press('Shift+ArrowLeft');
  await expect.poll(left).toBeGreaterThan(centred);
  await expect(page.getByTestId('reconstruction-canvas')).toHaveAttribute('data-frame', '20');
  await page.keyboard.press('0');
  await expect(viewer.getByTestId('clip-viewer-zoom')).toHaveText('fit');
  await page.keyboard.press('w');
  await expect(viewer).toHaveAttribute('data-mode', 'wipe');
  const wipeSlider = viewer.getByRole('slider', { name: 'Wipe position' });
  await wipeSlider.focus();
  await page.keyboard.press('Home');
  await expect(viewer.getByTestId('clip-viewer-wipe-line')).toHaveAttribute('style', /left: 0px/);
  await page.keyboard.press('ArrowRight');
  await expect(wipeSlider).toHaveValue('1');
  await page.keyboard.press('s');
  await expect(viewer).toHaveAttribute('data-mode', 'side');
  await page.screenshot({ path: 'test-results/reconstruct.png', fullPage: true });
  // At 1440x900 the play controls are on screen with the picture.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByTestId('clip-viewer').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  const play = (await page.getByTestId('clip-viewer-play').boundingBox())!;
  expect(play.y + play.height).toBeLessThanOrEqual(900);
  await checkView(page, 'the Reconstruct view');
  await page.setViewportSize({ width: 1440, height: 1000 });
});

test('Cancel says what it kept: the previous reconstruction stays', async () => {
  // Hold the request in the browser so the task is still running when Cancel is pressed, then answer as the engine answers a cancelled task.
  await page.route('**/api/reconstruct', (route) =>
    setTimeout(() => void route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: { code: 'CANCELLED', message: 'cancelled' } }) }), 1500),
  );
  try {
    await page.getByTestId('run-reconstruct').click();
    await page.getByTestId('cancel-button').click();
    await expect(page.getByTestId('cancel-notice')).toHaveText(/Cancelled reconstructing the clip\. Nothing of this run was kept; the previous reconstruction is still shown\./);
    await expect(page.getByTestId('psnr-clip')).toHaveText(/^\d+\.\d\d dB$/);
    await page.waitForTimeout(1700);
    await expect(page.getByTestId('error-message')).toHaveCount(0);
  } finally {
    await page.unroute('**/api/reconstruct');
  }
  await page.getByTestId('cancel-notice').getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByTestId('cancel-notice')).toHaveCount(0);
});

test('Reconstruct: the PSNR shown per frame is the PyTorch reference\'s on the same frames', async () => {
  test.skip(!FULL, `the in-repo subset's model is a WFVAE2Model, which the PyTorch reference module (training/wfvae) does not implement: needs the shared goldens' wfvae-l-tiny at ${SHARED}`);
  test.skip(!!torchMissing, TORCH_SKIP);
  test.setTimeout(180_000);
  expect(modelShown!.frames).toEqual({ frames: 57, start: 0, step: 1 });
  // The model is causal and its decoder's trilinear upsampling looks one latent frame ahead: frames 0-6 of the
  // 57-frame reconstruction are those of its first 9 frames (checked in PyTorch on wfvae-l-tiny: identical;
  // frames 7 and 8 differ), a sixth of the work.
  const ref = await torchReference(MODEL, rgbClip, { frames: PREFIX_FRAMES, start: 0, step: 1 });
  for (const t of CHECKED_FRAMES) {
    console.log(`[model-views] ${MODEL} frame ${t}: shown ${modelShown!.perFrame.get(t)} dB, PyTorch ${ref.perFrame.psnr[t]} dB`);
    expect(Math.abs(modelShown!.perFrame.get(t)! - ref.perFrame.psnr[t]), `frame ${t}`).toBeLessThanOrEqual(0.006);
  }
});

test('a heavy job behind another waits in line: the progress bar says "queued, position 1" until it runs', async () => {
  // Two model runs back to back on two shared cores.
  test.setTimeout(180_000);
  const { origin, searchParams } = new URL(serve.url);
  const headers = { 'x-wfvae-token': searchParams.get('token')!, 'content-type': 'application/json' };
  const { clips } = (await (await fetch(`${origin}/api/listClips`, { method: 'POST', headers, body: '{}' })).json()) as { clips: { clipId: string }[] };
  // Another client's long job holds the one heavy slot; its first progress event says it runs.
  const events = new AbortController();
  const stream = await fetch(`${origin}/api/events?token=${headers['x-wfvae-token']}`, { signal: events.signal });
  const reader = stream.body!.getReader();
  const blocker = fetch(`${origin}/api/compareChunking`, { method: 'POST', headers, body: JSON.stringify({ taskId: 'e2e-blocker', clipId: clips[0].clipId, encChunk: 1, decChunk: 1 }) });
  for (let seen = ''; !seen.includes('"taskId":"e2e-blocker"'); ) seen += new TextDecoder().decode((await reader.read()).value);
  events.abort();

  await page.getByTestId('tab-reconstruct').click();
  await page.getByTestId('run-reconstruct').click();
  const progress = page.getByTestId('progress');
  await expect(progress).toContainText('queued, position 1');
  await fetch(`${origin}/api/cancel`, { method: 'POST', headers, body: JSON.stringify({ taskId: 'e2e-blocker' }) });
  expect((await blocker).status).toBe(409);
  await expect(progress).not.toContainText('queued', { timeout: 60_000 });
  await expect(progress).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('psnr-clip')).toHaveText(/^\d+\.\d\d dB$/);
  await expect(page.getByTestId('error-message')).toHaveCount(0);
});

test('Chunking: verdict before, per-frame max |diff| with E/D boundaries, "within 1e-5" after, frames and diffs', async () => {
  await page.getByTestId('tab-chunking').click();
  await expect(page.getByTestId('verdict-before')).toContainText('Causal Cache chunking is exact');
  // Sizes the reference cannot run (not powers of two).
  await page.getByTestId('enc-chunk').fill('12');
  await page.getByTestId('dec-chunk').fill('3');
  await page.getByTestId('run-chunking').click();
  // Three model runs (whole, cached, naive): on two busy cores that can take longer than the default 15 s.
  await expect(page.getByTestId('verdict-after')).toContainText('within 1e-5', { timeout: 60_000 });
  const chart = page.getByTestId('chunking-chart');
  await expect(chart).toHaveAttribute('data-scale', 'log');
  // 57 frames = 15 latent frames: decoder chunks of 3 start at video frames 1, 13, 25, 37, 49.
  const decoder = await chart.locator('[data-testid=chunk-boundary][data-kind=D]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))));
  expect(decoder).toEqual([1, 13, 25, 37, 49]);
  expect(await chart.locator('[data-testid=chunk-boundary][data-kind=E]').count()).toBeGreaterThan(3);
  await expect(chart.getByTestId('chart-series')).toHaveCount(2);
  await page.getByTestId('frame-slider').fill('13');
  for (const id of ['chunk-frame-whole', 'chunk-frame-cached', 'chunk-frame-naive', 'diff-cached', 'diff-naive']) {
    await expect(page.getByTestId(id).locator('canvas')).toHaveAttribute('data-frame', '13');
  }
  await expect(page.getByTestId('diff-naive').getByTestId('diff-range')).toContainText('[0, ');
  await page.screenshot({ path: 'test-results/chunking.png', fullPage: true });
  await checkView(page, 'the Chunking view');
  await page.setViewportSize({ width: 1440, height: 1000 });
});

test('Energy flow: every tap of the model as colormapped tiles at the current frame, every channel', async () => {
  await page.getByTestId('tab-energy').click();
  await expect(page.getByTestId('pathway-node').first()).toBeVisible();
  await page.getByTestId('tap-details').locator('summary').click();
  const taps = page.getByTestId('tap');
  await expect(taps).toHaveCount(8);
  await expect(page.locator('[data-testid=tap][data-kind=coefficients]')).toHaveCount(4);
  const coeff3d = page.locator('[data-testid=tap][data-kind=coefficients]').filter({ hasText: '24 ch' }).first();
  await expect(coeff3d.getByTestId('tap-tile')).toHaveCount(8);
  await expect(coeff3d.getByTestId('tap-tile').first()).toHaveAttribute('data-label', 'LLL');
  // Frame 13 of 57 maps to frame ceil(13*14/56) = 4 of a 15-frame tap.
  await expect(coeff3d).toContainText('15 frames');
  await expect(coeff3d).toContainText('showing frame 4');
  const colours = await coeff3d.locator('canvas').first().evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const set = new Set<number>();
    for (let i = 0; i < d.length; i += 4) set.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return set.size;
  });
  expect(colours).toBeGreaterThan(20);
  // Block outputs show all their channels, not the first 16.
  const inflow = page.locator('[data-testid=tap][data-kind=activation]').first();
  const channels = Number((await inflow.locator('.tap__head .muted').textContent())!.match(/^(\d+) ch/)![1]);
  await expect(inflow.getByTestId('tap-tile')).toHaveCount(channels);
  await expect(inflow.getByTestId('tap-note')).toHaveText(`all ${channels} channels`);
  await page.screenshot({ path: 'test-results/energy-flow.png', fullPage: true });
});

// Debian's Chromium with the flags above gives WebGL through ANGLE on SwiftShader (its software Vulkan):
// the 3D view must start here. The fallback is tested below, by taking WebGL away.
test('Latent: the 3D stack through WebGL (SwiftShader) and the 2D grid of all channels', async () => {
  await page.getByTestId('tab-latent').click();
  await expect(page.getByTestId('latent-shape')).toContainText(`latent frame 4 of 15`);
  const channels = FULL ? 16 : 8;
  await expect(page.getByTestId('latent-grid').getByTestId('latent-tile')).toHaveCount(channels);
  const renderer = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    return gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : null;
  });
  expect(renderer, 'WebGL 2 under --use-angle=swiftshader').toMatch(/SwiftShader/);
  const scene = page.getByTestId('latent-scene');
  await expect(scene).toBeVisible();
  await expect(page.getByTestId('webgl-unavailable')).toHaveCount(0);
  await expect(scene).toHaveAttribute('data-planes', '15');
  await expect(scene).toHaveAttribute('data-highlight', '4');
  const canvas = scene.getByTestId('latent-canvas');
  await expect(canvas).toBeVisible();
  // Orbit with the mouse: the picture changes.
  const before = await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 + 10, { steps: 4 });
  await page.mouse.up();
  expect(await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL())).not.toBe(before);
  // And with the keyboard only: Tab from the channel picker reaches the named canvas, its focus shows,
  // arrows turn the stack, + zooms, 0 resets the view, and the app's frame does not move under those keys.
  const picture = () => canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
  await page.getByTestId('latent-channel').focus();
  await page.keyboard.press('Tab');
  await expect(canvas).toBeFocused();
  await expect(canvas).toHaveAccessibleName(/Latent frames in 3D\. Arrow keys turn the stack, plus and minus zoom, 0 resets the view/);
  expect(await canvas.evaluate((c) => getComputedStyle(c).outlineStyle)).not.toBe('none');
  await page.keyboard.press('0');
  const reset = await picture();
  for (const key of ['ArrowLeft', 'ArrowUp', '+']) {
    const was = await picture();
    await page.keyboard.press(key);
    expect(await picture(), `${key} changes the view`).not.toBe(was);
  }
  await page.keyboard.press('0');
  expect(await picture(), '0 resets the view').toBe(reset);
  await expect(page.getByTestId('latent-shape')).toContainText('latent frame 4 of 15');
  // Framed whole: after a reset of the view, no slice touches the canvas edge, and the caption sits under the canvas.
  await page.getByTestId('latent-channel').selectOption('rgb');
  await page.getByTestId('tab-reconstruct').click();
  await page.getByTestId('tab-latent').click();
  const edge = await page.getByTestId('latent-canvas').evaluate((c: HTMLCanvasElement) => {
    const gl = (c.getContext('webgl2') ?? c.getContext('webgl'))!;
    const w = gl.drawingBufferWidth;
    const h = gl.drawingBufferHeight;
    const px = new Uint8Array(w * h * 4);
    gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
    const background = [0x12, 0x15, 0x1c];
    let off = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (x > 2 && x < w - 3 && y > 2 && y < h - 3) continue;
        const i = 4 * (y * w + x);
        if (Math.abs(px[i] - background[0]) + Math.abs(px[i + 1] - background[1]) + Math.abs(px[i + 2] - background[2]) > 12) off++;
      }
    }
    return off;
  });
  expect(edge, 'pixels of the stack on the canvas border').toBe(0);
  const cb = (await page.getByTestId('latent-canvas').boundingBox())!;
  const lb = (await page.getByTestId('latent-legend').boundingBox())!;
  expect(lb.y).toBeGreaterThanOrEqual(cb.y + cb.height);
  await page.getByTestId('latent-channel').selectOption('3');
  await page.screenshot({ path: 'test-results/latent.png', fullPage: true });
  await checkView(page, 'the Latent 3D view');
  await page.setViewportSize({ width: 1440, height: 1000 });
});

test('Latent without WebGL: a clear message and the 2D grid instead of the 3D view', async ({ browser }) => {
  const p = await browser.newPage();
  // A browser that has no WebGL at all (disabled, or no GPU and no software renderer).
  await p.addInitScript(() => {
    const getContext = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, type: string, ...rest: unknown[]) {
      if (type.startsWith('webgl')) return null;
      return (getContext as (this: HTMLCanvasElement, t: string, ...r: unknown[]) => RenderingContext | null).call(this, type, ...rest);
    } as typeof getContext;
  });
  try {
    await p.goto(serve.url);
    await p.getByTestId('tab-latent').click();
    await p.getByTestId('run-reconstruct-here').click();
    // A model run first (57 frames), which on two busy shared cores can take longer than the default 15 s.
    await expect(p.getByTestId('webgl-unavailable')).toContainText('3D view unavailable: WebGL could not start', { timeout: 60_000 });
    await expect(p.getByTestId('latent-scene')).toHaveCount(0);
    await expect(p.getByTestId('latent-grid').getByTestId('latent-tile')).toHaveCount(FULL ? 16 : 8);
    await p.screenshot({ path: 'test-results/latent-no-webgl.png', fullPage: true });
  } finally {
    await p.close();
  }
});

test('the views ran under serve mode\'s Content-Security-Policy without a single violation', async () => {
  const res = await page.goto(serve.url);
  const csp = res!.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("default-src 'none'");
  // The app reopens the view last used (a model view here): go back to the subbands, drawn once more under the policy.
  await page.getByTestId('tab-subbands').click();
  await expect(page.getByTestId('subband-tile').first()).toBeVisible();
  expect(cspViolations).toEqual([]);
});
