// Assembles the encoder and decoder graphs of a checkpoint: graph inputs, the
// model body (wfvae.ts / wfvae2.ts), and the named outputs and taps.
import { GraphBuilder, type Value } from './graph';
import { channels, type Ctx } from './layers';
import type { GraphOptions } from './model-config';
import type { Tap } from './outputs';
import { WholeClipTimeline, type Timeline } from './timeline';
import type { WeightStore } from './weights';
import { wfvaeDecoder, wfvaeEncoder } from './wfvae';
import { wfvae2Decoder, wfvae2Encoder } from './wfvae2';

export interface TapInfo {
  name: string;
  channels: number;
  what: string;
}

export interface BuiltGraph {
  kind: 'encoder' | 'decoder';
  builder: GraphBuilder;
  input: string;
  outputs: string[];
  taps: TapInfo[];
}

/** Graph I/O names: stable, they are the engine's contract with every graph file. */
export const IO = {
  video: 'video',
  latent: 'latent',
  mean: 'mean',
  logvar: 'logvar',
} as const;

function exposeTaps(g: GraphBuilder, taps: Tap[]): TapInfo[] {
  for (const t of taps) g.output(t.name, t.value, ['batch', t.channels, `${t.name}_t`, `${t.name}_h`, `${t.name}_w`]);
  return taps.map(({ name, channels: ch, what }) => ({ name, channels: ch, what }));
}

type TimelineFactory = (g: GraphBuilder) => Timeline;
const wholeClip: TimelineFactory = (g) => new WholeClipTimeline(g);

export function buildEncoderGraph(cfg: GraphOptions, store: WeightStore, timeline: TimelineFactory = wholeClip, name = 'wfvae_encoder'): BuiltGraph {
  const g = new GraphBuilder(name, store);
  const video = g.input(IO.video, ['batch', 3, 'frames', 'height', 'width']);
  const c: Ctx = { g, time: timeline(g), norm: cfg.norm_type };
  const out = cfg._class_name === 'WFVAEModel' ? wfvaeEncoder(c, cfg, video) : wfvae2Encoder(c, cfg, video);
  const L = out.latentChannels;
  const latentDims = ['batch', L, 'latent_frames', 'latent_height', 'latent_width'];
  const mean: Value = channels(g, out.moments, 0, L);
  // The reference's DiagonalGaussianDistribution clamps logvar to [-30, 20].
  const logvar = g.op1('Clip', [channels(g, out.moments, L), g.scalar(-30), g.scalar(20)]);
  g.output(IO.mean, mean, latentDims);
  g.output(IO.logvar, logvar, latentDims);
  const taps = exposeTaps(g, out.taps);
  return { kind: 'encoder', builder: g, input: IO.video, outputs: g.outputNames, taps };
}

export function buildDecoderGraph(cfg: GraphOptions, store: WeightStore, timeline: TimelineFactory = wholeClip, name = 'wfvae_decoder'): BuiltGraph {
  const g = new GraphBuilder(name, store);
  const z = g.input(IO.latent, ['batch', cfg.latent_dim, 'latent_frames', 'latent_height', 'latent_width']);
  const c: Ctx = { g, time: timeline(g), norm: cfg.norm_type };
  const out = cfg._class_name === 'WFVAEModel' ? wfvaeDecoder(c, cfg, z) : wfvae2Decoder(c, cfg, z);
  g.output(IO.video, out.video, ['batch', 3, 'frames', 'height', 'width']);
  const taps = exposeTaps(g, out.taps);
  return { kind: 'decoder', builder: g, input: IO.latent, outputs: g.outputNames, taps };
}
