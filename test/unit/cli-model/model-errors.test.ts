// What the model commands tell users who pass the wrong thing.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../src/engine/checkpoint/index';
import { SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'wfvae-model-errors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };
const model = join(SUBSET_GOLDENS, 'wfvae2-tiny');

/** Runs the CLI expecting failure; returns exit code and stderr. */
async function fails(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  const r = await run(process.execPath, [WFVAE_CLI, ...args], { env: { ...env, ...extraEnv } }).then(
    () => null,
    (e: { code: number; stderr: string }) => e,
  );
  expect(r, `wfvae ${args.join(' ')} must fail`).not.toBeNull();
  return { code: r!.code, stderr: r!.stderr };
}

async function tensorFile(name: string, shape: number[]): Promise<string> {
  const path = join(work, `${name}.safetensors`);
  await writeSafetensors(path, [{ name: 'x', data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape }]);
  return path;
}

describe('model command errors', () => {
  it('no --model and no bundled demo model: says so and how to pass one', async () => {
    const r = await fails(['encode', '--tensor', 'x.safetensors:input', '--out', join(work, 'o.safetensors')], { WFVAE_DEMO_MODEL: join(work, 'no-demo-here') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bundled demo model is not installed \(looked for .*no-demo-here\)/);
    expect(r.stderr).toMatch(/--model/);
  });

  it('a clip length the model cannot take: lists the lengths that work', async () => {
    const path = await tensorFile('t8', [1, 3, 8, 64, 64]);
    const r = await fails(['encode', '--model', model, '--tensor', `${path}:x`, '--out', join(work, 'o.safetensors'), '--provider', 'cpu']);
    expect(r.stderr).toMatch(/needs 1 \+ 4k frames .* got 8\. Use 5 or 9 frames/);
  });

  it('a height that is not a multiple of 8', async () => {
    const path = await tensorFile('h60', [3, 5, 60, 64]);
    const r = await fails(['encode', '--model', model, '--tensor', `${path}:x`, '--out', join(work, 'o.safetensors'), '--provider', 'cpu']);
    expect(r.stderr).toMatch(/height must be a multiple of 8; got 60\. Crop or resize to 56 or 64/);
  });

  it('mean and logvar stacked passed as the latent: says to pass the mean', async () => {
    const path = await tensorFile('moments', [1, 16, 2, 8, 8]);
    const r = await fails(['decode', '--model', model, '--latents', `${path}:x`, '--out', join(work, 'o.safetensors'), '--provider', 'cpu']);
    expect(r.stderr).toMatch(/latent must have 8 channels .* got 16 .* pass the mean only/);
  });

  it('a tensor name the file does not have: lists the names it has', async () => {
    const path = await tensorFile('named', [1, 8, 2, 8, 8]);
    const r = await fails(['decode', '--model', model, '--latents', `${path}:mean`, '--out', join(work, 'o.safetensors')]);
    expect(r.stderr).toMatch(/has no tensor named "mean"\. Available \(1\): x \[1, 8, 2, 8, 8\]/);
  });

  it('a folder that is neither a checkpoint nor a converted folder', async () => {
    const dir = join(work, 'empty-model');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const r = await fails(['convert', dir]);
    expect(r.stderr).toMatch(/not a WF-VAE checkpoint folder: expected config\.json and diffusion_pytorch_model\.safetensors/);
    expect(r.stderr).toMatch(/manifest\.json/);
  });

  it('an unknown provider: lists the choices', async () => {
    const r = await fails(['encode', '--model', model, '--tensor', 'a.safetensors:x', '--out', join(work, 'o.safetensors'), '--provider', 'tpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown execution provider "tpu"; choose one of auto, cpu, webgpu, cuda, dml, coreml/);
  });
  it('--precision fp16 on the CPU is refused with why and what to do; an unknown precision is a usage error', async () => {
    const path = await tensorFile('t5', [1, 3, 5, 64, 64]);
    const r = await fails(['encode', '--model', model, '--tensor', `${path}:x`, '--out', join(work, 'o.safetensors'), '--provider', 'cpu', '--precision', 'fp16']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fp16 execution runs on GPU providers only \(webgpu, cuda, dml, coreml\).*Use fp32 on the CPU/);
    const u = await fails(['decode', '--model', model, '--latents', `${path}:x`, '--out', join(work, 'o.safetensors'), '--precision', 'fp64']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--precision: unknown precision "fp64"; choose fp32 \(default\) or fp16/);
  });
});
