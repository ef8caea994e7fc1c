// WebGPU on a machine without a GPU: Mesa's software Vulkan driver
// (lavapipe, from Debian bookworm-backports, unpacked privately by
// scripts/lavapipe.sh) gives onnxruntime's WebGPU provider an adapter. Its
// environment goes to the child processes of this test only. A golden model
// runs whole-clip and in Causal Cache chunks of odd sizes on WebGPU and is held
// to the reference, to the CPU, and chunked to whole, with the chunk state
// kept on the GPU between chunks; a chunked run moves to the CPU mid-stream;
// and the fp16 graphs run on WebGPU within an outside estimate of what half
// precision costs the model (a PyTorch emulation and the standard error growth). It
// skips only where the Debian archive cannot be reached to fetch the driver.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GOLDENS_ROOT, PARITY_TOL, REPO_ROOT, WFVAE_CLI, goldenModels } from '../parity/goldens';
import { TORCH_PYTHON, torchMissing } from '../../helpers/torch-python';

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
/** fp16 deviations from float32 the webgpu runs below printed, for the outside estimate at the end. */
const fp16Seen: { child?: { mean: { maxAbs: number; psnr: number }; video: { maxAbs: number; psnr: number } }; cli?: { maxAbs: number; psnr: number } } = {};
const caseFile = model.cases.find((c) => c.startsWith('t9_')) ?? model.cases[0];

