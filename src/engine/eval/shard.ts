// Which part of the clip list this process evaluates: `--shard i/n`, or the
// index a batch system gives each task of an array job. Clip k belongs to
// shard k mod n, so shards get interleaved clips and finish at similar times.

export interface Shard {
  index: number;
  count: number;
  /** Where it came from, for the log: "--shard", "SLURM_ARRAY_TASK_ID", ... */
  source: string;
}

function checked(index: number, count: number, source: string): Shard {
  if (!Number.isInteger(count) || count < 1) throw new Error(`${source}: the shard count must be a whole number >= 1 (got ${count})`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`${source}: shard index ${index} is outside 0..${count - 1}`);
  return { index, count, source };
}

/** "3/10": shard 3 of 10, counted from 0. */
export function parseShard(text: string, source = '--shard'): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`${source} takes i/n, e.g. 0/4 for the first of four shards (got "${text}")`);
  return checked(Number(m[1]), Number(m[2]), source);
}

const intEnv = (env: NodeJS.ProcessEnv, name: string): number | undefined => {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new Error(`${name} is "${v}", not a whole number`);
  return Number(v);
};

/**
 * The shard a batch system assigned, or null outside one.
 * Slurm arrays: SLURM_ARRAY_TASK_ID counted from SLURM_ARRAY_TASK_MIN (default 0), of SLURM_ARRAY_TASK_COUNT.
 * Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX, of `count` (the Job's completions; Kubernetes does not
 * put it in the environment, so it comes from --shard-count or WFVAE_SHARD_COUNT).
 */
export function shardFromEnv(env: NodeJS.ProcessEnv, count?: number): Shard | null {
  const slurmId = intEnv(env, 'SLURM_ARRAY_TASK_ID');
  if (slurmId !== undefined) {
    const n = count ?? intEnv(env, 'SLURM_ARRAY_TASK_COUNT');
    if (n === undefined) throw new Error('SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shard-count N (or --shard i/n)');
    const min = intEnv(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    return checked(slurmId - min, n, 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
  }
  const k8s = intEnv(env, 'JOB_COMPLETION_INDEX');
  if (k8s !== undefined) {
    const n = count ?? intEnv(env, 'WFVAE_SHARD_COUNT');
    if (n === undefined) {
      throw new Error('JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the number of shards is not known: pass --shard-count N or set WFVAE_SHARD_COUNT to the Job\'s completions');
    }
    return checked(k8s, n, 'JOB_COMPLETION_INDEX');
  }
  return null;
}

/** Global indices of the clips this shard evaluates. */
export function shardIndices(total: number, shard: Shard | null): number[] {
  const all = Array.from({ length: total }, (_, i) => i);
  return shard ? all.filter((i) => i % shard.count === shard.index) : all;
}
