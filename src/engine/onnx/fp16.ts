/**
 * The fp16 variant of one of our graphs, for GPU providers: a rewrite of the
 * float32 graph's parts (nodes, I/O, initialisers), not of a second model.
 *
 * - Every float value, weight and constant becomes float16, except:
 *   - the graph's inputs and outputs (video, latent, mean/logvar, taps) and
 *     the Causal Cache state (`cache.*` in, `cache_next.*` out) stay float32:
 *     Casts at the boundary, so the runtime, the chunk scheduler and every
 *     caller see the same tensors as with the float32 graphs, and a chunked
 *     run could even continue on the float32 graphs (run-time CPU fallback);
 *   - Resize's scales (float32 by the operator's definition);
 *   - nodes the model code marked with GraphBuilder.float32 (GroupNorm
 *     statistics, attention logits and softmax): Casts around them.
 * - LayerNormalization computes its statistics in float32 (stash_type 1).
 * - Weights live in a float16 copy of the external weights file
 *   (`relocate` says where each one went).
 */
import type { GraphParts } from './graph';
import { halfBits } from './float16';
import { DataType, type AttrValue, type NodeSpec, type TensorProtoSpec, type ValueInfoSpec } from './proto';

export interface Float16Options {
  /** Nodes that keep computing in float32 (GraphBuilder.float32Nodes). */
  keepFloat32: ReadonlySet<string>;
  /** Where a float32 weight of the external file lives in the float16 file. */
  relocate(external: NonNullable<TensorProtoSpec['external']>): NonNullable<TensorProtoSpec['external']>;
}

type Precision = DataType.FLOAT | DataType.FLOAT16;

function attrInt(n: NodeSpec, name: string): number | undefined {
  const a = n.attrs[name];
  return a && a.kind === 'int' ? a.v : undefined;
}

/** Element type of each node output, from its inputs (the rules of the ops our graphs use). */
function outputType(n: NodeSpec, typeOf: (v: string) => DataType | undefined): DataType | undefined {
  if (n.opType === 'Cast') return attrInt(n, 'to');
  if (n.opType === 'Shape') return DataType.INT64;
  if (n.opType === 'Where') return typeOf(n.inputs[1]);
  return typeOf(n.inputs[0]);
}

function halfConstant(t: TensorProtoSpec, name: string): TensorProtoSpec {
  const raw = t.raw ?? new Uint8Array();
  const src = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = raw.byteLength / 4;
  const out = new Uint8Array(n * 2);
  const dst = new DataView(out.buffer);
  for (let i = 0; i < n; i++) dst.setUint16(i * 2, halfBits(src.getFloat32(i * 4, true)), true);
  return { name, dataType: DataType.FLOAT16, dims: t.dims, raw: out };
}

/** Inputs an op takes in float32 whatever its data type (Resize: roi and scales). */
const fixedFloat32Input = (n: NodeSpec, i: number) => n.opType === 'Resize' && i >= 1;

export function toFloat16(g: GraphParts, opts: Float16Options): GraphParts {
  const types = new Map<string, DataType>();
  // The precision each float value is available in; inline constants are available in both (copied on demand).
  const native = new Map<string, Precision>();
  const constants = new Map<string, TensorProtoSpec>();
  const initializers: TensorProtoSpec[] = [];
  for (const i of g.inputs) {
    types.set(i.name, i.dataType);
    if (i.dataType === DataType.FLOAT) native.set(i.name, DataType.FLOAT);
  }
  for (const t of g.initializers) {
    types.set(t.name, t.dataType);
    if (t.dataType !== DataType.FLOAT) {
      initializers.push(t);
    } else if (t.external) {
      initializers.push({ ...t, dataType: DataType.FLOAT16, external: opts.relocate(t.external) });
      native.set(t.name, DataType.FLOAT16);
    } else {
      constants.set(t.name, t);
    }
  }
  // Float graph outputs are produced in float32: their producers join the float32 nodes.
  const floatOutputs = new Set(g.outputs.filter((o) => o.dataType === DataType.FLOAT).map((o) => o.name));
  const keep32 = new Set(opts.keepFloat32);
  for (const n of g.nodes) if (n.outputs.some((o) => floatOutputs.has(o))) keep32.add(n.name);

  const nodes: NodeSpec[] = [];
  const usedConstants = new Map<string, TensorProtoSpec>();
  const converted = new Map<string, string>();
  /** `v` in precision `want`: itself, a constant's copy, or a (shared) Cast. */
  const inPrecision = (v: string, want: Precision): string => {
    const c = constants.get(v);
    if (c) {
      const name = want === DataType.FLOAT ? v : `${v}_f16`;
      if (!usedConstants.has(name)) usedConstants.set(name, want === DataType.FLOAT ? c : halfConstant(c, name));
      return name;
    }
    if (native.get(v) === want) return v;
    const key = `${v}|${want}`;
    let out = converted.get(key);
    if (!out) {
      out = `${v}_to_${want === DataType.FLOAT ? 'f32' : 'f16'}`;
      nodes.push({ opType: 'Cast', name: `${out}_cast`, inputs: [v], outputs: [out], attrs: { to: { kind: 'int', v: want } } });
      native.set(out, want);
      converted.set(key, out);
    }
    return out;
  };

  for (const n of g.nodes) {
    const precision: Precision = keep32.has(n.name) ? DataType.FLOAT : DataType.FLOAT16;
    const inputs = n.inputs.map((v, i) => {
      if (!v || types.get(v) !== DataType.FLOAT) return v;
      if (fixedFloat32Input(n, i)) return inPrecision(v, DataType.FLOAT);
      // A Cast reads any float type; the others compute in the node's precision.
      if (n.opType === 'Cast') return constants.has(v) ? inPrecision(v, DataType.FLOAT) : v;
      return inPrecision(v, precision);
    });
    let attrs: Record<string, AttrValue> = { ...n.attrs };
    if (n.opType === 'Cast' && attrInt(n, 'to') === DataType.FLOAT && precision === DataType.FLOAT16) attrs = { ...attrs, to: { kind: 'int', v: DataType.FLOAT16 } };
    if (n.opType === 'LayerNormalization') attrs = { ...attrs, stash_type: { kind: 'int', v: 1 } };
    const t = outputType(n, (v) => types.get(v));
    for (const o of n.outputs) {
      if (t !== undefined) types.set(o, t);
      if (t === DataType.FLOAT) native.set(o, n.opType === 'Cast' ? (attrs.to as { v: Precision }).v : precision);
    }
    nodes.push({ ...n, inputs, attrs });
  }
  const outputs: ValueInfoSpec[] = g.outputs.map((o) => {
    if (o.dataType === DataType.FLOAT && native.get(o.name) !== DataType.FLOAT) throw new Error(`internal: fp16 graph output ${o.name} is not float32`);
    return o;
  });
  return { nodes, inputs: g.inputs, outputs, initializers: [...initializers, ...usedConstants.values()] };
}
