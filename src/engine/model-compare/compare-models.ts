// Two models on the same clip: each one's per-frame quality against the
// original, the two reconstructions against each other, and how far apart
// their latents are (per channel and per latent frame).
import { psnr, ssim } from '../metrics/index';
import type { WfvaeModel } from '../runtime/model';
import { decodeWith, encodeWith, type ChunkSettings } from '../runtime/stream-model';
import type { Tensor } from '../tensor';

export interface SideInfo {
  label: string;
  sha256: string;
  className: string;
  provider: string;
}

export interface LatentDifference {
  /** (L, t, h, w) of both latent means. */
  shape: number[];
  maxAbs: number;
  rms: number;
  /** ||a - b|| / ||a||. */
  relative: number;
  perChannel: { maxAbs: number; rms: number }[];
  perFrame: { maxAbs: number; rms: number }[];
}

export interface ModelComparison {
  a: SideInfo;
  b: SideInfo;
  frames: number;
  width: number;
  height: number;
  chunking: ChunkSettings;
  /** dB on [-1, 1] (range 2); null = identical (infinite). */
  clip: { psnrA: number | null; psnrB: number | null; ssimA: number; ssimB: number; psnrAB: number | null; maxAbsAB: number };
  perFrame: { psnrA: (number | null)[]; psnrB: (number | null)[]; ssimA: number[]; ssimB: number[]; psnrAB: (number | null)[]; maxAbsAB: number[] };
  /** null when the two models' latents differ in shape (other architectures). */
  latent: LatentDifference | null;
  notes: string[];
}

export interface ComparisonRun {
  comparison: ModelComparison;
  /** (3, T, H, W), clamped to [-1, 1]. */
  videos: { a: Tensor; b: Tensor };
  /** (1, L, t, h, w) latent means. */
  latents: { a: Tensor; b: Tensor };
}

const db = (v: number) => (Number.isFinite(v) ? v : null);

function clamp(t: Tensor): Tensor {
  const s = t.shape.length === 5 ? t.shape.slice(1) : t.shape;
  return { data: t.data.map((v) => Math.min(1, Math.max(-1, v))), shape: s };
}

export function latentDifference(a: Tensor, b: Tensor): LatentDifference | null {
  if (a.shape.join(',') !== b.shape.join(',')) return null;
  const [, L, t, h, w] = a.shape;
  const plane = h * w;
  const perChannel = Array.from({ length: L }, () => ({ maxAbs: 0, sq: 0 }));
  const perFrame = Array.from({ length: t }, () => ({ maxAbs: 0, sq: 0 }));
  let sq = 0;
  let ref = 0;
  let maxAbs = 0;
  for (let c = 0; c < L; c++) {
    for (let f = 0; f < t; f++) {
      const base = (c * t + f) * plane;
      for (let i = 0; i < plane; i++) {
        const d = a.data[base + i] - b.data[base + i];
        const ad = Math.abs(d);
        sq += d * d;
        ref += a.data[base + i] ** 2;
        perChannel[c].sq += d * d;
        perFrame[f].sq += d * d;
        if (ad > perChannel[c].maxAbs) perChannel[c].maxAbs = ad;
        if (ad > perFrame[f].maxAbs) perFrame[f].maxAbs = ad;
        if (ad > maxAbs) maxAbs = ad;
      }
    }
  }
  const n = L * t * plane;
  return {
    shape: [L, t, h, w],
    maxAbs,
    rms: Math.sqrt(sq / n),
    relative: ref > 0 ? Math.sqrt(sq / ref) : 0,
    perChannel: perChannel.map((p) => ({ maxAbs: p.maxAbs, rms: Math.sqrt(p.sq / (t * plane)) })),
    perFrame: perFrame.map((p) => ({ maxAbs: p.maxAbs, rms: Math.sqrt(p.sq / (L * plane)) })),
  };
}

async function reconstruct(model: WfvaeModel, video: Tensor, chunking: ChunkSettings, signal?: AbortSignal): Promise<{ video: Tensor; mean: Tensor }> {
  const v5: Tensor = video.shape.length === 4 ? { data: video.data, shape: [1, ...video.shape] } : video;
  const enc = await encodeWith(model, v5, chunking, { signal });
  const dec = await decodeWith(model, enc.mean, chunking, { signal });
  return { video: dec.video, mean: enc.mean };
}

/** video: (3, T, H, W) on [-1, 1]. */
export async function compareModels(
  a: { model: WfvaeModel; label: string },
  b: { model: WfvaeModel; label: string; notes?: string[] },
  video: Tensor,
  chunking: ChunkSettings,
  opts: { signal?: AbortSignal; onStage?: (stage: string) => void } = {},
): Promise<ComparisonRun> {
  const [, T, H, W] = video.shape.length === 5 ? video.shape.slice(1) : video.shape;
  const orig: Tensor = { data: video.data, shape: [3, T, H, W] };
  opts.onStage?.('model A');
  const ra = await reconstruct(a.model, orig, chunking, opts.signal);
  opts.onStage?.('model B');
  const rb = await reconstruct(b.model, orig, chunking, opts.signal);
  opts.onStage?.('measuring');
  const va = clamp(ra.video);
  const vb = clamp(rb.video);
  const pa = psnr(orig, va);
  const pb = psnr(orig, vb);
  const pab = psnr(va, vb);
  const sa = ssim(orig, va, { signal: opts.signal });
  const sb = ssim(orig, vb, { signal: opts.signal });
  const plane = H * W;
  const maxAbsAB = Array.from({ length: T }, (_, t) => {
    let m = 0;
    for (let c = 0; c < 3; c++) {
      const base = (c * T + t) * plane;
      for (let i = 0; i < plane; i++) m = Math.max(m, Math.abs(va.data[base + i] - vb.data[base + i]));
    }
    return m;
  });
  const side = (m: WfvaeModel, label: string): SideInfo => ({ label, sha256: m.manifest.sha256, className: m.manifest.className, provider: m.provider });
  const latent = latentDifference(ra.mean, rb.mean);
  const notes = [...(b.notes ?? [])];
  if (!latent) notes.push(`the latents differ in shape, (${ra.mean.shape.slice(1).join(', ')}) vs (${rb.mean.shape.slice(1).join(', ')}): no latent difference`);
  return {
    comparison: {
      a: side(a.model, a.label),
      b: side(b.model, b.label),
      frames: T,
      width: W,
      height: H,
      chunking: { ...chunking },
      clip: { psnrA: db(pa.clip), psnrB: db(pb.clip), ssimA: sa.clip, ssimB: sb.clip, psnrAB: db(pab.clip), maxAbsAB: Math.max(...maxAbsAB) },
      perFrame: { psnrA: pa.perFrame.map(db), psnrB: pb.perFrame.map(db), ssimA: sa.perFrame, ssimB: sb.perFrame, psnrAB: pab.perFrame.map(db), maxAbsAB },
      latent,
      notes,
    },
    videos: { a: va, b: vb },
    latents: { a: ra.mean, b: rb.mean },
  };
}
