// Builds an ONNX graph node by node. Model code (wfvae.ts, wfvae2.ts) talks to
// this through the layer helpers in layers.ts; this file knows ONNX, not WF-VAE.
import { halfBitsToNumber } from '../checkpoint/dtype';
import { DataType, encodeModel, type AttrValue, type Dim, type NodeSpec, type TensorProtoSpec, type ValueInfoSpec } from './proto';
import type { WeightStore } from './weights';

/** What the memory estimator needs of a built graph: its nodes in order, its I/O and the shapes of its constants. */
export interface GraphDescription {
  nodes: readonly NodeSpec[];
  inputs: readonly ValueInfoSpec[];
  outputs: readonly ValueInfoSpec[];
  /** Inline constants: element type and dims, with their values (small int64 / float tensors). */
  constants: ReadonlyMap<string, { dataType: DataType; dims: readonly number[]; values: readonly number[] }>;
  /** Weight initialisers by the name nodes use: their dims. */
  weights: ReadonlyMap<string, readonly number[]>;
  /** Element types of weights that are not float32 (fp16 graphs). */
  weightTypes?: ReadonlyMap<string, DataType>;
}

/** A graph ready to encode: nodes in order, I/O, and every initialiser (inline or in the external weights file). */
export interface GraphParts {
  nodes: readonly NodeSpec[];
  inputs: readonly ValueInfoSpec[];
  outputs: readonly ValueInfoSpec[];
  initializers: readonly TensorProtoSpec[];
}

function constantValues(t: TensorProtoSpec): number[] {
  const raw = t.raw ?? new Uint8Array();
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (t.dataType === DataType.INT64) return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(dv.getBigInt64(i * 8, true)));
  if (t.dataType === DataType.FLOAT16) return Array.from({ length: raw.byteLength / 2 }, (_, i) => halfBitsToNumber(dv.getUint16(i * 2, true)));
  return Array.from({ length: raw.byteLength / 4 }, (_, i) => dv.getFloat32(i * 4, true));
}

/** The memory estimator's view of any graph's parts (inline initialisers are constants, external ones weights). */
export function describeParts(p: GraphParts): GraphDescription {
  const constants = new Map<string, { dataType: DataType; dims: readonly number[]; values: readonly number[] }>();
  const weights = new Map<string, readonly number[]>();
  const weightTypes = new Map<string, DataType>();
  for (const t of p.initializers) {
    if (t.external) {
      weights.set(t.name, t.dims);
      if (t.dataType !== DataType.FLOAT) weightTypes.set(t.name, t.dataType);
    } else {
      constants.set(t.name, { dataType: t.dataType, dims: t.dims, values: constantValues(t) });
    }
  }
  return { nodes: p.nodes, inputs: p.inputs, outputs: p.outputs, constants, weights, weightTypes };
}

/** A symbolic tensor in the graph under construction. */
export interface Value {
  readonly name: string;
}

export type AttrInput = number | readonly number[] | string | { floats: readonly number[] } | { float: number };

function toAttr(v: AttrInput): AttrValue {
  if (typeof v === 'number') return Number.isInteger(v) ? { kind: 'int', v } : { kind: 'float', v };
  if (typeof v === 'string') return { kind: 'string', v };
  if (Array.isArray(v)) return { kind: 'ints', v: v as readonly number[] };
  if ('floats' in (v as object)) return { kind: 'floats', v: (v as { floats: readonly number[] }).floats };
  return { kind: 'float', v: (v as { float: number }).float };
}

export const OPSET = 17;

