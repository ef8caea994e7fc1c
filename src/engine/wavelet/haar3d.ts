// Causal 3D Haar analysis and synthesis with WF-VAE's exact semantics
// (HaarWaveletTransform3D / InverseHaarWaveletTransform3D of the public
// reference): kernel 2, stride 2 over (t, h, w); the first frame is replicated
// once in front so T = 1 + 2k maps to 1 + k frames; output channels are
// filter-major (channel f*C + c), filters in SUBBANDS_3D order.
import { SUBBANDS_3D } from '../../shared/subbands';
import type { Tensor } from '../tensor';
import { shapeString } from '../tensor';

/** Orthonormal coefficient; released WF-VAE checkpoints store 0.3536 instead. */
export const ORTHONORMAL_HAAR3D_COEFFICIENT = 1 / Math.sqrt(8);

export interface Haar3dOptions {
  coefficient?: number;
}

/**
 * SIGN_3D[f][tap] for tap = dt*4 + dh*2 + dw. Filter f has bit 2 set when it is
 * high-pass in t, bit 1 for h, bit 0 for w (LLL = 0 ... HHH = 7, matching
 * SUBBANDS_3D); a high-pass axis negates its second tap.
 */
export const SIGN_3D: readonly (readonly number[])[] = SUBBANDS_3D.map((_, f) => {
  const row: number[] = [];
  for (let tap = 0; tap < 8; tap++) row.push(oddBitCount(f & tap) ? -1 : 1);
  return row;
});

function oddBitCount(n: number): boolean {
  let odd = false;
  for (let m = n; m; m &= m - 1) odd = !odd;
  return odd;
}

function checkShape(x: Tensor, what: string): [number, number, number, number] {
  if (x.shape.length !== 4) {
    throw new Error(`${what}: expected a (C, T, H, W) tensor, got shape ${shapeString(x.shape)}`);
  }
  return [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
}

function coefficientOf(opts: Haar3dOptions | undefined): number {
  const c = opts?.coefficient ?? ORTHONORMAL_HAAR3D_COEFFICIENT;
  if (!Number.isFinite(c) || c === 0) throw new Error(`Haar coefficient must be a finite non-zero number (got ${c})`);
  return c;
}

/** (C, T, H, W) -> (8C, (T+1)/2, H/2, W/2). T must be odd, H and W even. */
export function haar3d(x: Tensor, opts?: Haar3dOptions): Tensor {
  const [C, T, H, W] = checkShape(x, 'haar3d');
  if (T % 2 !== 1) {
    throw new Error(`haar3d: frame count must be odd (1 + 2k) for the causal transform, got T=${T}; trim the clip to ${Math.max(1, T - 1)} frames`);
  }
  if (H % 2 !== 0 || W % 2 !== 0 || H < 2 || W < 2) {
    throw new Error(`haar3d: height and width must be even and at least 2, got ${H}x${W}; resize or crop to even dimensions`);
  }
  const k = coefficientOf(opts);
  const To = (T + 1) / 2;
  const Ho = H / 2;
  const Wo = W / 2;
  const frame = H * W;
  const oFrame = Ho * Wo;
  const oBand = C * To * oFrame; // elements per filter
  const src = x.data;
  const out = new Float32Array(8 * oBand);
  const v = new Float64Array(8);
  for (let c = 0; c < C; c++) {
    for (let j = 0; j < To; j++) {
      // Padded frames 2j, 2j+1 are input frames 2j-1, 2j (frame -1 = replicated frame 0).
      const f0 = (c * T + Math.max(0, 2 * j - 1)) * frame;
      const f1 = (c * T + 2 * j) * frame;
      const oBase = (c * To + j) * oFrame;
      for (let y = 0; y < Ho; y++) {
        const r0 = 2 * y * W;
        const r1 = r0 + W;
        for (let xo = 0; xo < Wo; xo++) {
          const x0 = 2 * xo;
          v[0] = src[f0 + r0 + x0]; v[1] = src[f0 + r0 + x0 + 1];
          v[2] = src[f0 + r1 + x0]; v[3] = src[f0 + r1 + x0 + 1];
          v[4] = src[f1 + r0 + x0]; v[5] = src[f1 + r0 + x0 + 1];
          v[6] = src[f1 + r1 + x0]; v[7] = src[f1 + r1 + x0 + 1];
          butterfly8(v);
          const o = oBase + y * Wo + xo;
          for (let f = 0; f < 8; f++) out[f * oBand + o] = k * v[f];
        }
      }
    }
  }
  return { data: out, shape: [8 * C, To, Ho, Wo] };
}

/**
 * In-place unnormalised Walsh-Hadamard transform of 8 taps indexed dt*4+dh*2+dw:
 * afterwards v[f] = sum_tap SIGN_3D[f][tap] * v_in[tap]. It is its own inverse up to 1/8.
 */
function butterfly8(v: Float64Array): void {
  for (let step = 1; step < 8; step <<= 1) {
    for (let i = 0; i < 8; i++) {
      if (i & step) continue;
      const a = v[i];
      const b = v[i + step];
      v[i] = a + b;
      v[i + step] = a - b;
    }
  }
}

/**
 * The transposed operation: each coefficient frame gives 2 frames of 2x2
 * pixels, and the first output frame (the replicated one) is dropped, so
 * (8C, T', H', W') -> (C, 2T'-1, 2H', 2W'). Exact inverse of haar3d for the
 * orthonormal coefficient; with another coefficient c it is scaled by 8c^2,
 * as in the reference.
 */
export function inverseHaar3d(coeffs: Tensor, opts?: Haar3dOptions): Tensor {
  const [C8, Tc, Hc, Wc] = checkShape(coeffs, 'inverseHaar3d');
  if (C8 % 8 !== 0 || C8 === 0) {
    throw new Error(`inverseHaar3d: channel count must be a multiple of 8 (8 subbands per input channel), got ${C8}`);
  }
  const k = coefficientOf(opts);
  const C = C8 / 8;
  const T = 2 * Tc - 1;
  const H = 2 * Hc;
  const W = 2 * Wc;
  const frame = H * W;
  const cFrame = Hc * Wc;
  const cBand = C * Tc * cFrame;
  const src = coeffs.data;
  const out = new Float32Array(C * T * frame);
  const v = new Float64Array(8);
  for (let c = 0; c < C; c++) {
    for (let j = 0; j < Tc; j++) {
      const keepFirst = j > 0; // padded frame 0 is the replicated frame
      const f0 = (c * T + 2 * j - 1) * frame;
      const f1 = (c * T + 2 * j) * frame;
      const cBase = (c * Tc + j) * cFrame;
      for (let y = 0; y < Hc; y++) {
        const r0 = 2 * y * W;
        const r1 = r0 + W;
        for (let xo = 0; xo < Wc; xo++) {
          const ci = cBase + y * Wc + xo;
          for (let f = 0; f < 8; f++) v[f] = src[f * cBand + ci];
          butterfly8(v);
          const x0 = 2 * xo;
          if (keepFirst) {
            out[f0 + r0 + x0] = k * v[0]; out[f0 + r0 + x0 + 1] = k * v[1];
            out[f0 + r1 + x0] = k * v[2]; out[f0 + r1 + x0 + 1] = k * v[3];
          }
          out[f1 + r0 + x0] = k * v[4]; out[f1 + r0 + x0 + 1] = k * v[5];
          out[f1 + r1 + x0] = k * v[6]; out[f1 + r1 + x0 + 1] = k * v[7];
        }
      }
    }
  }
  return { data: out, shape: [C, T, H, W] };
}
