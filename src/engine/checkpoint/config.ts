/**
 * config.json parsing and validation. Only configurations the reference can
 * actually build and run pass; everything else fails with a message naming the
 * key, the value and what is allowed.
 *
 * Unknown keys are an error, not a warning: diffusers' save_config writes
 * exactly the __init__ arguments plus "_"-prefixed metadata, so an unknown key
 * in a real config is a typo (e.g. "l1_downsample_block" for the reference's
 * "l1_dowmsample_block") that would otherwise silently fall back to a default
 * and build a different model than the weights were trained for.
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { z } from 'zod';
import { CheckpointError, cappedList, ioError } from './errors';
import { clipText, quoteName, quoteValue } from './clip-text';
import { describeJsonErrorLocation } from './json-error';
import { describeExcessNesting } from './json-depth';
import { readSmallRegularFile } from './regular-file';
import { GROUPNORM_GROUPS, normLayers } from './norm-layers';
import {
  CONFIG_LIMITS,
  KNOWN_CLASSES,
  MODEL_SCHEMAS,
  type ModelClassName,
  type ModelConfig,
  type WFVAE2Config,
  type WFVAEConfig,
} from './config-schema';

export type { ModelConfig, WFVAEConfig, WFVAE2Config, ModelClassName } from './config-schema';
export { KNOWN_CLASSES } from './config-schema';

export const CONFIG_FILE = 'config.json';

/** A real config.json is about 1 kB; this leaves room for any metadata without reading a device or a huge file. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** A config is a flat object whose values are at most lists of numbers or strings. */
export const MAX_CONFIG_NESTING = 32;

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

function suggestion(key: string, known: readonly string[]): string {
  // No real key is this long; comparing a huge one would only cost time.
  if (key.length > 64) return '';
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 4)) ? ` (did you mean "${best}"?)` : '';
}

function valueAt(json: Record<string, unknown>, path: readonly PropertyKey[]): unknown {
  let v: unknown = json;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function keyName(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i > 0 ? '.' : ''}${String(k)}`)).join('');
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${quoteValue(v)}`;
  if (typeof v === 'number' && !Number.isInteger(v)) return `the number ${v}`;
  return `${typeof v} ${quoteValue(v)}`;
}

/**
 * diffusers' own entries ("_class_name", "_diffusers_version", "_name_or_path"): one leading
 * underscore. "__proto__" and the other dunder names of JavaScript objects are not metadata but
 * keys no config has, and one of them names the object's prototype: they are unknown keys.
 */
function isMetadataKey(key: string): boolean {
  return key.startsWith('_') && !key.startsWith('__');
}

interface Problem {
  kind: 'type' | 'option';
  text: string;
}

/** Why a size has an upper bound, by the limit crossed (see CONFIG_LIMITS). */
function limitReason(maximum: unknown, isList: boolean): string {
  if (isList) {
    if (maximum === CONFIG_LIMITS.levels) return 'WF-VAE models have 2 levels';
    if (maximum === CONFIG_LIMITS.midLayers) return 'the reference uses 3 mid layers';
    return 'longer lists are not a model anyone trains';
  }
  switch (maximum) {
    case CONFIG_LIMITS.blocks:
      return 'the reference uses 1-4 blocks per stack; a model this deep would not fit in memory';
    case CONFIG_LIMITS.channels:
      return 'released models use 128-512 channels; this width would need far more memory than any machine has';
    case CONFIG_LIMITS.latentDim:
      return 'released models use latent_dim 4-32';
    default:
      return 'no WF-VAE is this large';
  }
}

