// wfvae eval: a folder (or list) of clips through the model under a named
// protocol, with resumable journalled output and sharding; `wfvae eval merge`
// combines shard outputs.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from '../../hosting/command';
import { Flags, parseArgs } from '../../hosting/args';
import { UsageError } from '../../hosting/errors';
import { progressBar } from '../../hosting/progress';
import { MODEL_OPTIONS_HELP, openModel, readModelFlags, withInterrupt } from '../model-arg';
import { listClips } from '../../engine/eval/clip-list';
import { LpipsNet } from '../../engine/eval/lpips';
import { mergeResults, readResults } from '../../engine/eval/merge';
import { decodeOptionsOf, isPresetName, parseCrop, PRESET_NAMES, QUANTIZE_MODES, REFERENCE_CROPS, resolveProtocol, type ProtocolOverrides, type QuantizeMode, type ReferenceCrop } from '../../engine/eval/protocol';
import { writeAtomic, writeResults, CLIPS_CSV, FRAMES_CSV, RESULTS_FILE, type EvalResults } from '../../engine/eval/results';
import { runEval } from '../../engine/eval/run-eval';
import { readShardFlags } from '../shard-option';
import { calibrationFor, recordRun } from '../calibration';
import { SteadyPace } from '../../engine/plan/calibration';
import { datasetShape } from '../dataset-plan';
import { shardIndices } from '../../engine/eval/shard';
import { describePlan, planWork, type WorkPlan } from '../../engine/plan/plan-work';
import { clock } from '../../shared/duration';
import { JOURNAL_FILE } from '../../engine/eval/journal';
import type { ChunkSettings } from '../../engine/runtime/stream-model';
import { cliRefusal } from '../refusal-text';

const HELP = `usage: wfvae eval <folder | list.txt> --out DIR [--model M] [--preset P] [options]
       wfvae eval merge <shard-dir>... --out DIR

Runs every clip through the model (Causal Cache, clip by clip, in bounded
memory) and measures it under a named protocol. Writes DIR/${RESULTS_FILE} (protocol,
model SHA-256, tool version, every setting, per-clip and per-frame numbers),
DIR/${CLIPS_CSV} and DIR/${FRAMES_CSV}. Each finished clip is journalled
(DIR/${JOURNAL_FILE}): after an interruption, the same command resumes and
writes exactly what an uninterrupted run would.

A folder is searched recursively and sorted by relative path; a list file has
one path per line (relative to the list). That order is each clip's index.

protocol:
  --preset P       ${PRESET_NAMES.join(' | ')} (default wfvae-paper)
                   wfvae-paper: the reference's pipeline: 33 frames from frame 0 read
                     as decord reads them, torch's antialiased bilinear resize to a
                     256 short side, a 256x256 centre crop, the input in bfloat16
                     (also the source of the originals), both videos truncated to
                     8 bits, PSNR = mean of per-frame PSNR on [0, 1], SSIM 11x11
                     Gaussian per channel, LPIPS AlexNet spatial; the model runs
                     in float32 here (the reference's runs in bfloat16)
                   per-video: all frames, native size, 8-bit rounding, one MSE per video
  --frames N|all   override the frame count (snapped down to 1 + 4k)
  --start N        first frame (after sampling)
  --sample-rate N  every N-th source frame
  --size N|native  short side before the crop
  --crop WxH|none  centre crop after the resize
  --quantize Q     ${QUANTIZE_MODES.join(' | ')}: how the reconstruction is saved before measuring
                   (replaces the reference's saving: ffmpeg's resize, no bf16)
  --reference-io   wfvae-paper: also pass both videos through an mp4v file (OpenCV's
                   writer settings) and read them back, as the reference evaluates
  --reference-crop input|eval
                   wfvae-paper: where the centre crop happens. input (default): on the
                   model's input, as recon_video.py --crop_size_width/--crop_size_height;
                   eval: only in eval.py, the model seeing the whole resized frame (cut
                   to multiples of 8 where it is not), as examples/gen_video.sh runs it
  --keep-mp4v DIR  with --reference-io: keep those files in DIR (<clip index>.origin.mp4,
                   <clip index>.recon.mp4) instead of private temporary ones

measures:
  --lpips F.onnx   LPIPS with a network you exported (two inputs (N, 3, H, W) on
                   [-1, 1], original first; see README); its SHA-256 is recorded
  --levels N       Haar levels of the subband error (default 3)
  --no-frequency   skip the frequency diagnostics (subband error, WL consistency,
                   error spectrum, grid phase map)
  --probe          also evaluate a flat-colour probe clip (exposes grid artefacts)

running:
  --out DIR        output folder (required; reused to resume)
  --shard i/n      evaluate clips with index mod n == i (also read from
                   SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or from
                   JOB_COMPLETION_INDEX with --shard-count / WFVAE_SHARD_COUNT)
  --shard-count N  the number of shards, where the batch system gives only the index
  --enc-chunk N    Causal Cache encoder chunk in frames (default 8)
  --dec-chunk M    Causal Cache decoder chunk in latent frames (default 2)
  --naive          naive chunking instead (every chunk a fresh clip)
  --whole          whole-clip inference instead of streaming (memory grows with the clip)
  --json           print the summary as JSON on stdout

${MODEL_OPTIONS_HELP}

wfvae eval merge <dir>... --out DIR: combines the output folders of all n
shards into the result one unsharded run writes (byte for byte, when every
shard ran on the same provider).`;

