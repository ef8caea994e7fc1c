import type { Value } from './graph';

/** A named intermediate the graph exposes (energy-flow coefficients, inflow/outflow block outputs). */
export interface Tap {
  name: string;
  value: Value;
  channels: number;
  what: string;
  /**
   * A backbone stage of the pathway view (`pw.*`): exposed by the Causal Cache
   * step graphs only, where it costs one chunk's activation. A whole-clip graph
   * would hold it to the end of every run, taps asked for or not.
   */
  stage?: boolean;
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
