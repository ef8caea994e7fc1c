// The pathway view's diagram of a model, from its own config and graph: the
// video, the Haar levels with their subbands, the backbone stages, the
// energy-flow joins (inflow) and the decoder's predicted coefficients and
// inverse transforms (outflow), the latent, and the edges along which energy
// flows. Nodes follow wfvae.ts / wfvae2.ts level by level; their channel
// counts are read from the graph's taps, so the diagram is the graph's.
import type { PathwayEdgeSpec, PathwayNodeSpec, PathwaySpec } from '../../shared/pathway-contract';
import { SUBBANDS_2D, SUBBANDS_3D } from '../../shared/subbands';
import type { TapInfo } from './build';
import type { GraphOptions, WFVAE2Options, WFVAEOptions } from './model-config';

const RGB = 3;

interface Facts {
  temporalCompression: number;
  spatialCompression: number;
}

class SpecBuilder {
  readonly nodes: PathwayNodeSpec[] = [];
  readonly edges: PathwayEdgeSpec[] = [];
  private readonly channels = new Map<string, number>();

  constructor(taps: readonly TapInfo[]) {
    for (const t of taps) this.channels.set(t.name, t.channels);
  }

  /** Channels of a tap as the graph exposes it. */
  ch(name: string): number {
    const c = this.channels.get(name);
    if (c === undefined) throw new Error(`internal: the graph has no tap ${name} for the pathway (it has ${[...this.channels.keys()].join(', ')})`);
    return c;
  }

  node(n: Omit<PathwayNodeSpec, 'subbands'> & { subbands?: readonly string[] }): void {
    const { subbands, ...rest } = n;
    this.nodes.push(subbands ? { ...rest, subbands: [...subbands] } : rest);
  }

  coefficients(id: string, label: string, side: PathwayNodeSpec['side'], role: PathwayNodeSpec['role'], level: number, scale: PathwayNodeSpec['scale'], what: string, stateScopes: string[] = []): void {
    const channels = this.ch(id);
    this.node({ id, label, side, role, level, display: 'coefficients', channels, subbands: channels === 24 ? SUBBANDS_3D : SUBBANDS_2D, what, stateScopes, scale });
  }

  activation(id: string, label: string, side: PathwayNodeSpec['side'], role: PathwayNodeSpec['role'], level: number, scale: PathwayNodeSpec['scale'], what: string, stateScopes: string[]): void {
    this.node({ id, label, side, role, level, display: 'activation', channels: this.ch(id), what, stateScopes, scale });
  }

  edge(from: string, to: string, kind: PathwayEdgeSpec['kind'], label: string, carriers?: PathwayEdgeSpec['carriers']): void {
    const chOf = (id: string) => this.nodes.find((n) => n.id === id)?.channels ?? 0;
    this.edges.push({ id: `${from}->${to}`, from, to, kind, label, carriers: carriers ?? [{ node: from, from: 0, to: chOf(from) }] });
  }

  /** Channels [a, b) of a node, for an edge that carries only part of it. */
  part(node: string, a: number, b: number): PathwayEdgeSpec['carriers'][number] {
    return { node, from: a, to: b };
  }

  all(node: string): PathwayEdgeSpec['carriers'][number] {
    return { node, from: 0, to: this.nodes.find((n) => n.id === node)?.channels ?? 0 };
  }
}

const scale = (time: number, space: number) => ({ time, space });

function videoNodes(b: SpecBuilder, latentChannels: number, tc: number): void {
  b.node({ id: 'video.in', label: 'Input video', side: 'input', role: 'video', level: 0, display: 'video', channels: RGB, what: 'the clip, RGB in [-1, 1]', stateScopes: [], scale: scale(1, 1) });
  b.node({ id: 'mean', label: 'Latent mean', side: 'latent', role: 'latent', level: 0, display: 'activation', channels: latentChannels, what: 'the encoder\'s mean, decoded from as it is (z = mean)', stateScopes: ['encoder.conv_out'], scale: scale(tc, 8) });
  b.node({ id: 'logvar', label: 'Latent logvar', side: 'latent', role: 'latent', level: 1, display: 'activation', channels: latentChannels, what: 'the encoder\'s log-variance, clamped to [-30, 20] (not used to decode)', stateScopes: [], scale: scale(tc, 8) });
  b.node({ id: 'video.out', label: 'Output video', side: 'output', role: 'video', level: 0, display: 'video', channels: RGB, what: 'the decoder\'s output video', stateScopes: [], scale: scale(1, 1) });
}

