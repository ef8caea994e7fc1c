// wfvae compare-models: model A against model B on one clip.
import type { Command } from '../../hosting/command';
import { Flags, parseArgs } from '../../hosting/args';
import { UsageError } from '../../hosting/errors';
import { progressBar } from '../../hosting/progress';
import { MODEL_OPTIONS_HELP, openModel, readModelFlags, resolveModelArg, withInterrupt } from '../model-arg';
import { readVideoOptions, VIDEO_OPTIONS_HELP } from '../video-options';
import { announcePlan, CHUNK_BOOLEAN_FLAGS, CHUNK_OPTIONS_HELP, planRun, readChunkFlags } from '../chunk-options';
import { decodeVideo, encodeMp4 } from '../../engine/video/index';
import { compareModels, type ModelComparison } from '../../engine/model-compare/compare-models';
import { describeVariant, loadVariant, type VariantSpec } from '../../engine/model-compare/variant';

const HELP = `usage: wfvae compare-models <video> [--model A] (--b CKPT | --b-weights bf16|f16 | --b-exec fp16)
                        [video selection] [chunking] [--json] [--out-a a.mp4 --out-b b.mp4]

Runs model A and model B on the same clip and reports, per frame, each one's
PSNR and SSIM against the original, the PSNR and max |d| between the two
reconstructions, and the difference between their latent means (per channel
and per latent frame).

  --b CKPT         model B: another checkpoint (e.g. another training step), a folder
                   or a Hugging Face id as --model takes
  --b-weights D    model B: A's checkpoint with weights rounded to bf16 or f16
                   (written once beside the graph cache)
  --b-exec fp16    model B: A executed in fp16 on A's provider (a GPU provider: the
                   CPU refuses fp16); A's fp16 graphs are built once beside its cache
  --out-a F        write A's reconstruction as mp4 (and --out-b for B's)
  --json           everything as JSON on stdout

${CHUNK_OPTIONS_HELP}

${MODEL_OPTIONS_HELP}

${VIDEO_OPTIONS_HELP}`;

const db = (v: number | null) => (v === null ? 'inf' : v.toFixed(2));
const exp = (v: number) => (v === 0 ? '0' : v.toExponential(2));

function table(c: ModelComparison): string {
  const lines = [`frame  PSNR A  PSNR B  B - A  SSIM A  SSIM B  PSNR A-B  max|A-B|`];
  for (let t = 0; t < c.frames; t++) {
    const f = c.perFrame;
    const d = f.psnrA[t] !== null && f.psnrB[t] !== null ? (f.psnrB[t]! - f.psnrA[t]!).toFixed(2) : '–';
    lines.push(
      `${String(t).padStart(5)}  ${db(f.psnrA[t]).padStart(6)}  ${db(f.psnrB[t]).padStart(6)}  ${d.padStart(5)}  ${f.ssimA[t].toFixed(4)}  ${f.ssimB[t].toFixed(4)}  ${db(f.psnrAB[t]).padStart(8)}  ${exp(f.maxAbsAB[t]).padStart(8)}`,
    );
  }
  lines.push(
    '',
    `A: ${c.a.label} (${c.a.className}, sha256 ${c.a.sha256.slice(0, 12)}…)`,
    `B: ${c.b.label} (${c.b.className}, sha256 ${c.b.sha256.slice(0, 12)}…)`,
    `clip: PSNR A ${db(c.clip.psnrA)} dB, B ${db(c.clip.psnrB)} dB; SSIM A ${c.clip.ssimA.toFixed(4)}, B ${c.clip.ssimB.toFixed(4)}; A vs B ${db(c.clip.psnrAB)} dB, max |d| ${exp(c.clip.maxAbsAB)}`,
  );
  if (c.latent) {
    const worst = c.latent.perChannel.reduce((w, p, i) => (p.rms > c.latent!.perChannel[w].rms ? i : w), 0);
    lines.push(`latent: max |d| ${exp(c.latent.maxAbs)}, rms ${exp(c.latent.rms)}, relative ${exp(c.latent.relative)}; most changed channel ${worst} (rms ${exp(c.latent.perChannel[worst].rms)})`);
  }
  for (const n of c.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

export const compareModelsCommand: Command = {
  name: 'compare-models',
  help: HELP,
  async run(argv) {
    const flags = new Flags(parseArgs(argv, new Set(['json', ...CHUNK_BOOLEAN_FLAGS])));
    const modelFlags = readModelFlags(flags);
    const video = readVideoOptions(flags);
    const chunking = readChunkFlags(flags);
    const bPath = flags.string('b');
    const bWeights = flags.string('b-weights');
    const bExec = flags.string('b-exec');
    const outA = flags.string('out-a');
    const outB = flags.string('out-b');
    const json = flags.bool('json');
    flags.assertAllUsed();
    if (flags.positionals.length !== 1) throw new UsageError('compare-models takes one video');
    if ([bPath, bWeights, bExec].filter((x) => x !== undefined).length !== 1) throw new UsageError('say what model B is with exactly one of --b CKPT, --b-weights bf16|f16, --b-exec fp16');
    let spec: VariantSpec;
    if (bPath !== undefined) spec = { kind: 'checkpoint', path: bPath };
    else if (bWeights !== undefined) {
      if (bWeights !== 'bf16' && bWeights !== 'f16') throw new UsageError(`--b-weights takes bf16 or f16 (got "${bWeights}")`);
      spec = { kind: 'weights', dtype: bWeights };
    } else {
      if (bExec !== 'fp16') throw new UsageError(`--b-exec takes fp16 (got "${bExec}")`);
      spec = { kind: 'execution', precision: 'fp16' };
    }
    for (const o of [outA, outB]) if (o !== undefined && !o.endsWith('.mp4')) throw new UsageError(`--out-a/--out-b must end in .mp4 (got ${o})`);

    return withInterrupt(async (signal) => {
      const a = await openModel(modelFlags, signal);
      try {
        process.stderr.write(`loading model B (${describeVariant(spec)})...\n`);
        // --b may be a Hub id too: from the shared cache, or downloaded first.
        if (spec.kind === 'checkpoint') spec = { kind: 'checkpoint', path: await resolveModelArg(spec.path, signal, json) };
        const b = await loadVariant(a, spec, { threads: modelFlags.threads, convert: { signal } });
        try {
          const bar = progressBar('decoding video');
          const clip = await decodeVideo(flags.positionals[0], { ...video, temporalMultiple: a.facts.temporalCompression, signal, onProgress: bar }).finally(() => bar.finish());
          if (!json) for (const n of clip.notes) process.stderr.write(`note: ${n}\n`);
          // Each model runs as any encode + decode would (Causal Cache by default), one after the other.
          const [, t, h, w] = clip.shape;
          const plan = await planRun(chunking, a, { frames: t, height: h, width: w }, 'reconstruct', json, signal, 2);
          announcePlan(plan, a.facts, json);
          const run = await compareModels({ model: a, label: modelFlags.model ?? 'the bundled demo model' }, { model: b.model, label: b.label, notes: b.notes }, { data: clip.data, shape: clip.shape }, plan.settings, {
            signal,
            onStage: (s) => process.stderr.write(`${s}...\n`),
          });
          if (outA) await encodeMp4(run.videos.a, outA, { fps: clip.fps, signal });
          if (outB) await encodeMp4(run.videos.b, outB, { fps: clip.fps, signal });
          process.stdout.write(json ? `${JSON.stringify(run.comparison)}\n` : `${table(run.comparison)}\n`);
        } finally {
          await b.model.dispose();
        }
      } finally {
        await a.dispose();
      }
    });
  },
};
