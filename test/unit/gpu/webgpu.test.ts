// WebGPU on a machine without a GPU: Mesa's software Vulkan driver
// (lavapipe, from Debian bookworm-backports, unpacked privately by
// scripts/lavapipe.sh) gives onnxruntime's WebGPU provider an adapter. Its
// environment goes to the child processes of this test only. A golden model
// runs whole-clip and in Causal Cache chunks of odd sizes on WebGPU and is held
// to the reference, to the CPU, and chunked to whole. It skips only where the
// Debian archive cannot be reached to fetch the driver.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GOLDENS_ROOT, PARITY_TOL, REPO_ROOT, WFVAE_CLI, goldenModels } from '../parity/goldens';

const setup = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'lavapipe.sh')], { encoding: 'utf8', timeout: 300_000 });
const unreachable = setup.status === 3;
if (setup.status !== 0 && !unreachable) throw new Error(`scripts/lavapipe.sh failed (${setup.status}):\n${setup.stderr}`);
if (unreachable) console.warn(`[webgpu] skipped: ${setup.stderr.split('\n')[0]}`);
const lavapipeDir = setup.stdout.trim();

/** The child's environment: this process's, plus the private Vulkan driver. */
function gpuEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.VK_DRIVER_FILES;
  for (const line of readFileSync(join(lavapipeDir, 'env'), 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

const cacheDir = mkdtempSync(join(tmpdir(), 'wfvae-webgpu-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

// One WFVAEModel with attention and trilinear time (the full goldens), else the in-repo WFVAE2 subset.
const model = goldenModels().find((m) => m.name === 'wfvae-l-tiny') ?? goldenModels()[0];
const caseFile = model.cases.find((c) => c.startsWith('t9_')) ?? model.cases[0];

describe.skipIf(unreachable)(`WebGPU on lavapipe (${model.name} from ${GOLDENS_ROOT === join(REPO_ROOT, 'test', 'fixtures', 'goldens-subset') ? 'the in-repo subset' : 'the goldens'})`, () => {
  it('this test process itself has no Vulkan environment (it goes to the children only)', () => {
    expect(process.env.VK_ICD_FILENAMES ?? '').not.toContain(lavapipeDir);
    expect(existsSync(join(lavapipeDir, 'lvp_icd.json'))).toBe(true);
  });

  it('encodes and decodes on webgpu within the parity tolerance, chunked (odd sizes) equal to whole, and auto passes over the software adapter', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'unit', 'gpu', 'webgpu-child.ts'), model.dir, caseFile, cacheDir, '3', '1'], {
      cwd: REPO_ROOT,
      env: gpuEnv(),
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (r.status !== 0) throw new Error(`webgpu child failed (${r.status ?? r.signal}):\n${r.stderr}`);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    console.log(`[webgpu] ${model.name}/${caseFile}: ${j.summary}; load ${j.loadSeconds.toFixed(1)} s, runs ${j.runSeconds.toFixed(1)} s; vs reference ${JSON.stringify(j.vsReference)}; vs CPU ${JSON.stringify(j.vsCpu)}`);
    expect(j.provider).toBe('webgpu');
    expect(j.adapter.kind).toBe('software');
    expect(j.summary).toMatch(/^webgpu: \d+ of \d+ nodes; \d+ on CPU \(shape arithmetic\)$/);
    for (const v of Object.values(j.vsReference) as number[]) expect(v).toBeLessThanOrEqual(PARITY_TOL);
    expect(j.cachedVsWhole.mean).toBeLessThanOrEqual(1e-5);
    expect(j.cachedVsWhole.video).toBeLessThanOrEqual(1e-5);
    expect(j.vsCpu.mean).toBeLessThanOrEqual(1e-4);
    expect(j.vsCpu.video).toBeLessThanOrEqual(1e-4);
    // 'auto' does not pick a software rasteriser, and says why.
    expect(j.auto.provider).toBe('cpu');
    expect(j.auto.fallbacks.some((f: { provider: string; stage: string; error: string }) => f.provider === 'webgpu' && f.stage === 'skipped' && /software Vulkan driver/.test(f.error))).toBe(true);
  });

  it("the CLI on webgpu says where the nodes ran, and Dawn's warnings do not reach stderr as if they were errors", () => {
    const golden = join(model.dir, caseFile);
    const out = join(cacheDir, 'enc.safetensors');
    const r = spawnSync(process.execPath, [WFVAE_CLI, 'encode', '--model', model.dir, '--tensor', `${golden}:input`, '--out', out, '--provider', 'webgpu', '--enc-chunk', '5'], {
      cwd: REPO_ROOT,
      env: { ...gpuEnv(), WFVAE_CACHE_DIR: cacheDir },
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (r.status !== 0) throw new Error(`wfvae encode failed (${r.status ?? r.signal}):\n${r.stderr}`);
    expect(r.stderr).toMatch(/provider: webgpu: \d+ of \d+ nodes; \d+ on CPU \(shape arithmetic\) \(asked for webgpu\)|provider: webgpu: \d+ of \d+ nodes; \d+ on CPU \(shape arithmetic\)/);
    expect(r.stderr).toMatch(/webgpu adapter: software \(only a software Vulkan driver: libvulkan_lvp\.so/);
    expect(r.stderr).not.toMatch(/^Warning: /m);
    expect(r.stderr).toMatch(/encoded 1x3x9x64x64 -> mean .* on webgpu/);
  });
});
