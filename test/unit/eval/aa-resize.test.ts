// The reference's resize (torch's antialiased bilinear) reimplemented in
// TypeScript, checked against outputs torch made: the committed fixtures
// (Debian's python3-torch 1.13, test/fixtures/torch-resize/make_fixtures.py)
// and, where /usr/bin/python3 has torch, torch itself on further sizes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../../src/engine/checkpoint/index';
import { axisTaps, resizeAntialiased } from '../../../src/engine/eval/reference/aa-resize';
import { REPO_ROOT } from '../parity/goldens';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'torch-resize');
const SCRIPT = join(FIXTURES, 'make_fixtures.py');
const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const TOL = 1e-6;

interface Case {
  name: string;
  in: [number, number, number];
  out: [number, number];
  align: boolean;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function checkFile(path: string, cases: Case[]): Promise<void> {
  const f = await SafetensorsFile.open(path);
  try {
    for (const c of cases) {
      const input = await f.readF32(`${c.name}.input`);
      const want = await f.readF32(`${c.name}.output`);
      const [planes, h, w] = c.in;
      const got = resizeAntialiased(input, planes, h, w, c.out[0], c.out[1], c.align);
      const d = maxDiff(got, want);
      expect(d, `${c.name}: ${h}x${w} -> ${c.out.join('x')}, align_corners=${c.align}`).toBeLessThanOrEqual(TOL);
    }
  } finally {
    await f.close();
  }
}

describe('antialiased bilinear resize (torch F.interpolate)', () => {
  it('equals the torch-made fixtures within 1e-6 (shrink, enlarge, odd sizes, both align_corners)', async () => {
    const meta = JSON.parse(readFileSync(join(FIXTURES, 'cases.safetensors.json'), 'utf8')) as { cases: Case[] };
    expect(meta.cases.length).toBeGreaterThanOrEqual(12);
    expect(new Set(meta.cases.map((c) => c.align))).toEqual(new Set([true, false]));
    await checkFile(join(FIXTURES, 'cases.safetensors'), meta.cases);
  });

  it('is the identity at equal sizes and keeps a constant image constant', () => {
    const x = Float32Array.from({ length: 2 * 5 * 7 }, (_, i) => (i * 37) % 11 / 11);
    for (const align of [false, true]) expect(maxDiff(resizeAntialiased(x, 2, 5, 7, 5, 7, align), x)).toBe(0);
    const flat = new Float32Array(3 * 40 * 30).fill(0.3);
    for (const align of [false, true]) {
      const r = resizeAntialiased(flat, 3, 40, 30, 17, 64, align);
      expect(maxDiff(r, new Float32Array(r.length).fill(0.3))).toBeLessThanOrEqual(1e-7);
    }
  });

  it('widens its window by the scale when shrinking (antialias), as torch does', () => {
    const down = axisTaps(100, 25, false);
    expect(down.taps).toBe(4 * 2 + 1);
    expect(Math.max(...down.count)).toBeGreaterThanOrEqual(8);
    const up = axisTaps(25, 100, false);
    expect(Math.max(...up.count)).toBeLessThanOrEqual(3);
    for (let i = 0; i < 25; i++) {
      let s = 0;
      for (let j = 0; j < down.count[i]; j++) s += down.weights[i * down.taps + j];
      expect(s).toBeCloseTo(1, 6);
    }
  });
});

describe.skipIf(!hasTorch)('antialiased resize vs the installed torch (python3-torch), further sizes', () => {
  const work = mkdtempSync(join(tmpdir(), 'wfvae-aa-resize-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('matches torch within 1e-6 on sizes the fixtures do not hold', async () => {
    const cases: (Case & { seed: number })[] = [
      { name: 'a', in: [1, 144, 176], out: [256, 312], align: false, seed: 1 },
      { name: 'b', in: [1, 240, 426], out: [64, 113], align: false, seed: 2 },
      { name: 'c', in: [2, 101, 67], out: [30, 20], align: true, seed: 3 },
      { name: 'd', in: [1, 57, 83], out: [99, 61], align: true, seed: 4 },
      { name: 'e', in: [1, 256, 455], out: [256, 454], align: true, seed: 5 },
    ];
    const spec = join(work, 'spec.json');
    writeFileSync(spec, JSON.stringify({ cases }));
    const out = join(work, 'live.safetensors');
    const r = spawnSync(PYTHON, [SCRIPT, '--live', spec, out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    await checkFile(out, cases);
  });
});
