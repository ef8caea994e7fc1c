// wfvae latent-stats: per-channel latent statistics over a set of clips and
// the shift / scale a diffusion model should normalise with.
import { writeFile } from 'node:fs/promises';
import type { Command } from '../../hosting/command';
import { Flags, parseArgs } from '../../hosting/args';
import { UsageError } from '../../hosting/errors';
import { progressBar } from '../../hosting/progress';
import { MODEL_OPTIONS_HELP, openModel, readModelFlags, withInterrupt } from '../model-arg';
import { readVideoOptions, VIDEO_OPTIONS_HELP } from '../video-options';
import { listClips } from '../../engine/eval/clip-list';
import { configFragment, DEFAULT_BIN_WIDTH } from '../../engine/latent-stats/accumulator';
import { runLatentStats, type LatentStatsReport, type Posterior } from '../../engine/latent-stats/run';
import { mergeLatentStats, readLatentStatsShard } from '../../engine/latent-stats/shards';
import { readShardFlags } from '../shard-option';
import { calibrationFor, recordRun } from '../calibration';
import { datasetShape } from '../dataset-plan';
import { shardIndices } from '../../engine/eval/shard';
import { describePlan, planWork } from '../../engine/plan/plan-work';
import { cliRefusal } from '../refusal-text';

const HELP = `usage: wfvae latent-stats <folder | list.txt> [--model M] [video selection]
                      [--posterior mean|sample] [--seed N] [--out stats.json]
                      [--config-out shift-scale.json] [--shard i/n] [--json]
       wfvae latent-stats merge <shard.json>... --out stats.json [--config-out F] [--json]

Encodes every clip (Causal Cache, streaming) and gathers per-channel latent
statistics: mean, std (unbiased), min, max, a histogram and the correlation
between channels. Suggests the normalisation a latent diffusion model uses,
z' = (z - shift) * scale with shift = mean and scale = 1 / std, and writes it
as a config.json fragment: {"shift": [...], "scale": [...]}.

  --posterior P    mean (default): the posterior mean, what decoding uses;
                   sample: z = mean + exp(logvar / 2) * eps, as the reference's
                   vae_var_test.py (seeded, reproducible)
  --seed N         noise seed for --posterior sample (default 0)
  --enc-chunk N    encoder chunk in frames (default 8)
  --bin-width W    histogram bin width before coarsening (default ${DEFAULT_BIN_WIDTH})
  --out F          the full statistics as JSON (with per-clip means and stds);
                   with --shard, the shard's file for latent-stats merge
  --config-out F   the {"shift", "scale"} fragment for config.json
  --shard i/n      only the clips whose index mod n is i (also read from
                   SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or from
                   JOB_COMPLETION_INDEX with --shard-count / WFVAE_SHARD_COUNT,
                   as wfvae eval does); needs --out
  --shard-count N  the number of shards, where the batch system gives only the index
  --json           print the statistics as JSON on stdout

latent-stats merge combines the files of all n shards into exactly the
statistics (and --out file) one unsharded run gives: each clip's moments are
combined in clip order, as the unsharded run combines them.

${VIDEO_OPTIONS_HELP}

${MODEL_OPTIONS_HELP}`;

const fmt = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4));