function wfvaeSpec(b: SpecBuilder, cfg: WFVAEOptions, f: Facts): void {
  const tc = f.temporalCompression;
  const enc3D = cfg.l1_dowmsample_block !== 'Downsample';
  const dec3D = cfg.l1_upsample_block !== 'Upsample';
  const t2 = enc3D ? 4 : 2; // time compression at level 2
  const base = cfg.base_channels;
  const ef = cfg.decoder_energy_flow_hidden_size;
  videoNodes(b, cfg.latent_dim, tc);
  // Encoder: the pyramid and its inflows.
  b.coefficients('pw.enc.haar1', 'Haar L1', 'encoder', 'haar', 1, scale(2, 2), 'level-1 3D Haar transform of the video (wavelet_transform_in): the backbone\'s input');
  b.coefficients('enc.l1', 'Haar L2', 'encoder', 'haar', 2, scale(t2, 4), `level-2 ${enc3D ? '3D' : '2D'} Haar transform of the level-1 low band (wavelet_transform_l1)`);
  b.coefficients('enc.l2', 'Haar L3', 'encoder', 'haar', 3, scale(tc, 8), 'level-3 3D Haar transform of the level-2 low band (wavelet_transform_l2)');
  b.activation('enc.inflow.l1', 'Inflow L2', 'encoder', 'inflow', 2, scale(t2, 4), 'connect_l1: the level-2 coefficients convolved to the energy-flow width', []);
  b.activation('enc.inflow.l2', 'Inflow L3', 'encoder', 'inflow', 3, scale(tc, 8), 'connect_l2: the level-3 coefficients convolved to the energy-flow width', []);
  b.activation('pw.enc.down1', 'down1', 'encoder', 'stage', 0, scale(t2, 4), `${cfg.encoder_num_resblocks} ResnetBlock2D and a ${enc3D ? '3D' : '2D'} downsample`, ['encoder.down1.']);
  const join1 = base + b.ch('enc.inflow.l1');
  b.node({ id: 'join.enc.1', label: `⊕ ${base} + ${b.ch('enc.inflow.l1')} ch`, side: 'encoder', role: 'join', level: 0, display: 'join', channels: join1, what: 'concatenation: down1 and the level-2 inflow', stateScopes: ['encoder.down1+l1'], scale: scale(t2, 4) });
  b.activation('pw.enc.down2', 'down2', 'encoder', 'stage', 0, scale(tc, 8), `${cfg.encoder_num_resblocks} ResnetBlock3D and a 3D downsample`, ['encoder.down2.']);
  const join2 = 2 * base + b.ch('enc.inflow.l2');
  b.node({ id: 'join.enc.2', label: `⊕ ${2 * base} + ${b.ch('enc.inflow.l2')} ch`, side: 'encoder', role: 'join', level: 0, display: 'join', channels: join2, what: 'concatenation: down2 and the level-3 inflow', stateScopes: ['encoder.down2+l2'], scale: scale(tc, 8) });
  b.activation('pw.enc.mid', 'mid', 'encoder', 'stage', 0, scale(tc, 8), `ResnetBlock3D${cfg.use_attention ? `, ${cfg.attention_type}` : ''}, ResnetBlock3D`, ['encoder.mid.']);
  // Decoder: the backbone and its outflows.
  b.activation('pw.dec.mid', 'mid', 'decoder', 'stage', 0, scale(tc, 8), 'conv_in and the mid blocks', ['decoder.conv_in', 'decoder.mid.']);
  b.coefficients('dec.l2', 'Outflow L3', 'decoder', 'outflow', 3, scale(tc, 8), 'connect_l2: predicted level-3 coefficients', ['decoder.connect_l2.']);
  b.activation('dec.outflow.l2', 'iHaar L3', 'decoder', 'inverse-haar', 3, scale(tc / 2, 4), 'inverse 3D Haar of the level-3 coefficients: a level-2 low band', ['decoder.inverse_wavelet_transform_l2']);
  b.activation('pw.dec.up2', 'up2', 'decoder', 'stage', 0, scale(tc / 2, 4), `${cfg.decoder_num_resblocks} ResnetBlock3D, a 3D upsample (${cfg.t_interpolation} in time), ResnetBlock3D`, ['decoder.up2.']);
  b.coefficients('dec.l1', 'Outflow L2 ⊕', 'decoder', 'outflow', 2, scale(tc / 2, 4), 'connect_l1: predicted level-2 coefficients, the level-3 reconstruction added to their low band', ['decoder.connect_l1.', 'decoder.l1+l2']);
  b.activation('dec.outflow.l1', 'iHaar L2', 'decoder', 'inverse-haar', 2, scale(dec3D ? tc / 4 : tc / 2, 2), `inverse ${dec3D ? '3D' : '2D'} Haar of the level-2 coefficients: a level-1 low band`, ['decoder.inverse_wavelet_transform_l1']);
  b.activation('pw.dec.up1', 'up1', 'decoder', 'stage', 0, scale(dec3D ? tc / 4 : tc / 2, 2), `${cfg.decoder_num_resblocks} ResnetBlock3D, a ${dec3D ? '3D' : '2D'} upsample, ResnetBlock3D`, ['decoder.up1.']);
  b.coefficients('pw.dec.out', 'conv_out', 'decoder', 'stage', 0, scale(2, 2), 'two ResnetBlock3D, norm_out and conv_out: predicted level-1 coefficients', ['decoder.layer.', 'decoder.conv_out']);
  b.coefficients('pw.dec.haar1', 'L1 coeffs ⊕', 'decoder', 'outflow', 1, scale(2, 2), 'level-1 coefficients: conv_out with the level-2 reconstruction added to the low band; inverted to the video', ['decoder.out+l1']);

  b.edge('video.in', 'pw.enc.haar1', 'wavelet', 'the video into the level-1 transform');
  b.edge('pw.enc.haar1', 'pw.enc.down1', 'backbone', 'all 8 level-1 subbands into the backbone');
  b.edge('pw.enc.haar1', 'enc.l1', 'wavelet', 'the level-1 low band (LLL), transformed again', [b.part('pw.enc.haar1', 0, RGB)]);
  b.edge('enc.l1', 'enc.l2', 'wavelet', 'the level-2 low band, transformed again', [b.part('enc.l1', 0, RGB)]);
  b.edge('enc.l1', 'enc.inflow.l1', 'inflow', 'level-2 coefficients into connect_l1');
  b.edge('enc.inflow.l1', 'join.enc.1', 'inflow', `inflow: ${b.ch('enc.inflow.l1')} channels concatenated`);
  b.edge('pw.enc.down1', 'join.enc.1', 'backbone', `${base} channels`);
  b.edge('join.enc.1', 'pw.enc.down2', 'backbone', `${join1} channels`, [b.all('pw.enc.down1'), b.all('enc.inflow.l1')]);
  b.edge('enc.l2', 'enc.inflow.l2', 'inflow', 'level-3 coefficients into connect_l2');
  b.edge('enc.inflow.l2', 'join.enc.2', 'inflow', `inflow: ${b.ch('enc.inflow.l2')} channels concatenated`);
  b.edge('pw.enc.down2', 'join.enc.2', 'backbone', `${2 * base} channels`);
  b.edge('join.enc.2', 'pw.enc.mid', 'backbone', `${join2} channels`, [b.all('pw.enc.down2'), b.all('enc.inflow.l2')]);
  b.edge('pw.enc.mid', 'mean', 'backbone', 'norm_out, conv_out: the mean');
  b.edge('pw.enc.mid', 'logvar', 'backbone', 'norm_out, conv_out: the log-variance');
  b.edge('mean', 'pw.dec.mid', 'backbone', 'z = mean');
  b.edge('pw.dec.mid', 'dec.l2', 'outflow', `outflow: the last ${ef} channels`, [b.part('pw.dec.mid', 4 * base, 4 * base + ef)]);
  b.edge('pw.dec.mid', 'pw.dec.up2', 'backbone', `the first ${4 * base} channels`, [b.part('pw.dec.mid', 0, 4 * base)]);
  b.edge('dec.l2', 'dec.outflow.l2', 'outflow', 'inverse transform');
  b.edge('pw.dec.up2', 'dec.l1', 'outflow', `outflow: the last ${ef} channels`, [b.part('pw.dec.up2', 4 * base, 4 * base + ef)]);
  b.edge('dec.outflow.l2', 'dec.l1', 'outflow', 'added to the level-2 low band');
  b.edge('pw.dec.up2', 'pw.dec.up1', 'backbone', `the first ${4 * base} channels`, [b.part('pw.dec.up2', 0, 4 * base)]);
  b.edge('dec.l1', 'dec.outflow.l1', 'outflow', 'inverse transform');
  b.edge('pw.dec.up1', 'pw.dec.out', 'backbone', `${2 * base} channels through the output layers`);
  b.edge('pw.dec.out', 'pw.dec.haar1', 'backbone', '24 predicted coefficients');
  b.edge('dec.outflow.l1', 'pw.dec.haar1', 'outflow', 'added to the level-1 low band');
  b.edge('pw.dec.haar1', 'video.out', 'backbone', 'inverse level-1 transform');
}

