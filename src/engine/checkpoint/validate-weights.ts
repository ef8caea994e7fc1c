/**
 * Compares the weights a graph asks for (recorded by the graph builder) with
 * what a checkpoint holds. All differences are collected before throwing, so
 * one run tells the user everything that is wrong with the pairing.
 */
import { CheckpointError, cappedList } from './errors';
import { clipText } from './clip-text';
import type { SafetensorsFile } from './safetensors-file';

const shapeText = (s: readonly number[]) => `[${clipText(s.join(', '))}]`;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Throws one CheckpointError when anything differs. Its code is the most
 * fundamental problem present (missing_weights, then shape_mismatch, then
 * unexpected_weights); the message summarizes every category, and `details`
 * lists every name, prefixed "missing:", "shape:" or "unexpected:".
 */
export function validateWeights(
  expected: ReadonlyMap<string, readonly number[]>,
  file: Pick<SafetensorsFile, 'entries'> & { path?: string },
  opts?: { allowExtra?: (name: string) => boolean },
): void {
  const missing: string[] = [];
  const mismatched: string[] = [];
  const unexpected: string[] = [];
  for (const [name, shape] of expected) {
    const e = file.entries.get(name);
    if (!e) missing.push(`${name} ${shapeText(shape)}`);
    else if (!sameShape(shape, e.shape)) mismatched.push(`${name}: expected ${shapeText(shape)}, found ${shapeText(e.shape)}`);
  }
  for (const name of file.entries.keys()) {
    if (!expected.has(name) && !(opts?.allowExtra?.(name) ?? false)) unexpected.push(clipText(name));
  }
  if (missing.length + mismatched.length + unexpected.length === 0) return;

  const parts: string[] = [];
  if (missing.length) parts.push(`${missing.length} missing weight${missing.length > 1 ? 's' : ''} (name and expected shape): ${cappedList(missing, 8)}`);
  if (mismatched.length) parts.push(`${mismatched.length} shape mismatch${mismatched.length > 1 ? 'es' : ''}: ${cappedList(mismatched, 8)}`);
  if (unexpected.length) parts.push(`${unexpected.length} unexpected weight${unexpected.length > 1 ? 's' : ''}: ${cappedList(unexpected, 8)}`);
  const hint = mismatched.length || missing.length
    ? 'The weights do not fit the model config.json describes: check that config.json belongs to this checkpoint (base_channels, latent_dim, energy-flow sizes, num_resblocks, use_attention).'
    : 'The checkpoint holds weights this model does not use: check config.json (e.g. use_attention, connect_res_layer_num) or strip training-only tensors.';
  const code = missing.length ? 'missing_weights' : mismatched.length ? 'shape_mismatch' : 'unexpected_weights';
  const where = file.path ? `${file.path}: ` : '';
  throw new CheckpointError(code, `${where}${parts.join('. ')}. ${hint}`, [
    ...missing.map((m) => `missing: ${m}`),
    ...mismatched.map((m) => `shape: ${m}`),
    ...unexpected.map((u) => `unexpected: ${u}`),
  ]);
}
