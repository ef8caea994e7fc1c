// Conversion benchmark at WF-VAE-L-16Chn size: a random-weight checkpoint in
// the reference layout (config = the reference's examples/wfvae-large-16chn.json),
// converted cold in a child process (time, peak RSS), then opened again
// (cache hit), then reopened with a forced rehash.
// Targets on the 2-core dev machine: cold <= 15 s, peak RSS <= 2.5x checkpoint.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBigCheckpoint } from '../scripts/make-big-checkpoint';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CHILD = join(ROOT, 'bench', 'convert-child.ts');
export const TARGET_SECONDS = 15;
export const TARGET_RSS_RATIO = 2.5;

interface ChildResult {
  seconds: number;
  cached: boolean;
  peakRssBytes: number;
  startRssBytes: number;
  parameters: number;
  timings: { hashSeconds: number; buildSeconds: number; writeSeconds: number; totalSeconds: number };
  graphs: string[];
}

function convertInChild(ckpt: string, cacheDir: string, verify = false): ChildResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', CHILD, ckpt, cacheDir, ...(verify ? ['--verify'] : [])], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

export interface ConversionBench {
  parameters: number;
  checkpointBytes: number;
  generateSeconds: number;
  cold: ChildResult;
  cached: ChildResult;
  rehash: ChildResult;
}

export async function benchConversion(keep = false): Promise<ConversionBench> {
  const work = mkdtempSync(join(tmpdir(), 'wfvae-bench-convert-'));
  try {
    const config = JSON.parse(readFileSync(join(ROOT, 'bench', 'wfvae-large-16chn.json'), 'utf8')) as Record<string, unknown>;
    process.stderr.write('generating a WF-VAE-L-16Chn-sized checkpoint (random weights)...\n');
    const ck = await makeBigCheckpoint(join(work, 'ckpt'), config, 1);
    const cacheDir = join(work, 'cache');
    process.stderr.write('converting (cold)...\n');
    const cold = convertInChild(ck.dir, cacheDir);
    process.stderr.write('opening again (cached)...\n');
    const cached = convertInChild(ck.dir, cacheDir);
    process.stderr.write('opening again with a full rehash...\n');
    const rehash = convertInChild(ck.dir, cacheDir, true);
    return { parameters: ck.parameters, checkpointBytes: ck.bytes, generateSeconds: ck.seconds, cold, cached, rehash };
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
    else process.stderr.write(`kept ${work}\n`);
  }
}

const gb = (b: number) => `${(b / 1e9).toFixed(3)} GB`;

export function conversionTable(r: ConversionBench): string {
  const ratio = r.cold.peakRssBytes / r.checkpointBytes;
  const rows: [string, string][] = [
    ['parameters', `${(r.parameters / 1e6).toFixed(1)} M`],
    ['checkpoint size', gb(r.checkpointBytes)],
    ['graphs', r.cold.graphs.join(', ')],
    ['convert (cold)', `${r.cold.seconds.toFixed(2)} s  [hash ${r.cold.timings.hashSeconds.toFixed(2)}, build ${r.cold.timings.buildSeconds.toFixed(2)}, write ${r.cold.timings.writeSeconds.toFixed(2)}]  target <= ${TARGET_SECONDS} s: ${r.cold.seconds <= TARGET_SECONDS ? 'met' : 'MISSED'}`],
    ['peak RSS (cold)', `${gb(r.cold.peakRssBytes)} (process start ${gb(r.cold.startRssBytes)})`],
    ['RSS / checkpoint', `${ratio.toFixed(2)}x  target <= ${TARGET_RSS_RATIO}x: ${ratio <= TARGET_RSS_RATIO ? 'met' : 'MISSED'}`],
    ['cached open', `${r.cached.seconds.toFixed(3)} s (cache hit: ${r.cached.cached}, peak RSS ${gb(r.cached.peakRssBytes)})`],
    ['rehash + hit', `${r.rehash.seconds.toFixed(2)} s (full SHA-256 of the checkpoint, cache hit: ${r.rehash.cached})`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(17)} ${v}`).join('\n');
}
