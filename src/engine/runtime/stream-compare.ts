// Whole-clip vs Causal Cache vs naive chunking, frame by frame: the numbers
// behind `wfvae compare` and the app's chunking view.
import { perFrameMaxAbsDiff, psnr } from '../metrics/index';
import type { Tensor } from '../tensor';
import type { WfvaeModel } from './model';
import { chunkBoundaryFrames, chunkingVerdict, decodeWith, encodeWith, type ChunkSettings, type ChunkingVerdict, type StreamRunOptions } from './stream-model';

/** Cached chunking counts as equal to whole-clip within this max abs difference. */
export const CACHED_TOLERANCE = 1e-5;

export interface FrameDeviation {
  maxAbs: number;
  psnr: number;
}

export interface CompareResult {
  input: 'video' | 'latent';
  frames: number;
  settings: Pick<ChunkSettings, 'encChunk' | 'decChunk'>;
  verdict: ChunkingVerdict;
  boundaries: { encoder: number[]; decoder: number[] };
  cached: FrameDeviation & { perFrame: FrameDeviation[] };
  naive: FrameDeviation & { perFrame: FrameDeviation[] };
  /** True when cached chunking matched whole-clip within CACHED_TOLERANCE. */
  cachedExact: boolean;
  seconds: { whole: number; cached: number; naive: number };
  /** The three reconstructions (C, T, H, W), for views that draw them. */
  videos?: { whole: Tensor; cached: Tensor; naive: Tensor };
}

const squeeze = (t: Tensor): Tensor => (t.shape.length === 5 ? { data: t.data, shape: t.shape.slice(1) } : t);

function deviation(result: Tensor, truth: Tensor): FrameDeviation & { perFrame: FrameDeviation[] } {
  const a = squeeze(result);
  const b = squeeze(truth);
  const maxAbs = perFrameMaxAbsDiff(a, b);
  const p = psnr(a, b, { range: 2 });
  return {
    maxAbs: Math.max(...maxAbs),
    psnr: p.clip,
    perFrame: maxAbs.map((m, i) => ({ maxAbs: m, psnr: p.perFrame[i] })),
  };
}

/**
 * Runs `input` (a video (1,3,T,H,W) in [-1,1], or latents (1,L,t,h,w) for a
 * decoder-only comparison) three ways and measures cached and naive against
 * whole-clip inference.
 */
export async function compareChunking(
  model: WfvaeModel,
  input: Tensor,
  settings: Pick<ChunkSettings, 'encChunk' | 'decChunk'>,
  opts: StreamRunOptions & { keepVideos?: boolean } = {},
): Promise<CompareResult> {
  const x: Tensor = input.shape.length === 4 ? { data: input.data, shape: [1, ...input.shape] } : input;
  const isLatent = x.shape[1] === model.facts.latentChannels && x.shape[1] !== 3;
  const run = async (mode: 'whole' | 'cached' | 'naive'): Promise<{ video: Tensor; seconds: number }> => {
    const t0 = performance.now();
    const s = { mode, ...settings };
    const latent = isLatent ? x : (await encodeWith(model, x, s, opts)).mean;
    const video = (await decodeWith(model, latent, s, opts)).video;
    return { video, seconds: (performance.now() - t0) / 1000 };
  };
  const whole = await run('whole');
  const cached = await run('cached');
  const naive = await run('naive');
  const frames = whole.video.shape[2];
  const tc = model.facts.temporalCompression;
  const boundaries = chunkBoundaryFrames(frames, settings, tc);
  if (isLatent) boundaries.encoder = [];
  const cachedDev = deviation(cached.video, whole.video);
  const r: CompareResult = {
    input: isLatent ? 'latent' : 'video',
    frames,
    settings,
    verdict: chunkingVerdict(model.facts, 'cached'),
    boundaries,
    cached: cachedDev,
    naive: deviation(naive.video, whole.video),
    cachedExact: cachedDev.maxAbs <= CACHED_TOLERANCE,
    seconds: { whole: whole.seconds, cached: cached.seconds, naive: naive.seconds },
  };
  if (opts.keepVideos) r.videos = { whole: squeeze(whole.video), cached: squeeze(cached.video), naive: squeeze(naive.video) };
  return r;
}
