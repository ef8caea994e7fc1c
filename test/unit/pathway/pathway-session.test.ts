// The pathway view's engine side through the real worker session and a golden
// model: live values on every node and edge at a frame (checked against the
// clip and against a whole-clip graph that exposes the same backbone stages),
// one node in full, and the Causal Cache across chunk boundaries (the seams
// the Chunking view marks). Also the reason the naive error shows before a
// decoder seam: the decoder's look-ahead, read from its graph.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../../src/engine/checkpoint/index';
import { buildDecoderGraph, buildEncoderGraph } from '../../../src/engine/onnx/build';
import { WeightStore } from '../../../src/engine/onnx/weights';
import { poolFactor, poolPlane } from '../../../src/engine/session/pathway-pool';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { decodeVideo } from '../../../src/engine/video/decode';
import { ApiError, type ClipInfo, type ModelInfo } from '../../../src/shared/contract';
import { FULL_GOLDENS, SHARED_GOLDENS, SUBSET_GOLDENS } from '../parity/goldens';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

const EXACT_MODEL = FULL_GOLDENS ? join(SHARED_GOLDENS, 'wfvae-l-tiny') : join(SUBSET_GOLDENS, 'wfvae2-tiny');
const GN_MODEL = join(SHARED_GOLDENS, 'wfvae-gn-nearest');

let dir: string;
let session: WorkerSession;
let clip: ClipInfo;
let model: ModelInfo;
let video: Float32Array;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-pathway-'));
  const clipPath = join(dir, 'clip.mp4');
  execFileSync(FIXTURE_FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=25', '-frames:v', '17', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clipPath]);
  for (const k of ['WFVAE_CACHE_DIR', 'WFVAE_DEMO_MODEL']) saved[k] = process.env[k];
  process.env.WFVAE_CACHE_DIR = join(dir, 'cache');
  process.env.WFVAE_DEMO_MODEL = join(dir, 'no-demo-model-here');
  session = createSourceSession();
  clip = await session.openVideo({ taskId: 'open', source: { kind: 'path', path: clipPath } });
  video = (await decodeVideo(clipPath, { frames: 17 })).data;
  model = await session.loadModel({ taskId: 'load', path: EXACT_MODEL });
  await session.reconstruct({ taskId: 'recon', clipId: clip.clipId });
}, 120_000);

