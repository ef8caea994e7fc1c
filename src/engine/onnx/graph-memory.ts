/**
 * How much memory a run of one of our graphs needs, before running it: the
 * graph is walked node by node with concrete input shapes (int64 shape
 * arithmetic evaluated, float tensors tracked by shape only), every output
 * allocated when its node runs and freed after its last consumer, as
 * onnxruntime's planner does without an arena. The peak of that live set is
 * the run's activation memory. It leaves out onnxruntime's in-place reuse and
 * fusions (both only lower the real figure) and follows our node order, not
 * onnxruntime's; runtime/memory-plan.ts checks it against measured peaks.
 */
import type { GraphDescription } from './graph';
import type { AttrValue, NodeSpec } from './proto';

type ElemType = 'float' | 'float16' | 'int64' | 'bool';

interface Sym {
  type: ElemType;
  shape: number[];
  /** Element values, kept for small int64 / bool tensors (shape arithmetic, flags). */
  values?: number[];
}

export interface InputSpec {
  shape: readonly number[];
  type?: ElemType;
  values?: readonly number[];
}

export interface MemorySimulation {
  /** Peak bytes of intermediate and output tensors alive at once (inputs and weights not counted). */
  peakBytes: number;
  /** The node at which the peak occurs. */
  peakAt: string;
  outputs: Record<string, { shape: number[]; bytes: number }>;
}

const BYTES: Record<ElemType, number> = { float: 4, float16: 2, int64: 8, bool: 1 };
const isFloat = (t: ElemType) => t === 'float' || t === 'float16';
const ALIASING = new Set(['Identity', 'Reshape', 'Unsqueeze']);
const ONNX_TYPE: Record<number, ElemType> = { 1: 'float', 7: 'int64', 9: 'bool', 10: 'float16' };
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const bytesOf = (v: Sym) => numel(v.shape) * BYTES[v.type];

function attr(n: NodeSpec, name: string): AttrValue | undefined {
  return n.attrs[name];
}
function attrInt(n: NodeSpec, name: string, dflt: number): number {
  const a = attr(n, name);
  return a && (a.kind === 'int' || a.kind === 'float') ? a.v : dflt;
}
function attrInts(n: NodeSpec, name: string): readonly number[] | undefined {
  const a = attr(n, name);
  return a && a.kind === 'ints' ? a.v : undefined;
}

function broadcast(shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1) {
        if (d !== 1 && d !== v) throw new Error(`shapes [${shapes.map((x) => x.join(',')).join('] [')}] do not broadcast`);
        d = v;
      }
    }
    // A 0-sized dimension broadcasts to 0.
    if (shapes.some((s) => (s[s.length - rank + i] ?? 1) === 0)) d = 0;
    out.push(d);
  }
  return out;
}

/** Element-wise values under broadcasting (only ever 1D shape arithmetic here). */
function elementwise(inputs: Sym[], f: (...xs: number[]) => number): number[] | undefined {
  if (!inputs.every((v) => v.values)) return undefined;
  const n = Math.max(...inputs.map((v) => v.values!.length));
  return Array.from({ length: n }, (_, i) => f(...inputs.map((v) => v.values![v.values!.length === 1 ? 0 : i])));
}

const clampIndex = (i: number, d: number) => Math.min(Math.max(i < 0 ? i + d : i, 0), d);

function need(v: Sym | undefined, what: string): Sym {
  if (!v) throw new Error(`graph memory: ${what} is unknown`);
  return v;
}
function valuesOf(v: Sym | undefined, what: string): number[] {
  const s = need(v, what);
  if (!s.values) throw new Error(`graph memory: ${what} is not a constant`);
  return s.values;
}

/** Operands an op computes on together must share their element type (as onnxruntime's type check demands). */
const SAME_TYPE: Record<string, readonly number[]> = {
  Add: [0, 1], Sub: [0, 1], Mul: [0, 1], Div: [0, 1], Max: [0, 1], Where: [1, 2], MatMul: [0, 1], Conv: [0, 1, 2],
  LayerNormalization: [0, 1, 2], Clip: [0, 1, 2],
};

function checkTypes(n: NodeSpec, ins: (Sym | undefined)[]): void {
  const which = n.opType === 'Concat' ? ins.map((_, i) => i) : SAME_TYPE[n.opType];
  if (!which) return;
  const types = new Set(which.map((i) => ins[i]?.type).filter((t) => t !== undefined));
  if (types.size > 1) throw new Error(`graph memory: ${n.name} (${n.opType}) mixes element types ${[...types].join(' and ')}`);
}

