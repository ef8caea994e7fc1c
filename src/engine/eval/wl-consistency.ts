// WF-VAE's own wavelet consistency: at each energy-flow level the encoder
// computes the input's true Haar coefficients and the decoder predicts them
// (its outflow). Training penalises their L1 distance (the reference's WL
// loss: sum |enc - dec| per sample, at levels 2 and 3); measuring it at
// evaluation time shows which level, and which subband, the decoder gets wrong.
// Taps arrive chunk by chunk from both sides; frames are compared as soon as
// both have them, so memory stays at the encoder's lead.
import { SUBBANDS_2D, SUBBANDS_3D } from '../../shared/subbands';
import { FrameAccumulator } from '../runtime/stream-frames';
import type { Tensor } from '../tensor';

export interface WlPair {
  /** Level name: 'l1', 'l2' (WFVAEModel) or the encoder block index (WFVAE2Model). */
  level: string;
  encoder: string;
  decoder: string;
}

export interface WlLevel extends WlPair {
  /** Subband names, in channel order (3 colour channels each). */
  subbands: string[];
  frames: number;
  /** mean |enc - dec| over every coefficient. */
  meanAbs: number;
  /** sum |enc - dec|: the reference's per-sample WL term for this level. */
  sumAbs: number;
  /** ||enc - dec||^2 / ||enc||^2. */
  relativeL2: number;
  perFrame: { meanAbs: number[] };
  perSubband: { name: string; meanAbs: number; relativeL2: number }[];
}

export interface WlReport {
  levels: WlLevel[];
  note: string;
}

export const WL_NOTE =
  'Encoder wavelet coefficients (the true transform of the input, enc.*) against the decoder\'s predicted ones (dec.*, with the coarser level\'s reconstruction already added to the low band, as the reference\'s WL loss compares them), ' +
  'in the model\'s own units (video on [-1, 1], the checkpoint\'s Haar coefficient).';

/** Which encoder tap each decoder tap predicts, from the taps a converted model exposes. */
export function wlPairs(tapNames: readonly string[]): WlPair[] {
  const has = (n: string) => tapNames.includes(n);
  const out: WlPair[] = [];
  for (const level of ['l1', 'l2']) {
    if (has(`enc.${level}`) && has(`dec.${level}`)) out.push({ level, encoder: `enc.${level}`, decoder: `dec.${level}` });
  }
  // WFVAE2Model: down block i's coefficients are predicted by up block (L - 1 - i).
  const enc = tapNames.filter((n) => /^enc\.coeffs\.\d+$/.test(n)).map((n) => Number(n.split('.')[2])).sort((a, b) => a - b);
  const L = enc.length;
  for (const i of enc) {
    const d = `dec.coeffs.${L - 1 - i}`;
    if (has(d)) out.push({ level: `block ${i}`, encoder: `enc.coeffs.${i}`, decoder: d });
  }
  return out;
}

interface Sums {
  abs: number;
  sq: number;
  ref: number;
  n: number;
}

const zero = (): Sums => ({ abs: 0, sq: 0, ref: 0, n: 0 });


class PairAccumulator {
  readonly enc = new FrameAccumulator();
  readonly dec = new FrameAccumulator();
  totalAbs = 0;
  readonly perFrame: number[] = [];
  bands: Sums[] = [];
  channels = 0;

  compare(): void {
    const n = Math.min(this.enc.frames, this.dec.frames);
    if (n === 0) return;
    const a = this.enc.take(n);
    const b = this.dec.take(n);
    const [, C, , H, W] = a.shape;
    if (a.shape.join(',') !== b.shape.join(',')) {
      throw new Error(`WL consistency: encoder and decoder taps differ in shape, (${a.shape.join(', ')}) vs (${b.shape.join(', ')})`);
    }
    if (this.channels === 0) {
      this.channels = C;
      this.bands = Array.from({ length: Math.max(1, C / 3) }, zero);
    }
    const plane = H * W;
    for (let t = 0; t < n; t++) {
      let frameAbs = 0;
      for (let c = 0; c < C; c++) {
        const band = this.bands[Math.floor(c / 3)] ?? this.bands[0];
        const base = (c * n + t) * plane;
        let abs = 0;
        let sq = 0;
        let ref = 0;
        for (let i = 0; i < plane; i++) {
          const e = a.data[base + i];
          const d = e - b.data[base + i];
          abs += Math.abs(d);
          sq += d * d;
          ref += e * e;
        }
        band.abs += abs;
        band.sq += sq;
        band.ref += ref;
        band.n += plane;
        frameAbs += abs;
      }
      this.totalAbs += frameAbs;
      this.perFrame.push(frameAbs / (C * plane));
    }
  }
}

export class WlAccumulator {
  private readonly acc: Map<string, PairAccumulator>;

  constructor(readonly pairs: readonly WlPair[]) {
    this.acc = new Map(pairs.map((p) => [p.level, new PairAccumulator()]));
  }

  /** The tap names to fetch from each side. */
  get encoderTaps(): string[] {
    return this.pairs.map((p) => p.encoder);
  }

  get decoderTaps(): string[] {
    return this.pairs.map((p) => p.decoder);
  }

  pushEncoder(taps: Record<string, Tensor>): void {
    for (const p of this.pairs) {
      const a = this.acc.get(p.level) as PairAccumulator;
      if (taps[p.encoder]) a.enc.push(taps[p.encoder]);
      a.compare();
    }
  }

  pushDecoder(taps: Record<string, Tensor>): void {
    for (const p of this.pairs) {
      const a = this.acc.get(p.level) as PairAccumulator;
      if (taps[p.decoder]) a.dec.push(taps[p.decoder]);
      a.compare();
    }
  }

  report(): WlReport {
    return {
      levels: this.pairs.map((p) => {
        const a = this.acc.get(p.level) as PairAccumulator;
        const names: string[] = a.bands.length === 8 ? [...SUBBANDS_3D] : a.bands.length === 4 ? [...SUBBANDS_2D] : a.bands.map((_, i) => `group ${i}`);
        const sq = a.bands.reduce((s, b) => s + b.sq, 0);
        const ref = a.bands.reduce((s, b) => s + b.ref, 0);
        const n = a.bands.reduce((s, b) => s + b.n, 0);
        return {
          ...p,
          subbands: names,
          frames: a.perFrame.length,
          meanAbs: n > 0 ? a.totalAbs / n : 0,
          sumAbs: a.totalAbs,
          relativeL2: ref > 0 ? sq / ref : 0,
          perFrame: { meanAbs: a.perFrame },
          perSubband: a.bands.map((b, i) => ({ name: names[i], meanAbs: b.n > 0 ? b.abs / b.n : 0, relativeL2: b.ref > 0 ? b.sq / b.ref : 0 })),
        };
      }),
      note: WL_NOTE,
    };
  }
}
