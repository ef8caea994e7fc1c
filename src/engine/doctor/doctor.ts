// `wfvae doctor`: everything that can be wrong with a checkpoint, in one
// report: its identity (SHA-256), every weight's statistics and what is odd
// about them, whether config.json describes the weights, which released
// variant it resembles, and whether the CPU and a GPU provider agree on it.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CONFIG_FILE, hashCheckpoint, parseModelConfig, WEIGHTS_FILE, type ModelConfig, type StorageDtype } from '../checkpoint/index';
import { readConfigJson } from '../checkpoint/config';
import { SafetensorsFile } from '../checkpoint/safetensors-file';
import type { ConvertOptions } from '../onnx/convert';
import type { ProviderChoice } from '../runtime/providers';
import { checkConsistency, type ConsistencyReport } from './consistency';
import { weightFindings, type Finding } from './findings';
import { parityCheck, type ParityReport } from './parity';
import { resembles, type VariantReport } from './variants';
import { weightStats, type WeightStat } from './weight-stats';

export interface DoctorReport {
  checkpoint: string;
  /** The checkpoint's identity as this tool keys it (config.json + weights): the model SHA in eval results. */
  sha256: string | null;
  /** Plain SHA-256 of the .safetensors file, as model hubs list it. */
  weightsFileSha256: string;
  file: { bytes: number; tensors: number; parameters: number; dtypes: Partial<Record<StorageDtype, number>> };
  config: ModelConfig | null;
  configError: string | null;
  weights: WeightStat[];
  findings: Finding[];
  consistency: ConsistencyReport | null;
  variant: VariantReport | null;
  parity: ParityReport | null;
  verdict: 'healthy' | 'warnings' | 'problems';
}

export interface DoctorOptions {
  parity?: boolean;
  provider?: ProviderChoice;
  threads?: number;
  convert?: ConvertOptions;
  signal?: AbortSignal;
  onPhase?: (phase: string, done: number, total: number) => void;
}

async function paths(input: string): Promise<{ dir: string; config: string; weights: string }> {
  const s = await stat(input).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${input} (${err.code ?? err.message}): pass a checkpoint folder (config.json + ${WEIGHTS_FILE}) or its .safetensors file`);
  });
  if (s.isDirectory()) return { dir: input, config: join(input, CONFIG_FILE), weights: join(input, WEIGHTS_FILE) };
  if (basename(input) === CONFIG_FILE) return { dir: dirname(input), config: input, weights: join(dirname(input), WEIGHTS_FILE) };
  return { dir: dirname(input), config: join(dirname(input), CONFIG_FILE), weights: input };
}

async function fileSha256(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(8 << 20);
    for (let pos = 0; ; ) {
      signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

export async function runDoctor(input: string, o: DoctorOptions = {}): Promise<DoctorReport> {
  const p = await paths(input);
  const findings: Finding[] = [];
  // The weights file first: without a readable header there is nothing else to look at.
  const file = await SafetensorsFile.open(p.weights);
  const shapes = new Map([...file.entries.values()].map((e) => [e.name, e.shape] as const));
  const dtypes: Partial<Record<StorageDtype, number>> = {};
  for (const e of file.entries.values()) dtypes[e.dtype] = (dtypes[e.dtype] ?? 0) + 1;
  const fileInfo = { bytes: file.fileSize, tensors: file.entries.size, parameters: [...file.entries.values()].reduce((s, e) => s + e.shape.reduce((a, b) => a * b, 1), 0), dtypes };
  await file.close();
  if (Object.keys(dtypes).length > 1) findings.push({ severity: 'info', kind: 'dtype', subject: null, message: `mixed storage dtypes: ${Object.entries(dtypes).map(([d, n]) => `${n} ${d}`).join(', ')}` });

  o.onPhase?.('hashing', 0, 1);
  const weightsFileSha256 = await fileSha256(p.weights, o.signal);
  let config: ModelConfig | null = null;
  let configError: string | null = null;
  let sha256: string | null = null;
  try {
    const { bytes, json } = await readConfigJson(p.config);
    sha256 = await hashCheckpoint(bytes, p.weights, { signal: o.signal });
    config = parseModelConfig(json, p.config);
  } catch (err) {
    configError = err instanceof Error ? err.message : String(err);
    findings.push({ severity: 'error', kind: 'config', subject: CONFIG_FILE, message: configError });
  }

  o.onPhase?.('weights', 0, 1);
  const weights = await weightStats(p.weights, { signal: o.signal, onProgress: (d, t) => o.onPhase?.('weights', d, t) });
  findings.push(...weightFindings(weights));

  let consistency: ConsistencyReport | null = null;
  let variant: VariantReport | null = null;
  if (config) {
    const c = checkConsistency(config, shapes);
    consistency = c.report;
    findings.push(...c.findings);
    variant = resembles(config, fileInfo.parameters);
  }

  let parity: ParityReport | null = null;
  if (o.parity !== false) {
    const blocked = !config
      ? 'config.json could not be read'
      : !consistency?.ok
        ? 'config.json does not describe the weights'
        : weights.some((w) => w.nan + w.inf > 0)
          ? 'the weights hold NaN or Inf'
          : null;
    if (blocked) {
      parity = { status: 'skipped', provider: null, tried: [], clip: '', maxAbs: null, psnr: null, latentMaxAbs: null, tolerance: 0, message: `not run: ${blocked}` };
    } else {
      o.onPhase?.('parity', 0, 1);
      parity = await parityCheck(p.dir, { provider: o.provider, threads: o.threads, convert: o.convert, signal: o.signal });
      if (parity.status === 'fail') findings.push({ severity: 'error', kind: 'config', subject: parity.provider, message: parity.message });
    }
  }
  const verdict = findings.some((f) => f.severity === 'error') ? 'problems' : findings.some((f) => f.severity === 'warning') ? 'warnings' : 'healthy';
  return { checkpoint: p.dir, sha256, weightsFileSha256, file: fileInfo, config, configError, weights, findings, consistency, variant, parity, verdict };
}
