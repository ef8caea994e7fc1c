// Where the parity fixtures are: the full reference goldens beside the clone
// (../shared/goldens or WFVAE_GOLDENS, as CI and the team machines have them;
// required under CI=true) or the subset kept in the repo, so a fresh clone
// still checks parity; and the reference goldens made for this repository
// (test/fixtures/reference-goldens: the 8x temporal variant, a larger WFVAE2,
// the legacy AttnBlock3D attention).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile } from '../../../src/engine/checkpoint/index';
import type { Tensor } from '../../../src/engine/tensor';
import { FULL_GOLDENS, REPO_ROOT, SHARED_GOLDENS } from '../../helpers/shared-goldens';

export { FULL_GOLDENS, REPO_ROOT, SHARED_GOLDENS };
export const SUBSET_GOLDENS = join(REPO_ROOT, 'test', 'fixtures', 'goldens-subset');
/** Made by scripts/reference/make_goldens.py from the public reference (its manifest names the commit). */
export const REFERENCE_GOLDENS = join(REPO_ROOT, 'test', 'fixtures', 'reference-goldens');
export const WFVAE_CLI = join(REPO_ROOT, 'bin', 'wfvae.mjs');

/** The tolerance the brief sets for parity with the reference (max abs difference). */
export const PARITY_TOL = 2e-4;

export interface GoldenModel {
  name: string;
  dir: string;
  className: 'WFVAEModel' | 'WFVAE2Model';
  cases: string[];
}

export const GOLDENS_ROOT = FULL_GOLDENS ? SHARED_GOLDENS : SUBSET_GOLDENS;

export function goldenModels(root = GOLDENS_ROOT): GoldenModel[] {
  const m = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as {
    models: Record<string, { class: GoldenModel['className']; cases: { file: string }[] }>;
  };
  return Object.entries(m.models).map(([name, v]) => ({ name, dir: join(root, name), className: v.class, cases: v.cases.map((c) => c.file) }));
}

/** Every tensor of a case file, widened to float32. */
export async function readCase(path: string): Promise<Map<string, Tensor>> {
  const f = await SafetensorsFile.open(path);
  try {
    const out = new Map<string, Tensor>();
    for (const [name, e] of f.entries) out.set(name, { data: await f.readF32(name), shape: [...e.shape] });
    return out;
  } finally {
    await f.close();
  }
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (a.shape.join(',') !== b.shape.join(',')) throw new Error(`shape mismatch: (${a.shape.join(', ')}) vs (${b.shape.join(', ')})`);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** enc.h split into the encoder's mean and its logvar clamped as the graph does ([-30, 20]). */
export function splitMoments(h: Tensor): { mean: Tensor; logvar: Tensor } {
  const [b, c, ...rest] = h.shape;
  const half = h.data.length / 2;
  const shape = [b, c / 2, ...rest];
  const logvar = h.data.slice(half).map((v) => Math.min(20, Math.max(-30, v)));
  return { mean: { data: h.data.slice(0, half), shape }, logvar: { data: logvar, shape } };
}

/** Names in a case file that are coefficient/tap tensors (not input, enc.h or dec.x). */
export function coefficientNames(caseTensors: Map<string, Tensor>, prefix: 'enc.' | 'dec.'): string[] {
  return [...caseTensors.keys()].filter((k) => k.startsWith(prefix) && k !== 'enc.h' && k !== 'dec.x');
}
