// The contract's workflow part: choosing the clip (selection, estimate,
// thumbnails), reconstructing the whole video to disk, reading frames in
// blocks for the A/B viewer, tap timelines, and exports. contract.ts lists
// these methods in its table; this file must not import contract.ts (it is
// imported by it).
import { z } from 'zod';
import { u8Schema } from './typed-arrays';

const id = z.string().min(1).max(128);
const count = z.number().int().nonnegative();
const finite = z.number();
/** dB; null where the two are identical (infinite PSNR), which JSON cannot carry. */
const decibels = z.number().nullable();

// ---- clip selection ------------------------------------------------------------

/** 'native' keeps the source size (cropped to multiples of 8); a number resizes the short side to it. */
export const clipSizeSchema = z.union([z.literal('native'), z.number().int().min(8).max(8192).multipleOf(8)]);
export type ClipSize = z.infer<typeof clipSizeSchema>;

export const clipSelectionSchema = z
  .object({
    /** First source frame (0-based, any frame). */
    start: count,
    /** Frames wanted; the engine snaps down to 1 + snap·k. */
    frames: z.number().int().positive().max(4096),
    /** Keep every n-th source frame from the start. */
    sampleRate: z.number().int().positive().max(64),
    size: clipSizeSchema,
    /** 4 or 8: the model's temporal compression (1 + 8k for 8x models). */
    snap: z.union([z.literal(4), z.literal(8)]),
  })
  .strict();
export type ClipSelection = z.infer<typeof clipSelectionSchema>;

export const selectClipRequestSchema = z.object({ taskId: id, clipId: id, selection: clipSelectionSchema }).strict();
export const estimateClipRequestSchema = z.object({ clipId: id, selection: clipSelectionSchema }).strict();

/** A cost said before the work runs: memory in bytes, wall time in seconds (null: speed not measured yet), and what the numbers rest on. */
const costSchema = z.object({
  bytes: count,
  /** 'added': what the result takes on top of what the engine holds; 'peak': the engine's peak during the run (the runtime's memory plan). */
  bytesMeaning: z.enum(['added', 'peak']),
  /** Whether a peak fits this machine's memory budget; null for added memory. */
  fits: z.boolean().nullable(),
  seconds: finite.nullable(),
  basis: z.string(),
});
export type Cost = z.infer<typeof costSchema>;

export const clipEstimateSchema = z.object({
  clipId: id,
  selection: clipSelectionSchema,
  /** What decoding this selection gives; null when it cannot be decoded (see error). */
  plan: z
    .object({
      frames: count,
      /** Frames asked for after the clamp to the source's end, before the snap. */
      wanted: count,
      width: count,
      height: count,
      fps: finite,
      /** Source frame numbers of the first and last decoded frame. */
      firstFrame: count,
      lastFrame: count,
      startSeconds: finite,
      durationSeconds: finite,
      resized: z.object({ width: count, height: count }).nullable(),
      crop: z.object({ x: count, y: count, width: count, height: count }).nullable(),
      notes: z.array(z.string()),
    })
    .nullable(),
  error: z.string().nullable(),
  decode: costSchema.nullable(),
  /** Reconstruct of this selection as the Reconstruct view runs it (the same plan the view shows); null without a model. */
  reconstruct: costSchema.extend({ how: z.string() }).nullable(),
  /** The whole source at this size and sample rate, streamed with Causal Cache; null without a model. */
  wholeVideo: costSchema.extend({ frames: count, width: count, height: count, encChunk: count, decChunk: count }).nullable(),
  /** Which model the reconstruct estimates are for, or why there are none. */
  model: z.string(),
});
export type ClipEstimate = z.infer<typeof clipEstimateSchema>;

export const getThumbnailsRequestSchema = z.object({ taskId: id, clipId: id }).strict();
export const thumbnailsSchema = z.object({
  clipId: id,
  width: count,
  height: count,
  /** Source frame of each thumbnail, evenly spread over the whole source. */
  frameIndices: z.array(count),
  /** count * height * width * 3 bytes, thumbnail after thumbnail. */
  rgb: u8Schema,
});
export type Thumbnails = z.infer<typeof thumbnailsSchema>;

// ---- whole-video reconstruction ------------------------------------------------

export const reconstructVideoRequestSchema = z
  .object({
    taskId: id,
    clipId: id,
    /** Encoder chunk in video frames, decoder chunk in latent frames (default: the largest the memory plan fits in the budget). */
    encChunk: z.number().int().positive().max(4096).optional(),
    decChunk: z.number().int().positive().max(1024).optional(),
  })
  .strict();