function readOverrides(flags: Flags): Partial<ProtocolOverrides> {
  const o: Partial<ProtocolOverrides> = {};
  const frames = flags.string('frames');
  if (frames !== undefined) {
    if (frames === 'all') o.frames = null;
    else if (/^\d+$/.test(frames) && Number(frames) >= 1) o.frames = Number(frames);
    else throw new UsageError(`--frames takes a number >= 1 or "all" (got "${frames}")`);
  }
  const start = flags.int('start', { min: 0 });
  if (start !== undefined) o.start = start;
  const rate = flags.int('sample-rate', { min: 1 });
  if (rate !== undefined) o.sampleRate = rate;
  const size = flags.string('size');
  if (size !== undefined) {
    if (size === 'native') o.size = null;
    else if (/^\d+$/.test(size) && Number(size) % 8 === 0 && Number(size) > 0) o.size = Number(size);
    else throw new UsageError(`--size takes a positive multiple of 8 or "native" (got "${size}")`);
  }
  const crop = flags.string('crop');
  if (crop !== undefined) {
    try {
      o.crop = parseCrop(crop);
    } catch (err) {
      throw new UsageError(`--crop: ${(err as Error).message}`);
    }
  }
  if (flags.bool('reference-io')) o.referenceIo = true;
  const rc = flags.string('reference-crop');
  if (rc !== undefined) {
    if (!(REFERENCE_CROPS as readonly string[]).includes(rc)) throw new UsageError(`--reference-crop takes ${REFERENCE_CROPS.join(' or ')} (got "${rc}")`);
    o.referenceCrop = rc as ReferenceCrop;
  }
  const q = flags.string('quantize');
  if (q !== undefined) {
    if (!(QUANTIZE_MODES as readonly string[]).includes(q)) throw new UsageError(`--quantize takes ${QUANTIZE_MODES.join(', ')} (got "${q}")`);
    o.quantize = q as QuantizeMode;
  }
  return o;
}

const fmt = (v: number | null, d: number, unit = '') => (v === null ? '–' : `${v.toFixed(d)}${unit}`);

function duration(s: number | null): string {
  return s === null || !Number.isFinite(s) ? '…' : clock(s);
}

function summaryTable(r: EvalResults, outDir: string): string {
  const s = r.summary;
  const rows: [string, string][] = [
    ['protocol', `${r.protocol.preset}${Object.keys(r.protocol.overrides).length ? ' (with overrides)' : ''}`],
    ['model', `${r.model.className} sha256 ${r.model.sha256.slice(0, 16)}…`],
    ['compute', s.compute ?? 'no clip ran'],
    ['shard', r.shard ? `${r.shard.index}/${r.shard.count}` : 'all clips'],
    ['clips', `${s.ok} evaluated, ${s.skipped} skipped, ${s.failed} failed (of ${s.clips})`],
    ['PSNR', `${fmt(s.psnr, 3, ' dB')}${s.psnrCapped ? `  (${s.psnrCapped} clip${s.psnrCapped > 1 ? 's' : ''} at the ${r.protocol.psnrCap} dB cap: identical frames made their mean PSNR infinite, as the reference pools it; see psnr_capped in ${CLIPS_CSV})` : ''}`],
    ['SSIM', fmt(s.ssim, 4)],
    ['LPIPS', r.settings.lpips ? fmt(s.lpips, 4) : 'not measured (--lpips FILE.onnx)'],
    ['TDE', fmt(s.tde, 5)],
    ['flicker', fmt(s.flicker, 5)],
    ['output', `${join(outDir, RESULTS_FILE)}, ${CLIPS_CSV}, ${FRAMES_CSV}`],
  ];
  if (s.gridAmplitudeMax !== null) rows.splice(10, 0, ['grid', `max 8x8 phase amplitude ${s.gridAmplitudeMax.toFixed(3)} levels`]);
  return rows.map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n');
}

