// The engine against the PyTorch reference's math, side by side in one run:
// the training code's WF-VAE module (the reference's layout and semantics, on
// Debian's python3-torch) and the engine run the same checkpoint on the same
// clip tensor, each in a fresh process, and the table gives seconds, peak RSS
// and the ratios. Torch runs twice: with the system's BLAS (Debian's torch
// links netlib unless OpenBLAS is installed) and with OpenBLAS unpacked
// privately (scripts/openblas.sh). The engine runs whole-clip and with the
// Causal Cache (its default); the PyTorch module has no chunked mode.
//
// Models: the bundled demo model, and a base-64 WF-VAE with random weights
// (scripts/make-big-checkpoint.ts). WFVAE_BENCH_DEMO_FRAMES / WFVAE_BENCH_BASE64_FRAMES
// change the clip lengths (default 65 and 33 frames at 256x448).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertCheckpoint } from '../src/engine/onnx/convert';
import { benchClip, writeTensorFile } from './tensor-file';
import { withMallocTunables } from '../bin/malloc-tunables.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const THREADS = '2';

interface RunResult {
  encodeSeconds: number;
  decodeSeconds: number;
  peakRssMB: number;
  /** Engine only: the peak after all `runs` runs of the clip in one process. */
  laterPeakRssMB?: number;
  runs?: number;
  baseRssMB: number;
  estimateMB?: number;
  blas?: string;
  chunks?: { encChunk: number; decChunk: number };
}

export interface ReferenceRow {
  model: string;
  clip: string;
  run: string;
  r: RunResult | null;
  note?: string;
}

function parseLast(stdout: string): RunResult {
  return JSON.parse(stdout.trim().split('\n').pop()!) as RunResult;
}

/** The engine runs each clip this many times in one process: the peak must not grow with later runs. */
const ENGINE_RUNS = '3';

function engineRun(model: string, clip: string, mode: 'whole' | 'cached'): RunResult {
  // The product's own malloc settings, as the CLI sets them (bin/malloc-tunables.mjs).
  const env = withMallocTunables(process.env);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'engine-run.ts'), model, clip, mode, THREADS, ENGINE_RUNS], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`engine ${mode} run failed:\n${r.stderr}`);
  return parseLast(r.stdout);
}

function torchRun(model: string, clip: string, libPath: string | null): RunResult {
  const env = { ...process.env };
  if (libPath) env.LD_LIBRARY_PATH = [libPath, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const r = spawnSync('/usr/bin/python3', [join(ROOT, 'bench', 'torch_run.py'), model, clip, '--threads', THREADS], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`torch run failed:\n${r.stderr}`);
  return parseLast(r.stdout);
}

function base64Checkpoint(dir: string): string {
  const cfg = JSON.parse(readFileSync(join(ROOT, 'resources', 'models', 'wfvae-demo', 'config.json'), 'utf8')) as Record<string, unknown>;
  Object.assign(cfg, { base_channels: 64, encoder_energy_flow_hidden_size: 64, decoder_energy_flow_hidden_size: 64 });
  const cfgPath = join(dir, 'base64.json');
  writeFileSync(cfgPath, JSON.stringify(cfg, null, 2));
  const out = join(dir, 'wfvae-base64');
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'make-big-checkpoint.ts'), out, cfgPath, '7'], { stdio: 'ignore' });
  return out;
}