export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly producers = new Map<string, NodeSpec>();
  private readonly inputs: ValueInfoSpec[] = [];
  private readonly outputs: ValueInfoSpec[] = [];
  private readonly constants = new Map<string, Value>();
  private readonly inlineInits: TensorProtoSpec[] = [];
  private readonly usedWeights = new Set<string>();
  private readonly weightDims = new Map<string, readonly number[]>();
  private readonly scopes: string[] = [];
  private readonly float32Only = new Set<string>();
  private float32Depth = 0;
  private counter = 0;

  constructor(
    readonly graphName: string,
    readonly weights: WeightStore,
  ) {}

  // ---- naming ----

  /** Runs `fn` with node names prefixed by `name` (e.g. "decoder.up2.0"), so profiles and errors read like the model. */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * Runs `fn` with the nodes it adds marked to compute in float32 even in the
   * fp16 variant of the graph (statistics and softmax logits that half
   * precision would ruin; see fp16.ts). The float32 graph is unchanged.
   */
  float32<T>(fn: () => T): T {
    this.float32Depth++;
    try {
      return fn();
    } finally {
      this.float32Depth--;
    }
  }

  /** Names of the nodes marked by float32(). */
  get float32Nodes(): ReadonlySet<string> {
    return this.float32Only;
  }

  private fresh(op: string): string {
    const prefix = this.scopes.length ? this.scopes.join('.') + '/' : '';
    return `${prefix}${op}_${this.counter++}`;
  }

  // ---- graph I/O ----

  input(name: string, dims: readonly Dim[], dataType: DataType = DataType.FLOAT): Value {
    this.inputs.push({ name, dataType, dims });
    return { name };
  }

  /** Exposes `v` as a graph output named `name` (through Identity, so a value can be output under several names). */
  output(name: string, v: Value, dims: readonly Dim[], dataType: DataType = DataType.FLOAT): void {
    if (this.outputs.some((o) => o.name === name)) throw new Error(`graph ${this.graphName}: duplicate output ${name}`);
    this.nodes.push({ opType: 'Identity', name: this.fresh('out_' + name), inputs: [v.name], outputs: [name], attrs: {} });
    this.outputs.push({ name, dataType, dims });
  }

  get inputNames(): string[] {
    return this.inputs.map((i) => i.name);
  }

  get outputNames(): string[] {
    return this.outputs.map((o) => o.name);
  }

  // ---- nodes ----

  op(opType: string, inputs: readonly (Value | null)[], attrs: Record<string, AttrInput> = {}, nOut = 1): Value[] {
    const name = this.fresh(opType);
    const outputs = Array.from({ length: nOut }, (_, i) => (nOut === 1 ? name : `${name}:${i}`));
    const a: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) a[k] = toAttr(v);
    const node: NodeSpec = { opType, name, inputs: inputs.map((v) => (v ? v.name : '')), outputs, attrs: a };
    this.nodes.push(node);
    if (this.float32Depth > 0) this.float32Only.add(name);
    for (const o of outputs) this.producers.set(o, node);
    return outputs.map((n) => ({ name: n }));
  }

  op1(opType: string, inputs: readonly (Value | null)[], attrs: Record<string, AttrInput> = {}): Value {
    return this.op(opType, inputs, attrs, 1)[0];
  }

  // ---- constants and weights ----

  /** A small int64 constant (shapes, slice bounds), deduplicated by value. */
  int64(values: readonly number[]): Value {
    const key = 'i64:' + values.join(',');
    let v = this.constants.get(key);
    if (!v) {
      const raw = new Uint8Array(values.length * 8);
      const dv = new DataView(raw.buffer);
      values.forEach((x, i) => dv.setBigInt64(i * 8, BigInt(x), true));
      v = { name: `const_i64_${this.constants.size}` };
      this.inlineInits.push({ name: v.name, dataType: DataType.INT64, dims: [values.length], raw });
      this.constants.set(key, v);
    }
    return v;
  }

  /** A small float constant, deduplicated by value and shape. */
  float(values: readonly number[], dims: readonly number[] = [values.length]): Value {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    let v = this.constants.get(key);
    if (!v) {
      const raw = new Uint8Array(new Float32Array(values).buffer);
      v = { name: `const_f32_${this.constants.size}` };
      this.inlineInits.push({ name: v.name, dataType: DataType.FLOAT, dims, raw });
      this.constants.set(key, v);
    }
    return v;
  }

  scalar(x: number): Value {
    return this.float([x], []);
  }

  /**
   * A checkpoint weight, declared with the shape the model implies. The store
   * records the declaration (it is the inventory that validation compares the
   * file against) and later streams the data into the external data file;
   * `dims` reshapes it for ONNX without touching the bytes.
   */
  weight(name: string, expected: readonly number[], dims: readonly number[] = expected): Value {
    this.weights.declare(name, expected, dims);
    this.usedWeights.add(name);
    const v = { name: this.weights.initializerName(name, dims) };
    this.weightDims.set(v.name, [...dims]);
    return v;
  }

  /** A tensor the converter computes from checkpoint weights (e.g. a wavelet filter bank). */
  derived(name: string, data: Float32Array, dims: readonly number[]): Value {
    this.weights.derive(name, data, dims);
    this.usedWeights.add(name);
    const v = { name: this.weights.initializerName(name, dims) };
    this.weightDims.set(v.name, [...dims]);
    return v;
  }

  // ---- serialisation ----

  /** Nodes, I/O and initialisers, the weights pointing into `externalDataFile`. */
  parts(externalDataFile: string): GraphParts {
    const inits: TensorProtoSpec[] = [...this.inlineInits];
    for (const w of this.usedWeights) inits.push(...this.weights.initializers(w, externalDataFile));
    return { nodes: this.nodes, inputs: this.inputs, outputs: this.outputs, initializers: inits };
  }

  encode(externalDataFile: string, doc?: string, metadata?: Record<string, string>): Uint8Array {
    return encodeParts(this.graphName, this.parts(externalDataFile), doc, metadata);
  }

  describe(): GraphDescription {
    const constants = new Map<string, { dataType: DataType; dims: readonly number[]; values: readonly number[] }>();
    for (const t of this.inlineInits) {
      const raw = t.raw ?? new Uint8Array();
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const values = t.dataType === DataType.INT64
        ? Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(dv.getBigInt64(i * 8, true)))
        : Array.from({ length: raw.byteLength / 4 }, (_, i) => dv.getFloat32(i * 4, true));
      constants.set(t.name, { dataType: t.dataType, dims: t.dims, values });
    }
    return { nodes: this.nodes, inputs: this.inputs, outputs: this.outputs, constants, weights: this.weightDims };
  }

  /** The node that computes `v` (undefined for graph inputs, constants and weights). */
  producerOf(v: Value): NodeSpec | undefined {
    return this.producers.get(v.name);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }
}

export function encodeParts(graphName: string, p: GraphParts, doc?: string, metadata?: Record<string, string>): Uint8Array {
  return encodeModel({ graphName, nodes: p.nodes, initializers: p.initializers, inputs: p.inputs, outputs: p.outputs, opset: OPSET, docString: doc, metadata });
}
