// Does config.json describe these weights? The graph builder lists every
// tensor the config implies (name and shape); the file is compared with that
// list, and where they disagree, the sizes the weights themselves imply
// (latent channels, widths, energy-flow sizes) are read off the tensors that
// carry them, so the user learns which config value to fix.
import type { ModelConfig } from '../checkpoint/index';
import { buildDecoderGraph, buildEncoderGraph } from '../onnx/build';
import { WeightStore } from '../onnx/weights';
import type { Finding } from './findings';

export interface ConsistencyReport {
  ok: boolean;
  expectedTensors: number;
  /** Parameters the config implies (the wavelet filters included). */
  expectedParameters: number;
  missing: string[];
  unexpected: string[];
  mismatched: { name: string; expected: number[]; found: number[] }[];
  /** Config values against what the weights say, where a tensor carries one. */
  inferred: { key: string; config: unknown; weights: number; from: string }[];
}

type Shapes = ReadonlyMap<string, readonly number[]>;

interface Probe {
  key: string;
  tensor: string;
  dim: number;
  divide?: number;
  config: (c: ModelConfig) => unknown;
}

const PROBES: Record<ModelConfig['className'], Probe[]> = {
  WFVAEModel: [
    { key: 'latent_dim', tensor: 'encoder.conv_out.conv.weight', dim: 0, divide: 2, config: (c) => c.latent_dim },
    { key: 'latent_dim', tensor: 'decoder.conv_in.conv.weight', dim: 1, config: (c) => c.latent_dim },
    { key: 'base_channels', tensor: 'encoder.down1.0.weight', dim: 0, config: (c) => (c as { base_channels: number }).base_channels },
    { key: 'encoder_energy_flow_hidden_size', tensor: 'encoder.connect_l1.weight', dim: 0, config: (c) => (c as { encoder_energy_flow_hidden_size: number }).encoder_energy_flow_hidden_size },
    { key: 'decoder_energy_flow_hidden_size', tensor: 'decoder.connect_l1.0.conv1.conv.weight', dim: 0, config: (c) => (c as { decoder_energy_flow_hidden_size: number }).decoder_energy_flow_hidden_size },
  ],
  WFVAE2Model: [
    { key: 'latent_dim', tensor: 'encoder.conv_out.conv.weight', dim: 0, divide: 2, config: (c) => c.latent_dim },
    { key: 'latent_dim', tensor: 'decoder.conv_in.conv.weight', dim: 1, config: (c) => c.latent_dim },
    { key: 'base_channels[0]', tensor: 'encoder.conv_in.weight', dim: 0, config: (c) => (c as { base_channels: number[] }).base_channels[0] },
    { key: 'encoder_energy_flow_size', tensor: 'encoder.down_blocks.0.in_flow_conv.weight', dim: 0, config: (c) => (c as { encoder_energy_flow_size: number }).encoder_energy_flow_size },
    { key: 'decoder_energy_flow_size', tensor: 'decoder.up_blocks.0.out_flow_conv.0.conv1.conv.weight', dim: 0, config: (c) => (c as { decoder_energy_flow_size: number }).decoder_energy_flow_size },
  ],
};

/** Every tensor (name, shape) the config implies. */
export function expectedInventory(config: ModelConfig): Map<string, readonly number[]> {
  const store = new WeightStore(null);
  buildEncoderGraph(config, store);
  buildDecoderGraph(config, store);
  return store.inventory();
}

export function checkConsistency(config: ModelConfig, found: Shapes): { report: ConsistencyReport; findings: Finding[] } {
  const expected = expectedInventory(config);
  const missing: string[] = [];
  const mismatched: ConsistencyReport['mismatched'] = [];
  for (const [name, shape] of expected) {
    const f = found.get(name);
    if (!f) missing.push(name);
    else if (f.join(',') !== shape.join(',')) mismatched.push({ name, expected: [...shape], found: [...f] });
  }
  const unexpected = [...found.keys()].filter((n) => !expected.has(n));
  const inferred: ConsistencyReport['inferred'] = [];
  for (const p of PROBES[config.className]) {
    const s = found.get(p.tensor);
    if (!s || s.length <= p.dim) continue;
    const value = s[p.dim] / (p.divide ?? 1);
    if (!inferred.some((i) => i.key === p.key)) inferred.push({ key: p.key, config: p.config(config), weights: value, from: `${p.tensor} [${s.join(', ')}]` });
  }
  const findings: Finding[] = [];
  for (const i of inferred) {
    if (i.config !== i.weights) {
      findings.push({ severity: 'error', kind: 'config', subject: i.key, message: `config.json says ${i.key} = ${JSON.stringify(i.config)} but the weights have ${i.weights} (${i.from}): fix config.json` });
    }
  }
  if (missing.length) findings.push({ severity: 'error', kind: 'missing', subject: null, message: `${missing.length} tensor${missing.length > 1 ? 's' : ''} the config implies ${missing.length > 1 ? 'are' : 'is'} not in the file, e.g. ${missing.slice(0, 3).join(', ')}` });
  if (mismatched.length) {
    const m = mismatched[0];
    findings.push({ severity: 'error', kind: 'shape', subject: m.name, message: `${mismatched.length} tensor${mismatched.length > 1 ? 's have' : ' has'} another shape than the config implies, e.g. ${m.name}: config [${m.expected.join(', ')}], file [${m.found.join(', ')}]` });
  }
  if (unexpected.length) {
    findings.push({ severity: 'warning', kind: 'unexpected', subject: null, message: `${unexpected.length} tensor${unexpected.length > 1 ? 's' : ''} in the file that the config does not use, e.g. ${unexpected.slice(0, 3).join(', ')} (training-only state, or a config option such as use_attention set wrongly)` });
  }
  const expectedParameters = [...expected.values()].reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
  return {
    report: { ok: missing.length + mismatched.length + unexpected.length === 0 && findings.every((f) => f.kind !== 'config'), expectedTensors: expected.size, expectedParameters, missing, unexpected, mismatched, inferred },
    findings,
  };
}