export const videoResultSchema = z.object({
  videoId: id,
  clipId: id,
  modelId: id,
  model: z.object({ className: z.string(), path: z.string() }),
  source: z.object({ name: z.string(), frames: count, fps: finite }),
  frames: count,
  width: count,
  height: count,
  fps: finite,
  sampleRate: count,
  /** Source frame numbers of the first and last reconstructed frame. */
  firstFrame: count,
  lastFrame: count,
  encChunk: count,
  decChunk: count,
  /** Causal Cache equals whole-clip inference for this model; models that mix frames (GroupNorm over time, AttnBlock3D) deviate. */
  exact: z.boolean(),
  psnr: z.object({ clip: decibels, perFrame: z.array(decibels) }),
  ssim: z.object({ clip: finite, perFrame: z.array(finite) }),
  seconds: finite,
  /** The engine process's resident memory after each decoded chunk: flat in T when streaming works. */
  memory: z.array(z.object({ frame: count, rssBytes: count })),
  /** Video frames where encoder runs / decoder chunks begin: the seams [ and ] jump between. */
  boundaries: z.object({ encoder: z.array(count), decoder: z.array(count) }),
  /** (L, t, h, w) of the latent mean, kept on disk with the frames. */
  latentShape: z.array(count),
  notes: z.array(z.string()),
});
export type VideoResult = z.infer<typeof videoResultSchema>;

// ---- frames in blocks (A/B viewer) ---------------------------------------------

export const CLIP_FRAME_LAYERS = ['original', 'reconstruction', 'whole', 'cached', 'naive'] as const;
export type ClipFrameLayer = (typeof CLIP_FRAME_LAYERS)[number];
export const VIDEO_FRAME_LAYERS = ['original', 'reconstruction'] as const;

export const frameRefSchema = z.discriminatedUnion('kind', [
  /** A decoded clip in memory and its model results (reconstruction, chunking runs). */
  z.object({ kind: z.literal('clip'), clipId: id, layer: z.enum(CLIP_FRAME_LAYERS) }).strict(),
  /** A whole-video reconstruction kept on disk. */
  z.object({ kind: z.literal('video'), videoId: id, layer: z.enum(VIDEO_FRAME_LAYERS) }).strict(),
]);
export type FrameRef = z.infer<typeof frameRefSchema>;

export const getFramesRequestSchema = z.object({ ref: frameRefSchema, from: count, count: z.number().int().positive().max(512) }).strict();
export const frameBlockSchema = z.object({
  from: count,
  /** Frames in rgb; may be fewer than asked (end of the clip, or the per-reply byte cap). */
  count: count,
  width: count,
  height: count,
  /** count * height * width * 3 bytes. */
  rgb: u8Schema,
});
export type FrameBlock = z.infer<typeof frameBlockSchema>;

// ---- big views: a tap tile's energy over time ------------------------------------

export const getTapTimelineRequestSchema = z.object({ clipId: id, tap: z.string().min(1).max(64), label: z.string().min(1).max(32) }).strict();
export const tapTimelineSchema = z.object({
  clipId: id,
  tap: z.string(),
  label: z.string(),
  /** Sum of squares of the tile's channels, per tap frame. */
  energy: z.array(finite),
  /** Value range over all tap frames. */
  min: finite,
  max: finite,
});
export type TapTimeline = z.infer<typeof tapTimelineSchema>;

// ---- exports ---------------------------------------------------------------------

export const EXPORT_KINDS = ['reconstruction-mp4', 'side-by-side-mp4', 'diff-mp4', 'latents', 'metrics-csv', 'metrics-json'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export const exportSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('clip'), clipId: id }).strict(),
  z.object({ kind: z.literal('video'), videoId: id }).strict(),
]);
export type ExportSource = z.infer<typeof exportSourceSchema>;

export const DIFF_MODES = ['abs', 'signed'] as const;
export type DiffMode = (typeof DIFF_MODES)[number];
export const diffSettingsSchema = z.object({ mode: z.enum(DIFF_MODES), gain: z.number().min(1).max(256) }).strict();
export type DiffSettings = z.infer<typeof diffSettingsSchema>;

export const prepareExportRequestSchema = z
  .object({ taskId: id, source: exportSourceSchema, what: z.enum(EXPORT_KINDS), diff: diffSettingsSchema.optional() })
  .strict();
export const exportFileSchema = z.object({ exportId: id, fileName: z.string(), mime: z.string(), bytes: count });
export type ExportFile = z.infer<typeof exportFileSchema>;
export const exportInfoRequestSchema = z.object({ exportId: id }).strict();
/** Where the prepared file lies (the engine's private folder): Electron main copies it, serve streams it. */
export const exportInfoSchema = exportFileSchema.extend({ path: z.string() });
