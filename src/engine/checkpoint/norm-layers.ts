/**
 * Every normalization layer the reference builds for a config, with its module
 * path (as in the state dict), its channel count and whether it sees a 5D
 * tensor. With groupnorm, a norm on a 5D tensor pools its statistics over
 * time, so chunked inference cannot match whole-clip inference there;
 * ResnetBlock2D reshapes to frames first, so its norms are per frame.
 */
import type { ModelConfig, WFVAE2Config, WFVAEConfig } from './config-schema';

export interface NormLayer {
  /** Module path, e.g. "encoder.mid.0.norm1" (weights are "<path>.weight" for groupnorm, "<path>.norm.weight" for layernorm). */
  path: string;
  channels: number;
  /** True when the norm runs on a (B, C, T, H, W) tensor. */
  spansTime: boolean;
}

function resnetNorms(out: NormLayer[], path: string, inCh: number, outCh: number, is3d: boolean): void {
  out.push({ path: `${path}.norm1`, channels: inCh, spansTime: is3d });
  out.push({ path: `${path}.norm2`, channels: outCh, spansTime: is3d });
}

function wfvaeNorms(c: WFVAEConfig): NormLayer[] {
  const out: NormLayer[] = [];
  const b = c.base_channels;
  const efE = c.encoder_energy_flow_hidden_size;
  const efD = c.decoder_energy_flow_hidden_size;
  // Encoder: down1 = [conv, 2D resblocks..., downsample]; down2 = [conv, 3D resblocks..., downsample].
  for (let i = 1; i <= c.encoder_num_resblocks; i++) resnetNorms(out, `encoder.down1.${i}`, b, b, false);
  for (let i = 1; i <= c.encoder_num_resblocks; i++) resnetNorms(out, `encoder.down2.${i}`, 2 * b, 2 * b, true);
  const attn = c.use_attention ? 1 : 0;
  resnetNorms(out, 'encoder.mid.0', 2 * b + efE, 4 * b, true);
  if (c.use_attention) out.push({ path: 'encoder.mid.1.norm', channels: 4 * b, spansTime: true });
  resnetNorms(out, `encoder.mid.${1 + attn}`, 4 * b, 4 * b, true);
  out.push({ path: 'encoder.norm_out', channels: 4 * b, spansTime: true });
  // Decoder.
  resnetNorms(out, 'decoder.mid.0', 4 * b, 4 * b, true);
  if (c.use_attention) out.push({ path: 'decoder.mid.1.norm', channels: 4 * b, spansTime: true });
  resnetNorms(out, `decoder.mid.${1 + attn}`, 4 * b, 4 * b + efD, true);
  const n = c.decoder_num_resblocks;
  for (let i = 0; i < n; i++) resnetNorms(out, `decoder.up2.${i}`, 4 * b, 4 * b, true);
  resnetNorms(out, `decoder.up2.${n + 1}`, 4 * b, 4 * b + efD, true);
  for (let i = 0; i < n; i++) resnetNorms(out, `decoder.up1.${i}`, i === 0 ? 4 * b : 2 * b, 2 * b, true);
  resnetNorms(out, `decoder.up1.${n + 1}`, 2 * b, 2 * b, true);
  resnetNorms(out, 'decoder.layer.0', 2 * b, b, true);
  resnetNorms(out, 'decoder.layer.1', b, b, true);
  for (const branch of ['connect_l1', 'connect_l2']) {
    for (let i = 0; i < c.connect_res_layer_num; i++) resnetNorms(out, `decoder.${branch}.${i}`, efD, efD, true);
  }
  out.push({ path: 'decoder.norm_out', channels: b, spansTime: true });
  return out;
}

function midNorms(out: NormLayer[], prefix: string, types: readonly string[], ch: number): void {
  types.forEach((t, i) => {
    if (t === 'ResnetBlock3D') resnetNorms(out, `${prefix}.mid.${i}`, ch, ch, true);
    else out.push({ path: `${prefix}.mid.${i}.norm`, channels: ch, spansTime: true });
  });
}

function wfvae2Norms(c: WFVAE2Config): NormLayer[] {
  const out: NormLayer[] = [];
  const L = c.layer_type.length;
  const ef = c.encoder_energy_flow_size;
  for (let idx = 0; idx < L; idx++) {
    const inCh = c.base_channels[idx];
    const is3d = c.layer_res_type[idx] === 'ResnetBlock3D';
    for (let r = 0; r < c.encoder_num_resblocks - 1; r++) resnetNorms(out, `encoder.down_blocks.${idx}.res_block.${r}`, inCh, inCh, is3d);
    resnetNorms(out, `encoder.down_blocks.${idx}.out_res_block`, inCh + ef, c.base_channels[idx + 1], is3d);
  }
  midNorms(out, 'encoder', c.mid_layers_type, c.base_channels[L]);
  out.push({ path: 'encoder.norm_out', channels: c.base_channels[L], spansTime: true });

  const db = c.decoder_base_channels;
  const efD = c.decoder_energy_flow_size;
  midNorms(out, 'decoder', c.mid_layers_type, db[L]);
  // Up blocks run deepest first: block j mirrors level L - j.
  for (let j = 0; j < L; j++) {
    const level = L - j;
    const inCh = db[level];
    const outCh = db[level - 1];
    const branch3d = c.layer_type[level - 1] === 'thw';
    const res3d = c.layer_res_type[level - 1] === 'ResnetBlock3D';
    const p = `decoder.up_blocks.${j}`;
    resnetNorms(out, `${p}.branch_conv`, inCh, inCh + efD, branch3d);
    resnetNorms(out, `${p}.out_flow_conv.0`, efD, efD, branch3d);
    for (let r = 0; r < c.decoder_num_resblocks - 2; r++) resnetNorms(out, `${p}.res_block.${r}`, inCh, inCh, res3d);
    resnetNorms(out, `${p}.out_res_block`, inCh, outCh, res3d);
  }
  out.push({ path: 'decoder.norm_out', channels: db[0], spansTime: true });
  return out;
}

export function normLayers(cfg: ModelConfig): NormLayer[] {
  return cfg.className === 'WFVAEModel' ? wfvaeNorms(cfg) : wfvae2Norms(cfg);
}

/** torch.nn.GroupNorm in the reference always uses 32 groups. */
export const GROUPNORM_GROUPS = 32;
