// The live values of the pathway view: every node's energy, range and a small
// image at one video frame, and the energy along every edge, from the
// reconstruction's own tensors (the clip, the taps, the latent, the output)
// or, for the backbone stages, their pooled copies (pathway-pool.ts).
import type { PathwayFrame, PathwayImage, PathwayNode, PathwayNodeSpec, PathwaySpec } from '../../shared/pathway-contract';
import { LUMA_WEIGHTS } from '../wavelet/index';
import type { Tensor } from '../tensor';
import { poolFactor, poolPlane, type PooledChunk, type PooledTap } from './pathway-pool';
import { rangeOf, tapFrameFor } from './tap-views';

export const DEFAULT_THUMB_SIDE = 48;

interface Plane {
  data: Float32Array;
  width: number;
  height: number;
  pooled: number;
}

/** A node's tensor, full or pooled: per-channel statistics at full resolution, planes as small as asked. */
export interface NodeSource {
  /** (C, T, H, W) of the full tensor. */
  readonly shape: readonly [number, number, number, number];
  energy(c: number, f: number): number;
  min(c: number, f: number): number;
  max(c: number, f: number): number;
  /** Channel c at frame f, pooled to at most `side` pixels a side (null: as large as kept). */
  plane(c: number, f: number, side: number | null): Plane;
  /** The sum of squares over channels at frame f, pooled the same way (cell means). */
  squares(f: number, side: number | null): Plane;
}

/** A full tensor, (C, T, H, W) or (1, C, T, H, W). */
export class FullSource implements NodeSource {
  readonly shape: readonly [number, number, number, number];
  private stats: { energy: Float64Array; min: Float32Array; max: Float32Array } | null = null;

  constructor(private readonly t: Tensor) {
    const s = t.shape.length === 5 ? t.shape.slice(1) : t.shape;
    if (s.length !== 4) throw new Error(`internal: a pathway node of shape (${t.shape.join(', ')})`);
    this.shape = [s[0], s[1], s[2], s[3]];
  }

  private all() {
    if (this.stats) return this.stats;
    const [C, T, H, W] = this.shape;
    const n = H * W;
    const energy = new Float64Array(C * T);
    const min = new Float32Array(C * T);
    const max = new Float32Array(C * T);
    for (let i = 0; i < C * T; i++) {
      let e = 0;
      let lo = Infinity;
      let hi = -Infinity;
      for (let j = i * n; j < (i + 1) * n; j++) {
        const v = this.t.data[j];
        e += v * v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      energy[i] = e;
      min[i] = n ? lo : 0;
      max[i] = n ? hi : 0;
    }
    return (this.stats = { energy, min, max });
  }

  energy(c: number, f: number): number {
    return this.all().energy[c * this.shape[1] + f];
  }
  min(c: number, f: number): number {
    return this.all().min[c * this.shape[1] + f];
  }
  max(c: number, f: number): number {
    return this.all().max[c * this.shape[1] + f];
  }

  plane(c: number, f: number, side: number | null): Plane {
    const [, T, H, W] = this.shape;
    const k = side ? poolFactor(H, W, side) : 1;
    const off = (c * T + f) * H * W;
    const data = k === 1 ? this.t.data.slice(off, off + H * W) : poolPlane(this.t.data, off, H, W, k);
    return { data, width: Math.ceil(W / k), height: Math.ceil(H / k), pooled: k };
  }

  squares(f: number, side: number | null): Plane {
    const [C, T, H, W] = this.shape;
    const n = H * W;
    const sq = new Float32Array(n);
    for (let c = 0; c < C; c++) {
      const off = (c * T + f) * n;
      for (let i = 0; i < n; i++) sq[i] += this.t.data[off + i] * this.t.data[off + i];
    }
    const k = side ? poolFactor(H, W, side) : 1;
    return { data: k === 1 ? sq : poolPlane(sq, 0, H, W, k), width: Math.ceil(W / k), height: Math.ceil(H / k), pooled: k };
  }
}

/** A backbone stage kept pooled (its planes are POOL_SIDE at most), chunk by chunk. */
export class PooledSource implements NodeSource {
  readonly shape: readonly [number, number, number, number];
  /** Frame -> [chunk, frame within it]. */
  private readonly at: [PooledChunk, number][] = [];

  constructor(private readonly p: PooledTap) {
    this.shape = [p.channels, p.frames, p.height, p.width];
    for (const ch of p.chunks) for (let f = 0; f < ch.frames; f++) this.at.push([ch, f]);
  }

  energy(c: number, f: number): number {
    const [ch, g] = this.at[f];
    return ch.energy[g * this.p.channels + c];
  }
  min(c: number, f: number): number {
    const [ch, g] = this.at[f];
    return ch.min[g * this.p.channels + c];
  }
  max(c: number, f: number): number {
    const [ch, g] = this.at[f];
    return ch.max[g * this.p.channels + c];
  }

