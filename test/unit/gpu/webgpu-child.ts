// Runs in a child process whose environment points the Vulkan loader at a
// private lavapipe (see webgpu.test.ts): loads a golden model on WebGPU and on
// the CPU and prints, as one JSON line, how far WebGPU is from the reference
// and from the CPU, whole clip and Causal Cache with odd chunk sizes; where
// the Causal Cache state lived between chunks and how many bytes it is; a
// chunked run that moves from the GPU to the CPU mid-stream (as the run-time
// fallback does); and the fp16 graphs on WebGPU against float32.
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { WfvaeModel } from '../../../src/engine/runtime/index';
import { loadVariant } from '../../../src/engine/model-compare/variant';
import { decodeChunked, encodeChunked, type GraphSession, type StreamGraphs } from '../../../src/engine/runtime/chunked';
import { hostFeeds, tensorBytes } from '../../../src/engine/runtime/gpu-state';
import { concatFrames } from '../../../src/engine/runtime/stream-frames';
import { deviationOf } from '../../../src/engine/runtime/stream-model';
import type { Tensor } from '../../../src/engine/tensor';
import { maxAbsDiff, readCase, splitMoments } from '../parity/goldens';

const [modelDir, caseFile, cacheDir, encChunk, decChunk] = process.argv.slice(2);
const c = await readCase(join(modelDir, caseFile));
const input = c.get('input')!;
const ref = splitMoments(c.get('enc.h')!);
const refVideo = c.get('dec.x')!;

interface StateTraffic {
  steps: number;
  /** Bytes of state each step hands to the next (the largest step's). */
  stateBytesPerStep: number;
  /** State outputs that came back to the host: bytes, over the whole run. */
  hostBytes: number;
  deviceBytes: number;
}

/** The step graph, watched: where each step's state outputs are, and their size. */
function watched(graphs: StreamGraphs, traffic: StateTraffic, after?: { steps: number; step: GraphSession }): StreamGraphs {
  const step = graphs.step!;
  return {
    ...graphs,
    step: {
      run: async (feeds: Record<string, ort.Tensor>, fetches: readonly string[]) => {
        // From step `after.steps` on, continue on another session with the state brought to the host (Execution.run's fallback).
        const out = after && traffic.steps >= after.steps ? await after.step.run(await hostFeeds(feeds), fetches) : await step.run(feeds, fetches);
        traffic.steps++;
        let bytes = 0;
        for (const [k, t] of Object.entries(out)) {
          if (!k.startsWith('cache_next.')) continue;
          bytes += tensorBytes(t);
          if (t.location === 'cpu') traffic.hostBytes += tensorBytes(t);
          else traffic.deviceBytes += tensorBytes(t);
        }
        traffic.stateBytesPerStep = Math.max(traffic.stateBytesPerStep, bytes);
        return out;
      },
    },
  };
}

const traffic = (): StateTraffic => ({ steps: 0, stateBytesPerStep: 0, hostBytes: 0, deviceBytes: 0 });

async function cachedEncode(m: WfvaeModel, t: StateTraffic, chunk: number, after?: { steps: number; step: GraphSession }): Promise<Tensor> {
  const g = watched(await m.streamGraphs('encoder'), t, after);
  const parts: Tensor[] = [];
  for await (const o of encodeChunked(g, [input], input.shape[2], chunk, m.facts.temporalCompression, { mode: 'cached', outputs: ['mean'] })) parts.push(o.outputs.mean);
  return concatFrames(parts);
}

async function cachedDecode(m: WfvaeModel, t: StateTraffic, chunk: number): Promise<Tensor> {
  const g = watched(await m.streamGraphs('decoder'), t);
  const parts: Tensor[] = [];
  for await (const o of decodeChunked(g, [ref.mean], ref.mean.shape[2], chunk, { mode: 'cached', outputs: ['video'] })) parts.push(o.outputs.video);
  return concatFrames(parts);
}

