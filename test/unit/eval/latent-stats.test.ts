// Latent statistics: a constructed latent whose answers are known (constant,
// alternating, an affine copy, a negated copy), chunked and merged additions
// agreeing with one addition, and `wfvae latent-stats` on real clips agreeing
// with statistics computed directly from whole-clip encoder outputs.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFragment, LatentStatsAccumulator, samplePosterior } from '../../../src/engine/latent-stats/accumulator';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { listClips } from '../../../src/engine/eval/clip-list';
import { runLatentStats } from '../../../src/engine/latent-stats/run';
import { Flags, parseArgs } from '../../../src/hosting/args';
import { readShardFlags } from '../../../src/cli/shard-option';
import { decodeVideo } from '../../../src/engine/video/index';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import type { Tensor } from '../../../src/engine/tensor';
import { goldenModels, SUBSET_GOLDENS, WFVAE_CLI } from '../parity/goldens';

const run = promisify(execFile);

/** (4, t, 2, 2): c0 = 2, c1 = +-1 alternating, c2 = 3 c1 + 1, c3 = -c1. */
function constructed(t: number, offset = 0): Tensor {
  const m = t * 4;
  const data = new Float32Array(4 * m);
  for (let i = 0; i < m; i++) {
    const s = (i + offset) % 2 ? -1 : 1;
    data[i] = 2;
    data[m + i] = s;
    data[2 * m + i] = 3 * s + 1;
    data[3 * m + i] = -s;
  }
  return { data, shape: [1, 4, t, 2, 2] };
}

describe('LatentStatsAccumulator', () => {
  it('gives the known mean, unbiased std, correlation, histogram and shift/scale of a constructed latent', () => {
    const acc = new LatentStatsAccumulator(4);
    acc.add(constructed(5));
    const s = acc.result();
    const n = 20;
    expect(s.count).toBe(n);
    expect(s.mean).toEqual([2, 0, 1, 0]);
    const std1 = Math.sqrt(n / (n - 1));
    expect(s.std[0]).toBe(0);
    expect(s.std[1]).toBeCloseTo(std1, 12);
    expect(s.std[2]).toBeCloseTo(3 * std1, 12);
    expect(s.correlation[1][2]).toBeCloseTo(1, 12);
    expect(s.correlation[1][3]).toBeCloseTo(-1, 12);
    expect(s.correlation[0][1]).toBe(0);
    expect(s.correlation[0][0]).toBe(1);
    expect(s.min).toEqual([2, -1, -2, -1]);
    expect(s.max).toEqual([2, 1, 4, 1]);
    // Bins of width 0.05 from -2 (bin -40) to 4 (bin 80): 121 bins, one common range.
    expect(s.histogram.binWidth).toBe(0.05);
    expect(s.histogram.start).toBeCloseTo(-2, 12);
    expect(s.histogram.counts[1]).toHaveLength(121);
    expect(s.histogram.counts[1][20]).toBe(10); // -1 -> bin -20
    expect(s.histogram.counts[1][60]).toBe(10); // +1 -> bin 20
    expect(s.histogram.counts[0][80]).toBe(20); // 2 -> bin 40
    expect(s.suggested.shift).toEqual([2, 0, 1, 0]);
    expect(s.suggested.scale[1]).toBeCloseTo(1 / std1, 12);
    expect(s.suggested.scale[0]).toBe(1); // a constant channel is left unscaled
    expect(configFragment(s)).toEqual({ shift: [2, 0, 1, 0], scale: [1, Number((1 / std1).toPrecision(6)), Number((1 / (3 * std1)).toPrecision(6)), Number((1 / std1).toPrecision(6))] });
  });

  it('adding in chunks, or merging two accumulators, equals adding everything at once', () => {
    const whole = new LatentStatsAccumulator(4);
    const big = constructed(7);
    whole.add(big);
    const chunked = new LatentStatsAccumulator(4);
    const part = (a: number, b: number): Tensor => {
      const m = 7 * 4;
      const out = new Float32Array(4 * (b - a) * 4);
      for (let c = 0; c < 4; c++) out.set(big.data.subarray(c * m + a * 4, c * m + b * 4), c * (b - a) * 4);
      return { data: out, shape: [1, 4, b - a, 2, 2] };
    };
    chunked.add(part(0, 3));
    const other = new LatentStatsAccumulator(4);
    other.add(part(3, 7));
    chunked.merge(other);
    const [a, b] = [whole.result(), chunked.result()];
    for (let c = 0; c < 4; c++) {
      expect(b.mean[c]).toBeCloseTo(a.mean[c], 12);
      expect(b.std[c]).toBeCloseTo(a.std[c], 12);
      for (let d = 0; d < 4; d++) expect(b.correlation[c][d]).toBeCloseTo(a.correlation[c][d], 12);
    }
    expect(b.histogram).toEqual(a.histogram);
  });

  it('samples z = mean + exp(logvar / 2) eps reproducibly, with unit-variance noise', () => {
    const n = 20000;
    const mean: Tensor = { data: new Float32Array(n).fill(1), shape: [1, 1, n, 1, 1] };
    const logvar: Tensor = { data: new Float32Array(n).fill(Math.log(4)), shape: mean.shape };
    const z = samplePosterior(mean, logvar, 42);
    expect(samplePosterior(mean, logvar, 42).data).toEqual(z.data);
    const acc = new LatentStatsAccumulator(1);
    acc.add(z);
    const s = acc.result();
    expect(s.mean[0]).toBeCloseTo(1, 1);
    expect(s.std[0]).toBeGreaterThan(1.95);
    expect(s.std[0]).toBeLessThan(2.05);
  });
});

