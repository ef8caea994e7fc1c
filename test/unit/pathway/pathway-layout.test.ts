// The pathway diagram of every model variant, from its config and its graphs:
// WFVAEModel at 4x and 8x in time (2D or 3D level 2), with LayerNorm or
// GroupNorm, trilinear or nearest; WFVAE2Model with each layer_type. Every tap
// the graphs expose is a node with the graph's channel count, the edges form
// one route from the video to the reconstruction, the energy-flow shortcuts
// join where the model joins them, and the layout puts every node on its row
// without overlaps, encoder left of the latent left of the decoder. The repo's
// own reference goldens (test/fixtures/reference-goldens: a WFVAEModel and a
// WFVAE2Model at 8x in time, the legacy attention model) are always laid out,
// so an 8x model is drawn in a fresh clone too, not only beside ../shared.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelFacts, parseModelConfig, type ModelConfig } from '../../../src/engine/checkpoint/index';
import { GRAPHS } from '../../../src/engine/onnx/convert';
import { buildPathwaySpec } from '../../../src/engine/onnx/pathway-spec';
import { WeightStore } from '../../../src/engine/onnx/weights';
import type { TapInfo } from '../../../src/engine/onnx/build';
import { pathwaySpecSchema, type PathwaySpec } from '../../../src/shared/pathway-contract';
import { layoutPathway, neighbour, readingOrder } from '../../../src/renderer/src/pathway/layout';
import { GOLDENS_ROOT, goldenModels, REFERENCE_GOLDENS } from '../parity/goldens';

const WFVAE_8X = {
  l1_dowmsample_block: 'Spatial2xTime2x3DDownsample',
  l1_downsample_wavelet: 'HaarWaveletTransform3D',
  l1_upsample_block: 'Spatial2xTime2x3DUpsample',
  l1_upsample_wavelet: 'InverseHaarWaveletTransform3D',
};

function goldenConfig(name: string, root = GOLDENS_ROOT): Record<string, unknown> | null {
  const m = goldenModels(root).find((g) => g.name === name);
  return m ? (JSON.parse(readFileSync(join(m.dir, 'config.json'), 'utf8')) as Record<string, unknown>) : null;
}

const L_TINY = goldenConfig('wfvae-l-tiny');
const V2_TINY = goldenConfig('wfvae2-tiny')!;
/** Always in the repo; a missing one is an error, not a skip. */
const reference = (name: string) => {
  const json = goldenConfig(name, REFERENCE_GOLDENS);
  if (!json) throw new Error(`${name} is missing from ${REFERENCE_GOLDENS}/manifest.json`);
  return json;
};

/** Every variant: the goldens there are, and the ones random-checkpoint.ts can make from them. */
const VARIANTS: { name: string; json: Record<string, unknown>; tc: number; subbands: number[]; lookAhead: number }[] = [
  ...(L_TINY
    ? [
        { name: 'WFVAEModel 4x (wfvae-l-tiny: 2D level 2, trilinear)', json: L_TINY, tc: 4, subbands: [8, 4, 8], lookAhead: 2 },
        { name: 'WFVAEModel 8x (3D level 2, trilinear)', json: { ...L_TINY, ...WFVAE_8X }, tc: 8, subbands: [8, 8, 8], lookAhead: 6 },
        { name: 'WFVAEModel 8x, nearest in time', json: { ...L_TINY, ...WFVAE_8X, t_interpolation: 'nearest' }, tc: 8, subbands: [8, 8, 8], lookAhead: 0 },
      ]
    : []),
  ...(goldenConfig('wfvae-gn-nearest') ? [{ name: 'WFVAEModel 4x GroupNorm, nearest (wfvae-gn-nearest)', json: goldenConfig('wfvae-gn-nearest')!, tc: 4, subbands: [8, 4, 8], lookAhead: 0 }] : []),
  { name: 'WFVAE2Model hw, thw (wfvae2-tiny)', json: V2_TINY, tc: 4, subbands: [8, 4, 8], lookAhead: 2 },
  { name: 'WFVAE2Model thw, hw', json: { ...V2_TINY, layer_type: ['thw', 'hw'], layer_res_type: ['ResnetBlock3D', 'ResnetBlock2D'] }, tc: 4, subbands: [8, 8, 4], lookAhead: 2 },
  { name: 'WFVAE2Model thw, thw (8x)', json: { ...V2_TINY, layer_type: ['thw', 'thw'], layer_res_type: ['ResnetBlock3D', 'ResnetBlock3D'] }, tc: 8, subbands: [8, 8, 8], lookAhead: 6 },
  // The reference goldens, as the public reference made them (scripts/reference/make_goldens.py).
  { name: 'WFVAEModel 8x, 3D levels 1 and 2 (reference golden wfvae-8x-tiny)', json: reference('wfvae-8x-tiny'), tc: 8, subbands: [8, 8, 8], lookAhead: 6 },
  { name: 'WFVAE2Model 8x, base channels 8/16/24, nearest (reference golden wfvae2-8x-wide)', json: reference('wfvae2-8x-wide'), tc: 8, subbands: [8, 8, 8], lookAhead: 0 },
  { name: 'WFVAEModel 4x, legacy AttnBlock3D (reference golden wfvae-attn3d-legacy)', json: reference('wfvae-attn3d-legacy'), tc: 4, subbands: [8, 4, 8], lookAhead: 2 },
];

