// `wfvae subbands` end to end: a real clip made with ffmpeg (testsrc2), the
// real CLI process, real PNG and JSON files.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBBANDS_3D } from '../../../src/shared/subbands';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

const FFMPEG = FIXTURE_FFMPEG;

let dir: string;
let clip: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-subbands-test-'));
  clip = join(dir, 'clip.mp4');
  execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=128x96:rate=25', '-frames:v', '30', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function wfvae(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/wfvae.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(b.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

interface EnergyJson {
  decoded: { frames: number; width: number; height: number };
  analysed: { frames: number; width: number; height: number };
  coefficientFrames: { level: number; coefficientFrame: number }[];
  notes: string[];
  energy: {
    total: number;
    note: string;
    levels: { level: number; frames: number; subbands: { name: string; energy: number; share: number; perFrame: { energy: number }[] }[] }[];
  };
}

describe('wfvae subbands', () => {
  it('writes 3 PNG grids and energy.json in which LLL holds most energy at every level', () => {
    const out = join(dir, 'out');
    const r = wfvae('subbands', clip, '--levels', '3', '--out', out, '--frame', '5', '--frames', '30', '--json');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { files: string[]; frames: number; energy: { level: number; shares: Record<string, number> }[] };
    expect(summary.files.map((f) => f.slice(out.length + 1))).toEqual(['level-1.png', 'level-2.png', 'level-3.png', 'energy.json']);
    // 30 frames snap to 29 (1 + 4k) when decoding, then to 25 = 1 + 8k for 3 levels
    expect(summary.frames).toBe(25);
    for (const level of [1, 2, 3]) {
      const { width, height } = pngSize(join(out, `level-${level}.png`));
      const tileW = 128 / 2 ** level;
      const tileH = 96 / 2 ** level;
      const scale = Math.ceil(256 / Math.max(tileW, tileH));
      expect(width).toBeGreaterThanOrEqual(4 * tileW * scale);
      expect(height).toBeGreaterThanOrEqual(2 * tileH * scale);
    }
    const e = JSON.parse(readFileSync(join(out, 'energy.json'), 'utf8')) as EnergyJson;
    expect(e.decoded).toMatchObject({ frames: 29, width: 128, height: 96 });
    expect(e.analysed).toMatchObject({ frames: 25, width: 128, height: 96 });
    expect(e.coefficientFrames).toEqual([
      { level: 1, coefficientFrame: 3 },
      { level: 2, coefficientFrame: 2 },
      { level: 3, coefficientFrame: 1 },
    ]);
    expect(e.notes.join('\n')).toMatch(/trimmed 29 frames to 25/);
    expect(e.energy.note).toMatch(/padded/);
    expect(e.energy.levels.map((l) => l.frames)).toEqual([13, 7, 4]);
    for (const lv of e.energy.levels) {
      expect(lv.subbands.map((s) => s.name)).toEqual([...SUBBANDS_3D]);
      const lll = lv.subbands[0];
      expect(lll.share).toBeGreaterThan(0.5);
      for (const s of lv.subbands.slice(1)) expect(lll.energy).toBeGreaterThan(s.energy);
      expect(lv.subbands.reduce((a, s) => a + s.share, 0)).toBeCloseTo(1, 9);
      for (const s of lv.subbands) expect(s.perFrame).toHaveLength(lv.frames);
    }
    expect(summary.energy[0].shares.LLL).toBeCloseTo(e.energy.levels[0].subbands[0].share, 12);
  });

  it('prints a human summary without --json and defaults to frame 0', () => {
    const out = join(dir, 'out-default');
    const r = wfvae('subbands', clip, '--levels', '2', '--out', out, '--frames', '9');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/9 frames 128x96, 2 Haar levels, frame 0/);
    expect(r.stdout).toMatch(/LLL\s+LLH/);
    expect(r.stderr).toMatch(/temporal high-pass bands \(H\.\.\) are exactly 0/);
    expect(existsSync(join(out, 'level-2.png'))).toBe(true);
    expect(existsSync(join(out, 'level-3.png'))).toBe(false);
  });

  it('centre-crops to multiples of 2^N when the sides do not allow N levels', () => {
    const out = join(dir, 'out-crop');
    const r = wfvae('subbands', clip, '--levels', '6', '--out', out, '--frames', '30', '--json');
    expect(r.code).toBe(0);
    const e = JSON.parse(readFileSync(join(out, 'energy.json'), 'utf8')) as EnergyJson;
    expect(e.analysed).toMatchObject({ frames: 1, width: 128, height: 64 });
    expect(e.notes.join('\n')).toMatch(/centre-cropped 128x96 to 128x64/);
    expect(e.energy.levels.map((l) => l.frames)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('fails clearly for too many levels', () => {
    const r = wfvae('subbands', clip, '--levels', '7', '--out', join(dir, 'bad'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--levels 7 is too many for 128x96 frames: at most 6/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });

  it('fails clearly for a frame past the end and for a bad --frame value', () => {
    const r = wfvae('subbands', clip, '--levels', '3', '--out', join(dir, 'bad2'), '--frame', '40');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--frame 40 is out of range: the analysed clip has 25 frames \(0\.\.24\)/);
    const neg = wfvae('subbands', clip, '--out', join(dir, 'bad3'), '--frame', 'x');
    expect(neg.code).not.toBe(0);
    expect(neg.stderr).toMatch(/--frame must be an integer/);
  });

  it('fails clearly without --out and for a missing file', () => {
    expect(wfvae('subbands', clip).stderr).toMatch(/--out is required/);
    const missing = wfvae('subbands', join(dir, 'nope.mp4'), '--out', join(dir, 'bad4'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nope\.mp4/);
  });
});