function wfvae2Spec(b: SpecBuilder, cfg: WFVAE2Options, f: Facts): void {
  const tc = f.temporalCompression;
  const L = cfg.layer_type.length;
  // Time compression after the input transform and each down block's level.
  const timeAt: number[] = [2];
  cfg.layer_type.forEach((t, i) => timeAt.push(timeAt[i] * (t === 'thw' ? 2 : 1)));
  videoNodes(b, cfg.latent_dim, tc);
  b.coefficients('pw.enc.haar1', 'Haar L1', 'encoder', 'haar', 1, scale(2, 2), 'level-1 3D Haar transform of the video (wavelet_transform_in): the backbone\'s input');
  let prevBackbone = 'pw.enc.haar1';
  b.edge('video.in', 'pw.enc.haar1', 'wavelet', 'the video into the level-1 transform');
  for (let i = 0; i < L; i++) {
    const level = i + 2;
    const sc = scale(timeAt[i + 1], 2 ** level);
    const kind = cfg.layer_type[i] === 'thw' ? '3D' : '2D';
    b.coefficients(`enc.coeffs.${i}`, `Haar L${level}`, 'encoder', 'haar', level, sc, `level-${level} ${kind} Haar transform of the level-${level - 1} low band (down block ${i})`);
    b.activation(`enc.inflow.${i}`, `Inflow L${level}`, 'encoder', 'inflow', level, sc, `in_flow_conv of down block ${i}: the coefficients convolved to the energy-flow width`, []);
    b.activation(`pw.enc.block.${i}`, `down ${i} ⊕`, 'encoder', 'stage', 0, sc, `down block ${i}: ${cfg.encoder_num_resblocks - 1} ${cfg.layer_res_type[i]}, a ${kind} downsample, the inflow concatenated, out_res_block`, [`encoder.down_blocks.${i}.`]);
    const prevCoeffs = i === 0 ? 'pw.enc.haar1' : `enc.coeffs.${i - 1}`;
    b.edge(prevCoeffs, `enc.coeffs.${i}`, 'wavelet', `the level-${level - 1} low band, transformed again`, [b.part(prevCoeffs, 0, RGB)]);
    b.edge(`enc.coeffs.${i}`, `enc.inflow.${i}`, 'inflow', `level-${level} coefficients into in_flow_conv`);
    b.edge(`enc.inflow.${i}`, `pw.enc.block.${i}`, 'inflow', `inflow: ${b.ch(`enc.inflow.${i}`)} channels concatenated`);
    b.edge(prevBackbone, `pw.enc.block.${i}`, 'backbone', i === 0 ? 'conv_in: all level-1 subbands into the backbone' : `${b.ch(prevBackbone)} channels`);
    prevBackbone = `pw.enc.block.${i}`;
  }
  b.activation('pw.enc.mid', 'mid', 'encoder', 'stage', 0, scale(tc, 8), cfg.mid_layers_type.join(', '), ['encoder.mid.']);
  b.edge(prevBackbone, 'pw.enc.mid', 'backbone', `${b.ch(prevBackbone)} channels`);
  b.edge('pw.enc.mid', 'mean', 'backbone', 'norm_out, conv_out: the mean');
  b.edge('pw.enc.mid', 'logvar', 'backbone', 'norm_out, conv_out: the log-variance');
  b.activation('pw.dec.mid', 'mid', 'decoder', 'stage', 0, scale(tc, 8), `conv_in, ${cfg.mid_layers_type.join(', ')}`, ['decoder.conv_in', 'decoder.mid.']);
  b.edge('mean', 'pw.dec.mid', 'backbone', 'z = mean');
  prevBackbone = 'pw.dec.mid';
  let prevOutflow: string | null = null;
  for (let idx = 0; idx < L; idx++) {
    const enc = L - 1 - idx; // the encoder block this up block mirrors
    const level = enc + 2;
    const kind = cfg.layer_type[enc] === 'thw' ? '3D' : '2D';
    const coeffs = `dec.coeffs.${idx}`;
    const outflow = `dec.outflow.${idx}`;
    const key = `decoder.up_blocks.${idx}`;
    b.coefficients(coeffs, `Outflow L${level}${prevOutflow ? ' ⊕' : ''}`, 'decoder', 'outflow', level, scale(timeAt[enc + 1], 2 ** level), `out_flow_conv of up block ${idx}: predicted level-${level} coefficients${prevOutflow ? ', the coarser reconstruction added to their low band' : ''}`, [`${key}.out_flow_conv`, `${key}.merge`]);
    b.activation(outflow, `iHaar L${level}`, 'decoder', 'inverse-haar', level, scale(timeAt[enc], 2 ** (level - 1)), `inverse ${kind} Haar of the level-${level} coefficients: a level-${level - 1} low band`, []);
    b.activation(`pw.dec.block.${idx}`, `up ${idx}`, 'decoder', 'stage', 0, scale(timeAt[enc], 2 ** (level - 1)), `up block ${idx}: branch_conv, ${Math.max(0, cfg.decoder_num_resblocks - 2)} ${cfg.layer_res_type[enc]}, a ${kind} upsample, out_res_block`, [`${key}.`]);
    b.edge(prevBackbone, coeffs, 'outflow', 'outflow: branch_conv\'s energy-flow channels (carried: the predicted coefficients)', [b.all(coeffs)]);
    if (prevOutflow) b.edge(prevOutflow, coeffs, 'outflow', `added to the level-${level} low band`);
    b.edge(coeffs, outflow, 'outflow', 'inverse transform');
    b.edge(prevBackbone, `pw.dec.block.${idx}`, 'backbone', `${b.ch(prevBackbone)} channels`);
    prevBackbone = `pw.dec.block.${idx}`;
    prevOutflow = outflow;
  }
  b.coefficients('pw.dec.out', 'conv_out', 'decoder', 'stage', 0, scale(2, 2), 'norm_out and conv_out: predicted level-1 coefficients', ['decoder.conv_out']);
  b.coefficients('pw.dec.haar1', 'L1 coeffs ⊕', 'decoder', 'outflow', 1, scale(2, 2), 'level-1 coefficients: conv_out with the level-2 reconstruction added to the low band; inverted to the video', ['decoder.out+w']);
  b.edge(prevBackbone, 'pw.dec.out', 'backbone', `${b.ch(prevBackbone)} channels`);
  b.edge('pw.dec.out', 'pw.dec.haar1', 'backbone', '24 predicted coefficients');
  if (prevOutflow) b.edge(prevOutflow, 'pw.dec.haar1', 'outflow', 'added to the level-1 low band');
  b.edge('pw.dec.haar1', 'video.out', 'backbone', 'inverse level-1 transform');
}

