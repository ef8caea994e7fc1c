// The fp16 variants of the graphs (onnx/fp16.ts, fp16-graphs.ts): what the
// rewrite keeps in float32, that the result type-checks and shrinks in the
// memory simulator, that onnxruntime accepts it, how it is cached beside the
// float32 graphs, and that fp16 is refused where it cannot run.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertCheckpoint, converted as convertedModel, GRAPHS, type ConvertedModel } from '../../../src/engine/onnx/convert';
import { MANIFEST_FILE, readManifest } from '../../../src/engine/onnx/cache';
import { FP16_WEIGHTS_BIN, float16Graphs, withFloat16Graphs } from '../../../src/engine/onnx/fp16-graphs';
import { halfBits, toHalfBits } from '../../../src/engine/onnx/float16';
import { describeParts, type GraphParts } from '../../../src/engine/onnx/graph';
import { WeightStore } from '../../../src/engine/onnx/weights';
import { simulateMemory } from '../../../src/engine/onnx/graph-memory';
import { DataType } from '../../../src/engine/onnx/proto';
import { f16Bits } from '../../../src/engine/model-compare/weight-precision';
import { halfBitsToNumber } from '../../../src/engine/checkpoint/dtype';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { goldenModels, readCase, SUBSET_GOLDENS } from '../parity/goldens';

