// `npm run bench -- cold-start`: how long the CLI takes to start, as a user
// runs it (bin/wfvae.mjs on the build that ships, out/node), against Node's own
// start. Each command runs twice unmeasured (file cache warm) and then REPEATS
// times; the table gives the median and the fastest wall time. Issue 15's
// targets: `wfvae --version` within 0.3 s, `wfvae info <clip>` within 0.6 s.
// The machine is shared, so the load average is printed beside the numbers.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCliBuild } from '../scripts/cli-build.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CLI = join(ROOT, 'bin', 'wfvae.mjs');
const REPEATS = 10;

interface Row {
  what: string;
  args: string[];
  target?: number;
}

function time(args: string[], cwd: string): number[] {
  const runOnce = () => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const s = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return s;
  };
  runOnce();
  runOnce();
  return Array.from({ length: REPEATS }, runOnce);
}

export async function coldStartTable(keep = false): Promise<string> {
  ensureCliBuild();
  const dir = mkdtempSync(join(tmpdir(), 'wfvae-bench-cold-'));
  try {
    const clip = join(dir, 'clip.mp4');
    execFileSync(process.env.WFVAE_TEST_FFMPEG || 'ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-frames:v', '50', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);
    const rows: Row[] = [
      { what: 'node -e 0 (Node alone)', args: ['-e', '0'] },
      { what: 'wfvae --version', args: [CLI, '--version'], target: 0.3 },
      { what: 'wfvae --help', args: [CLI, '--help'] },
      { what: 'wfvae info clip.mp4', args: [CLI, 'info', clip], target: 0.6 },
      { what: '  of which the video tool (av-tool.mjs probe)', args: ['--no-warnings', join(ROOT, 'out', 'node', 'av-tool.mjs'), 'probe', JSON.stringify({ input: clip, countPackets: true })] },
    ];
    const load = loadavg()[0];
    const lines = [`${REPEATS} runs each after 2 unmeasured; load average ${load.toFixed(2)} on this machine's ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores at the start`, '', '| command | median (s) | fastest (s) | target (s) |', '|---|---|---|---|'];
    for (const row of rows) {
      const ts = time(row.args, dir).sort((a, b) => a - b);
      const median = ts[Math.floor(ts.length / 2)];
      const verdict = row.target === undefined ? '' : `${row.target} (${median <= row.target ? 'met' : 'missed'})`;
      lines.push(`| ${row.what} | ${median.toFixed(3)} | ${ts[0].toFixed(3)} | ${verdict} |`);
    }
    lines.push('', `load average at the end: ${loadavg()[0].toFixed(2)}`);
    return lines.join('\n');
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
