// The diagnostics part of the app's API (frequency view, latent statistics,
// model vs model): request and response schemas, registered in contract.ts's
// method table. Kept apart so the main contract stays readable.
import { z } from 'zod';
import { SUBBANDS_3D } from './subbands';

const id = z.string().min(1).max(128);
const count = z.number().int().nonnegative();
const finite = z.number();
/** dB; null where the two are identical (infinite PSNR). */
const decibels = z.number().nullable();
const numbers = z.array(finite);

// ---- frequency diagnostics -------------------------------------------------

export const getFrequencyRequestSchema = z.object({ clipId: id, levels: z.number().int().min(1).max(8).optional() }).strict();

export const frequencySchema = z.object({
  clipId: id,
  modelId: id,
  frames: count,
  /** Haar levels analysed (the most the clip allows, up to the asked number). */
  levels: count,
  subbands: z
    .object({
      levels: z.array(
        z.object({
          level: count,
          frames: count,
          bands: z.array(
            z.object({
              name: z.enum(SUBBANDS_3D),
              original: finite,
              reconstruction: finite,
              error: finite,
              relativeError: finite,
              perFrame: z.object({ original: numbers, reconstruction: numbers, error: numbers }),
            }),
          ),
        }),
      ),
      note: z.string(),
    })
    .nullable(),
  wl: z
    .object({
      levels: z.array(
        z.object({
          level: z.string(),
          encoder: z.string(),
          decoder: z.string(),
          subbands: z.array(z.string()),
          frames: count,
          meanAbs: finite,
          sumAbs: finite,
          relativeL2: finite,
          perFrame: z.object({ meanAbs: numbers }),
          perSubband: z.array(z.object({ name: z.string(), meanAbs: finite, relativeL2: finite })),
        }),
      ),
      note: z.string(),
    })
    .nullable(),
  spectrum: z.object({
    frequency: numbers,
    error: numbers,
    original: numbers,
    relativeError: numbers,
    gridShare: finite,
    frames: count,
    note: z.string(),
  }),
  grid: z.object({ phaseMean: numbers, amplitude: finite, note: z.string() }),
});
export type Frequency = z.infer<typeof frequencySchema>;

// ---- latent statistics -----------------------------------------------------

export const getLatentStatsRequestSchema = z.object({ clipId: id }).strict();

export const latentStatsSchema = z.object({
  clipId: id,
  modelId: id,
  channels: count,
  count,
  mean: numbers,
  std: numbers,
  min: numbers,
  max: numbers,
  histogram: z.object({ binWidth: finite, start: finite, counts: z.array(z.array(count)) }),
  correlation: z.array(numbers),
  suggested: z.object({ shift: numbers, scale: numbers }),
  /** The config.json fragment, as text the user copies. */
  configFragment: z.string(),
  note: z.string(),
});
export type LatentStatsView = z.infer<typeof latentStatsSchema>;

// ---- model vs model --------------------------------------------------------

export const modelBSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }).strict(),
  z.object({ kind: z.literal('weights'), dtype: z.enum(['bf16', 'f16']) }).strict(),
  z.object({ kind: z.literal('execution'), precision: z.literal('fp16') }).strict(),
]);
export type ModelB = z.infer<typeof modelBSchema>;

export const compareModelsRequestSchema = z.object({ taskId: id, clipId: id, b: modelBSchema }).strict();

const sideSchema = z.object({ label: z.string(), sha256: z.string(), className: z.string(), provider: z.string() });

export const modelComparisonSchema = z.object({
  clipId: id,
  /** Model A: the loaded model. */
  modelId: id,
  a: sideSchema,
  b: sideSchema,
  frames: count,
  width: count,
  height: count,
  clip: z.object({ psnrA: decibels, psnrB: decibels, ssimA: finite, ssimB: finite, psnrAB: decibels, maxAbsAB: finite }),
  perFrame: z.object({
    psnrA: z.array(decibels),
    psnrB: z.array(decibels),
    ssimA: numbers,
    ssimB: numbers,
    psnrAB: z.array(decibels),
    maxAbsAB: numbers,
  }),
  latent: z
    .object({
      shape: z.array(count),
      maxAbs: finite,
      rms: finite,
      relative: finite,
      perChannel: z.array(z.object({ maxAbs: finite, rms: finite })),
      perFrame: z.array(z.object({ maxAbs: finite, rms: finite })),
    })
    .nullable(),
  notes: z.array(z.string()),
});
export type ModelComparisonView = z.infer<typeof modelComparisonSchema>;

export const AB_FRAME_KINDS = ['a', 'b', 'diff'] as const;
export const getAbFrameRequestSchema = z.object({ clipId: id, t: count, kind: z.enum(AB_FRAME_KINDS) }).strict();
export const abFrameSchema = z.object({
  clipId: id,
  t: count,
  kind: z.enum(AB_FRAME_KINDS),
  width: count,
  height: count,
  rgba: z.custom<Uint8Array>((v) => ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Uint8Array]', { message: 'expected a Uint8Array' }),
  /** Diff images only: the frame's max |A - B| and the gain that maps it to full brightness. */
  diff: z.object({ maxAbs: finite, gain: finite }).optional(),
});
export type AbFrame = z.infer<typeof abFrameSchema>;
