// One timed run of the engine on a clip tensor, for `npm run bench`: loads the
// model on the CPU provider, encodes and decodes whole-clip or with the Causal
// Cache (chunks from the memory plan, as the CLI picks them; the clip, the
// output's chunks and their join held in memory), and prints JSON
// with seconds, the process's peak RSS, its RSS after loading and the memory
// estimate the plan made before the run. With `runs` > 1 the same model runs
// the clip again in the same process (an app session does): the peak after the
// first run and after the last are both printed, so growth across runs shows.
//
//   node --import tsx bench/engine-run.ts MODEL_DIR CLIP.safetensors whole|cached [threads] [runs]
import { readTensorFile } from './tensor-file';
import { WfvaeModel } from '../src/engine/runtime/index';
import { decodeWith, encodeWith } from '../src/engine/runtime/stream-model';
import { estimateWhole, memoryBudget, planChunks } from '../src/engine/runtime/memory-plan';

const [modelDir, clipPath, mode, threads = '2', runs = '1'] = process.argv.slice(2);
if (mode !== 'whole' && mode !== 'cached') throw new Error('mode must be whole or cached');
const model = await WfvaeModel.load(modelDir, { provider: 'cpu', threads: Number(threads) });
const clip = await readTensorFile(clipPath, 'input');
const [, , T, H, W] = clip.shape;
const shape = { frames: T, height: H, width: W };
const baseRssMB = process.memoryUsage.rss() / 2 ** 20;
const plan = mode === 'whole' ? { chunks: { encChunk: 0, decChunk: 0 }, estimate: estimateWhole(model.manifest, shape) } : planChunks(model.manifest, shape, memoryBudget(), { heldClips: 3 });
const peakMB = () => process.resourceUsage().maxRSS / 1024;
const times: { encodeSeconds: number; decodeSeconds: number }[] = [];
let firstPeakMB = 0;
let outputShape: readonly number[] = [];
for (let i = 0; i < Math.max(1, Number(runs)); i++) {
  const t0 = performance.now();
  const enc = await encodeWith(model, clip, { mode, encChunk: plan.chunks.encChunk });
  const t1 = performance.now();
  const dec = await decodeWith(model, enc.mean, { mode, decChunk: plan.chunks.decChunk });
  const t2 = performance.now();
  times.push({ encodeSeconds: (t1 - t0) / 1000, decodeSeconds: (t2 - t1) / 1000 });
  outputShape = dec.video.shape;
  if (i === 0) firstPeakMB = peakMB();
}
console.log(
  JSON.stringify({
    ...times[0],
    peakRssMB: firstPeakMB,
    laterPeakRssMB: peakMB(),
    runs: times.length,
    laterRuns: times.slice(1),
    baseRssMB,
    estimateMB: plan.estimate.totalBytes / 2 ** 20,
    chunks: plan.chunks,
    outputShape,
  }),
);
await model.dispose();
