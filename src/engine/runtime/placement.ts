/**
 * Where a graph's nodes ran, read from onnxruntime's own profile of a run
 * (every executed kernel is listed with the provider that ran it), not from
 * what was asked for. Providers keep shape arithmetic (int64 Shape / Slice /
 * Concat chains) on the CPU on purpose; anything else on the CPU is named.
 */

export interface GraphPlacement {
  /** Provider name as onnxruntime reports it, e.g. WebGpuExecutionProvider -> webgpu. */
  nodes: Record<string, number>;
  total: number;
  /** Op types of nodes on the CPU that compute floats (not shape arithmetic), with counts. */
  cpuFloatOps: Record<string, number>;
}

interface ProfileEvent {
  cat?: string;
  name?: string;
  args?: { op_name?: string; provider?: string; output_type_shape?: Record<string, number[]>[] };
}

const SHORT: Record<string, string> = {
  CPUExecutionProvider: 'cpu',
  WebGpuExecutionProvider: 'webgpu',
  CUDAExecutionProvider: 'cuda',
  DmlExecutionProvider: 'dml',
  CoreMLExecutionProvider: 'coreml',
};

const shortName = (p: string) => SHORT[p] ?? p.replace(/ExecutionProvider$/, '').toLowerCase();

/** Reads an onnxruntime profile (the JSON array it writes) into node counts per provider. */
export function placementFromProfile(events: unknown): GraphPlacement {
  if (!Array.isArray(events)) throw new Error('onnxruntime profile is not a JSON array');
  const seen = new Map<string, { provider: string; op: string; floatOut: boolean }>();
  for (const e of events as ProfileEvent[]) {
    if (e?.cat !== 'Node' || typeof e.name !== 'string' || !e.name.endsWith('_kernel_time')) continue;
    const node = e.name.slice(0, -'_kernel_time'.length);
    if (seen.has(node)) continue;
    const outs = e.args?.output_type_shape ?? [];
    const floatOut = outs.some((o) => Object.keys(o).some((t) => t === 'float' || t === 'float16'));
    seen.set(node, { provider: shortName(e.args?.provider ?? 'unknown'), op: e.args?.op_name ?? '?', floatOut });
  }
  const nodes: Record<string, number> = {};
  const cpuFloatOps: Record<string, number> = {};
  for (const n of seen.values()) {
    nodes[n.provider] = (nodes[n.provider] ?? 0) + 1;
    if (n.provider === 'cpu' && n.floatOut) cpuFloatOps[n.op] = (cpuFloatOps[n.op] ?? 0) + 1;
  }
  return { nodes, total: seen.size, cpuFloatOps };
}

/** Sums placements (e.g. of a model's four graphs). */
export function mergePlacements(ps: readonly GraphPlacement[]): GraphPlacement {
  const out: GraphPlacement = { nodes: {}, total: 0, cpuFloatOps: {} };
  for (const p of ps) {
    out.total += p.total;
    for (const [k, v] of Object.entries(p.nodes)) out.nodes[k] = (out.nodes[k] ?? 0) + v;
    for (const [k, v] of Object.entries(p.cpuFloatOps)) out.cpuFloatOps[k] = (out.cpuFloatOps[k] ?? 0) + v;
  }
  return out;
}

/** "webgpu: 575 of 604 nodes; 29 on CPU (shape arithmetic)". */
export function describePlacement(provider: string, p: GraphPlacement): string {
  const on = p.nodes[provider] ?? 0;
  if (provider === 'cpu' || on === p.total) return `${provider}: all ${p.total} nodes`;
  const cpu = p.nodes.cpu ?? 0;
  const float = Object.entries(p.cpuFloatOps);
  const what = float.length
    ? `including ${float.map(([op, n]) => `${op} x${n}`).join(', ')}`
    : 'shape arithmetic';
  const others = Object.entries(p.nodes).filter(([k]) => k !== provider && k !== 'cpu');
  const rest = others.map(([k, n]) => `; ${n} on ${k}`).join('');
  return `${provider}: ${on} of ${p.total} nodes; ${cpu} on CPU (${what})${rest}`;
}
