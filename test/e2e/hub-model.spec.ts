/// <reference lib="dom" />
// "Open model from Hugging Face…" in serve mode against the local Hub server
// (test/helpers/fake-hub.ts, through HF_ENDPOINT): a bad id is refused in
// place; a slow download shows its progress in MB and cancels, and opening it
// again resumes by Range and loads the model.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fakeCommit, sha256, startFakeHub, type FakeHub } from '../helpers/fake-hub';
import { expect, startServe, stopServe, test, type ServeProcess } from './serve-fixture';

const TINY = resolve('test', 'fixtures', 'goldens-subset', 'wfvae2-tiny');
const WEIGHTS = readFileSync(join(TINY, 'diffusion_pytorch_model.safetensors'));
const COMMIT = fakeCommit('e2e');
const ENV = ['HF_ENDPOINT', 'HF_HUB_CACHE', 'HF_TOKEN_PATH', 'WFVAE_CACHE_DIR', 'HF_TOKEN', 'HF_HUB_OFFLINE'] as const;

let hub: FakeHub;
let serve: ServeProcess;
let work: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wfvae-e2e-hub-'));
  hub = await startFakeHub([
    { repo: 'org/pipe', commits: { [COMMIT]: { 'vae/config.json': readFileSync(join(TINY, 'config.json')), 'vae/diffusion_pytorch_model.safetensors': WEIGHTS } }, refs: { main: COMMIT } },
  ]);
  // The serve process takes its environment when it starts; this worker's is put back at once.
  const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  Object.assign(process.env, { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: join(work, 'hf'), HF_TOKEN_PATH: join(work, 'no-token'), WFVAE_CACHE_DIR: join(work, 'graphs') });
  delete process.env.HF_TOKEN;
  delete process.env.HF_HUB_OFFLINE;
  try {
    serve = await startServe([process.env.WFVAE_E2E_CLIP!]);
  } finally {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
});

test.afterAll(async () => {
  if (serve) await stopServe(serve);
  await hub?.close();
  rmSync(work, { recursive: true, force: true });
});

test('Open model from Hugging Face…: refuses a bad id, shows download progress, cancels, resumes and loads', async ({ page }) => {
  await page.goto(serve.url);
  await page.getByTestId('open-hub-model').click();
  await page.getByTestId('hub-repo').fill('just-a-name');
  await page.getByTestId('hub-load').click();
  await expect(page.getByTestId('hub-form-error')).toContainText('write it as org/name');

  await page.getByTestId('hub-repo').fill('org/pipe');
  await page.getByTestId('hub-subfolder').fill('vae');
  hub.slowNext(300_000);
  await page.getByTestId('hub-load').click();
  await expect(page.getByTestId('progress')).toContainText(/Loading model org\/pipe:vae from Hugging Face — downloading diffusion_pytorch_model\.safetensors \d+\.\d\/4\.2 MB/);
  // Let some bytes arrive, then cancel: what arrived stays for the next try.
  const partial = join(work, 'hf', 'models--org--pipe', 'blobs', `${sha256(WEIGHTS)}.incomplete`);
  await expect.poll(() => statSync(partial, { throwIfNoEntry: false })?.size ?? 0).toBeGreaterThan(300_000);
  await page.getByTestId('cancel-button').click();
  await expect(page.getByTestId('progress')).toBeHidden();
  await expect(page.getByTestId('model-none')).toBeVisible();
  const kept = statSync(partial).size;
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(WEIGHTS.length);

  await page.getByTestId('open-hub-model').click();
  await expect(page.getByTestId('hub-repo')).toHaveValue('org/pipe');
  await page.getByTestId('hub-load').click();
  await expect(page.getByTestId('model-path')).toHaveText('org/pipe:vae', { timeout: 45_000 });
  const info = page.getByTestId('model-info');
  await expect(info).toContainText(`org/pipe : vae @ main (commit ${COMMIT.slice(0, 12)})`);
  await expect(info).toContainText('WFVAE2Model');
  // The second download asked only for the bytes the first did not get.
  const ranges = hub.requests.filter((q) => q.server === 'cdn').map((q) => q.range);
  expect(ranges[0]).toBeUndefined();
  expect(ranges.at(-1)).toMatch(/^bytes=\d+-$/);
  expect(Number(/\d+/.exec(ranges.at(-1)!)![0])).toBeGreaterThanOrEqual(kept);
  expect(readdirSync(join(work, 'hf', 'models--org--pipe', 'blobs')).filter((f) => f.endsWith('.incomplete'))).toEqual([]);
});
