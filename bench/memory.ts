// Peak memory of `wfvae reconstruct` at 256x448 against clip length: the
// Causal Cache with the CLI's default chunks (streaming to mp4) stays flat,
// whole-clip inference (--whole) grows with T. Each run is its own process; the CLI
// reports its peak RSS (getrusage maxrss) in --json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CLI = join(ROOT, 'bin', 'wfvae.mjs');
// Clips are made by the system ffmpeg (or WFVAE_TEST_FFMPEG); the app decodes them with its own video tool.
const FFMPEG = process.env.WFVAE_TEST_FFMPEG || 'ffmpeg';

export interface MemoryRow {
  frames: number;
  wholeMB: number;
  chunkedMB: number;
  wholeSeconds: number;
  chunkedSeconds: number;
}

function defaultModel(): string {
  const demo = join(ROOT, 'resources', 'models', 'wfvae-demo');
  if (existsSync(join(demo, 'config.json'))) return demo;
  return resolve(ROOT, '..', 'shared', 'goldens', 'wfvae-l-tiny');
}

function run(args: string[]): { peakRssMB: number; totalSeconds: number } {
  const r = spawnSync(process.execPath, [CLI, 'reconstruct', ...args, '--json', '--threads', '2'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`wfvae reconstruct ${args.join(' ')} failed:\n${r.stderr}`);
  const j = JSON.parse(r.stdout) as { peakRssMB: number; totalSeconds: number };
  return j;
}

export function memorySeries(lengths = [17, 33, 65, 129], model = defaultModel()): MemoryRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'wfvae-bench-mem-'));
  try {
    const clip = join(dir, 'clip.mp4');
    const maxT = Math.max(...lengths);
    execFileSync(FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=448x256:rate=25', '-frames:v', String(maxT), '-pix_fmt', 'yuv420p', clip]);
    // Convert once so the first measured run does not pay for it.
    run([clip, '--model', model, '--frames', '1']);
    return lengths.map((T) => {
      const base = [clip, '--model', model, '--frames', String(T), '--size', '256'];
      const whole = run([...base, '--whole']);
      const chunked = run([...base, '--out', join(dir, `rec-${T}.mp4`)]);
      return { frames: T, wholeMB: whole.peakRssMB, chunkedMB: chunked.peakRssMB, wholeSeconds: whole.totalSeconds, chunkedSeconds: chunked.totalSeconds };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function memoryTable(rows: MemoryRow[]): string {
  const first = rows[0];
  const lines = [
    'Peak RSS of `wfvae reconstruct` at 256x448, one process per run: whole clip (--whole) vs the default Causal Cache chunks (--out rec.mp4)',
    `frames | whole MB | x T=${first.frames} | chunked MB | x T=${first.frames} | whole s | chunked s`,
    '------ | -------- | ------- | ---------- | ------- | ------- | ---------',
  ];
  for (const r of rows) {
    lines.push(
      [
        String(r.frames).padStart(6),
        r.wholeMB.toFixed(0).padStart(8),
        (r.wholeMB / first.wholeMB).toFixed(2).padStart(7),
        r.chunkedMB.toFixed(0).padStart(10),
        (r.chunkedMB / first.chunkedMB).toFixed(2).padStart(7),
        r.wholeSeconds.toFixed(1).padStart(7),
        r.chunkedSeconds.toFixed(1).padStart(9),
      ].join(' | '),
    );
  }
  return lines.join('\n');
}
