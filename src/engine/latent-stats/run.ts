// `wfvae latent-stats`: every clip through the encoder alone (Causal Cache,
// streaming from ffmpeg), every latent chunk into the running statistics.
import { clipPath, type ClipList } from '../eval/clip-list';
import { toolVersion } from '../eval/tool-version';
import { encodeChunked } from '../runtime/chunked';
import type { WfvaeModel } from '../runtime/model';
import type { Tensor } from '../tensor';
import { decodeVideoChunks, type DecodeOptions } from '../video/index';
import { LatentStatsAccumulator, samplePosterior, type LatentStats } from './accumulator';

export type Posterior = 'mean' | 'sample';

export interface LatentStatsOptions {
  list: ClipList;
  model: WfvaeModel;
  decode: DecodeOptions;
  encChunk: number;
  /** 'mean': the posterior mode (what decoding uses); 'sample': z = mean + std * eps, as the reference's script. */
  posterior: Posterior;
  seed: number;
  binWidth?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; clip: string; framesDone: number; frames: number }) => void;
}

export interface ClipLatentSummary {
  clip: string;
  status: 'ok' | 'failed';
  reason: string | null;
  frames: number;
  /** (C, t, h, w) of the clip's latent. */
  latentShape: number[];
  mean: number[];
  std: number[];
}

export interface LatentStatsReport {
  format: 'wfvae-latent-stats';
  version: 1;
  tool: { name: string; version: string };
  model: { sha256: string; className: string; latentChannels: number };
  posterior: Posterior;
  seed: number | null;
  decode: DecodeOptions;
  dataset: { clips: number; listSha256: string };
  stats: LatentStats;
  clips: ClipLatentSummary[];
}

export async function runLatentStats(o: LatentStatsOptions): Promise<LatentStatsReport> {
  const { model } = o;
  const L = model.facts.latentChannels;
  const tc = model.facts.temporalCompression;
  const all = new LatentStatsAccumulator(L, o.binWidth);
  const clips: ClipLatentSummary[] = [];
  const graphs = await model.streamGraphs('encoder');
  for (const [index, clip] of o.list.clips.entries()) {
    o.signal?.throwIfAborted();
    const one = new LatentStatsAccumulator(L, o.binWidth);
    try {
      const source = decodeVideoChunks(clipPath(o.list, clip), { maxVoxels: Infinity, ...o.decode, temporalMultiple: tc, chunkFrames: o.encChunk, signal: o.signal });
      const plan = await source.plan;
      const blocks = (async function* () {
        for await (const b of source) yield { data: b.data, shape: [1, ...b.shape] } as Tensor;
      })();
      const outputs = o.posterior === 'sample' ? ['mean', 'logvar'] : ['mean'];
      let latentFrames = 0;
      let latentShape: number[] = [];
      for await (const c of encodeChunked(graphs, blocks, plan.frames, o.encChunk, tc, { mode: 'cached', outputs, signal: o.signal })) {
        // Each clip gets its own noise stream, so results do not depend on which clips ran before.
        const z = o.posterior === 'sample' ? samplePosterior(c.outputs.mean, c.outputs.logvar, o.seed + 7919 * index + latentFrames) : c.outputs.mean;
        one.add(z);
        latentFrames += z.shape[2];
        latentShape = [L, latentFrames, z.shape[3], z.shape[4]];
        o.onProgress?.({ done: index, total: o.list.clips.length, clip, framesDone: c.input[1], frames: plan.frames });
      }
      all.merge(one);
      const s = one.result();
      clips.push({ clip, status: 'ok', reason: null, frames: plan.frames, latentShape, mean: s.mean, std: s.std });
    } catch (err) {
      if (o.signal?.aborted) throw err;
      clips.push({ clip, status: 'failed', reason: err instanceof Error ? err.message : String(err), frames: 0, latentShape: [], mean: [], std: [] });
    }
  }
  if (all.count === 0) throw new Error(`no clip could be encoded (first failure: ${clips.find((c) => c.reason)?.reason ?? 'none'})`);
  return {
    format: 'wfvae-latent-stats',
    version: 1,
    tool: toolVersion(),
    model: { sha256: model.manifest.sha256, className: model.manifest.className, latentChannels: L },
    posterior: o.posterior,
    seed: o.posterior === 'sample' ? o.seed : null,
    decode: { ...o.decode, signal: undefined, onProgress: undefined },
    dataset: { clips: o.list.clips.length, listSha256: o.list.sha256 },
    stats: all.result(),
    clips,
  };
}
