import type { Value } from './graph';

/** A named intermediate the graph exposes (energy-flow coefficients, inflow/outflow block outputs). */
export interface Tap {
  name: string;
  value: Value;
  channels: number;
  what: string;
}

export interface EncoderOutputs {
  /** conv_out's output: mean and logvar stacked on channels. */
  moments: Value;
  latentChannels: number;
  taps: Tap[];
}

export interface DecoderOutputs {
  video: Value;
  taps: Tap[];
}