function build(json: Record<string, unknown>): { cfg: ModelConfig; spec: PathwaySpec; taps: TapInfo[] } {
  const cfg = parseModelConfig(json, GOLDENS_ROOT);
  const built = GRAPHS.map((g) => ({ role: g.role, g: g.build(cfg, new WeightStore(null)) }));
  const taps = new Map<string, TapInfo>();
  for (const { g } of built) for (const t of g.taps) taps.set(t.name, t);
  const lookAhead = built.find((b) => b.role === 'decoder-step')!.g.lookAhead;
  return { cfg, spec: buildPathwaySpec(cfg, modelFacts(cfg), [...taps.values()], lookAhead), taps: [...taps.values()] };
}

describe.each(VARIANTS)('pathway of $name', ({ json, tc, subbands, lookAhead }) => {
  const { cfg, spec, taps } = build(json);

  it('is a valid spec: every tap of the graphs is a node with its channels, and every node is a tap, the video, the latent or a join', () => {
    expect(pathwaySpecSchema.parse(spec)).toEqual(spec);
    const ids = new Set(spec.nodes.map((n) => n.id));
    expect(ids.size).toBe(spec.nodes.length);
    for (const t of taps) {
      expect(ids.has(t.name), `tap ${t.name} has a node`).toBe(true);
      expect(spec.nodes.find((n) => n.id === t.name)!.channels).toBe(t.channels);
    }
    const tapNames = new Set(taps.map((t) => t.name));
    for (const n of spec.nodes) {
      const known = tapNames.has(n.id) || ['video.in', 'video.out', 'mean', 'logvar'].includes(n.id) || n.display === 'join';
      expect(known, `node ${n.id}`).toBe(true);
    }
    expect(spec.nodes.find((n) => n.id === 'mean')!.channels).toBe(cfg.latent_dim);
  });

  it('has three wavelet levels, each transform in 2D or 3D as configured, and the model\'s temporal compression', () => {
    expect(spec.levels).toBe(3);
    expect(spec.temporalCompression).toBe(tc);
    const haar = spec.nodes.filter((n) => n.role === 'haar');
    expect(haar.map((n) => n.level)).toEqual([1, 2, 3]);
    expect(haar.map((n) => n.subbands?.length)).toEqual(subbands);
    // The decoder mirrors it: predicted coefficients at levels 3 and 2, then level 1 into the inverse transform.
    const outflow = spec.nodes.filter((n) => n.role === 'outflow').map((n) => [n.level, n.subbands?.length]);
    expect(outflow).toEqual([[3, subbands[2]], [2, subbands[1]], [1, 8]]);
    expect(spec.decoderLookAhead).toBe(lookAhead);
    // A 3D level's subbands filter time too (LLL … HHH), a 2D level's only space (LL … HH).
    for (const n of haar) expect(new Set(n.subbands!.map((b) => b.length)), `level ${n.level}`).toEqual(new Set([n.subbands!.length === 8 ? 3 : 2]));
    // The latent is the video compressed tc times in time: so is every backbone node from the bottleneck on.
    expect(spec.nodes.find((n) => n.id === 'mean')!.scale).toEqual({ time: tc, space: 8 });
    expect(Math.max(...spec.nodes.map((n) => n.scale.time))).toBe(tc);
    expect(modelFacts(cfg).temporalCompression).toBe(tc);
  });

  it('joins one inflow per deeper level into the backbone, and routes one outflow per level out of it', () => {
    const nodes = new Map(spec.nodes.map((n) => [n.id, n]));
    const inflowIn = spec.edges.filter((e) => e.kind === 'inflow' && nodes.get(e.to)!.level === 0);
    expect(inflowIn.map((e) => nodes.get(e.from)!.level).sort()).toEqual([2, 3]);
    const outflowOut = spec.edges.filter((e) => e.kind === 'outflow' && nodes.get(e.from)!.level === 0);
    expect(outflowOut.map((e) => nodes.get(e.to)!.level).sort()).toEqual([2, 3]);
    for (const e of spec.edges) {
      expect(nodes.has(e.from) && nodes.has(e.to), e.id).toBe(true);
      for (const c of e.carriers) {
        expect(nodes.has(c.node)).toBe(true);
        expect(c.to).toBeGreaterThan(c.from);
        expect(c.to).toBeLessThanOrEqual(nodes.get(c.node)!.channels);
      }
    }
  });

  it('is one route: every node is reached from the input video and reaches the reconstruction (logvar aside)', () => {
    const next = (id: string) => spec.edges.filter((e) => e.from === id).map((e) => e.to);
    const prev = (id: string) => spec.edges.filter((e) => e.to === id).map((e) => e.from);
    const reach = (start: string, step: (id: string) => string[]) => {
      const seen = new Set([start]);
      const todo = [start];
      while (todo.length) {
        for (const n of step(todo.pop()!)) {
          if (seen.has(n)) continue;
          seen.add(n);
          todo.push(n);
        }
      }
      return seen;
    };
    const fromInput = reach('video.in', next);
    const toOutput = reach('video.out', prev);
    for (const n of spec.nodes) {
      expect(fromInput.has(n.id), `${n.id} reached from the input`).toBe(true);
      if (n.id !== 'logvar') expect(toOutput.has(n.id), `${n.id} reaches the output`).toBe(true);
    }
  });

  it('lays every node on its level\'s row without overlaps, encoder | latent | decoder from left to right', () => {
    const layout = layoutPathway(spec);
    expect(layout.rows).toHaveLength(4);
    const boxes = [...layout.nodes.values()];
    expect(boxes).toHaveLength(spec.nodes.length);
    for (const n of spec.nodes) expect(layout.nodes.get(n.id)!.row).toBe(n.level);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `${a.id} and ${b.id} overlap`).toBe(false);
      }
      expect(boxes[i].x + boxes[i].w).toBeLessThanOrEqual(layout.width);
      expect(boxes[i].y + boxes[i].h).toBeLessThanOrEqual(layout.height);
    }
    const side = (s: string) => layout.sides.find((x) => x.side === s)!;
    expect(side('encoder').x1).toBeLessThan(side('latent').x0);
    expect(side('latent').x1).toBeLessThan(side('decoder').x0);
    // Edges run left to right or straight down a column, never backwards.
    for (const e of layout.edges) expect(layout.nodes.get(e.to)!.col).toBeGreaterThanOrEqual(layout.nodes.get(e.from)!.col);
    // The keyboard walks every node, and an arrow from the input video goes right.
    expect(new Set(readingOrder(layout)).size).toBe(spec.nodes.length);
    expect(neighbour(layout, 'video.in', 'right')).not.toBeNull();
    expect(neighbour(layout, 'video.in', 'left')).toBeNull();
  });
});
