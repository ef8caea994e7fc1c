// `wfvae latent-stats merge`: the shard files of one computation into the
// report one unsharded run writes, byte for byte. Means and co-moments depend
// on the order values are combined in, so every shard keeps each clip's
// moments and they are combined here in clip order, the unsharded run's
// order; minima, maxima and histogram counts are exact in any order.
import { readFile } from 'node:fs/promises';
import { LatentStatsAccumulator } from './accumulator';
import { fromF64, type LatentStatsHeader, type LatentStatsReport, type LatentStatsShard } from './run';

export async function readLatentStatsShard(path: string): Promise<LatentStatsShard> {
  let v: LatentStatsShard;
  try {
    v = JSON.parse(await readFile(path, 'utf8')) as LatentStatsShard;
  } catch (err) {
    throw new Error(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give the files a sharded latent-stats run wrote with --out`);
  }
  if (v?.format !== 'wfvae-latent-stats-shard') throw new Error(`${path} is not a latent-stats shard file (run latent-stats with --shard i/n --out FILE)`);
  if (v.version !== 1) throw new Error(`${path} is a latent-stats shard of version ${String(v.version)}; this tool reads version 1`);
  return v;
}

const IDENTITY: (keyof LatentStatsHeader | 'binWidth')[] = ['tool', 'model', 'posterior', 'seed', 'decode', 'dataset', 'binWidth'];

export function mergeLatentStats(parts: readonly { path: string; shard: LatentStatsShard }[]): LatentStatsReport {
  if (parts.length === 0) throw new Error('nothing to merge: give the shard files of a sharded latent-stats run');
  const first = parts[0];
  for (const p of parts.slice(1)) {
    const diff = IDENTITY.filter((k) => JSON.stringify(p.shard[k]) !== JSON.stringify(first.shard[k]));
    if (diff.length) throw new Error(`${p.path} was computed with other ${diff.join(', ')} than ${first.path}; only shards of one run can be merged`);
  }
  const n = first.shard.shard.count;
  const seen = new Map<number, string>();
  for (const p of parts) {
    const s = p.shard.shard;
    if (s.count !== n) throw new Error(`${p.path} is shard ${s.index}/${s.count} but ${first.path} is one of ${n}; shards of one run share the count`);
    const other = seen.get(s.index);
    if (other) throw new Error(`shard ${s.index}/${n} is given twice (${other} and ${p.path})`);
    seen.set(s.index, p.path);
  }
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) throw new Error(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} missing: merge needs all ${n} shard files`);
  const clips = parts.flatMap((p) => p.shard.clips).sort((a, b) => a.index - b.index);
  const total = first.shard.dataset.clips;
  if (clips.length !== total || clips.some((c, i) => c.index !== i)) {
    throw new Error(`the shards hold ${clips.length} clip records for a list of ${total} clips (each clip must be in exactly one shard); were they run on the same list?`);
  }
  const channels = first.shard.model.latentChannels;
  const all = new LatentStatsAccumulator(channels, first.shard.binWidth);
  for (const c of clips) {
    if (c.moments) all.addMoments({ n: c.moments.n, mean: fromF64(c.moments.mean), comoment: fromF64(c.moments.comoment) });
  }
  for (const p of parts) all.addTallies(p.shard.tallies);
  if (all.count === 0) throw new Error(`no clip of any shard could be encoded (first failure: ${clips.find((c) => c.reason)?.reason ?? 'none'})`);
  const { tool, model, posterior, seed, decode, dataset } = first.shard;
  return {
    format: 'wfvae-latent-stats',
    version: 1,
    tool, model, posterior, seed, decode, dataset,
    stats: all.result(),
    clips: clips.map(({ index: _i, moments: _m, ...summary }) => summary),
  };
}