  private repool(src: Float32Array, offset: number, side: number | null): Plane {
    const { ph, pw, factor } = this.p;
    const k = side ? poolFactor(ph, pw, side) : 1;
    const data = k === 1 ? src.slice(offset, offset + ph * pw) : poolPlane(src, offset, ph, pw, k);
    return { data, width: Math.ceil(pw / k), height: Math.ceil(ph / k), pooled: factor * k };
  }

  plane(c: number, f: number, side: number | null): Plane {
    const [ch, g] = this.at[f];
    return this.repool(ch.planes, (g * this.p.channels + c) * this.p.ph * this.p.pw, side);
  }

  squares(f: number, side: number | null): Plane {
    const [ch, g] = this.at[f];
    return this.repool(ch.energyMap, g * this.p.ph * this.p.pw, side);
  }
}

type Selection = { kind: 'energy' } | { kind: 'rgb' } | { kind: 'channel'; c: number } | { kind: 'subband'; s: number; name: string };

/** What `auto` shows, and a selection string checked against the node. */
export function resolveSelection(node: PathwayNodeSpec, select: string | undefined): { key: string; sel: Selection } {
  // A 3-channel node (the video, an inverse transform's low band) is a picture; coefficients show their low band; activations their RMS.
  const natural = node.channels === 3 ? 'rgb' : node.display === 'coefficients' ? `sb:${node.subbands![0]}` : 'energy';
  const want = !select || select === 'auto' ? natural : select;
  if (want === 'energy') return { key: want, sel: { kind: 'energy' } };
  if (want === 'rgb') {
    if (node.channels !== 3) throw new RangeError(`node ${node.id} has ${node.channels} channels, not 3: it has no RGB view`);
    return { key: want, sel: { kind: 'rgb' } };
  }
  if (want.startsWith('ch:')) {
    const c = Number(want.slice(3));
    if (!(c >= 0 && c < node.channels)) throw new RangeError(`node ${node.id} has no channel ${c} (it has ${node.channels})`);
    return { key: want, sel: { kind: 'channel', c } };
  }
  const name = want.slice(3);
  const s = node.subbands?.indexOf(name) ?? -1;
  if (s < 0) throw new RangeError(`node ${node.id} has no subband ${name}${node.subbands ? ` (it has ${node.subbands.join(', ')})` : ''}`);
  return { key: want, sel: { kind: 'subband', s, name } };
}

/** The channels a selection covers (its energy sums over them). */
function channelsOf(sel: Selection, C: number): number[] {
  if (sel.kind === 'channel') return [sel.c];
  if (sel.kind === 'subband') return [3 * sel.s, 3 * sel.s + 1, 3 * sel.s + 2];
  return Array.from({ length: C }, (_, c) => c);
}


/** The selection of a node at frame f as an image for the UI. */
export function nodeImage(node: PathwayNodeSpec, src: NodeSource, sel: Selection, f: number, side: number | null): PathwayImage {
  const [C] = src.shape;
  if (sel.kind === 'energy') {
    const sq = src.squares(f, side);
    const data = sq.data.map((v) => Math.sqrt(Math.max(0, v) / C));
    return { label: `RMS over ${C} channels`, width: sq.width, height: sq.height, channels: 1, data, ...rangeOf(data), colormap: 'sequential', pooled: sq.pooled };
  }
  if (sel.kind === 'rgb') {
    const planes = [0, 1, 2].map((c) => src.plane(c, f, side));
    const { width, height, pooled } = planes[0];
    const data = new Float32Array(width * height * 3);
    for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) data[3 * i + c] = planes[c].data[i];
    // The video is on [-1, 1]; a low band of a deeper level is shown over its own range.
    const range = node.display === 'video' ? { min: -1, max: 1 } : rangeOf(data);
    return { label: 'RGB', width, height, channels: 3, data, ...range, colormap: 'rgb', pooled };
  }
  if (sel.kind === 'channel') {
    const p = src.plane(sel.c, f, side);
    return { label: `channel ${sel.c}`, width: p.width, height: p.height, channels: 1, data: p.data, ...rangeOf(p.data), colormap: 'diverging', pooled: p.pooled };
  }
  const planes = [0, 1, 2].map((k) => src.plane(3 * sel.s + k, f, side));
  const data = new Float32Array(planes[0].data.length);
  for (let k = 0; k < 3; k++) for (let i = 0; i < data.length; i++) data[i] += LUMA_WEIGHTS[k] * planes[k].data[i];
  return {
    label: `${sel.name} (luma)`,
    width: planes[0].width,
    height: planes[0].height,
    channels: 1,
    data,
    ...rangeOf(data),
    colormap: sel.s === 0 ? 'sequential' : 'diverging',
    pooled: planes[0].pooled,
  };
}

function frameEnergy(src: NodeSource, channels: Iterable<number>, f: number): number {
  let e = 0;
  for (const c of channels) e += src.energy(c, f);
  return e;
}