describe.skipIf(unreachable)(`WebGPU on lavapipe (${model.name} from ${GOLDENS_ROOT === join(REPO_ROOT, 'test', 'fixtures', 'goldens-subset') ? 'the in-repo subset' : 'the goldens'})`, () => {
  it('this test process itself has no Vulkan environment (it goes to the children only)', () => {
    expect(process.env.VK_ICD_FILENAMES ?? '').not.toContain(lavapipeDir);
    expect(existsSync(join(lavapipeDir, 'lvp_icd.json'))).toBe(true);
  });

  it('encodes and decodes on webgpu within the parity tolerance, chunked (odd sizes, state on the GPU) equal to whole, moves to the CPU mid-stream, runs fp16 within its bound, and auto passes over the software adapter', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'unit', 'gpu', 'webgpu-child.ts'), model.dir, caseFile, cacheDir, '3', '1'], {
      cwd: REPO_ROOT,
      env: gpuEnv(),
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (r.status !== 0) throw new Error(`webgpu child failed (${r.status ?? r.signal}):\n${r.stderr}`);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    console.log(`[webgpu] ${model.name}/${caseFile}: ${j.summary}; load ${j.loadSeconds.toFixed(1)} s, runs ${j.runSeconds.toFixed(1)} s; vs reference ${JSON.stringify(j.vsReference)}; vs CPU ${JSON.stringify(j.vsCpu)}`);
    console.log(`[webgpu] Causal Cache state per step kept on the GPU: encoder ${j.stateTraffic.encoder.stateBytesPerStep} B, decoder ${j.stateTraffic.decoder.stateBytesPerStep} B; moved to the CPU mid-stream: ${j.movedToCpu.vsCpuWhole.toExponential(2)} from CPU whole`);
    console.log(`[webgpu] fp16 (${j.fp16.summary}, ${j.fp16.seconds.toFixed(1)} s) vs fp32 on webgpu: mean max |d| ${j.fp16.mean.maxAbs.toExponential(2)} (${j.fp16.mean.psnr.toFixed(1)} dB), video max |d| ${j.fp16.video.maxAbs.toExponential(2)} (${j.fp16.video.psnr.toFixed(1)} dB)`);
    expect(j.provider).toBe('webgpu');
    expect(j.adapter.kind).toBe('software');
    expect(j.summary).toMatch(/^webgpu: \d+ of \d+ nodes; \d+ on CPU \(shape arithmetic\)$/);
    for (const v of Object.values(j.vsReference) as number[]) expect(v).toBeLessThanOrEqual(PARITY_TOL);
    expect(j.cachedVsWhole.mean).toBeLessThanOrEqual(1e-5);
    expect(j.cachedVsWhole.video).toBeLessThanOrEqual(1e-5);
    expect(j.vsCpu.mean).toBeLessThanOrEqual(1e-4);
    expect(j.vsCpu.video).toBeLessThanOrEqual(1e-4);
    // The state stays on the GPU between chunks: none of it comes back to the host.
    for (const side of ['encoder', 'decoder'] as const) {
      const t = j.stateTraffic[side];
      expect(t.steps).toBeGreaterThanOrEqual(3);
      expect(t.stateBytesPerStep).toBeGreaterThan(0);
      expect(t.hostBytes).toBe(0);
      expect(t.deviceBytes).toBeGreaterThan(t.stateBytesPerStep * (t.steps - 1));
    }
    // Two steps on the GPU, then on the CPU from the state brought back (the run-time fallback's path): still exact.
    expect(j.movedToCpu.traffic.steps).toBe(j.stateTraffic.encoder.steps);
    expect(j.movedToCpu.traffic.hostBytes).toBeGreaterThan(0);
    expect(j.movedToCpu.vsCpuWhole).toBeLessThanOrEqual(1e-4);
    // fp16 on webgpu (lavapipe has shader-f16; the decoder in Causal Cache steps, state on the GPU):
    // every float op on the GPU; how far from float32 is checked against an outside estimate below.
    expect(j.fp16.label).toBe('A executed in fp16');
    expect(j.fp16.precision).toBe('fp16');
    expect(j.fp16.summary).toMatch(/^webgpu: \d+ of \d+ nodes; \d+ on CPU \(shape arithmetic\)$/);
    expect(j.fp16.traffic.hostBytes).toBe(0);
    expect(j.fp16.traffic.deviceBytes).toBeGreaterThan(0);
    expect(j.fp16.mean.maxAbs).toBeGreaterThan(0);
    expect(j.fp16.video.maxAbs).toBeGreaterThan(0);
    fp16Seen.child = { mean: j.fp16.mean, video: j.fp16.video };
    expect(j.cpuFp16).toMatch(/^fp16 execution runs on GPU providers only .*Use fp32 on the CPU\.$/);
    // 'auto' does not pick a software rasteriser, and says why.
    expect(j.auto.provider).toBe('cpu');
    expect(j.auto.fallbacks.some((f: { provider: string; stage: string; error: string }) => f.provider === 'webgpu' && f.stage === 'skipped' && /software Vulkan driver/.test(f.error))).toBe(true);
  });

  it("the CLI on webgpu says where the nodes ran, runs fp16 with its deviation from fp32 beside the result, and Dawn's warnings do not reach stderr as if they were errors", () => {
    const golden = join(model.dir, caseFile);
    const out = join(cacheDir, 'enc.safetensors');
    const r = spawnSync(process.execPath, [WFVAE_CLI, 'encode', '--model', model.dir, '--tensor', `${golden}:input`, '--out', out, '--provider', 'webgpu', '--enc-chunk', '5', '--precision', 'fp16'], {
      cwd: REPO_ROOT,
      env: { ...gpuEnv(), WFVAE_CACHE_DIR: cacheDir },
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (r.status !== 0) throw new Error(`wfvae encode failed (${r.status ?? r.signal}):\n${r.stderr}`);
    expect(r.stderr).toMatch(/provider: webgpu: \d+ of \d+ nodes; \d+ on CPU \(shape arithmetic\), in fp16/);
    expect(r.stderr).toMatch(/webgpu adapter: software \(only a software Vulkan driver: libvulkan_lvp\.so/);
    expect(r.stderr).not.toMatch(/^Warning: /m);
    expect(r.stderr).toMatch(/encoded 1x3x9x64x64 -> mean .* on webgpu in fp16/);
    const dev = /precision: fp16 on webgpu; mean vs fp32 on webgpu: max \|d\| (\S+), PSNR (\S+) dB/.exec(r.stderr);
    expect(dev, r.stderr).not.toBeNull();
    expect(Number(dev![1])).toBeGreaterThan(0);
    fp16Seen.cli = { maxAbs: Number(dev![1]), psnr: Number(dev![2]) };
  });

  // The outside estimate: the PyTorch module with weights and every module's output rounded to half
  // (test/helpers/torch_fp16_emulation.py), its error then grown by sqrt(N) for half-precision accumulation over
  // the longest inner product N of any convolution (the typical growth of rounding errors in a sum of N terms,
  // Higham 2002, 3.1 and 3.5). Measured on wfvae-l-tiny t9: emulation 75.2 / 69.6 dB (mean / video), N = 2160
  // (33.3 dB), webgpu fp16 62.3 / 53.9 dB. A cast in the wrong place (fp16 overflow, statistics in half) costs far more.
  const emulationSkip = torchMissing ?? (model.className === 'WFVAEModel' ? undefined : `${model.name} is a ${model.className}; the PyTorch module (training/wfvae) implements WFVAEModel only`);
  it.skipIf(!!emulationSkip)(`fp16 on webgpu stays within what half precision costs this model, estimated outside the app${emulationSkip ? ` (skipped: ${emulationSkip})` : ''}`, () => {
    const r = spawnSync(TORCH_PYTHON, [join(REPO_ROOT, 'test', 'helpers', 'torch_fp16_emulation.py'), model.dir, join(model.dir, caseFile)], { encoding: 'utf8', timeout: 240_000 });
    if (r.status !== 0) throw new Error(`torch_fp16_emulation.py failed (${r.status ?? r.signal}):\n${r.stderr}`);
    const emu = JSON.parse(r.stdout) as { mean: { maxAbs: number; psnr: number }; video: { maxAbs: number; psnr: number }; maxFanIn: number };
    const growth = Math.sqrt(emu.maxFanIn);
    const growthDb = 20 * Math.log10(growth);
    console.log(`[webgpu] fp16 outside estimate: rounding alone mean ${emu.mean.psnr.toFixed(1)} dB, video ${emu.video.psnr.toFixed(1)} dB; accumulation over ${emu.maxFanIn} terms: -${growthDb.toFixed(1)} dB`);
    const { child, cli } = fp16Seen;
    expect(child && cli, 'the two webgpu runs above').toBeTruthy();
    for (const [what, seen, est] of [['mean', child!.mean, emu.mean], ['video', child!.video, emu.video], ['CLI mean (Causal Cache)', cli!, emu.mean]] as const) {
      expect(seen.psnr, what).toBeGreaterThanOrEqual(est.psnr - growthDb);
      expect(seen.maxAbs, what).toBeLessThanOrEqual(est.maxAbs * growth);
    }
  });
});
