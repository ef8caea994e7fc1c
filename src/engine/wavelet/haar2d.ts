// Per-frame 2D Haar with WF-VAE's semantics (HaarWaveletTransform2D and its
// inverse in the public reference): kernel 2, stride 2 over (h, w), filters
// aa, ad, da, dd = 0.5 * sign pattern, output filter-major (channel f*C + c).
// Sign convention (kernel rows = h, columns = w):
//   LL = aa [[+,+],[+,+]]   LH = ad [[+,+],[-,-]] (differences along h)
//   HL = da [[+,-],[+,-]] (differences along w)   HH = dd [[+,-],[-,+]]
import type { Tensor } from '../tensor';
import { shapeString } from '../tensor';

const HAAR2D_COEFFICIENT = 0.5;

/** SIGN_2D[f][tap], tap = dh*2 + dw, f in SUBBANDS_2D order. */
export const SIGN_2D: readonly (readonly number[])[] = [
  [1, 1, 1, 1],
  [1, 1, -1, -1],
  [1, -1, 1, -1],
  [1, -1, -1, 1],
];

function checkShape(x: Tensor, what: string): [number, number, number, number] {
  if (x.shape.length !== 4) {
    throw new Error(`${what}: expected a (C, T, H, W) tensor, got shape ${shapeString(x.shape)}`);
  }
  return [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
}

/** (C, T, H, W) -> (4C, T, H/2, W/2), each frame independently. */
export function haar2d(x: Tensor): Tensor {
  const [C, T, H, W] = checkShape(x, 'haar2d');
  if (H % 2 !== 0 || W % 2 !== 0 || H < 2 || W < 2) {
    throw new Error(`haar2d: height and width must be even and at least 2, got ${H}x${W}; resize or crop to even dimensions`);
  }
  const Ho = H / 2;
  const Wo = W / 2;
  const band = C * T * Ho * Wo;
  const src = x.data;
  const out = new Float32Array(4 * band);
  for (let ct = 0; ct < C * T; ct++) {
    const base = ct * H * W;
    const oBase = ct * Ho * Wo;
    for (let y = 0; y < Ho; y++) {
      const r0 = base + 2 * y * W;
      const r1 = r0 + W;
      for (let xo = 0; xo < Wo; xo++) {
        const a = src[r0 + 2 * xo];
        const b = src[r0 + 2 * xo + 1];
        const c = src[r1 + 2 * xo];
        const d = src[r1 + 2 * xo + 1];
        const o = oBase + y * Wo + xo;
        out[o] = HAAR2D_COEFFICIENT * (a + b + c + d);
        out[band + o] = HAAR2D_COEFFICIENT * (a + b - c - d);
        out[2 * band + o] = HAAR2D_COEFFICIENT * (a - b + c - d);
        out[3 * band + o] = HAAR2D_COEFFICIENT * (a - b - c + d);
      }
    }
  }
  return { data: out, shape: [4 * C, T, Ho, Wo] };
}

/** (4C, T, H', W') -> (C, T, 2H', 2W'): the transposed operation, an exact inverse. */
export function inverseHaar2d(coeffs: Tensor): Tensor {
  const [C4, T, Hc, Wc] = checkShape(coeffs, 'inverseHaar2d');
  if (C4 % 4 !== 0 || C4 === 0) {
    throw new Error(`inverseHaar2d: channel count must be a multiple of 4 (4 subbands per input channel), got ${C4}`);
  }
  const C = C4 / 4;
  const H = 2 * Hc;
  const W = 2 * Wc;
  const band = C * T * Hc * Wc;
  const src = coeffs.data;
  const out = new Float32Array(C * T * H * W);
  for (let ct = 0; ct < C * T; ct++) {
    const base = ct * H * W;
    const cBase = ct * Hc * Wc;
    for (let y = 0; y < Hc; y++) {
      const r0 = base + 2 * y * W;
      const r1 = r0 + W;
      for (let xo = 0; xo < Wc; xo++) {
        const i = cBase + y * Wc + xo;
        const ll = src[i];
        const lh = src[band + i];
        const hl = src[2 * band + i];
        const hh = src[3 * band + i];
        out[r0 + 2 * xo] = HAAR2D_COEFFICIENT * (ll + lh + hl + hh);
        out[r0 + 2 * xo + 1] = HAAR2D_COEFFICIENT * (ll + lh - hl - hh);
        out[r1 + 2 * xo] = HAAR2D_COEFFICIENT * (ll - lh + hl - hh);
        out[r1 + 2 * xo + 1] = HAAR2D_COEFFICIENT * (ll - lh - hl + hh);
      }
    }
  }
  return { data: out, shape: [C, T, H, W] };
}