/**
 * The diagram of a model: `taps` are the taps its graphs expose (whole-clip and
 * step graphs, encoder and decoder), `decoderLookAhead` the video frames its
 * decoder step holds back (BuiltGraph.lookAhead).
 */
export function buildPathwaySpec(cfg: GraphOptions, facts: Facts, taps: readonly TapInfo[], decoderLookAhead: number): PathwaySpec {
  const b = new SpecBuilder(taps);
  if (cfg.className === 'WFVAEModel') wfvaeSpec(b, cfg, facts);
  else wfvae2Spec(b, cfg, facts);
  const levels = Math.max(...b.nodes.map((n) => n.level));
  return {
    className: cfg.className,
    levels,
    temporalCompression: facts.temporalCompression,
    spatialCompression: facts.spatialCompression,
    nodes: b.nodes,
    edges: b.edges,
    decoderLookAhead,
  };
}

/** The node whose layers hold a Causal Cache state: the longest matching scope. */
export function nodeOfState(spec: PathwaySpec, stateName: string): string | null {
  let best: { id: string; len: number } | null = null;
  for (const n of spec.nodes) {
    for (const s of n.stateScopes) {
      if (stateName.startsWith(s) && (!best || s.length > best.len)) best = { id: n.id, len: s.length };
    }
  }
  return best?.id ?? null;
}
