// convertCheckpoint's cache: keyed by SHA-256, instant on a repeated open,
// rehashed when a file changes, atomic (a cancelled conversion leaves nothing).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetensorsFile, WEIGHTS_FILE } from '../../../src/engine/checkpoint/index';
import { convertCheckpoint, loadModel, type ConvertProgress } from '../../../src/engine/onnx/convert';
import { graphCacheRoot, MANIFEST_FILE } from '../../../src/engine/onnx/cache';
import { SUBSET_GOLDENS } from '../parity/goldens';

const work = mkdtempSync(join(tmpdir(), 'wfvae-convert-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const source = join(SUBSET_GOLDENS, 'wfvae2-tiny');
let ckpt: string;

beforeAll(() => {
  ckpt = join(work, 'ckpt');
  mkdirSync(ckpt);
  for (const f of ['config.json', WEIGHTS_FILE]) copyFileSync(join(source, f), join(ckpt, f));
});

function recorder(): { events: ConvertProgress[]; onProgress: (p: ConvertProgress) => void } {
  const events: ConvertProgress[] = [];
  return { events, onProgress: (p) => events.push(p) };
}

/** Folders in a cache root other than the file-identity memo. */
const entries = (root: string) => (existsSync(root) ? readdirSync(root).filter((n) => n !== 'sources') : []);

describe('graph cache location', () => {
  it('follows WFVAE_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(graphCacheRoot({ WFVAE_CACHE_DIR: '/x/graphs', XDG_CACHE_HOME: '/y' })).toBe('/x/graphs');
    expect(graphCacheRoot({ XDG_CACHE_HOME: '/y' })).toBe('/y/wfvae-inspector/graphs');
    expect(graphCacheRoot({})).toMatch(/\.cache\/wfvae-inspector\/graphs$/);
  });
});

describe('convertCheckpoint', () => {
  const cacheDir = () => join(work, 'cache');

  it('converts once into <cache>/<sha256> with a manifest describing the graphs', async () => {
    const p = recorder();
    const m = await convertCheckpoint(ckpt, { cacheDir: cacheDir(), onProgress: p.onProgress });
    expect(m.cached).toBe(false);
    expect(m.manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.dir).toBe(join(cacheDir(), m.manifest.sha256));
    expect(m.manifest.className).toBe('WFVAE2Model');
    expect(m.manifest.facts.latentChannels).toBe(8);
    expect(m.manifest.source.checkpointDir).toBe(ckpt);
    // Every checkpoint tensor is used (validation passed with nothing unexpected): the count is the file's.
    const f = await SafetensorsFile.open(join(ckpt, WEIGHTS_FILE));
    const fileParams = [...f.entries.values()].reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
    await f.close();
    expect(m.manifest.parameterCount).toBe(fileParams);
    expect(statSync(join(m.dir, 'weights.bin')).size).toBe(m.manifest.weightsBytes);
    expect(m.manifest.graphs.encoder.taps.map((t) => t.name)).toEqual(expect.arrayContaining(['enc.coeffs.0', 'enc.coeffs.1']));
    expect(m.manifest.graphs.decoder.taps.map((t) => t.name)).toEqual(expect.arrayContaining(['dec.coeffs.0', 'dec.coeffs.1']));
    for (const g of Object.values(m.manifest.graphs)) expect(existsSync(join(m.dir, g.file))).toBe(true);
    expect(new Set(p.events.map((e) => e.phase))).toEqual(new Set(['hash', 'build', 'write']));
    const lastWrite = p.events.filter((e) => e.phase === 'write').at(-1)!;
    expect(lastWrite.done).toBe(lastWrite.total);
    expect(entries(cacheDir())).toEqual([m.manifest.sha256]);
  });

  it('a second open is a cache hit without rehashing', async () => {
    const p = recorder();
    const t0 = performance.now();
    const m = await convertCheckpoint(ckpt, { cacheDir: cacheDir(), onProgress: p.onProgress });
    const ms = performance.now() - t0;
    expect(m.cached).toBe(true);
    expect(p.events).toEqual([]);
    expect(ms).toBeLessThan(250);
  });

  it('rehashes when a checkpoint file changed on disk (same bytes: same entry)', async () => {
    const later = new Date(Date.now() + 5000);
    utimesSync(join(ckpt, WEIGHTS_FILE), later, later);
    const p = recorder();
    const m = await convertCheckpoint(ckpt, { cacheDir: cacheDir(), onProgress: p.onProgress });
    expect(p.events.some((e) => e.phase === 'hash')).toBe(true);
    expect(m.cached).toBe(true);
    expect(entries(cacheDir())).toHaveLength(1);
  });

  it('a different config is a different entry', async () => {
    const other = join(work, 'ckpt-other');
    mkdirSync(other);
    copyFileSync(join(ckpt, WEIGHTS_FILE), join(other, WEIGHTS_FILE));
    const cfg = JSON.parse(readFileSync(join(ckpt, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(other, 'config.json'), JSON.stringify({ ...cfg, t_interpolation: 'nearest' }));
    const m = await convertCheckpoint(other, { cacheDir: cacheDir() });
    expect(m.cached).toBe(false);
    expect(m.manifest.config).toMatchObject({ t_interpolation: 'nearest' });
    expect(entries(cacheDir())).toHaveLength(2);
  });

  it('--force converts again into the same folder', async () => {
    const before = (await convertCheckpoint(ckpt, { cacheDir: cacheDir() })).manifest.createdAt;
    const m = await convertCheckpoint(ckpt, { cacheDir: cacheDir(), force: true });
    expect(m.cached).toBe(false);
    expect(m.manifest.createdAt).not.toBe(before);
    expect(entries(cacheDir())).toHaveLength(2);
  });

  it('cancelling while writing weights leaves no entry and no partial folder', async () => {
    const root = join(work, 'cache-cancel');
    const abort = new AbortController();
    const err = await convertCheckpoint(ckpt, {
      cacheDir: root,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase === 'write') abort.abort();
      },
    }).then(() => null, (e: unknown) => e as Error);
    expect(err?.name).toBe('AbortError');
    expect(err?.message).toMatch(/cancelled/);
    expect(entries(root)).toEqual([]);
  });

  it('cancelling before it starts writes nothing', async () => {
    const root = join(work, 'cache-cancel-early');
    const err = await convertCheckpoint(ckpt, { cacheDir: root, signal: AbortSignal.abort() }).then(() => null, (e: unknown) => e as Error);
    expect(err?.name).toBe('AbortError');
    expect(entries(root)).toEqual([]);
  });

  it('--out writes a converted folder that loadModel opens as it is', async () => {
    const out = join(work, 'converted');
    const m = await convertCheckpoint(ckpt, { cacheDir: join(work, 'cache-out'), outDir: out });
    expect(m.dir).toBe(out);
    expect(existsSync(join(out, MANIFEST_FILE))).toBe(true);
    const again = await loadModel(out);
    expect(again.cached).toBe(true);
    expect(again.manifest.sha256).toBe(m.manifest.sha256);
    expect(again.graphPath('decoder')).toBe(join(out, 'decoder.onnx'));
  });

  it('refuses to replace a non-empty folder that is not a converted one', async () => {
    const out = join(work, 'user-data');
    mkdirSync(out);
    writeFileSync(join(out, 'thesis.tex'), 'precious');
    await expect(convertCheckpoint(ckpt, { cacheDir: join(work, 'cache-x'), outDir: out })).rejects.toThrow(/already exists and is not a converted-graph folder/);
    expect(readFileSync(join(out, 'thesis.tex'), 'utf8')).toBe('precious');
  });

  it('a converted folder from another manifest version asks for a new conversion', async () => {
    const out = join(work, 'converted');
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as { version: number };
    writeFileSync(join(out, MANIFEST_FILE), JSON.stringify({ ...manifest, version: 999 }));
    await expect(loadModel(out)).rejects.toThrow(/another version of WF-VAE Inspector .* convert the checkpoint again/);
  });
});