export async function referenceRows(keep = false): Promise<ReferenceRow[]> {
  const torchOk = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const openblas = spawnSync('bash', [join(ROOT, 'scripts', 'openblas.sh')], { encoding: 'utf8' });
  const openblasLib = openblas.status === 0 ? openblas.stdout.trim() : null;
  const dir = mkdtempSync(join(tmpdir(), 'wfvae-bench-ref-'));
  const rows: ReferenceRow[] = [];
  try {
    const models: [string, string, number][] = [
      ['demo (base 24)', join(ROOT, 'resources', 'models', 'wfvae-demo'), Number(process.env.WFVAE_BENCH_DEMO_FRAMES ?? 65)],
      ['base 64 (random)', base64Checkpoint(dir), Number(process.env.WFVAE_BENCH_BASE64_FRAMES ?? 33)],
    ];
    for (const [name, model, frames] of models) {
      if (!existsSync(join(model, 'config.json'))) continue;
      const clipName = `${frames}x256x448`;
      const clip = join(dir, `clip-${frames}.safetensors`);
      await writeTensorFile(clip, 'input', benchClip(frames, 256, 448));
      await convertCheckpoint(model); // graphs cached: no run below converts
      rows.push({ model: name, clip: clipName, run: 'engine, whole clip', r: engineRun(model, clip, 'whole') });
      rows.push({ model: name, clip: clipName, run: 'engine, Causal Cache', r: engineRun(model, clip, 'cached') });
      if (!torchOk) {
        rows.push({ model: name, clip: clipName, run: 'torch', r: null, note: 'python3-torch is not installed (apt-get install python3-torch)' });
        continue;
      }
      rows.push({ model: name, clip: clipName, run: 'torch, system BLAS', r: torchRun(model, clip, null) });
      if (openblasLib) rows.push({ model: name, clip: clipName, run: 'torch, OpenBLAS', r: torchRun(model, clip, openblasLib) });
      else rows.push({ model: name, clip: clipName, run: 'torch, OpenBLAS', r: null, note: 'OpenBLAS could not be fetched (scripts/openblas.sh)' });
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

const pad = (s: string, n: number) => s.padStart(n);
const f1 = (x: number) => x.toFixed(1);

export function referenceTable(rows: ReferenceRow[]): string {
  const out = [
    'Engine (onnxruntime, CPU, 2 threads) vs the PyTorch reference module (python3-torch 1.13, 2 threads), same checkpoint and clip tensor, one fresh process per run.',
    'Peak = peak RSS of the whole process (torch: Python + torch alone hold the "base"); "after 3" = the engine\'s peak once the same process has run the clip 3 times. Ratios are engine / torch, per torch BLAS.',
    '',
    'model            | clip      | run                  | encode s | decode s | peak MB | after 3 | base MB | estimate MB | BLAS',
    '---------------- | --------- | -------------------- | -------- | -------- | ------- | ------- | ------- | ----------- | ----',
  ];
  for (const row of rows) {
    const r = row.r;
    if (!r) {
      out.push(`${row.model.padEnd(16)} | ${row.clip.padEnd(9)} | ${row.run.padEnd(20)} | ${row.note}`);
      continue;
    }
    const blas = r.blas ? r.blas.split(',')[0].replace(/^.*\//, '') : '';
    out.push(
      `${row.model.padEnd(16)} | ${row.clip.padEnd(9)} | ${row.run.padEnd(20)} | ${pad(f1(r.encodeSeconds), 8)} | ${pad(f1(r.decodeSeconds), 8)} | ${pad(r.peakRssMB.toFixed(0), 7)} | ${pad(r.laterPeakRssMB === undefined ? '' : r.laterPeakRssMB.toFixed(0), 7)} | ${pad(r.baseRssMB.toFixed(0), 7)} | ${pad(r.estimateMB === undefined ? '' : r.estimateMB.toFixed(0), 11)} | ${blas}`,
    );
  }
  out.push('', 'ratios (engine / torch): time = (encode + decode) seconds, memory = peak RSS');
  for (const model of [...new Set(rows.map((r) => r.model))]) {
    const of = (run: string) => rows.find((r) => r.model === model && r.run === run)?.r ?? null;
    for (const engine of ['engine, whole clip', 'engine, Causal Cache']) {
      const e = of(engine);
      if (!e) continue;
      for (const torch of ['torch, system BLAS', 'torch, OpenBLAS']) {
        const t = of(torch);
        if (!t) continue;
        const time = (e.encodeSeconds + e.decodeSeconds) / (t.encodeSeconds + t.decodeSeconds);
        const later = e.laterPeakRssMB === undefined ? '' : `, after ${e.runs} runs ${(e.laterPeakRssMB / t.peakRssMB).toFixed(2)}x`;
        out.push(`  ${model}: ${engine} vs ${torch}: time ${time.toFixed(2)}x, memory ${(e.peakRssMB / t.peakRssMB).toFixed(2)}x${later}`);
      }
    }
  }
  return out.join('\n');
}