function evalNode(n: NodeSpec, get: (name: string) => Sym | undefined): Sym[] {
  const ins = n.inputs.map((i) => (i ? get(i) : undefined));
  checkTypes(n, ins);
  const x = ins[0];
  const same = (t?: ElemType): Sym => ({ type: t ?? need(x, n.name).type, shape: [...need(x, n.name).shape], values: x?.values });
  switch (n.opType) {
    case 'Identity':
    case 'Sigmoid':
    case 'Sqrt':
    case 'Softmax':
    case 'Clip':
    case 'LayerNormalization':
      return [same()];
    case 'Cast': {
      const to = ONNX_TYPE[attrInt(n, 'to', 1)] ?? 'float';
      return [{ type: to, shape: [...need(x, n.name).shape], values: x?.values }];
    }
    case 'Shape': {
      const shape = need(x, n.name).shape;
      return [{ type: 'int64', shape: [shape.length], values: [...shape] }];
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Max': {
      const f = { Add: (a: number, b: number) => a + b, Sub: (a: number, b: number) => a - b, Mul: (a: number, b: number) => a * b, Div: (a: number, b: number) => a / b, Max: Math.max }[n.opType]!;
      const vs = ins.map((v, i) => need(v, `${n.name} input ${i}`));
      return [{ type: vs[0].type, shape: broadcast(vs.map((v) => v.shape)), values: isFloat(vs[0].type) ? undefined : elementwise(vs, f) }];
    }
    case 'Where': {
      const vs = ins.map((v, i) => need(v, `${n.name} input ${i}`));
      return [{ type: vs[1].type, shape: broadcast(vs.map((v) => v.shape)), values: elementwise(vs, (c, a, b) => (c ? a : b)) }];
    }
    case 'Slice': {
      const data = need(x, n.name);
      const starts = valuesOf(ins[1], `${n.name} starts`);
      const ends = valuesOf(ins[2], `${n.name} ends`);
      const axes = ins[3] ? valuesOf(ins[3], `${n.name} axes`) : starts.map((_, i) => i);
      const shape = [...data.shape];
      let values = data.values;
      axes.forEach((ax, i) => {
        const a = ax < 0 ? ax + shape.length : ax;
        const s = clampIndex(starts[i], shape[a]);
        const e = clampIndex(ends[i], shape[a]);
        shape[a] = Math.max(0, e - s);
        if (values && data.shape.length === 1) values = values.slice(s, Math.max(s, e));
      });
      return [{ type: data.type, shape, values: data.shape.length === 1 ? values : undefined }];
    }
    case 'Concat': {
      const vs = ins.map((v, i) => need(v, `${n.name} input ${i}`));
      const axis0 = attrInt(n, 'axis', 0);
      const axis = axis0 < 0 ? axis0 + vs[0].shape.length : axis0;
      // onnxruntime lets an empty input differ in its other dimensions: they come from a non-empty one.
      const shaped = vs.find((v) => v.shape.every((d) => d > 0)) ?? vs[0];
      const shape = [...shaped.shape];
      shape[axis] = vs.reduce((a, v) => a + v.shape[axis], 0);
      const values = vs[0].shape.length === 1 && vs.every((v) => v.values) ? vs.flatMap((v) => v.values!) : undefined;
      return [{ type: vs[0].type, shape, values }];
    }
    case 'Reshape': {
      const data = need(x, n.name);
      const target = valuesOf(ins[1], `${n.name} shape`);
      const allowZero = attrInt(n, 'allowzero', 0) === 1;
      const shape = target.map((d, i) => (d === 0 && !allowZero ? data.shape[i] : d));
      const known = numel(shape.filter((d) => d !== -1));
      const total = numel(data.shape);
      const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
      return [{ type: data.type, shape: out, values: data.values }];
    }
    case 'Unsqueeze': {
      const data = need(x, n.name);
      const axes = valuesOf(ins[1], `${n.name} axes`);
      const shape = [...data.shape];
      const rank = shape.length + axes.length;
      for (const a of [...axes].map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q)) shape.splice(a, 0, 1);
      return [{ type: data.type, shape, values: data.values }];
    }
    case 'Transpose': {
      const data = need(x, n.name);
      const perm = attrInts(n, 'perm') ?? data.shape.map((_, i) => data.shape.length - 1 - i);
      return [{ type: data.type, shape: perm.map((p) => data.shape[p]) }];
    }
    case 'ReduceMean': {
      const data = need(x, n.name);
      const axes = (attrInts(n, 'axes') ?? data.shape.map((_, i) => i)).map((a) => (a < 0 ? a + data.shape.length : a));
      const keep = attrInt(n, 'keepdims', 1) === 1;
      const shape = keep ? data.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : data.shape.filter((_, i) => !axes.includes(i));
      return [{ type: data.type, shape }];
    }
    case 'Conv': {
      const data = need(x, n.name);
      const w = need(ins[1], `${n.name} weight`);
      const k = attrInts(n, 'kernel_shape') ?? w.shape.slice(2);
      const strides = attrInts(n, 'strides') ?? k.map(() => 1);
      const pads = attrInts(n, 'pads') ?? [...k.map(() => 0), ...k.map(() => 0)];
      const spatial = k.map((kk, i) => Math.floor((data.shape[2 + i] + pads[i] + pads[i + k.length] - kk) / strides[i]) + 1);
      return [{ type: data.type, shape: [data.shape[0], w.shape[0], ...spatial] }];
    }
    case 'MatMul': {
      const a = need(x, n.name).shape;
      const b = need(ins[1], `${n.name} B`).shape;
      const batch = broadcast([a.slice(0, -2), b.slice(0, -2)]);
      return [{ type: need(x, n.name).type, shape: [...batch, a[a.length - 2], b[b.length - 1]] }];
    }
    case 'Resize': {
      const data = need(x, n.name);
      const scales = valuesOf(ins[2], `${n.name} scales`);
      return [{ type: data.type, shape: data.shape.map((d, i) => Math.floor(d * scales[i])) }];
    }
    default:
      throw new Error(`graph memory: no shape rule for ${n.opType} (${n.name})`);
  }
}

