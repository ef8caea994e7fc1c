// One conversion in its own process, so its peak RSS is the conversion's
// alone: prints {seconds, cached, peakRssBytes, timings} as JSON on stdout.
//   node --import tsx bench/convert-child.ts <checkpoint> <cache-dir> [--verify]
import { readFileSync } from 'node:fs';
import { convertCheckpoint } from '../src/engine/onnx/convert';

/** Peak resident set: VmHWM on Linux, getrusage's maxRSS elsewhere. */
export function peakRssBytes(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

const [ckpt, cacheDir, flag] = process.argv.slice(2);
const baseline = peakRssBytes();
const t0 = performance.now();
const m = await convertCheckpoint(ckpt, { cacheDir, verify: flag === '--verify' });
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(
  `${JSON.stringify({ seconds, cached: m.cached, peakRssBytes: peakRssBytes(), startRssBytes: baseline, parameters: m.manifest.parameterCount, weightsBytes: m.manifest.weightsBytes, timings: m.manifest.timings, graphs: Object.keys(m.manifest.graphs) })}\n`,
);