const t0 = performance.now();
const gpu = await WfvaeModel.load(modelDir, { provider: 'webgpu', convert: { cacheDir } });
const loadSeconds = (performance.now() - t0) / 1000;
const cpu = await WfvaeModel.load(modelDir, { provider: 'cpu', convert: { cacheDir } });
const auto = await WfvaeModel.load(modelDir, { provider: 'auto', convert: { cacheDir } });
const cpuFp16 = await WfvaeModel.load(modelDir, { provider: 'cpu', precision: 'fp16', convert: { cacheDir } }).then(
  () => 'loaded',
  (e: Error) => e.message,
);
try {
  const chunks = { enc: Number(encChunk), dec: Number(decChunk) };
  const t1 = performance.now();
  const gWhole = await gpu.encode(input);
  const gWholeDec = await gpu.decode(ref.mean);
  const encTraffic = traffic();
  const decTraffic = traffic();
  const gCached = await cachedEncode(gpu, encTraffic, chunks.enc);
  const gCachedDec = await cachedDecode(gpu, decTraffic, chunks.dec);
  const runSeconds = (performance.now() - t1) / 1000;
  const cWhole = await cpu.encode(input);
  const cWholeDec = await cpu.decode(ref.mean);
  // Two encoder steps on the GPU, the rest on the CPU from the state the GPU left.
  const movedTraffic = traffic();
  const cpuStep = (await cpu.streamGraphs('encoder')).step!;
  const moved = await cachedEncode(gpu, movedTraffic, chunks.enc, { steps: 2, step: cpuStep });

  // fp16, loaded as the model-vs-model view's "A executed in fp16" loads it (WfvaeModel.load with precision fp16 on A's
  // provider): the whole-clip encoder, and the decoder in Causal Cache steps (its state on the GPU), against float32 whole.
  const t2 = performance.now();
  const variant = await loadVariant(gpu, { kind: 'execution', precision: 'fp16' }, { convert: { cacheDir } });
  const gpu16 = variant.model;
  const h16 = await gpu16.encode(input);
  const fp16Traffic = traffic();
  const v16 = await cachedDecode(gpu16, fp16Traffic, chunks.dec);
  const fp16Seconds = (performance.now() - t2) / 1000;
  const fp16 = {
    label: variant.label,
    precision: gpu16.precision,
    summary: gpu16.execution.summary,
    seconds: fp16Seconds,
    traffic: fp16Traffic,
    mean: deviationOf(h16.mean, gWhole.mean),
    video: deviationOf(v16, gWholeDec.video),
  };
  await gpu16.dispose();
  process.stdout.write(
    JSON.stringify({
      provider: gpu.provider,
      summary: gpu.execution.summary,
      adapter: gpu.execution.adapter,
      placement: gpu.execution.placement,
      auto: { provider: auto.provider, fallbacks: auto.providerFallbacks },
      loadSeconds,
      runSeconds,
      vsReference: {
        mean: maxAbsDiff(gWhole.mean, ref.mean),
        logvar: maxAbsDiff(gWhole.logvar, ref.logvar),
        video: maxAbsDiff(gWholeDec.video, refVideo),
        cachedMean: maxAbsDiff(gCached, ref.mean),
        cachedVideo: maxAbsDiff(gCachedDec, refVideo),
      },
      cachedVsWhole: { mean: maxAbsDiff(gCached, gWhole.mean), video: maxAbsDiff(gCachedDec, gWholeDec.video) },
      vsCpu: { mean: maxAbsDiff(gWhole.mean, cWhole.mean), video: maxAbsDiff(gWholeDec.video, cWholeDec.video) },
      stateTraffic: { encoder: encTraffic, decoder: decTraffic },
      movedToCpu: { traffic: movedTraffic, vsCpuWhole: maxAbsDiff(moved, cWhole.mean) },
      fp16,
      cpuFp16,
    }) + '\n',
  );
} finally {
  await Promise.all([gpu.dispose(), cpu.dispose(), auto.dispose()]);
}
