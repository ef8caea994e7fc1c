// What a Causal Cache run carries from one chunk into the next, as numbers:
// for every stream state of the step graph (a causal conv's tail frames, a
// time upsampler's last frame, a FIFO that delays one stream for another) its
// frames, shape, bytes and energy at each chunk boundary. Read from the real
// state tensors the step graph returned, only when a caller asks for it.
import type * as ort from 'onnxruntime-node';
import type { StateInfo } from '../onnx/timeline-stream';

export interface CarriedStateInfo {
  /** The layer key the state belongs to, e.g. decoder.up2.2.conv. */
  name: string;
  kind: StateInfo['kind'];
  frames: number;
  /** (1, C, frames, h, w) */
  shape: number[];
  bytes: number;
}

export interface CacheBoundary {
  /** Index of the chunk just run; the state goes into chunk + 1. */
  chunk: number;
  /** Input frames the chunk consumed: video frames (encoder) or latent frames (decoder), [start, end). */
  input: [number, number];
  /** Sum of squares of each state, in the order of CacheFlowSide.states. */
  energy: number[];
}

export interface CacheFlowSide {
  states: CarriedStateInfo[];
  boundaries: CacheBoundary[];
}

/** Chunk-state taken from the scheduler after one Causal Cache step. */
export interface CarriedState {
  chunk: number;
  input: [number, number];
  states: { info: StateInfo; tensor: ort.Tensor }[];
}

async function floats(t: ort.Tensor): Promise<Float32Array> {
  // A GPU provider keeps the state on the device; reading it for the view copies it once.
  const data = t.location === 'cpu' ? t.data : await t.getData();
  return data as Float32Array;
}

/** Collects the boundaries of one side (encoder or decoder) of a Causal Cache run. */
export class CacheFlowRecorder {
  private side: CacheFlowSide | null = null;

  async record(step: CarriedState): Promise<void> {
    const energy: number[] = [];
    const infos: CarriedStateInfo[] = [];
    for (const { info, tensor } of step.states) {
      const data = await floats(tensor);
      let e = 0;
      for (let i = 0; i < data.length; i++) e += data[i] * data[i];
      energy.push(e);
      infos.push({ name: info.name, kind: info.kind, frames: info.frames, shape: [...tensor.dims], bytes: data.length * 4 });
    }
    this.side ??= { states: infos, boundaries: [] };
    this.side.boundaries.push({ chunk: step.chunk, input: step.input, energy });
  }

  result(): CacheFlowSide | null {
    return this.side;
  }
}
