// Runs in a child process whose environment points the Vulkan loader at a
// private lavapipe (see webgpu.test.ts): loads a golden model on WebGPU and on
// the CPU and prints, as one JSON line, how far WebGPU is from the reference
// and from the CPU, whole clip and Causal Cache with odd chunk sizes.
import { join } from 'node:path';
import { WfvaeModel } from '../../../src/main/engine/runtime/index';
import { decodeWith, encodeWith } from '../../../src/main/engine/runtime/stream-model';
import { maxAbsDiff, readCase, splitMoments } from '../parity/goldens';

const [modelDir, caseFile, cacheDir, encChunk, decChunk] = process.argv.slice(2);
const c = await readCase(join(modelDir, caseFile));
const input = c.get('input')!;
const ref = splitMoments(c.get('enc.h')!);
const refVideo = c.get('dec.x')!;

const t0 = performance.now();
const gpu = await WfvaeModel.load(modelDir, { provider: 'webgpu', convert: { cacheDir } });
const loadSeconds = (performance.now() - t0) / 1000;
const cpu = await WfvaeModel.load(modelDir, { provider: 'cpu', convert: { cacheDir } });
const auto = await WfvaeModel.load(modelDir, { provider: 'auto', convert: { cacheDir } });
try {
  const chunks = { encChunk: Number(encChunk), decChunk: Number(decChunk) };
  const t1 = performance.now();
  const gWhole = await gpu.encode(input);
  const gWholeDec = await gpu.decode(ref.mean);
  const gCached = await encodeWith(gpu, input, { mode: 'cached', ...chunks });
  const gCachedDec = await decodeWith(gpu, ref.mean, { mode: 'cached', ...chunks });
  const runSeconds = (performance.now() - t1) / 1000;
  const cWhole = await cpu.encode(input);
  const cWholeDec = await cpu.decode(ref.mean);
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
        cachedMean: maxAbsDiff(gCached.mean, ref.mean),
        cachedVideo: maxAbsDiff(gCachedDec.video, refVideo),
      },
      cachedVsWhole: { mean: maxAbsDiff(gCached.mean, gWhole.mean), video: maxAbsDiff(gCachedDec.video, gWholeDec.video) },
      vsCpu: { mean: maxAbsDiff(gWhole.mean, cWhole.mean), video: maxAbsDiff(gWholeDec.video, cWholeDec.video) },
    }) + '\n',
  );
} finally {
  await Promise.all([gpu.dispose(), cpu.dispose(), auto.dispose()]);
}