function issueToProblem(issue: z.core.$ZodIssue, json: Record<string, unknown>): Problem {
  const key = clipText(keyName(issue.path));
  const value = valueAt(json, issue.path);
  switch (issue.code) {
    case 'invalid_value':
      return {
        kind: 'option',
        text: `"${key}" is ${quoteValue(value)}; allowed values: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'invalid_type':
      if (issue.expected === 'int') return { kind: 'type', text: `"${key}" must be an integer, found ${describeType(value)}` };
      return { kind: 'type', text: `"${key}" must be ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, found ${describeType(value)}` };
    case 'too_small':
      if (issue.origin === 'array') return { kind: 'option', text: `"${key}" needs at least ${String(issue.minimum)} entries, found ${Array.isArray(value) ? value.length : quoteValue(value)}` };
      return { kind: 'option', text: `"${key}" must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}, found ${quoteValue(value)}` };
    case 'too_big':
      if (issue.origin === 'array') {
        const n = Array.isArray(value) ? value.length : '?';
        return { kind: 'option', text: `"${key}" has ${n} entries, above the limit of ${String(issue.maximum)} (${limitReason(issue.maximum, true)})` };
      }
      if (!issue.inclusive) return { kind: 'option', text: `"${key}" must be < ${String(issue.maximum)}, found ${quoteValue(value)}` };
      return { kind: 'option', text: `"${key}" is ${quoteValue(value)}, above the limit of ${String(issue.maximum)} (${limitReason(issue.maximum, false)})` };
    default:
      return { kind: 'option', text: `"${key}": ${issue.message}, found ${quoteValue(value)}` };
  }
}

/** Block/wavelet combinations the reference can run (its connect convs hard-code 12 or 24 channels). */
function wfvaeCombinationProblems(c: WFVAEConfig): string[] {
  const problems: string[] = [];
  const l1 = `l1_dowmsample_block "${c.l1_dowmsample_block}" with l1_downsample_wavelet "${c.l1_downsample_wavelet}"`;
  const l1Is4x = c.l1_dowmsample_block === 'Downsample';
  if (l1Is4x !== (c.l1_downsample_wavelet === 'HaarWaveletTransform2D')) {
    problems.push(`${l1} cannot run: use ("Downsample", "HaarWaveletTransform2D") for 4x temporal compression or ("Spatial2xTime2x3DDownsample", "HaarWaveletTransform3D") for 8x`);
  }
  if (c.l2_dowmsample_block !== 'Spatial2xTime2x3DDownsample' || c.l2_downsample_wavelet !== 'HaarWaveletTransform3D') {
    problems.push(`l2_dowmsample_block "${c.l2_dowmsample_block}" with l2_downsample_wavelet "${c.l2_downsample_wavelet}" cannot run: level 2 must be ("Spatial2xTime2x3DDownsample", "HaarWaveletTransform3D")`);
  }
  const wantUp = l1Is4x ? 'Upsample' : 'Spatial2xTime2x3DUpsample';
  const wantUpWavelet = l1Is4x ? 'InverseHaarWaveletTransform2D' : 'InverseHaarWaveletTransform3D';
  if (c.l1_upsample_block !== wantUp || c.l1_upsample_wavelet !== wantUpWavelet) {
    problems.push(`l1_upsample_block "${c.l1_upsample_block}" with l1_upsample_wavelet "${c.l1_upsample_wavelet}" does not mirror the encoder's level 1 ("${c.l1_dowmsample_block}"): expected ("${wantUp}", "${wantUpWavelet}")`);
  }
  if (c.l2_upsample_block !== 'Spatial2xTime2x3DUpsample' || c.l2_upsample_wavelet !== 'InverseHaarWaveletTransform3D') {
    problems.push(`l2_upsample_block "${c.l2_upsample_block}" with l2_upsample_wavelet "${c.l2_upsample_wavelet}" cannot run: level 2 must be ("Spatial2xTime2x3DUpsample", "InverseHaarWaveletTransform3D")`);
  }
  return problems;
}

function wfvae2ShapeProblems(c: WFVAE2Config, decoderBaseGiven: boolean): string[] {
  const problems: string[] = [];
  const L = c.layer_type.length;
  if (c.input_type === 'image') {
    problems.push('"input_type" "image" (a 2D image-only model) is not supported: this app runs video models; use input_type "video"');
  }
  if (L !== 2) {
    problems.push(`"layer_type" has ${L} levels; WF-VAE models here compress space 8x (the input wavelet plus 2 levels), so it needs exactly 2 entries such as ["hw", "thw"]`);
  } else if (!c.layer_type.includes('thw')) {
    problems.push('"layer_type" ["hw", "hw"] compresses time only 2x; supported models compress time 4x (one "thw") or 8x (two "thw")');
  }
  if (c.layer_res_type.length !== L) {
    problems.push(`"layer_res_type" has ${c.layer_res_type.length} entries but "layer_type" has ${L}: they must pair up`);
  }
  if (c.base_channels.length !== L + 1) {
    problems.push(`"base_channels" has ${c.base_channels.length} entries; with ${L} levels it needs ${L + 1} (input width, then one per level)`);
  }
  if (decoderBaseGiven && c.decoder_base_channels.length !== L + 1) {
    problems.push(`"decoder_base_channels" has ${c.decoder_base_channels.length} entries; with ${L} levels it needs ${L + 1}`);
  }
  return problems;
}

