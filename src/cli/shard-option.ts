// --shard i/n and --shard-count, or the shard a batch system assigned (Slurm
// arrays, Kubernetes Indexed Jobs): one reading for every command that shards
// (eval, latent-stats), on the engine's shard rules (engine/eval/shard.ts).
import type { Flags } from '../hosting/args';
import { UsageError } from '../hosting/errors';
import { parseShard, shardFromEnv, type Shard } from '../engine/eval/shard';

export function readShardFlags(flags: Flags, env: NodeJS.ProcessEnv = process.env): Shard | null {
  const text = flags.string('shard');
  const count = flags.int('shard-count', { min: 1 });
  try {
    if (text !== undefined) return parseShard(text);
    return shardFromEnv(env, count);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
