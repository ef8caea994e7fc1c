// What exports and the viewer compute without a model: the difference heatmap
// (same in the viewer and the diff mp4), the metrics files, the remembered
// settings and their file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPrefsFile, writePrefsFile } from '../../../src/main/prefs-file';
import { metricsCsv, metricsJson, type MetricsReport } from '../../../src/engine/session/metrics-report';
import { divergingColor, sequentialColor } from '../../../src/shared/colormap';
import { diffHeatmap, diffScale } from '../../../src/shared/diff-heatmap';
import { EMPTY_PREFS, parsePrefs, pushRecent, rememberSelection } from '../../../src/shared/prefs';

const dir = mkdtempSync(join(tmpdir(), 'wfvae-exports-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diffHeatmap', () => {
  const a = Uint8Array.from([10, 20, 30, 255, 100, 100, 100, 255]);
  const b = Uint8Array.from([10, 20, 30, 255, 104, 98, 100, 255]);
  it('colours |B - A| (max over channels) with viridis up to 255 / gain', () => {
    const out = new Uint8Array(8);
    diffHeatmap(a, b, out, 4, 'abs', 8);
    expect([...out.slice(0, 3)]).toEqual(sequentialColor(0, 0, 255));
    expect([...out.slice(4, 7)]).toEqual(sequentialColor(32, 0, 255)); // 4 levels x 8
    expect(out[3]).toBe(255);
    diffHeatmap(a, b, out, 4, 'abs', 64);
    expect([...out.slice(4, 7)]).toEqual(sequentialColor(255, 0, 255)); // saturates
  });
  it('colours luma(B) - luma(A) with cool-warm, 0 grey, sign kept', () => {
    const out = new Uint8Array(6);
    diffHeatmap(Uint8Array.from([10, 20, 30, 100, 100, 100]), Uint8Array.from([10, 20, 30, 100, 98, 100]), out, 3, 'signed', 16);
    expect([...out.slice(0, 3)]).toEqual(divergingColor(0, -255, 255));
    // luma difference 0.587 * -2 = -1.174, x16 = -18.8 -> -19
    expect([...out.slice(3, 6)]).toEqual(divergingColor(-19, -255, 255));
    expect(diffScale('signed', 16)).toMatchObject({ min: -255 / 16, max: 255 / 16 });
    expect(diffScale('abs', 1)).toMatchObject({ min: 0, max: 255 });
  });
});

describe('metrics files', () => {
  const report: MetricsReport = {
    model: { className: 'WFVAEModel', path: '/m/demo', provider: 'cpu' },
    source: { name: 'a, "b".mp4', path: '/v/a.mp4', frames: 280, fps: 20, width: 84, height: 48 },
    selection: { start: 100, frames: 5, sampleRate: 1, size: 'native', snap: 4, firstFrame: 100, lastFrame: 104, width: 80, height: 48, fps: 20 },
    protocol: { psnr: 'P', ssim: 'S', inference: 'whole clip', decodedFrom: 'z = mean', clipping: 'clipped' },
    summary: { frames: 5, psnr: 31.5, ssim: 0.9, seconds: 1 },
    perFrame: [0, 1, 2, 3, 4].map((f) => ({ frame: f, sourceFrame: 100 + f, psnr: f === 0 ? null : 30 + f, ssim: 0.9 })),
  };
  it('CSV: context as # lines, a header, one row per frame, inf for identical frames', () => {
    const lines = metricsCsv(report, 'T').trim().split('\n');
    expect(lines[0]).toBe('# wfvae-inspector metrics, T');
    expect(lines).toContain('# model: WFVAEModel /m/demo (cpu)');
    expect(lines).toContain('# selection: start 100, frames 5, sample rate 1, size native, snap 1+4k -> source frames 100..104, 80x48, 20 fps');
    const rows = lines.filter((l) => !l.startsWith('#'));
    expect(rows).toEqual(['frame,source_frame,psnr_db,ssim', '0,100,inf,0.900000', '1,101,31.0000,0.900000', '2,102,32.0000,0.900000', '3,103,33.0000,0.900000', '4,104,34.0000,0.900000']);
  });
  it('JSON: everything, with the tool and the time', () => {
    expect(JSON.parse(metricsJson(report, 'T'))).toEqual({ tool: 'wfvae-inspector', createdAt: 'T', ...report });
  });
});

describe('remembered settings', () => {
  it('keeps what is valid and drops what is not', () => {
    expect(parsePrefs(undefined)).toEqual(EMPTY_PREFS);
    expect(parsePrefs('nonsense')).toEqual(EMPTY_PREFS);
    const p = parsePrefs({ recentFiles: [{ path: '/a.mp4', name: 'a.mp4' }], view: 'chunking', viewer: { mode: 'tilt' }, extra: 1 });
    expect(p).toEqual({ ...EMPTY_PREFS, recentFiles: [{ path: '/a.mp4', name: 'a.mp4' }], view: 'chunking' });
    expect(pushRecent([1, 2, 3], 2, (x, y) => x === y)).toEqual([2, 1, 3]);
    const sel = { start: 100, frames: 97, sampleRate: 1, size: 'native' as const, snap: 4 as const };
    const r = rememberSelection(rememberSelection(EMPTY_PREFS, '/a.mp4', { ...sel, start: 0 }), '/a.mp4', sel);
    expect(r.selections).toEqual([{ key: '/a.mp4', selection: sel }]);
    expect(r.lastSelection).toEqual(sel);
  });
  it('Electron stores them in a JSON file; a missing or broken file reads as the defaults', async () => {
    const path = join(dir, 'app', 'prefs.json');
    expect(await readPrefsFile(path)).toEqual(EMPTY_PREFS);
    await writePrefsFile(path, { ...EMPTY_PREFS, view: 'latent', recentModels: [{ path: '/m', className: 'WFVAEModel' }] });
    expect(await readPrefsFile(path)).toMatchObject({ view: 'latent', recentModels: [{ path: '/m', className: 'WFVAEModel' }] });
    expect(JSON.parse(readFileSync(path, 'utf8')).view).toBe('latent');
    writeFileSync(path, '{ not json');
    expect(await readPrefsFile(path)).toEqual(EMPTY_PREFS);
  });
});
