// A tiny random-weight network with LPIPS's interface (two images (N, 3, H, W)
// on [-1, 1] in, a spatial distance map (N, 1, H, W) out), built with the
// project's own ONNX graph builder, and the same computation in plain
// TypeScript to check what onnxruntime returns. Structure as LPIPS: features,
// unit-normalised over channels, squared difference, a non-negative 1x1 "lin"
// layer. One 3x3 conv layer instead of AlexNet.
import { GraphBuilder, type Value } from '../../src/engine/onnx/graph';
import { WeightStore } from '../../src/engine/onnx/weights';

const FEATURES = 4;
const EPS = 1e-10;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface TinyLpips {
  bytes: Uint8Array;
  /** Per-image distances for (N, 3, H, W) inputs, computed directly (float64). */
  reference(x0: Float32Array, x1: Float32Array, n: number, h: number, w: number): number[];
}

export function buildTinyLpips(seed = 1): TinyLpips {
  const r = rng(seed);
  const conv = Array.from({ length: FEATURES * 3 * 9 }, () => Math.fround(r() - 0.5));
  const bias = Array.from({ length: FEATURES }, () => Math.fround(0.1 * (r() - 0.5)));
  const lin = Array.from({ length: FEATURES }, () => Math.fround(r()));

  const g = new GraphBuilder('tiny_lpips', new WeightStore(null));
  const in0 = g.input('in0', ['N', 3, 'H', 'W']);
  const in1 = g.input('in1', ['N', 3, 'H', 'W']);
  const features = (x: Value): Value => {
    const h = g.op1('Relu', [g.op1('Conv', [x, g.float(conv, [FEATURES, 3, 3, 3]), g.float(bias, [FEATURES])], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] })]);
    const norm = g.op1('Sqrt', [g.op1('Add', [g.op1('ReduceSum', [g.op1('Mul', [h, h]), g.int64([1])], { keepdims: 1 }), g.scalar(EPS)])]);
    return g.op1('Div', [h, norm]);
  };
  const d = g.op1('Sub', [features(in0), features(in1)]);
  const dist = g.op1('Conv', [g.op1('Mul', [d, d]), g.float(lin, [1, FEATURES, 1, 1])], { kernel_shape: [1, 1] });
  g.output('dist', dist, ['N', 1, 'H', 'W']);
  const bytes = g.encode('unused.bin', 'tiny random-weight LPIPS stand-in for tests');

  const reference = (x0: Float32Array, x1: Float32Array, n: number, h: number, w: number): number[] => {
    const feat = (x: Float32Array, b: number): Float64Array => {
      const out = new Float64Array(FEATURES * h * w);
      for (let f = 0; f < FEATURES; f++) {
        for (let y = 0; y < h; y++) {
          for (let xx = 0; xx < w; xx++) {
            let s = bias[f];
            for (let c = 0; c < 3; c++) {
              for (let ky = 0; ky < 3; ky++) {
                for (let kx = 0; kx < 3; kx++) {
                  const yy = y + ky - 1;
                  const xi = xx + kx - 1;
                  if (yy < 0 || yy >= h || xi < 0 || xi >= w) continue;
                  s += conv[((f * 3 + c) * 3 + ky) * 3 + kx] * x[((b * 3 + c) * h + yy) * w + xi];
                }
              }
            }
            out[(f * h + y) * w + xx] = Math.max(0, s);
          }
        }
      }
      for (let p = 0; p < h * w; p++) {
        let ss = 0;
        for (let f = 0; f < FEATURES; f++) ss += out[f * h * w + p] ** 2;
        const norm = Math.sqrt(ss + EPS);
        for (let f = 0; f < FEATURES; f++) out[f * h * w + p] /= norm;
      }
      return out;
    };
    return Array.from({ length: n }, (_, b) => {
      const a = feat(x0, b);
      const c = feat(x1, b);
      let total = 0;
      for (let p = 0; p < h * w; p++) {
        for (let f = 0; f < FEATURES; f++) total += lin[f] * (a[f * h * w + p] - c[f * h * w + p]) ** 2;
      }
      return total / (h * w);
    });
  };
  return { bytes, reference };
}
