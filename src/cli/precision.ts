// --precision fp16 (encode, decode, reconstruct, compare): the run uses the
// fp16 graphs on a GPU provider, and the same input also runs in fp32 on the
// same provider so the deviation fp16 costs is printed beside the result.
import type { Flags } from '../hosting/args';
import { UsageError } from '../hosting/errors';
import type { ModelFlags } from './model-arg';
import { parsePrecision, WfvaeModel, type Precision } from '../engine/runtime/index';
import { deviationOf, type Deviation } from '../engine/runtime/stream-model';
import type { Tensor } from '../engine/tensor';

export const PRECISION_HELP = `precision:
  --precision P    fp32 (default) or fp16: the fp16 graphs on a GPU provider (built once
                   beside the cached fp32 graphs; refused on the CPU). fp16 also runs
                   the input in fp32 on the same provider and reports the deviation
                   (max |d| and PSNR of the result vs fp32) beside the result`;

export function readPrecision(flags: Flags): Precision {
  const v = flags.string('precision');
  if (v === undefined) return 'fp32';
  try {
    return parsePrecision(v);
  } catch (err) {
    throw new UsageError(`--precision: ${(err as Error).message}`);
  }
}

/** What fp16 cost against fp32, on the provider both ran on. */
export interface PrecisionReport {
  precision: Precision;
  provider: string;
  /** The fp16 result against the fp32 one (null when the run is fp32, or fell back to fp32 on the CPU). */
  deviationFromFp32: Deviation | null;
  note?: string;
}

/**
 * The fp32 twin of an fp16 model (same folder, the provider it runs on), or
 * null with the reason when there is nothing to compare (an fp32 run, or an
 * fp16 run that moved to the CPU, where it ran fp32).
 */
export async function fp32Twin(m: WfvaeModel, o: ModelFlags, signal: AbortSignal): Promise<WfvaeModel | null> {
  if (m.precision !== 'fp16') return null;
  return WfvaeModel.load(m.dir, { provider: m.provider, threads: o.threads, signal });
}

export function precisionReport(m: WfvaeModel, asked: Precision, deviation: Deviation | null): PrecisionReport {
  const r: PrecisionReport = { precision: m.precision, provider: m.provider, deviationFromFp32: deviation };
  if (asked === 'fp16' && m.precision !== 'fp16') r.note = `the run moved to the CPU, which runs fp32 (${m.execution.runtimeFallback?.error ?? 'run-time fallback'}); no fp16 deviation to report`;
  return r;
}

/** Runs `run` on the fp32 twin (disposed after) and measures `result` against it. */
export async function measureAgainstFp32(m: WfvaeModel, o: ModelFlags, signal: AbortSignal, result: Tensor, run: (twin: WfvaeModel) => Promise<Tensor>): Promise<Deviation | null> {
  const twin = await fp32Twin(m, o, signal);
  if (!twin) return null;
  try {
    return deviationOf(result, await run(twin));
  } finally {
    await twin.dispose();
  }
}

const db = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)} dB` : 'inf dB');

/** "fp16 on webgpu; video vs fp32 on webgpu: max |d| 2.52e-2, PSNR 53.92 dB" (or why there is none). */
export function describePrecision(r: PrecisionReport, what: string): string {
  if (r.note) return r.note;
  if (!r.deviationFromFp32) return r.precision;
  const d = r.deviationFromFp32;
  return `fp16 on ${r.provider}; ${what} vs fp32 on ${r.provider}: max |d| ${d.maxAbs.toExponential(2)}, PSNR ${db(d.psnr)}`;
}

/**
 * Deviation of one clip from another that arrives in frame blocks (C, n, H, W):
 * a streamed run measured against a clip held whole.
 */
export class BlockDeviation {
  private max = 0;
  private sse = 0;
  private count = 0;

  constructor(private readonly whole: Tensor) {}

  /** `block` holds frames [first, first + n) of the clip. */
  add(block: Tensor, first: number): void {
    const [c, n, h, w] = block.shape;
    const t = this.whole.shape[this.whole.shape.length - 3];
    const plane = n * h * w;
    for (let ch = 0; ch < c; ch++) {
      const at = ch * t * h * w + first * h * w;
      for (let i = 0; i < plane; i++) {
        const d = block.data[ch * plane + i] - this.whole.data[at + i];
        const a = Math.abs(d);
        if (!(a <= this.max)) this.max = Number.isNaN(a) ? Infinity : a;
        this.sse += d * d;
      }
    }
    this.count += c * plane;
  }

  result(): Deviation {
    const mse = this.sse / this.count;
    return { maxAbs: this.max, psnr: mse === 0 ? Infinity : 10 * Math.log10(4 / mse) };
  }
}

/** The report for JSON (PSNR Infinity as the string "Infinity", as elsewhere). */
export function precisionJson(r: PrecisionReport): object {
  const d = r.deviationFromFp32;
  return { ...r, deviationFromFp32: d ? { maxAbs: d.maxAbs, psnr: Number.isFinite(d.psnr) ? Number(d.psnr.toFixed(4)) : String(d.psnr) } : null };
}
