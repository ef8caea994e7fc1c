// Execution provider choice, software-adapter detection, node placement and
// the fallback to CPU, on this machine's real onnxruntime-node build.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WfvaeModel, availableProviders, describePlacement, parseProvider, providerCandidates, sessionOptions, webgpuAdapter,
} from '../../../src/engine/runtime/index';
import type { AdapterProbeEnv } from '../../../src/engine/runtime/gpu-adapters';
import { placementFromProfile } from '../../../src/engine/runtime/placement';
import { convertCheckpoint } from '../../../src/engine/onnx/convert';
import { SUBSET_GOLDENS } from '../parity/goldens';

const cacheDir = mkdtempSync(join(tmpdir(), 'wfvae-providers-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
const modelDir = join(SUBSET_GOLDENS, 'wfvae2-tiny');
beforeAll(async () => {
  await convertCheckpoint(modelDir, { cacheDir });
});

const hardware = () => ({ kind: 'hardware' as const, detail: 'test GPU', drivers: [] });
const software = () => ({ kind: 'software' as const, detail: 'only a software Vulkan driver: libvulkan_lvp.so', drivers: [] });

describe('provider candidates', () => {
  it('auto tries GPU providers first (CUDA, DirectML, CoreML, WebGPU), CPU last', () => {
    const all = ['cpu', 'webgpu', 'cuda'] as const;
    expect(providerCandidates('auto', { listed: all, available: all, adapter: hardware }).order).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerCandidates('auto', { listed: ['cpu'], available: ['cpu'] }).order).toEqual(['cpu']);
    expect(providerCandidates('webgpu', { listed: ['cpu'], available: ['cpu'] }).order).toEqual(['webgpu']);
    expect(availableProviders()).toContain('cpu');
  });

  it('auto passes over a provider without its libraries and a software WebGPU adapter, saying why', () => {
    const c = providerCandidates('auto', { listed: ['cpu', 'webgpu', 'cuda'], available: ['cpu', 'webgpu'], adapter: software });
    expect(c.order).toEqual(['cpu']);
    expect(c.skipped.map((s) => [s.provider, s.stage])).toEqual([['cuda', 'skipped'], ['webgpu', 'skipped']]);
    expect(c.skipped[0].error).toMatch(/libraries are not installed/);
    expect(c.skipped[1].error).toMatch(/software Vulkan driver.*slower than the CPU provider; --provider webgpu uses it anyway/);
    // Asked for by name, a software adapter is used.
    expect(providerCandidates('webgpu', { adapter: software }).order).toEqual(['webgpu']);
  });

  it('parses choices case-insensitively and lists them on a typo', () => {
    expect(parseProvider('CPU')).toBe('cpu');
    expect(parseProvider('auto')).toBe('auto');
    expect(() => parseProvider('gpu')).toThrow(/choose one of auto, cpu, webgpu, cuda, dml, coreml/);
  });

  it('sets full graph optimisation, the thread count, and no arena or memory pattern', () => {
    expect(sessionOptions('cpu', 3)).toMatchObject({ executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 3, enableCpuMemArena: false, enableMemPattern: false });
    expect(sessionOptions('cpu')).not.toHaveProperty('intraOpNumThreads');
    expect(sessionOptions('cpu', undefined, { profilePrefix: '/tmp/p' })).toMatchObject({ enableProfiling: true, profileFilePrefix: '/tmp/p' });
    expect(() => sessionOptions('cpu', 0)).toThrow(/threads must be a positive integer/);
  });
});

describe('WebGPU adapter detection', () => {
  const fake = (files: Record<string, string>, env: NodeJS.ProcessEnv, devices: string[] = []): AdapterProbeEnv => ({
    platform: 'linux',
    env,
    exists: (p) => devices.includes(p) || p in files,
    list: (dir) => [
      ...Object.keys(files).filter((f) => f.startsWith(dir + '/')).map((f) => f.slice(dir.length + 1)),
      ...devices.filter((d) => d.startsWith(dir + '/')).map((d) => d.slice(dir.length + 1)),
    ],
    read: (p) => {
      if (!(p in files)) throw new Error('ENOENT');
      return files[p];
    },
  });
  const icd = (lib: string) => JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: lib, api_version: '1.4.305' } });

  it('a lone lavapipe is software, named by its manifest', () => {
    const r = webgpuAdapter(fake({ '/opt/lvp/lvp_icd.json': icd('/opt/lvp/libvulkan_lvp.so') }, { VK_ICD_FILENAMES: '/opt/lvp/lvp_icd.json' }));
    expect(r.kind).toBe('software');
    expect(r.detail).toBe('only a software Vulkan driver: libvulkan_lvp.so (/opt/lvp/lvp_icd.json)');
  });

  it("mesa's hardware drivers without a render node do not count; with one they do", () => {
    const files = {
      '/usr/share/vulkan/icd.d/radeon_icd.x86_64.json': icd('libvulkan_radeon.so'),
      '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json': icd('libvulkan_lvp.so'),
    };
    const none = webgpuAdapter(fake(files, { HOME: '/root' }));
    expect(none.kind).toBe('software');
    expect(none.detail).toMatch(/libvulkan_lvp\.so .*; libvulkan_radeon\.so installed but no device for it/);
    expect(webgpuAdapter(fake(files, { HOME: '/root' }, ['/dev/dri/renderD128'])).kind).toBe('hardware');
  });

  it('NVIDIA needs /dev/nvidia0; no driver at all is "none"', () => {
    const files = { '/etc/vulkan/icd.d/nvidia_icd.json': icd('libGLX_nvidia.so.0') };
    expect(webgpuAdapter(fake(files, { HOME: '/root' })).kind).toBe('none');
    expect(webgpuAdapter(fake(files, { HOME: '/root' }, ['/dev/nvidia0'])).detail).toMatch(/libGLX_nvidia\.so\.0 .* with its device present/);
    expect(webgpuAdapter(fake({}, { HOME: '/root' }))).toMatchObject({ kind: 'none', detail: 'no Vulkan driver installed' });
  });
});