async function runMerge(argv: string[]): Promise<number> {
  const flags = new Flags(parseArgs(argv, new Set(['json'])));
  const out = flags.requiredString('out', 'the folder for the merged result');
  const json = flags.bool('json');
  flags.assertAllUsed();
  if (flags.positionals.length === 0) throw new UsageError('eval merge needs the shard output folders: wfvae eval merge out/shard-* --out out/merged');
  const parts = [];
  for (const dir of flags.positionals) parts.push({ dir, results: await readResults(dir) });
  let merged: EvalResults;
  try {
    merged = mergeResults(parts);
  } catch (err) {
    throw new UsageError((err as Error).message, 1);
  }
  const { mkdir } = await import('node:fs/promises');
  await mkdir(out, { recursive: true });
  await writeResults(out, merged);
  const providers = [...new Set(merged.clips.map((c) => c.provider).filter((p): p is string => p !== null))];
  if (providers.length > 1) process.stderr.write(`note: shards ran on different providers (${providers.join(', ')}); numbers agree only to float rounding\n`);
  process.stdout.write(json ? `${JSON.stringify({ ...merged.summary, shards: parts.length, output: out })}\n` : `merged ${parts.length} shards\n${summaryTable(merged, out)}\n`);
  return merged.summary.failed > 0 ? 1 : 0;
}

