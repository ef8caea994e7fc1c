// Execution provider choice and the fallback to CPU, on this machine's real
// onnxruntime-node build.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableProviders, createSession, parseProvider, providerCandidates, sessionOptions } from '../../../src/main/engine/runtime/index';
import { convertCheckpoint } from '../../../src/main/engine/onnx/convert';
import { SUBSET_GOLDENS } from '../parity/goldens';

const cacheDir = mkdtempSync(join(tmpdir(), 'wfvae-providers-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
let encoderPath: string;
beforeAll(async () => {
  encoderPath = (await convertCheckpoint(join(SUBSET_GOLDENS, 'wfvae2-tiny'), { cacheDir })).graphPath('encoder');
});

describe('providers', () => {
  it('auto tries GPU providers first (CUDA, DirectML, CoreML, WebGPU), CPU last', () => {
    expect(providerCandidates('auto', ['cpu', 'webgpu', 'cuda'])).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerCandidates('auto', ['cpu'])).toEqual(['cpu']);
    expect(providerCandidates('webgpu', ['cpu'])).toEqual(['webgpu']);
    expect(availableProviders()).toContain('cpu');
  });

  it('parses choices case-insensitively and lists them on a typo', () => {
    expect(parseProvider('CPU')).toBe('cpu');
    expect(parseProvider('auto')).toBe('auto');
    expect(() => parseProvider('gpu')).toThrow(/choose one of auto, cpu, webgpu, cuda, dml, coreml/);
  });

  it('sets full graph optimisation and the thread count', () => {
    expect(sessionOptions('cpu', 3)).toMatchObject({ executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 3 });
    expect(sessionOptions('cpu')).not.toHaveProperty('intraOpNumThreads');
    expect(() => sessionOptions('cpu', 0)).toThrow(/threads must be a positive integer/);
  });

  it.runIf(process.platform === 'linux')('falls back past a provider that cannot start and says why', async () => {
    const s = await createSession(encoderPath, { threads: 1 }, ['coreml', 'dml', 'cpu']);
    try {
      expect(s.provider).toBe('cpu');
      expect(s.failed.map((f) => f.provider)).toEqual(['coreml', 'dml']);
      for (const f of s.failed) expect(f.error.length).toBeGreaterThan(0);
    } finally {
      await s.session.release();
    }
  });

  it.runIf(process.platform === 'linux')('an explicit provider that cannot start is an error naming it', async () => {
    await expect(createSession(encoderPath, { provider: 'coreml' })).rejects.toThrow(/cannot create an onnxruntime session .*coreml: .*Try --provider auto or cpu/);
  });

  it('auto ends on a working provider', async () => {
    const s = await createSession(encoderPath, { provider: 'auto', threads: 1 });
    try {
      expect(availableProviders()).toContain(s.provider);
    } finally {
      await s.session.release();
    }
  });
});