describe('node placement from the profile', () => {
  const ev = (node: string, provider: string, op: string, type: string) => ({
    cat: 'Node',
    name: `${node}_kernel_time`,
    args: { provider, op_name: op, output_type_shape: [{ [type]: [1, 2] }] },
  });

  it('counts each node once and names float ops left on the CPU', () => {
    const p = placementFromProfile([
      ev('a', 'WebGpuExecutionProvider', 'Conv', 'float'),
      ev('a', 'WebGpuExecutionProvider', 'Conv', 'float'),
      ev('b', 'WebGpuExecutionProvider', 'Add', 'float'),
      ev('s', 'CPUExecutionProvider', 'Shape', 'int64'),
      { cat: 'Session', name: 'model_run' },
    ]);
    expect(p).toEqual({ nodes: { webgpu: 2, cpu: 1 }, total: 3, cpuFloatOps: {} });
    expect(describePlacement('webgpu', p)).toBe('webgpu: 2 of 3 nodes; 1 on CPU (shape arithmetic)');
    const q = placementFromProfile([ev('a', 'WebGpuExecutionProvider', 'Conv', 'float'), ev('r', 'CPUExecutionProvider', 'Resize', 'float')]);
    expect(describePlacement('webgpu', q)).toBe('webgpu: 1 of 2 nodes; 1 on CPU (including Resize x1)');
    expect(describePlacement('cpu', { nodes: { cpu: 9 }, total: 9, cpuFloatOps: {} })).toBe('cpu: all 9 nodes');
  });
});

describe('loading a model on a provider', () => {
  it('auto proves every graph and reports where the nodes ran, from onnxruntime', async () => {
    const m = await WfvaeModel.load(modelDir, { provider: 'auto', threads: 1, convert: { cacheDir }, probe: { listed: ['cpu'], available: ['cpu'] } });
    try {
      expect(m.provider).toBe('cpu');
      const r = m.execution;
      expect(r.requested).toBe('auto');
      expect(Object.keys(r.placement).sort()).toEqual(['decoder', 'decoder-step', 'encoder', 'encoder-step']);
      for (const p of Object.values(r.placement)) {
        expect(p.total).toBeGreaterThan(20);
        expect(p.nodes).toEqual({ cpu: p.total });
      }
      expect(r.summary).toMatch(/^cpu: all \d+ nodes$/);
    } finally {
      await m.dispose();
    }
  });

  it.runIf(process.platform === 'linux')('falls back past providers that cannot start and says why', async () => {
    const m = await WfvaeModel.load(modelDir, {
      threads: 1,
      convert: { cacheDir },
      probe: { listed: ['cpu', 'coreml', 'dml'], available: ['cpu', 'coreml', 'dml'] },
    });
    try {
      expect(m.provider).toBe('cpu');
      expect(m.providerFallbacks.map((f) => [f.provider, f.stage, f.graph])).toEqual([
        ['dml', 'create', 'encoder'],
        ['coreml', 'create', 'encoder'],
      ]);
      for (const f of m.providerFallbacks) expect(f.error.length).toBeGreaterThan(0);
    } finally {
      await m.dispose();
    }
  });

  it.runIf(process.platform === 'linux')('an explicit provider that cannot start is an error naming it', async () => {
    await expect(WfvaeModel.load(modelDir, { provider: 'coreml', convert: { cacheDir } })).rejects.toThrow(/cannot run this model on coreml \(coreml could not start encoder: .*\)\. Try --provider auto or cpu/);
  });
});