export const evalCommand: Command = {
  name: 'eval',
  help: HELP,
  async run(argv) {
    if (argv[0] === 'merge') return runMerge(argv.slice(1));
    const flags = new Flags(parseArgs(argv, new Set(['json', 'naive', 'whole', 'no-frequency', 'probe', 'reference-io'])));
    const outDir = flags.requiredString('out', 'the output folder (results.json, CSVs, the journal that makes runs resumable)');
    const presetText = flags.string('preset') ?? 'wfvae-paper';
    if (!isPresetName(presetText)) throw new UsageError(`--preset takes ${PRESET_NAMES.join(' or ')} (got "${presetText}")`);
    const overrides = readOverrides(flags);
    const modelFlags = readModelFlags(flags);
    const lpipsPath = flags.string('lpips');
    const levels = flags.int('levels', { min: 1, max: 8 }) ?? 3;
    const frequency = !flags.bool('no-frequency');
    const probe = flags.bool('probe');
    const json = flags.bool('json');
    const encChunk = flags.int('enc-chunk', { min: 1, max: 100_000 }) ?? 8;
    const decChunk = flags.int('dec-chunk', { min: 1, max: 100_000 }) ?? 2;
    const naive = flags.bool('naive');
    const whole = flags.bool('whole');
    if (naive && whole) throw new UsageError('--naive and --whole exclude each other');
    const chunking: ChunkSettings = { mode: whole ? 'whole' : naive ? 'naive' : 'cached', encChunk, decChunk };
    const shard = readShardFlags(flags);
    const keepMp4v = flags.string('keep-mp4v');
    if (keepMp4v !== undefined && !overrides.referenceIo) throw new UsageError('--keep-mp4v keeps the mp4v files of --reference-io: give --reference-io as well');
    flags.assertAllUsed();
    if (flags.positionals.length !== 1) throw new UsageError(`eval takes one folder or list file (got ${flags.positionals.length}); usage: wfvae eval <folder> --out DIR`);
    let protocol;
    try {
      protocol = resolveProtocol(presetText, overrides);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const list = await listClips(flags.positionals[0]);
    for (const n of list.notes ?? []) process.stderr.write(`note: ${n}\n`);
    if (shard) process.stderr.write(`shard ${shard.index}/${shard.count} (from ${shard.source}): clips whose index mod ${shard.count} is ${shard.index}\n`);

    return withInterrupt(async (signal) => {
      const startedAt = new Date().toISOString();
      const model = await openModel(modelFlags, signal);
      let lpips: LpipsNet | null = null;
      try {
        if (lpipsPath) lpips = await LpipsNet.load(lpipsPath, { provider: modelFlags.provider, threads: modelFlags.threads });
        if (model.providerFallbacks.length && !json) process.stderr.write(`provider: ${model.provider} (${model.providerFallbacks.map((f) => `${f.provider} unavailable`).join(', ')})\n`);
        // The plan: memory of one clip at a time, time of every clip of this shard.
        const tc = model.facts.temporalCompression;
        const kind = frequency ? 'eval-frequency' : 'eval';
        const shape = await datasetShape(list, shardIndices(list.clips.length, shard), { ...decodeOptionsOf(protocol), temporalMultiple: tc }, signal);
        let plan: WorkPlan | null = null;
        if (shape) {
          plan = planWork({ kind, manifest: model.manifest, clip: shape.clip, clips: shape.clips, totalVoxels: shape.totalVoxels, chunking }, await calibrationFor(model, json, signal));
          if (plan.refusal) throw new UsageError(cliRefusal(plan.refusal));
          if (!json) {
            const d = describePlan(plan);
            process.stderr.write(`plan: ${shape.how}; clips already in the journal are skipped\nmemory: ${d.memory}\ntime: ${d.time}\n`);
          }
        }
        let doneVoxels = 0;
        let doneArea = 0;
        let doneClips = 0;
        // The steady pace after the first measured block: what came before (loading, warming the graphs) is the run's fixed cost.
        const pace = new SteadyPace();
        const clipArea = shape ? shape.clip.height * shape.clip.width : 0;
        const bar = progressBar('eval');
        let result;
        try {
          result = await runEval({
            list, outDir, model, protocol, chunking, levels, frequency, lpips, shard, probe, signal, keepMp4v: keepMp4v ?? null,
            onClip: (rec) => {
              if (rec.status !== 'ok' || rec.index < 0) return;
              doneVoxels += rec.frames * rec.width * rec.height;
              doneArea += rec.width * rec.height;
              doneClips++;
            },
            onProgress: (p) => {
              if (p.clip && p.clipFramesDone > 0) pace.mark(doneVoxels + p.clipFramesDone * clipArea);
              const within = p.clip && p.clipFrames > 0 ? ` ${Math.round((100 * p.clipFramesDone) / p.clipFrames)}%` : '';
              bar(p.done, p.total, `${p.clip ? `${p.clip}${within}` : ''} · ETA ${duration(p.etaSeconds)}${p.resumed ? ` · ${p.resumed} resumed` : ''}`);
            },
          });
        } catch (err) {
          bar.finish();
          if (signal.aborted) {
            // withInterrupt adds the signal and exits 128 + its number (143 for SIGTERM, 129 for SIGHUP).
            throw new Error(`interrupted: finished clips are kept in ${join(outDir, JOURNAL_FILE)}; run the same command again to resume`, { cause: err });
          }
          throw err;
        }
        bar.finish();
        if (doneClips > 0 && !probe) await recordRun(model, { kind, voxels: doneVoxels, clips: doneClips, frames: 0 }, doneArea / doneClips, result.seconds, `eval of ${doneClips} clip${doneClips > 1 ? 's' : ''}`, pace.result());
        if (plan?.time && !json) process.stderr.write(`time: ${result.seconds.toFixed(1)} s (estimated ${plan.time.seconds.toFixed(1)} s)\n`);
        await writeAtomic(
          join(outDir, 'run-info.json'),
          JSON.stringify(
            {
              startedAt,
              finishedAt: new Date().toISOString(),
              seconds: result.seconds,
              evaluatedClips: result.evaluated,
              resumedClips: result.resumed,
              host: hostname(),
              input: resolve(flags.positionals[0]),
              root: list.root,
              model: resolve(model.dir),
              provider: model.provider,
              providerFallbacks: model.providerFallbacks,
              lpips: lpipsPath ? resolve(lpipsPath) : null,
              shard,
            },
            null,
            2,
          ) + '\n',
        );
        const r = result.results;
        if (json) process.stdout.write(`${JSON.stringify({ ...r.summary, output: outDir, evaluated: result.evaluated, resumed: result.resumed, seconds: result.seconds })}\n`);
        else process.stdout.write(`${summaryTable(r, outDir)}\n`);
        for (const c of r.clips.filter((x) => x.status !== 'ok').slice(0, 10)) process.stderr.write(`${c.status}: ${c.clip}: ${c.reason}\n`);
        return r.summary.failed > 0 ? 1 : 0;
      } finally {
        await lpips?.dispose();
        await model.dispose();
      }
    });
  },
};