/** Prints the statistics (and writes --out / --config-out) the same way for a run and a merge. */
async function finish(report: LatentStatsReport, o: { out?: string; configOut?: string; json: boolean; posterior: Posterior; seed: number }): Promise<number> {
  const fragment = configFragment(report.stats);
  if (o.out) await writeFile(o.out, JSON.stringify(report, null, 1) + '\n');
  if (o.configOut) await writeFile(o.configOut, JSON.stringify(fragment, null, 2) + '\n');
  const failed = report.clips.filter((c) => c.status === 'failed');
  for (const c of failed) process.stderr.write(`failed: ${c.clip}: ${c.reason}\n`);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ ...report.stats, configFragment: fragment, posterior: o.posterior, clips: report.clips.length, failed: failed.length })}\n`);
    return failed.length ? 1 : 0;
  }
  const s = report.stats;
  const lines = [
    `${report.clips.length - failed.length} clips, ${s.count.toLocaleString('en-US')} values per channel, posterior ${o.posterior}${o.posterior === 'sample' ? ` (seed ${o.seed})` : ''}`,
    'channel      mean       std       min       max',
    ...s.mean.map((m, c) => `${String(c).padStart(7)} ${fmt(m).padStart(9)} ${fmt(s.std[c]).padStart(9)} ${fmt(s.min[c]).padStart(9)} ${fmt(s.max[c]).padStart(9)}`),
    '',
    `largest |correlation| between channels: ${maxOffDiagonal(s.correlation)}`,
    '',
    'config.json fragment (z\' = (z - shift) * scale):',
    JSON.stringify(fragment),
  ];
  if (o.out) lines.push('', `statistics: ${o.out}`);
  if (o.configOut) lines.push(`fragment: ${o.configOut}`);
  process.stdout.write(lines.join('\n') + '\n');
  return failed.length ? 1 : 0;
}

async function runMerge(argv: string[]): Promise<number> {
  const flags = new Flags(parseArgs(argv, new Set(['json'])));
  const out = flags.requiredString('out', 'the file for the merged statistics');
  const configOut = flags.string('config-out');
  const json = flags.bool('json');
  flags.assertAllUsed();
  if (flags.positionals.length === 0) throw new UsageError('latent-stats merge needs the shard files: wfvae latent-stats merge stats-*.json --out stats.json');
  const parts = [];
  for (const path of flags.positionals) parts.push({ path, shard: await readLatentStatsShard(path) });
  let report: LatentStatsReport;
  try {
    report = mergeLatentStats(parts);
  } catch (err) {
    throw new UsageError((err as Error).message, 1);
  }
  if (!json) process.stderr.write(`merged ${parts.length} shards\n`);
  return finish(report, { out, configOut, json, posterior: report.posterior, seed: report.seed ?? 0 });
}

export const latentStatsCommand: Command = {
  name: 'latent-stats',
  help: HELP,
  async run(argv) {
    if (argv[0] === 'merge') return runMerge(argv.slice(1));
    const flags = new Flags(parseArgs(argv, new Set(['json'])));
    const decode = readVideoOptions(flags);
    const modelFlags = readModelFlags(flags);
    const posterior = (flags.string('posterior') ?? 'mean') as Posterior;
    if (posterior !== 'mean' && posterior !== 'sample') throw new UsageError(`--posterior takes mean or sample (got "${posterior}")`);
    const seed = flags.int('seed', { min: 0 }) ?? 0;
    const encChunk = flags.int('enc-chunk', { min: 1, max: 100_000 }) ?? 8;
    const binText = flags.string('bin-width');
    const binWidth = binText === undefined ? DEFAULT_BIN_WIDTH : Number(binText);
    if (!(binWidth > 0)) throw new UsageError(`--bin-width must be a positive number (got "${binText}")`);
    const out = flags.string('out');
    const configOut = flags.string('config-out');
    const json = flags.bool('json');
    const shard = readShardFlags(flags);
    flags.assertAllUsed();
    if (flags.positionals.length !== 1) throw new UsageError('latent-stats takes one folder or list file of videos');
    if (shard && !out) throw new UsageError(`--shard ${shard.index}/${shard.count} (from ${shard.source}) needs --out FILE: the shard's file, which latent-stats merge combines`);
    if (shard && configOut) throw new UsageError('--config-out needs every clip: give it to latent-stats merge, not to a shard');
    const list = await listClips(flags.positionals[0]);
    for (const n of list.notes ?? []) process.stderr.write(`note: ${n}\n`);
    if (shard) process.stderr.write(`shard ${shard.index}/${shard.count} (from ${shard.source}): clips whose index mod ${shard.count} is ${shard.index}\n`);

    return withInterrupt(async (signal) => {
      const model = await openModel(modelFlags, signal);
      try {
        const tc = model.facts.temporalCompression;
        const shape = await datasetShape(list, shardIndices(list.clips.length, shard), { ...decode, temporalMultiple: tc }, signal);
        if (shape) {
          const plan = planWork({ kind: 'latent-stats', manifest: model.manifest, clip: shape.clip, clips: shape.clips, totalVoxels: shape.totalVoxels, chunking: { mode: 'cached', encChunk, decChunk: 1 } }, await calibrationFor(model, json, signal));
          if (plan.refusal) throw new UsageError(cliRefusal(plan.refusal));
          if (!json) {
            const d = describePlan(plan);
            process.stderr.write(`plan: ${shape.how}\nmemory: ${d.memory}\ntime: ${d.time}\n`);
          }
        }
        const t0 = performance.now();
        const bar = progressBar('encoding');
        const r = await runLatentStats({
          list, model, decode, encChunk, posterior, seed, binWidth, shard, signal,
          onProgress: (p) => bar(p.done, p.total, `${p.clip} ${p.frames ? Math.round((100 * p.framesDone) / p.frames) : 0}%`),
        }).finally(() => bar.finish());
        const ok = (r.shard?.clips ?? r.report.clips).filter((c) => c.status === 'ok');
        const sf = model.facts.spatialCompression;
        const voxels = ok.reduce((a, c) => a + c.frames * c.latentShape[2] * c.latentShape[3] * sf * sf, 0);
        if (ok.length) await recordRun(model, { kind: 'latent-stats', voxels, clips: ok.length, frames: 0 }, (voxels / ok.reduce((a, c) => a + c.frames, 0)), (performance.now() - t0) / 1000, `latent-stats of ${ok.length} clips`);
        if (r.shard) {
          await writeFile(out!, JSON.stringify(r.shard) + '\n');
          const failed = r.shard.clips.filter((c) => c.status === 'failed');
          for (const c of failed) process.stderr.write(`failed: ${c.clip}: ${c.reason}\n`);
          const text = `shard ${shard!.index}/${shard!.count}: ${r.shard.clips.length - failed.length} of ${r.shard.clips.length} clips encoded; ${out} (combine all shards with wfvae latent-stats merge)`;
          process.stdout.write(json ? `${JSON.stringify({ shard: r.shard.shard, clips: r.shard.clips.length, failed: failed.length, output: out })}\n` : `${text}\n`);
          return failed.length ? 1 : 0;
        }
        return await finish(r.report, { out, configOut, json, posterior, seed });
      } finally {
        await model.dispose();
      }
    });
  },
};

function maxOffDiagonal(r: number[][]): string {
  let best = { v: 0, a: 0, b: 0 };
  for (let a = 0; a < r.length; a++) for (let b = a + 1; b < r.length; b++) if (Math.abs(r[a][b]) > Math.abs(best.v)) best = { v: r[a][b], a, b };
  return r.length < 2 ? '–' : `${best.v.toFixed(3)} (channels ${best.a} and ${best.b})`;
}