afterAll(async () => {
  await session?.dispose();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The whole-clip encoder and decoder of the model, built here with the backbone stages exposed as well. */
async function wholeWithStages(): Promise<{ enc: ort.InferenceSession; dec: ort.InferenceSession }> {
  const ckpt = await openCheckpoint(EXACT_MODEL);
  const out = join(dir, 'stages');
  mkdirSync(out, { recursive: true });
  try {
    const store = new WeightStore({ shapeOf: (n) => ckpt.weights.entries.get(n)?.shape, readF32: (n) => ckpt.weights.readF32(n) });
    const enc = buildEncoderGraph(ckpt.config, store, 'whole', { stageTaps: true });
    const dec = buildDecoderGraph(ckpt.config, store, 'whole', { stageTaps: true });
    await store.writeTo(join(out, 'weights.bin'));
    writeFileSync(join(out, 'enc.onnx'), enc.builder.encode('weights.bin'));
    writeFileSync(join(out, 'dec.onnx'), dec.builder.encode('weights.bin'));
  } finally {
    await ckpt.weights.close();
  }
  return { enc: await ort.InferenceSession.create(join(out, 'enc.onnx')), dec: await ort.InferenceSession.create(join(out, 'dec.onnx')) };
}

describe('the pathway of a reconstruction', () => {
  it('gives every node of the model its values at a frame, from the real run', async () => {
    const spec = model.pathway;
    const p = await session.getPathway({ clipId: clip.clipId, t: 9 });
    expect(p.run).toEqual({ mode: 'cached', encChunk: 8, decChunk: 2 });
    expect(p.nodes.map((n) => n.id)).toEqual(spec.nodes.map((n) => n.id));
    for (const n of p.nodes) {
      expect(n.available, `${n.id}: ${n.note}`).toBe(true);
      const s = spec.nodes.find((x) => x.id === n.id)!;
      if (s.display === 'join') {
        expect(n.thumb).toBeNull();
        continue;
      }
      expect(n.shape[0]).toBe(s.channels);
      // Frame 9 of 17 shows frame ceil(9 (t - 1) / 16) of a t-frame node.
      expect(n.tapFrame).toBe(Math.ceil((9 * (n.tapFrames - 1)) / 16 - 1e-9));
      expect(Math.max(n.thumb!.width, n.thumb!.height)).toBeLessThanOrEqual(48);
      expect(n.energy).toBeGreaterThan(0);
      expect(n.min).toBeLessThanOrEqual(n.max);
    }
    // The input video's energy is the clip's: the sum of squares of frame 9 over its three colour planes.
    const plane = 64 * 64;
    let e = 0;
    for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) e += video[(c * 17 + 9) * plane + i] ** 2;
    const input = p.nodes.find((n) => n.id === 'video.in')!;
    expect(input.energy).toBeCloseTo(e, 2);
    expect(input.thumb).toMatchObject({ colormap: 'rgb', channels: 3, width: 32, height: 32, pooled: 2, min: -1, max: 1 });
    // An edge carries the energy of its carriers; a join gathers what flows into it.
    const energyOf = (id: string) => p.nodes.find((n) => n.id === id)!.energy;
    const edge = (id: string) => p.edges.find((x) => x.id === id)!.energy;
    const first = spec.edges.find((x) => x.kind === 'backbone' && x.from === 'pw.enc.haar1')!;
    expect(edge(first.id)).toBeCloseTo(energyOf('pw.enc.haar1'), 3);
    for (const join of spec.nodes.filter((n) => n.display === 'join')) {
      const incoming = spec.edges.filter((x) => x.to === join.id).reduce((a, x) => a + edge(x.id), 0);
      expect(energyOf(join.id)).toBeCloseTo(incoming, 3);
    }
    // A channel and a subband can be asked for; a wrong one is refused with what the node has.
    const sel = await session.getPathway({ clipId: clip.clipId, t: 9, select: { 'enc.l2': 'sb:HHH', 'pw.dec.up2': 'ch:3' } });
    expect(sel.nodes.find((n) => n.id === 'enc.l2')!.thumb).toMatchObject({ label: 'HHH (luma)', colormap: 'diverging' });
    expect(sel.nodes.find((n) => n.id === 'pw.dec.up2')!.thumb).toMatchObject({ label: 'channel 3', colormap: 'diverging' });
    const bad = await session.getPathway({ clipId: clip.clipId, t: 9, select: { 'pw.dec.up2': 'ch:999' } }).catch((x: unknown) => x);
    expect(bad).toBeInstanceOf(ApiError);
    expect((bad as ApiError).message).toMatch(/has no channel 999 \(it has \d+\)/);
  });

  it('keeps the backbone stages as the whole-clip graph computes them: energy per frame and the pooled planes', async () => {
    const { enc, dec } = await wholeWithStages();
    const feed = new ort.Tensor('float32', video, [1, 3, 17, 64, 64]);
    const e = await enc.run({ video: feed });
    const d = await dec.run({ latent: e.mean });
    for (const [name, t] of [['pw.enc.down2', e['pw.enc.down2']], ['pw.dec.up2', d['pw.dec.up2']], ['pw.dec.haar1', d['pw.dec.haar1']]] as const) {
      const [, C, T, H, W] = t.dims as number[];
      const data = t.data as Float32Array;
      const node = await session.getPathwayNode({ clipId: clip.clipId, node: name, t: 16, select: 'ch:3' });
      expect(node.shape).toEqual([C, T, H, W]);
      expect(node.tapFrame).toBe(T - 1);
      const energy = Array.from({ length: T }, (_, f) => {
        let s = 0;
        for (let i = 0; i < H * W; i++) s += data[(3 * T + f) * H * W + i] ** 2;
        return s;
      });
      for (let f = 0; f < T; f++) expect(node.energy[f]).toBeCloseTo(energy[f], Math.max(1, 4 - Math.ceil(Math.log10(energy[f] + 1))));
      const k = poolFactor(H, W, 64);
      const want = poolPlane(data, (3 * T + T - 1) * H * W, H, W, k);
      expect(node.image.pooled).toBe(k);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(node.image.data[i] - want[i]));
      expect(worst, `${name}: Causal Cache chunks vs the whole clip`).toBeLessThanOrEqual(1e-4);
    }
    await enc.release();
    await dec.release();
  }, 60_000);

  it('shows what the Causal Cache carried across every seam the Chunking view marks, state by state, and none for naive', async () => {
    const c = await session.compareChunking({ taskId: 'cmp', clipId: clip.clipId, encChunk: 16, decChunk: 2 });
    const flow = await session.getCacheFlow({ clipId: clip.clipId, run: 'chunking' });
    expect([flow.encChunk, flow.decChunk]).toEqual([16, 2]);
    const seams = (side: 'encoder' | 'decoder') => flow.boundaries.filter((b) => b.side === side).map((b) => b.videoFrame);
    expect(seams('encoder')).toEqual(c.boundaries.encoder);
    expect(seams('decoder')).toEqual(c.boundaries.decoder);
    expect(c.boundaries.decoder).toEqual([1, 9]);
    for (const side of ['encoder', 'decoder'] as const) {
      const states = flow.states[side];
      expect(states.length).toBeGreaterThan(0);
      for (const s of states) {
        expect(s.node, `${s.name} belongs to a pathway node`).not.toBeNull();
        expect(s.shape[2]).toBe(s.frames);
        expect(s.bytes).toBe(s.shape.reduce((a, b) => a * b, 4));
      }
      for (const b of flow.boundaries.filter((x) => x.side === side)) {
        expect(b.energy).toHaveLength(states.length);
        // Every causal conv carries the real tail of its input: never all zeros on a test pattern.
        expect(b.energy.filter((v, i) => states[i].kind === 'conv').every((v) => v > 0)).toBe(true);
      }
    }
    // The Reconstruct run (Causal Cache, 8 / 2) has its own.
    const r = await session.getCacheFlow({ clipId: clip.clipId, run: 'reconstruct' });
    expect([r.encChunk, r.decChunk]).toEqual([8, 2]);
    expect(r.boundaries.filter((b) => b.side === 'encoder').map((b) => b.videoFrame)).toEqual([1, 9]);

    // Naive chunks carry nothing: frames up to the decoder's look-ahead before the seam at 9 equal the whole clip,
    // the look-ahead frames (7 and 8 for 2 frames) already differ: they were made without the next chunk's first latent frame.
    const lookAhead = model.pathway.decoderLookAhead;
    expect(lookAhead).toBe(2);
    const naive = c.naive.perFrame.map((f) => f.maxAbs);
    for (let f = 0; f < 9 - lookAhead; f++) expect(naive[f], `frame ${f}`).toBeLessThanOrEqual(1e-5);
    expect(naive[9 - lookAhead]).toBeGreaterThan(1e-3);
  }, 120_000);

  it.skipIf(!FULL_GOLDENS)('says why a whole-clip run (a GroupNorm model) has no backbone values and no cache (needs ../shared/goldens)', async () => {
    const gn = await session.loadModel({ taskId: 'gn', path: GN_MODEL });
    await session.reconstruct({ taskId: 'recon-gn', clipId: clip.clipId });
    const p = await session.getPathway({ clipId: clip.clipId, t: 4 });
    expect(p.run.mode).toBe('whole');
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    for (const n of gn.pathway.nodes) {
      const stage = n.id.startsWith('pw.') || n.id.startsWith('join.');
      expect(byId.get(n.id)!.available, n.id).toBe(!stage);
      if (stage) expect(byId.get(n.id)!.note).toMatch(/whole-clip|has none in this run/);
    }
    const err = await session.getCacheFlow({ clipId: clip.clipId, run: 'reconstruct' }).catch((x: unknown) => x);
    expect((err as ApiError).code).toBe('NO_RESULT');
    expect((err as ApiError).message).toContain('carried no Causal Cache');
  }, 60_000);
});

describe('engine messages in the app\'s terms', () => {
  it('a clip over the voxel limit says what to change in the Clip selection panel, not which CLI flag', async () => {
    const clipPath = join(dir, 'clip.mp4');
    const err = await session.openVideo({ taskId: 'huge', source: { kind: 'path', path: clipPath }, options: { frames: 9, size: 4096 } }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ApiError);
    const { code, message } = err as ApiError;
    expect(code).toBe('too_large');
    expect(message).toContain('9 frames of 4096×4096');
    expect(message).toContain('In the Clip selection panel, lower Frames (at most 1 frame fits at this size) or pick a smaller Size');
    expect(message).not.toMatch(/--frames|--size|maxVoxels/);
  });
});
