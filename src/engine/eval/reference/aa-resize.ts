// PyTorch's antialiased bilinear resize (F.interpolate(mode='bilinear',
// antialias=True), either align_corners), computed the way its CPU kernel
// computes float32 tensors, so that the reference's originals can be made
// here to within float32 rounding: per output index a window of input
// samples with triangle-filter weights stretched by the scale when shrinking,
// normalised to sum 1; the width is resampled first, then the height, each
// pass rounding to float32. Every intermediate is rounded as the kernel's
// float arithmetic rounds it (Math.fround), so results match torch to a few
// float32 ulps (test/unit/eval/aa-resize.test.ts checks ≤ 1e-6 against
// torch-made fixtures and, where python3-torch is installed, torch itself).
const f = Math.fround;

export interface AxisTaps {
  inSize: number;
  outSize: number;
  /** Most taps any output index uses. */
  taps: number;
  /** First input index per output index. */
  first: Int32Array;
  /** Number of taps per output index. */
  count: Int32Array;
  /** outSize x taps weights (float32), zero past `count`. */
  weights: Float32Array;
}

/** The triangle (linear) filter on float32: 1 - |x| inside (-1, 1). */
function triangle(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? f(1 - a) : 0;
}

/** torch's area_pixel_compute_scale in float32 (no explicit scale factor given). */
export function axisScale(inSize: number, outSize: number, alignCorners: boolean): number {
  if (alignCorners) return outSize > 1 ? f((inSize - 1) / (outSize - 1)) : 0;
  return f(inSize / outSize);
}

/** The input window and normalised weights of every output index along one axis. */
export function axisTaps(inSize: number, outSize: number, alignCorners: boolean): AxisTaps {
  if (!(Number.isInteger(inSize) && inSize >= 1 && Number.isInteger(outSize) && outSize >= 1)) {
    throw new Error(`resize: sizes must be whole numbers >= 1 (got ${inSize} -> ${outSize})`);
  }
  const scale = axisScale(inSize, outSize, alignCorners);
  // Bilinear's interp_size is 2: half-width 1, stretched by the scale when shrinking.
  const support = scale >= 1 ? scale : 1;
  const invscale = scale >= 1 ? f(1 / scale) : 1;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const center = f(scale * (i + 0.5));
    // C++ static_cast<int64_t> truncates toward zero.
    const xmin = Math.max(Math.trunc(f(center - support) + 0.5), 0);
    const xsize = Math.min(Math.min(Math.trunc(f(center + support) + 0.5), inSize) - xmin, taps);
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const w = triangle(f((f(j + xmin - center) + 0.5) * invscale));
      weights[i * taps + j] = w;
      total = f(total + w);
    }
    if (total !== 0) for (let j = 0; j < xsize; j++) weights[i * taps + j] = f(weights[i * taps + j] / total);
    first[i] = xmin;
    count[i] = Math.max(0, xsize);
  }
  return { inSize, outSize, taps, first, count, weights };
}

/** One pass along the last axis (stride 1) or the one before it (stride = row length), float32 accumulation. */
function pass(src: Float32Array, dst: Float32Array, planes: number, rows: number, cols: number, t: AxisTaps, alongRows: boolean): void {
  const outRows = alongRows ? t.outSize : rows;
  const outCols = alongRows ? cols : t.outSize;
  const inPlane = rows * cols;
  const outPlane = outRows * outCols;
  for (let p = 0; p < planes; p++) {
    const s0 = p * inPlane;
    const d0 = p * outPlane;
    for (let r = 0; r < outRows; r++) {
      for (let c = 0; c < outCols; c++) {
        const o = alongRows ? r : c;
        const n = t.count[o];
        const w0 = o * t.taps;
        let base: number;
        let step: number;
        if (alongRows) {
          base = s0 + t.first[o] * cols + c;
          step = cols;
        } else {
          base = s0 + r * cols + t.first[o];
          step = 1;
        }
        let acc = n > 0 ? f(src[base] * t.weights[w0]) : 0;
        for (let j = 1; j < n; j++) acc = f(acc + f(src[base + j * step] * t.weights[w0 + j]));
        dst[d0 + r * outCols + c] = acc;
      }
    }
  }
}

/**
 * Resizes `planes` float32 planes of inH x inW (row-major, one after another) to outH x outW:
 * torch.nn.functional.interpolate(x, size=(outH, outW), mode='bilinear', align_corners, antialias=True).
 */
export function resizeAntialiased(src: Float32Array, planes: number, inH: number, inW: number, outH: number, outW: number, alignCorners: boolean): Float32Array {
  if (src.length !== planes * inH * inW) throw new Error(`resize: ${src.length} values are not ${planes} planes of ${inH}x${inW}`);
  const across = axisTaps(inW, outW, alignCorners);
  const down = axisTaps(inH, outH, alignCorners);
  const mid = new Float32Array(planes * inH * outW);
  pass(src, mid, planes, inH, inW, across, false);
  const out = new Float32Array(planes * outH * outW);
  pass(mid, out, planes, inH, outW, down, true);
  return out;
}
