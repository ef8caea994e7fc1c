// Where every node and edge of a model's pathway goes, from the spec alone
// (no DOM): the backbone along the top row, each wavelet level on a row of its
// own below it, the flow left to right. Columns come from the longest path
// through the graph, where an edge along a row moves one column right and an
// edge between rows (a low band passed down the pyramid, an inflow rising into
// a join, an outflow dropping out of a stage) may stay in its column. Inflow
// nodes then move right to sit under the stage their join follows.
import type { PathwayEdgeSpec, PathwayNodeSpec, PathwaySpec } from '../../../shared/pathway-contract';

export const NODE_W = 106;
export const NODE_H = 122;
export const JOIN_SIZE = 28;
export const COL_GAP = 30;
export const ROW_GAP = 26;
/** Room left of the first column for the row labels, and above the first row for the side labels. */
export const MARGIN = { left: 88, top: 30, right: 16, bottom: 14 };

export interface NodeBox {
  id: string;
  col: number;
  row: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface EdgeLayout {
  id: string;
  kind: PathwayEdgeSpec['kind'];
  from: string;
  to: string;
  /** SVG path in diagram units. */
  d: string;
  /** Where a label or arrow sits: the path's midpoint. */
  mid: { x: number; y: number };
}

export interface PathwayLayout {
  nodes: Map<string, NodeBox>;
  edges: EdgeLayout[];
  width: number;
  height: number;
  rows: { level: number; y: number; h: number; label: string }[];
  /** Horizontal extent of the encoder, the latent and the decoder. */
  sides: { side: 'encoder' | 'latent' | 'decoder'; x0: number; x1: number }[];
  columns: number;
}

const isJoin = (n: PathwayNodeSpec) => n.display === 'join';

/** Columns by longest path; a cycle (none in a WF-VAE) would be an error in the spec. */
function columns(spec: PathwaySpec): Map<string, number> {
  const level = new Map(spec.nodes.map((n) => [n.id, n.level]));
  const span = (e: PathwayEdgeSpec) => (e.kind !== 'backbone' && level.get(e.from) !== level.get(e.to) ? 0 : 1);
  const col = new Map<string, number>(spec.nodes.map((n) => [n.id, 0]));
  // Bellman-Ford style relaxation: at most |V| rounds.
  for (let round = 0; round <= spec.nodes.length; round++) {
    let changed = false;
    for (const e of spec.edges) {
      const c = col.get(e.from)! + span(e);
      if (c > col.get(e.to)!) {
        col.set(e.to, c);
        changed = true;
      }
    }
    if (!changed) break;
    if (round === spec.nodes.length) throw new Error('the pathway has a cycle');
  }
  // Inflow nodes move right, next to the stage that precedes their join (under it).
  for (const n of spec.nodes) {
    if (n.role !== 'inflow') continue;
    const outs = spec.edges.filter((e) => e.from === n.id);
    if (outs.length !== 1) continue;
    const target = spec.nodes.find((m) => m.id === outs[0].to)!;
    const want = col.get(target.id)! - (isJoin(target) ? 1 : 0);
    if (want > col.get(n.id)!) col.set(n.id, want);
  }
  return col;
}

export function layoutPathway(spec: PathwaySpec): PathwayLayout {
  const col = columns(spec);
  const nCols = Math.max(...col.values()) + 1;
  // A column of joins only is narrow.
  const colW = Array.from({ length: nCols }, (_, c) => {
    const inCol = spec.nodes.filter((n) => col.get(n.id) === c);
    return inCol.length > 0 && inCol.every(isJoin) ? JOIN_SIZE : NODE_W;
  });
  const colX: number[] = [];
  let x = MARGIN.left;
  for (let c = 0; c < nCols; c++) {
    colX.push(x);
    x += colW[c] + COL_GAP;
  }
  const width = x - COL_GAP + MARGIN.right;
  const rowY = (level: number) => MARGIN.top + level * (NODE_H + ROW_GAP);
  const nodes = new Map<string, NodeBox>();
  for (const n of spec.nodes) {
    const c = col.get(n.id)!;
    const w = isJoin(n) ? JOIN_SIZE : NODE_W;
    const h = isJoin(n) ? JOIN_SIZE : NODE_H;
    // Joins sit on the backbone's axis, centred in their column.
    nodes.set(n.id, { id: n.id, col: c, row: n.level, x: colX[c] + (colW[c] - w) / 2, y: rowY(n.level) + (NODE_H - h) / 2, w, h });
  }
  const height = rowY(spec.levels) + NODE_H + MARGIN.bottom;
  const edges = spec.edges.map((e) => edgePath(e, nodes.get(e.from)!, nodes.get(e.to)!));
  const rows = Array.from({ length: spec.levels + 1 }, (_, level) => ({ level, y: rowY(level), h: NODE_H, label: level === 0 ? 'backbone' : `level ${level}` }));
  const extent = (side: PathwayNodeSpec['side']) => {
    const boxes = spec.nodes.filter((n) => n.side === side).map((n) => nodes.get(n.id)!);
    return boxes.length ? { x0: Math.min(...boxes.map((b) => b.x)), x1: Math.max(...boxes.map((b) => b.x + b.w)) } : null;
  };
  const sides = (['encoder', 'latent', 'decoder'] as const).flatMap((side) => {
    const e = extent(side);
    return e ? [{ side, ...e }] : [];
  });
  return { nodes, edges, width, height, rows, sides, columns: nCols };
}

/** From the side of `a` that faces `b` to the side of `b` that faces `a`: straight along a row, a curve between rows. */
function edgePath(e: PathwayEdgeSpec, a: NodeBox, b: NodeBox): EdgeLayout {
  let p0: { x: number; y: number };
  let p1: { x: number; y: number };
  let d: string;
  if (a.col === b.col) {
    // Straight down or up the column.
    const down = b.y > a.y;
    p0 = { x: a.x + a.w / 2, y: down ? a.y + a.h : a.y };
    p1 = { x: b.x + b.w / 2, y: down ? b.y : b.y + b.h };
    d = `M${p0.x},${p0.y} L${p1.x},${p1.y}`;
  } else if (a.row === b.row) {
    p0 = { x: a.x + a.w, y: a.y + a.h / 2 };
    p1 = { x: b.x, y: b.y + b.h / 2 };
    d = `M${p0.x},${p0.y} L${p1.x},${p1.y}`;
  } else {
    // Leave to the right, arrive from the left, bending between the rows.
    p0 = { x: a.x + a.w, y: a.y + a.h / 2 };
    p1 = { x: b.x, y: b.y + b.h / 2 };
    const dx = Math.max(24, (p1.x - p0.x) / 2);
    d = `M${p0.x},${p0.y} C${p0.x + dx},${p0.y} ${p1.x - dx},${p1.y} ${p1.x},${p1.y}`;
  }
  return { id: e.id, kind: e.kind, from: e.from, to: e.to, d, mid: { x: (p0.x + p1.x) / 2, y: (p0.y + p1.y) / 2 } };
}

/** Edge width in diagram units: linear in energy (the flow made literal) or log over six decades; never thinner than a hairline. */
export function edgeWidth(energy: number, maxEnergy: number, scale: 'linear' | 'log'): number {
  const MIN = 1.2;
  const MAX = 14;
  if (!(energy > 0) || !(maxEnergy > 0)) return MIN;
  const u = scale === 'linear' ? energy / maxEnergy : Math.max(0, 1 + Math.log10(energy / maxEnergy) / 6);
  return MIN + (MAX - MIN) * Math.min(1, u);
}

/** Nodes in reading order (column, then row): the order keyboard focus moves through them. */
export function readingOrder(layout: PathwayLayout): string[] {
  return [...layout.nodes.values()].sort((a, b) => a.col - b.col || a.row - b.row).map((n) => n.id);
}

/** The node nearest in a direction (arrow keys), or null at the edge of the diagram. */
export function neighbour(layout: PathwayLayout, from: string, dir: 'left' | 'right' | 'up' | 'down'): string | null {
  const a = layout.nodes.get(from);
  if (!a) return null;
  const ax = a.x + a.w / 2;
  const ay = a.y + a.h / 2;
  let best: { id: string; score: number } | null = null;
  for (const b of layout.nodes.values()) {
    if (b.id === from) continue;
    const dx = b.x + b.w / 2 - ax;
    const dy = b.y + b.h / 2 - ay;
    const along = dir === 'right' ? dx : dir === 'left' ? -dx : dir === 'down' ? dy : -dy;
    const across = dir === 'left' || dir === 'right' ? Math.abs(dy) : Math.abs(dx);
    if (along <= 1) continue;
    const score = along + 2 * across;
    if (!best || score < best.score) best = { id: b.id, score };
  }
  return best?.id ?? null;
}
