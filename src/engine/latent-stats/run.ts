// `wfvae latent-stats`: every clip through the encoder alone (Causal Cache,
// streaming from ffmpeg), every latent chunk into the running statistics.
// With a shard (eval's: --shard i/n or the batch system's variables) only the
// clips of that shard run, and the shard's file keeps each clip's moments so
// that `latent-stats merge` combines them in clip order, exactly as one
// unsharded run does (shards.ts).
import { clipPath, type ClipList } from '../eval/clip-list';
import { shardIndices, type Shard } from '../eval/shard';
import { toolVersion } from '../eval/tool-version';
import { encodeChunked } from '../runtime/chunked';
import type { WfvaeModel } from '../runtime/model';
import type { Tensor } from '../tensor';
import { decodeVideoChunks, type DecodeOptions } from '../video/index';
import { DEFAULT_BIN_WIDTH, LatentStatsAccumulator, momentSummary, samplePosterior, type LatentStats, type Moments } from './accumulator';

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
  /** Only the clips of this shard. */
  shard?: Shard | null;
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

/** What identifies one computation: shards of one must agree on all of it. */
export interface LatentStatsHeader {
  tool: { name: string; version: string };
  model: { sha256: string; className: string; latentChannels: number };
  posterior: Posterior;
  seed: number | null;
  decode: DecodeOptions;
  dataset: { clips: number; listSha256: string };
}

export interface LatentStatsReport extends LatentStatsHeader {
  format: 'wfvae-latent-stats';
  version: 1;
  stats: LatentStats;
  clips: ClipLatentSummary[];
}

/** A clip of a shard: its summary, its index in the list and its moments (exact: float64 bytes, base64). */
export interface ShardClip extends ClipLatentSummary {
  index: number;
  moments: { n: number; mean: string; comoment: string } | null;
}

export interface LatentStatsShard extends LatentStatsHeader {
  format: 'wfvae-latent-stats-shard';
  version: 1;
  binWidth: number;
  shard: { index: number; count: number };
  clips: ShardClip[];
  /** The shard's minimum, maximum and histogram counts (exact in any order). */
  tallies: ReturnType<LatentStatsAccumulator['tallies']>;
}

export interface LatentStatsRun {
  /** The statistics over the clips run (all of them without a shard). */
  report: LatentStatsReport;
  /** With a shard: what `latent-stats merge` needs of it. */
  shard: LatentStatsShard | null;
}

const f64 = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
export function fromF64(text: string): Float64Array {
  const b = Buffer.from(text, 'base64');
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function encodeMoments(m: Moments): ShardClip['moments'] {
  return { n: m.n, mean: f64(m.mean), comoment: f64(m.comoment) };
}

export async function runLatentStats(o: LatentStatsOptions): Promise<LatentStatsRun> {
  const { model } = o;
  const L = model.facts.latentChannels;
  const tc = model.facts.temporalCompression;
  const binWidth = o.binWidth ?? DEFAULT_BIN_WIDTH;
  const all = new LatentStatsAccumulator(L, binWidth);
  const clips: ShardClip[] = [];
  const mine = shardIndices(o.list.clips.length, o.shard ?? null);
  const graphs = await model.streamGraphs('encoder');
  for (const [done, index] of mine.entries()) {
    o.signal?.throwIfAborted();
    const clip = o.list.clips[index];
    const one = new LatentStatsAccumulator(L, binWidth);
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
        o.onProgress?.({ done, total: mine.length, clip, framesDone: c.input[1], frames: plan.frames });
      }
      all.merge(one);
      const m = one.moments();
      clips.push({ index, clip, status: 'ok', reason: null, frames: plan.frames, latentShape, ...momentSummary(m), moments: encodeMoments(m) });
    } catch (err) {
      if (o.signal?.aborted) throw err;
      clips.push({ index, clip, status: 'failed', reason: err instanceof Error ? err.message : String(err), frames: 0, latentShape: [], mean: [], std: [], moments: null });
    }
  }
  const header = latentStatsHeader(o, L);
  const summaries = clips.map(({ index: _i, moments: _m, ...summary }) => summary);
  if (o.shard) {
    return {
      report: { format: 'wfvae-latent-stats', version: 1, ...header, stats: all.count ? all.result() : emptyStats(L, binWidth), clips: summaries },
      shard: { format: 'wfvae-latent-stats-shard', version: 1, ...header, binWidth, shard: { index: o.shard.index, count: o.shard.count }, clips, tallies: all.tallies() },
    };
  }
  if (all.count === 0) throw new Error(`no clip could be encoded (first failure: ${clips.find((c) => c.reason)?.reason ?? 'none'})`);
  return { report: { format: 'wfvae-latent-stats', version: 1, ...header, stats: all.result(), clips: summaries }, shard: null };
}

export function latentStatsHeader(o: Pick<LatentStatsOptions, 'list' | 'model' | 'posterior' | 'seed' | 'decode'>, latentChannels: number): LatentStatsHeader {
  return {
    tool: toolVersion(),
    model: { sha256: o.model.manifest.sha256, className: o.model.manifest.className, latentChannels },
    posterior: o.posterior,
    seed: o.posterior === 'sample' ? o.seed : null,
    decode: { ...o.decode, signal: undefined, onProgress: undefined },
    dataset: { clips: o.list.clips.length, listSha256: o.list.sha256 },
  };
}

/** A shard whose clips all failed still reports; the merge is what needs values. */
function emptyStats(channels: number, binWidth: number): LatentStats {
  const zeros = new Array<number>(channels).fill(0);
  return {
    channels, count: 0, mean: zeros, std: zeros, min: zeros, max: zeros,
    histogram: { binWidth, start: 0, counts: zeros.map(() => []) },
    correlation: zeros.map(() => [...zeros]),
    suggested: { shift: zeros, scale: zeros.map(() => 1) },
    note: 'no clip of this shard could be encoded',
  };
}
