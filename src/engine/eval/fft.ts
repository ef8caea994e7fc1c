// Discrete Fourier transforms for the error spectrum: radix-2 for power-of-two
// lengths, Bluestein's chirp-z for any other (frames are often 240 or 360
// pixels), both in float64. Plans are cached per length.

interface Plan {
  n: number;
  run(re: Float64Array, im: Float64Array): void;
}

const plans = new Map<number, Plan>();

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function radix2Plan(n: number): Plan {
  const bits = Math.log2(n);
  const rev = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  const cos = new Float64Array(n / 2);
  const sin = new Float64Array(n / 2);
  for (let i = 0; i < n / 2; i++) {
    cos[i] = Math.cos((2 * Math.PI * i) / n);
    sin[i] = -Math.sin((2 * Math.PI * i) / n);
  }
  return {
    n,
    run(re, im) {
      for (let i = 0; i < n; i++) {
        const j = rev[i];
        if (j > i) {
          let t = re[i];
          re[i] = re[j];
          re[j] = t;
          t = im[i];
          im[i] = im[j];
          im[j] = t;
        }
      }
      for (let size = 2; size <= n; size <<= 1) {
        const half = size >> 1;
        const step = n / size;
        for (let start = 0; start < n; start += size) {
          for (let k = 0; k < half; k++) {
            const wr = cos[k * step];
            const wi = sin[k * step];
            const a = start + k;
            const b = a + half;
            const tr = re[b] * wr - im[b] * wi;
            const ti = re[b] * wi + im[b] * wr;
            re[b] = re[a] - tr;
            im[b] = im[a] - ti;
            re[a] += tr;
            im[a] += ti;
          }
        }
      }
    },
  };
}

/** Bluestein: a length-n DFT as a convolution of length m >= 2n - 1 (a power of two). */
function bluesteinPlan(n: number): Plan {
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const inner = planFor(m);
  // Chirp w_k = exp(-i pi k^2 / n); k^2 mod 2n keeps the angle exact for large k.
  const wr = new Float64Array(n);
  const wi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = (Math.PI * ((k * k) % (2 * n))) / n;
    wr[k] = Math.cos(a);
    wi[k] = -Math.sin(a);
  }
  // The filter's transform: conj(chirp), wrapped around, transformed once.
  const br = new Float64Array(m);
  const bi = new Float64Array(m);
  br[0] = wr[0];
  bi[0] = -wi[0];
  for (let k = 1; k < n; k++) {
    br[k] = br[m - k] = wr[k];
    bi[k] = bi[m - k] = -wi[k];
  }
  inner.run(br, bi);
  const ar = new Float64Array(m);
  const ai = new Float64Array(m);
  return {
    n,
    run(re, im) {
      ar.fill(0);
      ai.fill(0);
      for (let k = 0; k < n; k++) {
        ar[k] = re[k] * wr[k] - im[k] * wi[k];
        ai[k] = re[k] * wi[k] + im[k] * wr[k];
      }
      inner.run(ar, ai);
      for (let k = 0; k < m; k++) {
        const r = ar[k] * br[k] - ai[k] * bi[k];
        const i = ar[k] * bi[k] + ai[k] * br[k];
        // Inverse transform by conjugation: conj(FFT(conj(x))) / m.
        ar[k] = r;
        ai[k] = -i;
      }
      inner.run(ar, ai);
      for (let k = 0; k < n; k++) {
        const r = ar[k] / m;
        const i = -ai[k] / m;
        re[k] = r * wr[k] - i * wi[k];
        im[k] = r * wi[k] + i * wr[k];
      }
    },
  };
}

function planFor(n: number): Plan {
  let p = plans.get(n);
  if (!p) {
    p = isPow2(n) ? radix2Plan(n) : bluesteinPlan(n);
    plans.set(n, p);
  }
  return p;
}

/** In-place forward DFT X_k = sum_j x_j exp(-2 pi i jk / n) of any length >= 1. */
export function fft(re: Float64Array, im: Float64Array): void {
  if (re.length !== im.length) throw new Error(`fft: real and imaginary parts differ in length (${re.length} vs ${im.length})`);
  if (re.length <= 1) return;
  planFor(re.length).run(re, im);
}

/** |DFT|^2 of a real H x W plane (row-major), rows then columns. */
export function powerSpectrum2d(plane: ArrayLike<number>, height: number, width: number): Float64Array {
  const re = new Float64Array(height * width);
  const im = new Float64Array(height * width);
  for (let i = 0; i < re.length; i++) re[i] = plane[i];
  const rr = new Float64Array(width);
  const ri = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    rr.set(re.subarray(y * width, (y + 1) * width));
    ri.set(im.subarray(y * width, (y + 1) * width));
    fft(rr, ri);
    re.set(rr, y * width);
    im.set(ri, y * width);
  }
  const cr = new Float64Array(height);
  const ci = new Float64Array(height);
  const out = new Float64Array(height * width);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      cr[y] = re[y * width + x];
      ci[y] = im[y * width + x];
    }
    fft(cr, ci);
    for (let y = 0; y < height; y++) out[y * width + x] = cr[y] * cr[y] + ci[y] * ci[y];
  }
  return out;
}