/** Walks the graph with concrete inputs and returns the peak of its live tensors. */
export function simulateMemory(g: GraphDescription, inputs: Record<string, InputSpec>): MemorySimulation {
  const values = new Map<string, Sym>();
  for (const [name, c] of g.constants) values.set(name, { type: ONNX_TYPE[c.dataType] ?? 'float', shape: [...c.dims], values: [...c.values] });
  for (const [name, dims] of g.weights) values.set(name, { type: ONNX_TYPE[g.weightTypes?.get(name) ?? 1] ?? 'float', shape: [...dims] });
  for (const i of g.inputs) {
    const spec = inputs[i.name];
    if (!spec) throw new Error(`graph memory: no shape given for input ${i.name}`);
    values.set(i.name, { type: spec.type ?? 'float', shape: [...spec.shape], values: spec.values ? [...spec.values] : undefined });
  }
  const outputNames = new Set(g.outputs.map((o) => o.name));
  const lastUse = new Map<string, number>();
  g.nodes.forEach((n, i) => n.inputs.forEach((v) => v && lastUse.set(v, i)));
  // Buffers this run allocated: bytes and the value names that view them
  // (Identity, Reshape and Unsqueeze alias their input in onnxruntime).
  const storage = new Map<string, number>(); // value name -> buffer id
  const buffers = new Map<number, { bytes: number; names: Set<string> }>();
  let nextBuffer = 0;
  let live = 0;
  let peak = 0;
  let peakAt = '';
  g.nodes.forEach((n, i) => {
    const outs = evalNode(n, (name) => values.get(name));
    n.outputs.forEach((name, k) => {
      const v = outs[k];
      values.set(name, v);
      const src = ALIASING.has(n.opType) ? storage.get(n.inputs[0]) : undefined;
      if (ALIASING.has(n.opType)) {
        if (src !== undefined) {
          storage.set(name, src);
          buffers.get(src)!.names.add(name);
        }
        return; // a view of an input, weight or constant: no new bytes
      }
      const id = nextBuffer++;
      storage.set(name, id);
      buffers.set(id, { bytes: bytesOf(v), names: new Set([name]) });
      live += bytesOf(v);
    });
    if (live > peak) {
      peak = live;
      peakAt = n.name;
    }
    for (const name of new Set([...n.inputs, ...n.outputs])) {
      const id = name ? storage.get(name) : undefined;
      if (id === undefined || outputNames.has(name)) continue;
      const last = lastUse.get(name);
      if (last !== undefined && last > i) continue;
      const buf = buffers.get(id)!;
      buf.names.delete(name);
      storage.delete(name);
      if (buf.names.size === 0) {
        live -= buf.bytes;
        buffers.delete(id);
      }
    }
  });
  const outputs: MemorySimulation['outputs'] = {};
  for (const o of g.outputs) {
    const v = values.get(o.name);
    if (v) outputs[o.name] = { shape: v.shape, bytes: bytesOf(v) };
  }
  return { peakBytes: peak, peakAt, outputs };
}
