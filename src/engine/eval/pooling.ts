// From per-frame columns to one clip's numbers, pooled the way the protocol
// says, and the reconstruction turned into what a saved video would hold.
import type { FrameColumns } from './clip-measures';
import type { EvalProtocol, QuantizeMode } from './protocol';

/** The reconstruction as a saved video would hold it, still on [-1, 1]: clamped, and in 8 bits unless 'float'. */
export function quantize(data: Float32Array, mode: QuantizeMode): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    // NaN becomes 0 (black), as an 8-bit writer would store it; the clamp keeps it out of the pooled means.
    const u = Math.min(1, Math.max(0, (data[i] + 1) / 2)) || 0;
    if (mode === 'float') out[i] = 2 * u - 1;
    else {
      const level = mode === 'uint8-floor' ? Math.floor(255 * u) : Math.round(255 * u);
      out[i] = level / 127.5 - 1;
    }
  }
  return out;
}

/** Per-frame PSNR on [0, 1]; null for an identical frame (infinite). */
export function psnrOfMse(mse: number): number | null {
  return mse > 0 ? 10 * Math.log10(1 / mse) : null;
}

export interface SeamSummary {
  /** Video frames where an encoder run or a decoder chunk starts (the Causal Cache seams). */
  frames: number[];
  tdeAtSeams: number | null;
  tdeElsewhere: number | null;
  flickerAtSeams: number | null;
  flickerElsewhere: number | null;
}

export interface ClipMetrics {
  /** dB, pooled per the protocol; null when infinite and the protocol has no cap. */
  psnr: number | null;
  /** Frames reconstructed exactly (MSE 0, infinite PSNR), e.g. black frames of a fade. */
  identicalFrames: number;
  /** The pooled PSNR was infinite and the protocol's cap stands in (the reference's 100 dB): the clip's value says nothing about its other frames. */
  psnrCapped: boolean;
  ssim: number;
  lpips: number | null;
  /** Mean squared error over the whole clip on [0, 1]. */
  mse: number;
  tde: number | null;
  flicker: number | null;
  flickerMax: number | null;
  seams: SeamSummary;
}

const mean = (v: readonly number[]): number | null => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);

export function poolClip(c: FrameColumns, protocol: Pick<EvalProtocol, 'psnr' | 'psnrCap'>, seamFrames: readonly number[]): ClipMetrics {
  const mse = mean(c.mse) ?? 0;
  let psnr: number | null;
  if (protocol.psnr === 'video-mse') psnr = psnrOfMse(mse);
  else {
    // cal_psnr.py: the mean of per-frame PSNRs; one identical frame makes it infinite.
    const per = c.mse.map(psnrOfMse);
    psnr = per.some((p) => p === null) ? null : (mean(per as number[]) ?? null);
  }
  const capped = psnr === null && protocol.psnrCap !== null;
  if (capped) psnr = protocol.psnrCap;
  const seams = new Set(seamFrames);
  const split = (col: (number | null)[]) => {
    const at: number[] = [];
    const off: number[] = [];
    col.forEach((v, t) => {
      if (v !== null) (seams.has(t) ? at : off).push(v);
    });
    return [mean(at), mean(off)] as const;
  };
  const [tdeAt, tdeOff] = split(c.tde);
  const [flAt, flOff] = split(c.flicker);
  const tdes = c.tde.filter((v): v is number => v !== null);
  const flicker = c.flicker.filter((v): v is number => v !== null);
  return {
    psnr,
    identicalFrames: c.mse.filter((m) => m === 0).length,
    psnrCapped: capped,
    ssim: mean(c.ssim) ?? 0,
    lpips: c.lpips ? mean(c.lpips) : null,
    mse,
    tde: mean(tdes),
    flicker: mean(flicker),
    flickerMax: flicker.length ? Math.max(...flicker) : null,
    seams: { frames: [...seamFrames], tdeAtSeams: tdeAt, tdeElsewhere: tdeOff, flickerAtSeams: flAt, flickerElsewhere: flOff },
  };
}
