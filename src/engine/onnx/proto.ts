// A minimal protobuf writer for the few ONNX messages we emit (ModelProto and
// what it contains). Weights never pass through here: initializers point into
// an external data file, so the model file stays small and writing it is cheap.

const enum Wire {
  Varint = 0,
  Fixed32 = 5,
  Bytes = 2,
}

/** Appends protobuf fields to a growable buffer. */
export class ProtoWriter {
  private buf = new Uint8Array(1024);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }

  private tag(field: number, wire: Wire): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, Wire.Varint);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, Wire.Fixed32);
    this.ensure(4);
    new DataView(this.buf.buffer, this.len, 4).setFloat32(0, v, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, Wire.Bytes);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  packedInts(field: number, vs: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of vs) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, vs: readonly number[]): this {
    const b = new Uint8Array(vs.length * 4);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

// ---- ONNX message encoders (field numbers from onnx.proto) ----

export const enum DataType {
  FLOAT = 1,
  INT32 = 6,
  INT64 = 7,
  BOOL = 9,
  FLOAT16 = 10,
}

export type AttrValue =
  | { kind: 'int'; v: number }
  | { kind: 'float'; v: number }
  | { kind: 'ints'; v: readonly number[] }
  | { kind: 'floats'; v: readonly number[] }
  | { kind: 'string'; v: string }
  | { kind: 'tensor'; v: TensorProtoSpec };

export interface TensorProtoSpec {
  name: string;
  dataType: DataType;
  dims: readonly number[];
  /** Inline bytes (small constants). */
  raw?: Uint8Array;
  /** Or a slice of the external data file. */
  external?: { location: string; offset: number; length: number };
}

export function encodeTensor(t: TensorProtoSpec): ProtoWriter {
  const w = new ProtoWriter();
  w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  w.string(8, t.name);
  if (t.raw) w.bytes(9, t.raw);
  if (t.external) {
    const kv = (k: string, v: string) => new ProtoWriter().string(1, k).string(2, v);
    w.message(13, kv('location', t.external.location));
    w.message(13, kv('offset', String(t.external.offset)));
    w.message(13, kv('length', String(t.external.length)));
    w.int(14, 1); // data_location = EXTERNAL
  }
  return w;
}

function encodeAttribute(name: string, a: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case 'float':
      return w.float(2, a.v).int(20, 1);
    case 'int':
      return w.int(3, a.v).int(20, 2);
    case 'string':
      return w.string(4, a.v).int(20, 3);
    case 'tensor':
      return w.message(5, encodeTensor(a.v)).int(20, 4);
    case 'floats':
      return w.packedFloats(7, a.v).int(20, 6);
    case 'ints':
      return w.packedInts(8, a.v).int(20, 7);
  }
}

export interface NodeSpec {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs: Readonly<Record<string, AttrValue>>;
}

function encodeNode(n: NodeSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, v] of Object.entries(n.attrs)) w.message(5, encodeAttribute(k, v));
  return w;
}

/** A dimension: a fixed size or a symbolic name (dynamic). */
export type Dim = number | string;

export interface ValueInfoSpec {
  name: string;
  dataType: DataType;
  dims: readonly Dim[];
}

function encodeValueInfo(v: ValueInfoSpec): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, v.dataType).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

export interface ModelSpec {
  graphName: string;
  nodes: readonly NodeSpec[];
  initializers: readonly TensorProtoSpec[];
  inputs: readonly ValueInfoSpec[];
  outputs: readonly ValueInfoSpec[];
  opset: number;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
}

export function encodeModel(m: ModelSpec): Uint8Array {
  const graph = new ProtoWriter();
  for (const n of m.nodes) graph.message(1, encodeNode(n));
  graph.string(2, m.graphName);
  for (const t of m.initializers) graph.message(5, encodeTensor(t));
  for (const i of m.inputs) graph.message(11, encodeValueInfo(i));
  for (const o of m.outputs) graph.message(12, encodeValueInfo(o));

  const model = new ProtoWriter();
  model.int(1, 8); // IR version 8 (ONNX 1.13+), enough for opset 17/18
  model.string(2, 'wfvae-inspector');
  model.string(3, '1');
  if (m.docString) model.string(6, m.docString);
  model.message(7, graph);
  model.message(8, new ProtoWriter().string(1, '').int(2, m.opset));
  for (const [k, v] of Object.entries(m.metadata ?? {})) {
    model.message(14, new ProtoWriter().string(1, k).string(2, v));
  }
  return model.finish();
}