export interface PathwayInputs {
  spec: PathwaySpec;
  /** Sources by node id; a node without one has no values in this run. */
  sources: ReadonlyMap<string, NodeSource>;
  /** Why a node has no values (by node id), said in the UI. */
  missing: (node: PathwayNodeSpec) => string;
  videoFrames: number;
}

/** Every node and edge at video frame t. */
export function pathwayFrame(inp: PathwayInputs, t: number, select: Record<string, string>, thumbSide: number): Pick<PathwayFrame, 'nodes' | 'edges'> {
  const { spec, sources, videoFrames } = inp;
  const frameOf = (src: NodeSource) => tapFrameFor(t, videoFrames, src.shape[1]);
  const carrierEnergy = (node: string, a: number, b: number): number | null => {
    const src = sources.get(node);
    if (!src) return null;
    const f = frameOf(src);
    let e = 0;
    for (let c = a; c < Math.min(b, src.shape[0]); c++) e += src.energy(c, f);
    return e;
  };
  const edges = spec.edges.map((e) => {
    let energy = 0;
    for (const c of e.carriers) energy += carrierEnergy(c.node, c.from, c.to) ?? 0;
    return { id: e.id, energy };
  });
  const nodes = spec.nodes.map((node): PathwayFrame['nodes'][number] => {
    const empty = { id: node.id, tapFrame: 0, tapFrames: 0, shape: [] as number[], dtype: 'float32' as const, min: 0, max: 0, energy: 0, select: 'auto', thumb: null };
    if (node.display === 'join') {
      const incoming = spec.edges.filter((e) => e.to === node.id);
      const srcs = incoming.map((e) => sources.get(e.from));
      const first = srcs[0];
      if (!first || srcs.some((s) => !s)) return { ...empty, available: false, note: missingJoin(incoming.map((e) => e.from)) };
      const f = frameOf(first);
      let min = Infinity;
      let max = -Infinity;
      for (const s of srcs as NodeSource[]) {
        const sf = frameOf(s);
        for (let c = 0; c < s.shape[0]; c++) {
          min = Math.min(min, s.min(c, sf));
          max = Math.max(max, s.max(c, sf));
        }
      }
      const energy = incoming.reduce((a, e) => a + (edges.find((x) => x.id === e.id)?.energy ?? 0), 0);
      return { ...empty, available: true, tapFrame: f, tapFrames: first.shape[1], shape: [node.channels, ...first.shape.slice(1)], min, max, energy };
    }
    const src = sources.get(node.id);
    if (!src) return { ...empty, available: false, note: inp.missing(node) };
    const f = frameOf(src);
    const { key, sel } = resolveSelection(node, select[node.id]);
    let min = Infinity;
    let max = -Infinity;
    for (let c = 0; c < src.shape[0]; c++) {
      min = Math.min(min, src.min(c, f));
      max = Math.max(max, src.max(c, f));
    }
    return {
      id: node.id,
      available: true,
      tapFrame: f,
      tapFrames: src.shape[1],
      shape: [...src.shape],
      dtype: 'float32',
      min,
      max,
      energy: frameEnergy(src, channelsOf({ kind: 'energy' }, src.shape[0]), f),
      select: key,
      thumb: nodeImage(node, src, sel, f, thumbSide),
    };
  });
  return { nodes, edges };
}

const missingJoin = (inputs: string[]) => `no values: one of its inputs (${inputs.join(', ')}) has none in this run`;

/** One node at video frame t, as large as kept, with the selection's energy in every frame of the node. */
export function pathwayNode(inp: PathwayInputs, nodeId: string, t: number, select: string | undefined): Omit<PathwayNode, 'clipId'> {
  const node = inp.spec.nodes.find((n) => n.id === nodeId);
  if (!node) throw new RangeError(`the model's pathway has no node "${nodeId}"`);
  if (node.display === 'join') throw new RangeError(`node ${nodeId} is a join: it has no tensor of its own (open one of its inputs)`);
  const src = inp.sources.get(nodeId);
  if (!src) throw new RangeError(`node ${nodeId} has no values in this run: ${inp.missing(node)}`);
  const { key, sel } = resolveSelection(node, select);
  const [C, T] = src.shape;
  const f = tapFrameFor(t, inp.videoFrames, T);
  const channels = channelsOf(sel, C);
  let min = Infinity;
  let max = -Infinity;
  for (const c of channels) {
    for (let g = 0; g < T; g++) {
      min = Math.min(min, src.min(c, g));
      max = Math.max(max, src.max(c, g));
    }
  }
  return {
    node: nodeId,
    select: key,
    tapFrame: f,
    tapFrames: T,
    shape: [...src.shape],
    dtype: 'float32',
    image: nodeImage(node, src, sel, f, null),
    energy: Array.from({ length: T }, (_, g) => frameEnergy(src, channels, g)),
    min: Number.isFinite(min) ? min : 0,
    max: Number.isFinite(max) ? max : 0,
  };
}
