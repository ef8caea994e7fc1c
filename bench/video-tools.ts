// Video tool comparisons (`npm run bench -- video-decode video-corpus`):
// decode speed, and what each tool makes of a corpus of broken videos. Tools:
// the default (node-av's FFmpeg via av-tool.mjs), the system ffmpeg
// (WFVAE_FFMPEG=ffmpeg), and any other pair given as
// WFVAE_BENCH_OTHER=/path/ffmpeg:/path/ffprobe (e.g. the old bundled 2018 build).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeVideo, isVideoError, probeVideo } from '../src/engine/video/index';
import { MUTATIONS, SOURCE_CLIPS, seeded } from '../test/helpers/broken-videos';

const FIXTURE_FFMPEG = process.env.WFVAE_TEST_FFMPEG || 'ffmpeg';

interface Tool {
  name: string;
  env: { WFVAE_FFMPEG?: string; WFVAE_FFPROBE?: string };
}

function tools(): Tool[] {
  const out: Tool[] = [{ name: 'node-av (default)', env: {} }, { name: 'system ffmpeg', env: { WFVAE_FFMPEG: 'ffmpeg', WFVAE_FFPROBE: 'ffprobe' } }];
  const other = process.env.WFVAE_BENCH_OTHER;
  if (other) {
    const [ffmpeg, ffprobe] = other.split(':');
    out.push({ name: `other (${ffmpeg})`, env: { WFVAE_FFMPEG: ffmpeg, WFVAE_FFPROBE: ffprobe } });
  }
  return out;
}

async function withTool<T>(t: Tool, fn: () => Promise<T>): Promise<T> {
  const saved = { f: process.env.WFVAE_FFMPEG, p: process.env.WFVAE_FFPROBE };
  delete process.env.WFVAE_FFMPEG;
  delete process.env.WFVAE_FFPROBE;
  Object.assign(process.env, t.env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of [['WFVAE_FFMPEG', saved.f], ['WFVAE_FFPROBE', saved.p]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function videoDecodeTable(keep = false): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'wfvae-bench-video-'));
  try {
    const clip = join(dir, 'clip.mp4');
    execFileSync(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=24', '-frames:v', '241', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);
    const rows = ['| tool | probe (ms) | decode 241 frames 640x360 (s) | fps | decode at --size 256 (s) |', '|---|---|---|---|---|'];
    for (const t of tools()) {
      const r = await withTool(t, async () => {
        const probe: number[] = [];
        const full: number[] = [];
        const small: number[] = [];
        for (let i = 0; i < 3; i++) {
          let t0 = performance.now();
          await probeVideo(clip);
          probe.push(performance.now() - t0);
          t0 = performance.now();
          const c = await decodeVideo(clip, { frames: 241, maxVoxels: 1e9 });
          full.push((performance.now() - t0) / 1000);
          if (c.shape[1] !== 241) throw new Error(`decoded ${c.shape[1]} frames`);
          t0 = performance.now();
          await decodeVideo(clip, { frames: 241, size: 256 });
          small.push((performance.now() - t0) / 1000);
        }
        return { probe: median(probe), full: median(full), small: median(small) };
      });
      rows.push(`| ${t.name} | ${r.probe.toFixed(0)} | ${r.full.toFixed(2)} | ${(241 / r.full).toFixed(0)} | ${r.small.toFixed(2)} |`);
    }
    return rows.join('\n');
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

function outcome(e: unknown): string {
  if (isVideoError(e)) return e.code;
  return `NOT A VideoError: ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 80)}`;
}

export async function videoCorpusTable(keep = false): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'wfvae-bench-corpus-'));
  try {
    const files: string[] = [];
    for (const s of SOURCE_CLIPS) {
      const src = join(dir, s.file);
      execFileSync(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=12', '-frames:v', '17', ...s.args, src]);
      const bytes = readFileSync(src);
      files.push(src);
      MUTATIONS.forEach((m, i) => {
        const f = join(dir, `${i}-${m.name.replace(/\W+/g, '_')}-${s.file}`);
        writeFileSync(f, m.apply(bytes, seeded(1000 * i + s.file.length)));
        files.push(f);
      });
    }
    const rows = [`${files.length} files (${SOURCE_CLIPS.length} good clips, ${MUTATIONS.length} mutations of each)`, '', '| tool | decoded | clear VideoError (by code) | crashes | anything else | seconds |', '|---|---|---|---|---|---|'];
    for (const t of tools()) {
      const counts = new Map<string, number>();
      let ok = 0;
      let crashes = 0;
      const other: string[] = [];
      const t0 = performance.now();
      await withTool(t, async () => {
        for (const f of files) {
          try {
            await probeVideo(f, { timeoutMs: 20_000 });
            await decodeVideo(f, { frames: 9, timeoutMs: 20_000 });
            ok++;
          } catch (e) {
            const o = outcome(e);
            if (o === 'tool_crashed') crashes++;
            else if (o.startsWith('NOT')) other.push(`${f}: ${o}`);
            else counts.set(o, (counts.get(o) ?? 0) + 1);
            if (isVideoError(e) && (e.message.includes('\n') || e.message.length > 1200)) other.push(`${f}: message not one short line`);
          }
        }
      });
      const byCode = [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
      rows.push(`| ${t.name} | ${ok} | ${byCode} | ${crashes} | ${other.length ? other.slice(0, 3).join('; ') : 0} | ${((performance.now() - t0) / 1000).toFixed(0)} |`);
    }
    return rows.join('\n');
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