describe('wfvae latent-stats', () => {
  const work = mkdtempSync(join(tmpdir(), 'wfvae-latstats-'));
  const env = { ...process.env, WFVAE_CACHE_DIR: join(work, 'cache') };
  const [golden] = goldenModels(SUBSET_GOLDENS);
  const clips = join(work, 'clips');
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  beforeAll(async () => {
    mkdirSync(clips);
    for (const [name, src] of [['a.mp4', 'testsrc2=size=64x64:rate=24'], ['b.mp4', 'mandelbrot=size=64x64:rate=24']]) {
      await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', src, '-frames:v', '9', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(clips, name)]);
    }
  });

  it('streams every clip through the encoder: statistics equal those of whole-clip latents; writes the config fragment', async () => {
    const fragmentPath = join(work, 'fragment.json');
    const statsPath = join(work, 'stats.json');
    const { stdout } = await run(
      process.execPath,
      [WFVAE_CLI, 'latent-stats', clips, '--model', golden.dir, '--provider', 'cpu', '--threads', '2', '--enc-chunk', '3', '--json', '--config-out', fragmentPath, '--out', statsPath],
      { env },
    );
    const got = JSON.parse(stdout) as { mean: number[]; std: number[]; count: number; correlation: number[][]; clips: number };
    // The same numbers, directly: whole-clip encodes, two-pass float64.
    const m = await WfvaeModel.load(golden.dir, { provider: 'cpu', threads: 2, convert: { cacheDir: join(work, 'cache') } });
    const values: number[][] = [];
    try {
      for (const name of ['a.mp4', 'b.mp4']) {
        const v = await decodeVideo(join(clips, name));
        const { mean } = await m.encode({ data: v.data, shape: v.shape });
        const [, L] = mean.shape;
        const per = mean.data.length / L;
        for (let c = 0; c < L; c++) (values[c] ??= []).push(...mean.data.subarray(c * per, (c + 1) * per));
      }
    } finally {
      await m.dispose();
    }
    expect(got.count).toBe(values[0].length);
    expect(got.clips).toBe(2);
    values.forEach((v, c) => {
      const mu = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / (v.length - 1));
      expect(got.mean[c]).toBeCloseTo(mu, 5);
      expect(got.std[c]).toBeCloseTo(sd, 5);
    });
    const fragment = JSON.parse(readFileSync(fragmentPath, 'utf8')) as { shift: number[]; scale: number[] };
    expect(fragment.shift).toHaveLength(8);
    fragment.scale.forEach((s, c) => expect(s).toBeCloseTo(1 / got.std[c], 4));
    const stats = JSON.parse(readFileSync(statsPath, 'utf8')) as { clips: { clip: string; latentShape: number[] }[]; model: { sha256: string } };
    expect(stats.clips.map((c) => [c.clip, c.latentShape])).toEqual([['a.mp4', [8, 3, 8, 8]], ['b.mp4', [8, 3, 8, 8]]]);
    expect(stats.model.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('--shard i/n, Slurm and Kubernetes shards merge into exactly the unsharded statistics, byte for byte', async () => {
    // A folder of links (as dataset folders are) to the two clips, plus one file of its own.
    const farm = join(work, 'farm');
    mkdirSync(farm);
    symlinkSync(join(clips, 'a.mp4'), join(farm, 'a.mp4'));
    symlinkSync(join(clips, 'b.mp4'), join(farm, 'b.mp4'));
    await run(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'smptebars=size=64x64:rate=24', '-frames:v', '9', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(farm, 'c.mp4')]);
    // The shards as the CLI reads them: --shard i/n, a Slurm array task, a Kubernetes Indexed Job.
    const none = { SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '' };
    const flags = (argv: string[]) => new Flags(parseArgs(argv, new Set()));
    const shards = [
      readShardFlags(flags(['--shard', '0/3']), none),
      readShardFlags(flags([]), { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' }),
      readShardFlags(flags([]), { JOB_COMPLETION_INDEX: '2', WFVAE_SHARD_COUNT: '3' }),
    ];
    expect(shards.map((s) => s && [s.index, s.count])).toEqual([[0, 3], [1, 3], [2, 3]]);
    const m = await WfvaeModel.load(golden.dir, { provider: 'cpu', threads: 1, convert: { cacheDir: join(work, 'cache') } });
    const list = await listClips(farm);
    const common = { list, model: m, decode: {}, encChunk: 3, posterior: 'sample' as const, seed: 7 };
    let whole;
    const files: string[] = [];
    try {
      whole = await runLatentStats(common);
      for (const [i, shard] of shards.entries()) {
        const r = await runLatentStats({ ...common, shard });
        expect(r.shard!.clips.map((c) => c.clip)).toEqual([['a.mp4', 'b.mp4', 'c.mp4'][i]]);
        files.push(join(work, `shard-${i}.json`));
        writeFileSync(files[i], JSON.stringify(r.shard) + '\n');
      }
    } finally {
      await m.dispose();
    }
    // What `latent-stats --out` writes for the unsharded run, and what the merge command writes.
    const wholeText = JSON.stringify(whole.report, null, 1) + '\n';
    const merged = join(work, 'merged.json');
    // Given out of order: the merge orders by clip index, not by argument.
    await run(process.execPath, [WFVAE_CLI, 'latent-stats', 'merge', files[2], files[0], files[1], '--out', merged], { env });
    expect(readFileSync(merged, 'utf8')).toBe(wholeText);
    expect(whole.report.clips).toHaveLength(3);
    expect(whole.report.stats.count).toBe(3 * 3 * 8 * 8);
    // A missing shard is refused, naming it.
    await expect(run(process.execPath, [WFVAE_CLI, 'latent-stats', 'merge', files[0], files[2], '--out', join(work, 'x.json')], { env })).rejects.toThrow(/shard 1\/3 missing/);
  });
});
