// Assembles the encoder and decoder graphs of a checkpoint: graph inputs, the
// model body (wfvae.ts / wfvae2.ts), and the named outputs, taps and stream
// state. Two modes share the model code: `whole` runs a complete clip in one
// pass (it is also what naive chunking runs on every chunk); `step` runs one
// chunk of a Causal Cache run, the first or any later one, of any length
// (timeline-stream.ts).
import { GraphBuilder, type Value } from './graph';
import { channels, type Ctx } from './layers';
import type { GraphOptions } from './model-config';
import type { Tap } from './outputs';
import { WholeClipTimeline } from './timeline';
import { FLAG_FINAL, FLAG_FIRST, FLAG_STARTED, StepTimeline, type StateInfo } from './timeline-stream';
import type { WeightStore } from './weights';
import { wfvaeDecoder, wfvaeEncoder } from './wfvae';
import { wfvae2Decoder, wfvae2Encoder } from './wfvae2';

export interface TapInfo {
  name: string;
  channels: number;
  what: string;
  /** A pathway stage tap (step graphs only; see outputs.ts). */
  stage?: boolean;
}

export type GraphMode = 'whole' | 'step';

export interface BuiltGraph {
  kind: 'encoder' | 'decoder';
  mode: GraphMode;
  builder: GraphBuilder;
  input: string;
  outputs: string[];
  taps: TapInfo[];
  /** Stream state a `step` graph takes in and gives out (none for `whole`). */
  states: StateInfo[];
  /** Flag inputs a `step` graph takes (FLAG_FIRST, FLAG_STARTED, FLAG_FINAL), if any. */
  flags: string[];
  /**
   * Output frames a `step` graph holds back for look-ahead (trilinear time
   * upsampling): a change in one input frame reaches this many output frames
   * before the first frame it maps to. 0 for `whole` graphs and encoders.
   */
  lookAhead: number;
}

/** Graph I/O names: stable, they are the engine's contract with every graph file. */
export const IO = {
  video: 'video',
  latent: 'latent',
  mean: 'mean',
  logvar: 'logvar',
} as const;

export interface BuildOptions {
  /** Expose the pathway stage taps (default: step graphs only; tests compare them against a whole-clip run). */
  stageTaps?: boolean;
}

function exposeTaps(g: GraphBuilder, taps: Tap[], stages: boolean): TapInfo[] {
  const shown = taps.filter((t) => stages || !t.stage);
  for (const t of shown) g.output(t.name, t.value, ['batch', t.channels, `${t.name}_t`, `${t.name}_h`, `${t.name}_w`]);
  return shown.map(({ name, channels: ch, what, stage }) => (stage ? { name, channels: ch, what, stage } : { name, channels: ch, what }));
}

function context(g: GraphBuilder, cfg: GraphOptions, mode: GraphMode): { c: Ctx; states: () => StateInfo[]; lagOf: (v: Value) => number } {
  if (mode === 'whole') return { c: { g, time: new WholeClipTimeline(g), norm: cfg.norm_type }, states: () => [], lagOf: () => 0 };
  const time = new StepTimeline(g);
  return { c: { g, time, norm: cfg.norm_type }, states: () => time.states, lagOf: (v) => time.lagOf(v) };
}

function flagsOf(g: GraphBuilder): string[] {
  return [FLAG_FIRST, FLAG_STARTED, FLAG_FINAL].filter((f) => g.inputNames.includes(f));
}

export function buildEncoderGraph(cfg: GraphOptions, store: WeightStore, mode: GraphMode = 'whole', opts: BuildOptions = {}): BuiltGraph {
  const g = new GraphBuilder(`wfvae_encoder_${mode}`, store);
  const video = g.input(IO.video, ['batch', 3, 'frames', 'height', 'width']);
  const { c, states } = context(g, cfg, mode);
  const out = cfg.className === 'WFVAEModel' ? wfvaeEncoder(c, cfg, video) : wfvae2Encoder(c, cfg, video);
  const L = out.latentChannels;
  const latentDims = ['batch', L, 'latent_frames', 'latent_height', 'latent_width'];
  const mean: Value = channels(g, out.moments, 0, L);
  // The reference's DiagonalGaussianDistribution clamps logvar to [-30, 20].
  const logvar = g.op1('Clip', [channels(g, out.moments, L), g.scalar(-30), g.scalar(20)]);
  g.output(IO.mean, mean, latentDims);
  g.output(IO.logvar, logvar, latentDims);
  const taps = exposeTaps(g, out.taps, opts.stageTaps ?? mode === 'step');
  return { kind: 'encoder', mode, builder: g, input: IO.video, outputs: g.outputNames, taps, states: states(), flags: flagsOf(g), lookAhead: 0 };
}

export function buildDecoderGraph(cfg: GraphOptions, store: WeightStore, mode: GraphMode = 'whole', opts: BuildOptions = {}): BuiltGraph {
  const g = new GraphBuilder(`wfvae_decoder_${mode}`, store);
  const z = g.input(IO.latent, ['batch', cfg.latent_dim, 'latent_frames', 'latent_height', 'latent_width']);
  const { c, states, lagOf } = context(g, cfg, mode);
  const out = cfg.className === 'WFVAEModel' ? wfvaeDecoder(c, cfg, z) : wfvae2Decoder(c, cfg, z);
  g.output(IO.video, out.video, ['batch', 3, 'frames', 'height', 'width']);
  const taps = exposeTaps(g, out.taps, opts.stageTaps ?? mode === 'step');
  return { kind: 'decoder', mode, builder: g, input: IO.latent, outputs: g.outputNames, taps, states: states(), flags: flagsOf(g), lookAhead: lagOf(out.video) };
}