function groupnormProblems(cfg: ModelConfig): string[] {
  if (cfg.norm_type !== 'groupnorm') return [];
  const bad = normLayers(cfg).filter((n) => n.channels % GROUPNORM_GROUPS !== 0);
  if (bad.length === 0) return [];
  const list = bad.map((n) => `${n.path} (${n.channels})`);
  return [`norm_type "groupnorm" uses ${GROUPNORM_GROUPS} groups, so every normalized width must be a multiple of ${GROUPNORM_GROUPS}; these are not: ${cappedList(list, 6)}. Check base_channels and the energy-flow sizes`];
}

/**
 * Validates a parsed config.json object. `source` (usually the file path)
 * prefixes every message.
 */
export function parseModelConfig(json: unknown, source: string): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError('bad_config', `${source}: a model config must be a JSON object, found ${describeType(json)}.`);
  }
  const obj = json as Record<string, unknown>;
  const className = obj._class_name;
  if (typeof className !== 'string' || !(KNOWN_CLASSES as string[]).includes(className)) {
    const found = className === undefined ? 'no "_class_name"' : `"_class_name" ${quoteValue(className)}`;
    throw new CheckpointError('unknown_class', `${source}: ${found}; known model classes: ${KNOWN_CLASSES.join(', ')}. Is this a WF-VAE checkpoint?`);
  }
  const cls = className as ModelClassName;
  const schema = MODEL_SCHEMAS[cls];
  const knownKeys = Object.keys(schema.shape);
  const options: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (isMetadataKey(k)) continue;
    if (knownKeys.includes(k)) options[k] = v;
    else unknown.push(`${quoteName(k)}${suggestion(k, knownKeys)}`);
  }

  const problems: Problem[] = [];
  if (unknown.length > 0) {
    problems.push({ kind: 'type', text: `unknown key${unknown.length > 1 ? 's' : ''} for ${cls}: ${cappedList(unknown)}` });
  }
  const result = schema.safeParse(options);
  if (!result.success) problems.push(...result.error.issues.map((i) => issueToProblem(i, options)));
  if (problems.length === 0 && result.success) {
    let cfg: ModelConfig;
    const combos: string[] = [];
    if (cls === 'WFVAEModel') {
      const c = result.data as WFVAEConfig;
      combos.push(...wfvaeCombinationProblems(c));
      cfg = { className: 'WFVAEModel', ...c };
    } else {
      const raw = result.data as z.output<typeof MODEL_SCHEMAS.WFVAE2Model>;
      const c: WFVAE2Config = { ...raw, decoder_base_channels: raw.decoder_base_channels ?? raw.base_channels };
      combos.push(...wfvae2ShapeProblems(c, raw.decoder_base_channels !== null));
      cfg = { className: 'WFVAE2Model', ...c };
    }
    if (combos.length === 0) combos.push(...groupnormProblems(cfg));
    if (combos.length === 0) return cfg;
    problems.push(...combos.map((text) => ({ kind: 'option' as const, text })));
  }

  const texts = [...problems.filter((p) => p.kind === 'type'), ...problems.filter((p) => p.kind === 'option')].map((p) => p.text);
  const code = problems.some((p) => p.kind === 'type') ? 'bad_config' : 'bad_option';
  throw new CheckpointError(code, `${source}: invalid ${cls} config: ${cappedList(texts, 6, '; ')}`, texts);
}

/** Reads and validates config.json from a checkpoint folder (or the path of the json file itself). */
export async function loadModelConfig(dir: string): Promise<ModelConfig> {
  let path = join(dir, CONFIG_FILE);
  try {
    if ((await stat(dir)).isFile() && dir.endsWith('.json')) path = dir;
  } catch (err) {
    throw ioError(err, dir, 'checkpoint folder');
  }
  const { json } = await readConfigJson(path);
  return parseModelConfig(json, path);
}

/** The raw bytes (for hashing) and parsed JSON of a config file. */
export async function readConfigJson(path: string): Promise<{ bytes: Buffer; json: unknown }> {
  const bytes = await readSmallRegularFile(path, MAX_CONFIG_BYTES, basename(path), 'a model config.json is a few kB: pass the config.json that save_pretrained wrote.');
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const nesting = describeExcessNesting(text, MAX_CONFIG_NESTING);
  if (nesting) {
    throw new CheckpointError('bad_config', `${path} is not a model config: its JSON ${nesting}, and a config.json is a flat object of options. Fix the file or re-export it with save_pretrained.`);
  }
  try {
    return { bytes, json: JSON.parse(text) };
  } catch (err) {
    const where = describeJsonErrorLocation(text) || (err instanceof Error ? err.message : String(err));
    throw new CheckpointError('bad_config', `${path} is not valid JSON: ${where}. Fix the file or re-export it with save_pretrained.`);
  }
}