const work = mkdtempSync(join(tmpdir(), 'wfvae-fp16-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const models = goldenModels();
const converted = new Map<string, ConvertedModel>();
beforeAll(async () => {
  for (const m of models) converted.set(m.name, await convertCheckpoint(m.dir, { cacheDir: join(work, 'cache') }));
});

describe('float32 -> half', () => {
  it('rounds to nearest even, overflows to Inf, keeps subnormals and NaN (as the weight-rounding reference does)', () => {
    const edge = [0, -0, 1, -1, 1 / 3, 65504, 65519.99, 65520, 1e5, 6.1e-5, 6.0e-5, 2.98e-8, 2.99e-8, 1e-9, 2049, 2051, Infinity, -Infinity];
    const pseudo = Array.from({ length: 5000 }, (_, i) => Math.sin(i * 12.9898) * 2 ** ((i % 50) - 25));
    const xs = new Float32Array([...edge, ...pseudo]);
    const bits = toHalfBits(xs);
    for (let i = 0; i < xs.length; i++) expect(bits[i]).toBe(f16Bits(xs[i]));
    expect([halfBits(65520), halfBits(-1e6), halfBits(2 ** -24)]).toEqual([0x7c00, 0xfc00, 1]);
    expect(Number.isNaN(halfBitsToNumber(halfBits(NaN)))).toBe(true);
  });
});

describe.each(models.map((m) => [m.name]))('fp16 graphs of %s', (name) => {
  it('keep the boundary, Resize scales and marked statistics in float32; everything else float16', () => {
    const c = converted.get(name)!;
    const { graphs } = float16Graphs(c.manifest);
    expect(graphs.map((g) => g.role)).toEqual(['encoder', 'decoder', 'encoder-step', 'decoder-step']);
    for (const g of graphs) {
      const entry = c.manifest.graphs[g.role];
      // Same I/O as the float32 graph: names and element types (state included).
      expect(g.parts.inputs.map((i) => i.name).sort()).toEqual([entry.input, ...entry.states.map((s) => `cache.${s.name}`), ...entry.flags].sort());
      for (const i of g.parts.inputs) expect(i.dataType).toBe(i.name.startsWith('stream_') ? DataType.INT64 : DataType.FLOAT);
      expect(g.parts.outputs.map((o) => o.name)).toEqual(entry.outputs);
      for (const o of g.parts.outputs) expect(o.dataType).toBe(DataType.FLOAT);
      const consumers = new Map<string, { op: string; node: string; index: number }[]>();
      for (const n of g.parts.nodes) n.inputs.forEach((v, index) => v && (consumers.get(v) ?? consumers.set(v, []).get(v)!).push({ op: n.opType, node: n.name, index }));
      let weights = 0;
      for (const t of g.parts.initializers) {
        if (t.external) {
          // Every weight in the half file, half the bytes.
          expect(t.dataType).toBe(DataType.FLOAT16);
          expect(t.external.location).toBe(FP16_WEIGHTS_BIN);
          expect(t.external.length).toBe(t.dims.reduce((a, b) => a * b, 1) * 2);
          weights++;
        } else if (t.dataType === DataType.FLOAT) {
          // A float32 constant only feeds Resize's scales or a node kept in float32.
          for (const u of consumers.get(t.name) ?? []) expect(u.op === 'Resize' ? u.index : g.float32Nodes.has(u.node)).toBe(u.op === 'Resize' ? 2 : true);
        }
      }
      expect(weights).toBeGreaterThan(10);
      const ln = g.parts.nodes.filter((n) => n.opType === 'LayerNormalization');
      for (const n of ln) expect(n.attrs.stash_type).toEqual({ kind: 'int', v: 1 });
      // Every cast goes to half or back to float32, bool casts of the flags aside.
      for (const n of g.parts.nodes.filter((n) => n.opType === 'Cast')) expect([DataType.FLOAT, DataType.FLOAT16, DataType.BOOL]).toContain((n.attrs.to as { v: number }).v);
    }
  });

  it('type-check in the memory simulator and need about half the activation memory', () => {
    const c = converted.get(name)!;
    const f = c.manifest.facts;
    const { graphs } = float16Graphs(c.manifest);
    const video = { video: { shape: [1, 3, 1 + 2 * f.temporalCompression, 4 * f.spatialCompression, 4 * f.spatialCompression] } };
    const latent = { latent: { shape: [1, f.latentChannels, 3, 4, 4] } };
    for (const role of ['encoder', 'decoder'] as const) {
      const g = graphs.find((x) => x.role === role)!;
      const d16 = describeParts(g.parts);
      const spec = role === 'encoder' ? video : latent;
      const half = simulateMemory(d16, spec);
      // The float32 graph, described the same way, for the ratio.
      const full = simulateMemory(describeParts(float32PartsOf(c, role)), spec);
      for (const [k, o] of Object.entries(half.outputs)) expect(o.bytes).toBe(full.outputs[k].bytes);
      expect(half.peakBytes / full.peakBytes).toBeGreaterThan(0.4);
      expect(half.peakBytes / full.peakBytes).toBeLessThan(0.8);
    }
  });
});

/** The float32 graph of a role, rebuilt as the conversion built it. */
function float32PartsOf(c: ConvertedModel, role: 'encoder' | 'decoder'): GraphParts {
  const spec = GRAPHS.find((s) => s.role === role)!;
  return spec.build(c.manifest.config, new WeightStore(null)).builder.parts(c.manifest.weightsFile);
}

describe('building and caching the fp16 graphs', () => {
  const folder = () => join(work, 'copy');
  beforeAll(async () => {
    // A converted folder of its own (the build writes into it).
    await convertCheckpoint(join(SUBSET_GOLDENS, 'wfvae2-tiny'), { outDir: folder() });
  });

  it('are built on first use beside the float32 graphs, recorded in the manifest, and reused', async () => {
    const before = (await readManifest(folder()))!;
    expect(before.fp16).toBeUndefined();
    const m1 = await withFloat16Graphs(convertedModel(folder(), before, true));
    const f = m1.manifest.fp16!;
    expect(Object.keys(f.graphs)).toEqual(['encoder', 'decoder', 'encoder-step', 'decoder-step']);
    expect(f.graphs.encoder.file).toBe('encoder.fp16.onnx');
    for (const g of Object.values(f.graphs)) expect(existsSync(join(folder(), g.file))).toBe(true);
    expect(statSync(join(folder(), FP16_WEIGHTS_BIN)).size).toBe(f.weightsBytes);
    expect(f.weightsBytes).toBeLessThan(before.weightsBytes * 0.55);
    // Only the fp16 entry was added to the manifest.
    const after = JSON.parse(readFileSync(join(folder(), MANIFEST_FILE), 'utf8'));
    expect({ ...after, fp16: undefined }).toEqual({ ...JSON.parse(JSON.stringify(before)), fp16: undefined });
    expect(after.version).toBe(before.version);
    // A weight's half copy is its float32 value rounded.
    const { store } = float16Graphs(before);
    const layout = store.float16Layout();
    const [off32, at] = [...layout.at.entries()][3];
    const w32 = new Float32Array(readFileSync(join(folder(), before.weightsFile)).buffer.slice(off32, off32 + at.length * 2));
    const w16 = new Uint16Array(readFileSync(join(folder(), FP16_WEIGHTS_BIN)).buffer.slice(at.offset, at.offset + at.length));
    expect([...w16]).toEqual([...toHalfBits(w32)]);
    // A second load finds them.
    const again = (await readManifest(folder()))!;
    expect(again.fp16!.createdAt).toBe(f.createdAt);
    const m2 = await withFloat16Graphs({ ...m1, manifest: again });
    expect(m2.graphPath('decoder', 'fp16')).toBe(join(folder(), 'decoder.fp16.onnx'));
    // A missing file makes the fp16 entry count as not built (it is built again), the float32 model untouched.
    unlinkSync(join(folder(), 'decoder-step.fp16.onnx'));
    expect((await readManifest(folder()))!.fp16).toBeUndefined();
  });

  it('run on onnxruntime (its CPU provider, which casts them back: a validity and rounding check) within 1e-2 of float32', async () => {
    const c = await withFloat16Graphs(convertedModel(folder(), (await readManifest(folder()))!, true));
    const kase = await readCase(join(SUBSET_GOLDENS, 'wfvae2-tiny', JSON.parse(readFileSync(join(SUBSET_GOLDENS, 'manifest.json'), 'utf8')).models['wfvae2-tiny'].cases.at(-1).file));
    const input = kase.get('input')!;
    const out: Record<string, Float32Array> = {};
    for (const p of ['fp32', 'fp16'] as const) {
      const s = await ort.InferenceSession.create(c.graphPath('encoder', p), { executionProviders: ['cpu'], logSeverityLevel: 3 });
      out[p] = (await s.run({ video: new ort.Tensor('float32', input.data, input.shape) }, ['mean'])).mean.data as Float32Array;
      await s.release();
    }
    let d = 0;
    for (let i = 0; i < out.fp32.length; i++) d = Math.max(d, Math.abs(out.fp32[i] - out.fp16[i]));
    console.log(`[fp16] wfvae2-tiny encoder mean, fp16 graph on the CPU provider vs fp32: max |d| ${d.toExponential(2)}`);
    expect(d).toBeGreaterThan(0); // it did compute in half somewhere
    expect(d).toBeLessThan(1e-2);
  });
});

describe('where fp16 runs', () => {
  const dir = join(SUBSET_GOLDENS, 'wfvae2-tiny');
  it('the CPU provider refuses it, saying why and what to do', async () => {
    await expect(WfvaeModel.load(dir, { provider: 'cpu', precision: 'fp16', convert: { cacheDir: join(work, 'cache') } })).rejects.toThrow(
      /fp16 execution runs on GPU providers only \(webgpu, cuda, dml, coreml\): onnxruntime's CPU provider has no fast fp16 convolution.*Use fp32 on the CPU/,
    );
  });

  it("'auto' on a machine without a usable GPU says so, with what it passed over", async () => {
    await expect(WfvaeModel.load(dir, { precision: 'fp16', convert: { cacheDir: join(work, 'cache') }, probe: { listed: ['cpu'], available: ['cpu'] } })).rejects.toThrow(
      /fp16 execution needs a GPU provider, and 'auto' found none to use on this machine\. Run in fp32/,
    );
    const software = () => ({ kind: 'software' as const, detail: 'only a software Vulkan driver: libvulkan_lvp.so', drivers: [] });
    await expect(WfvaeModel.load(dir, { precision: 'fp16', convert: { cacheDir: join(work, 'cache') }, probe: { listed: ['cpu', 'webgpu'], available: ['cpu', 'webgpu'], adapter: software } })).rejects.toThrow(
      /found none to use on this machine \(webgpu: only a software Vulkan driver: libvulkan_lvp\.so, far slower than the CPU provider; --provider webgpu uses it anyway\)/,
    );
  });
});
