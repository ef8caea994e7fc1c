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
import { runLatentStats, type Posterior } from '../../engine/latent-stats/run';

const HELP = `usage: wfvae latent-stats <folder | list.txt> [--model M] [video selection]
                      [--posterior mean|sample] [--seed N] [--out stats.json]
                      [--config-out shift-scale.json] [--json]

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
  --out F          the full statistics as JSON (with per-clip means and stds)
  --config-out F   the {"shift", "scale"} fragment for config.json
  --json           print the statistics as JSON on stdout

${VIDEO_OPTIONS_HELP}

${MODEL_OPTIONS_HELP}`;

const fmt = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4));

export const latentStatsCommand: Command = {
  name: 'latent-stats',
  summary: 'per-channel latent mean/std/histogram/correlation; suggested shift and scale',
  help: HELP,
  async run(argv) {
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
    flags.assertAllUsed();
    if (flags.positionals.length !== 1) throw new UsageError('latent-stats takes one folder or list file of videos');
    const list = await listClips(flags.positionals[0]);
    for (const n of list.notes ?? []) process.stderr.write(`note: ${n}\n`);

    return withInterrupt(async (signal) => {
      const model = await openModel(modelFlags, signal);
      try {
        const bar = progressBar('encoding');
        const report = await runLatentStats({
          list, model, decode, encChunk, posterior, seed, binWidth, signal,
          onProgress: (p) => bar(p.done, p.total, `${p.clip} ${p.frames ? Math.round((100 * p.framesDone) / p.frames) : 0}%`),
        }).finally(() => bar.finish());
        const fragment = configFragment(report.stats);
        if (out) await writeFile(out, JSON.stringify(report, null, 1) + '\n');
        if (configOut) await writeFile(configOut, JSON.stringify(fragment, null, 2) + '\n');
        const failed = report.clips.filter((c) => c.status === 'failed');
        for (const c of failed) process.stderr.write(`failed: ${c.clip}: ${c.reason}\n`);
        if (json) {
          process.stdout.write(`${JSON.stringify({ ...report.stats, configFragment: fragment, posterior, clips: report.clips.length, failed: failed.length })}\n`);
          return failed.length ? 1 : 0;
        }
        const s = report.stats;
        const lines = [
          `${report.clips.length - failed.length} clips, ${s.count.toLocaleString('en-US')} values per channel, posterior ${posterior}${posterior === 'sample' ? ` (seed ${seed})` : ''}`,
          'channel      mean       std       min       max',
          ...s.mean.map((m, c) => `${String(c).padStart(7)} ${fmt(m).padStart(9)} ${fmt(s.std[c]).padStart(9)} ${fmt(s.min[c]).padStart(9)} ${fmt(s.max[c]).padStart(9)}`),
          '',
          `largest |correlation| between channels: ${maxOffDiagonal(s.correlation)}`,
          '',
          'config.json fragment (z\' = (z - shift) * scale):',
          JSON.stringify(fragment),
        ];
        if (out) lines.push('', `statistics: ${out}`);
        if (configOut) lines.push(`fragment: ${configOut}`);
        process.stdout.write(lines.join('\n') + '\n');
        return failed.length ? 1 : 0;
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
