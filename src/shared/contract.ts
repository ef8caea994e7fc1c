// The one API between the UI and the engine. Electron IPC (preload <-> main)
// and serve mode (HTTP) both carry exactly these methods; every receiving side
// validates what it gets with the schemas below. A new method is one entry in
// `apiMethods` plus its implementation in the engine session.
import { z } from 'zod';
import { SUBBANDS_3D } from './subbands';
import {
  abFrameSchema,
  compareModelsRequestSchema,
  frequencySchema,
  getAbFrameRequestSchema,
  getFrequencyRequestSchema,
  getLatentStatsRequestSchema,
  latentStatsSchema,
  modelComparisonSchema,
} from './diagnostics-contract';

import { f32Schema, u8Schema } from './typed-arrays';
import * as wf from './workflow-contract';
import * as pw from './pathway-contract';
import { parseHubModelId } from './hub-id';

export { f32Schema, u8Schema };

const id = z.string().min(1).max(128);
const count = z.number().int().nonnegative();
// zod 4 numbers already refuse NaN and Infinity.
const finite = z.number();

export const MAX_LEVELS_LIMIT = 8;
/** Uploads over HTTP (serve mode) larger than this are refused. */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

// ---- requests -------------------------------------------------------------

export const decodeOptionsSchema = z
  .object({
    /** Frames to decode from the start (default: the engine's default clip length). */
    frames: z.number().int().positive().max(4096).optional(),
    start: z.number().int().nonnegative().optional(),
    sampleRate: z.number().int().positive().max(64).optional(),
    /** Resize so the short side is this many pixels (a multiple of 8), then centre-crop to multiples of 8. */
    size: z.number().int().positive().max(8192).multipleOf(8).optional(),
  })
  .strict();

export const openVideoRequestSchema = z
  .object({
    taskId: id,
    source: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }).strict(),
      z
        .object({
          kind: z.literal('bytes'),
          /** The file's own name, for display and for ffmpeg's format guess. */
          name: z.string().min(1).max(255),
          bytes: u8Schema.refine((b) => b.byteLength > 0 && b.byteLength <= MAX_UPLOAD_BYTES, {
            message: `file must be between 1 byte and ${MAX_UPLOAD_BYTES / 2 ** 20} MiB`,
          }),
        })
        .strict(),
    ]),
    options: decodeOptionsSchema.optional(),
    /** A full clip selection (the Clip panel, a remembered one); replaces options. */
    selection: wf.clipSelectionSchema.optional(),
  })
  .strict();

export const getFrameRequestSchema = z.object({ clipId: id, t: count }).strict();

export const getSubbandsRequestSchema = z
  .object({ clipId: id, t: count, levels: z.number().int().min(1).max(MAX_LEVELS_LIMIT), taskId: id.optional() })
  .strict();

export const cancelRequestSchema = z.object({ taskId: id }).strict();
export const closeClipRequestSchema = z.object({ clipId: id }).strict();
export const emptyRequestSchema = z.object({}).strict();

// ---- responses ------------------------------------------------------------

export const clipInfoSchema = z.object({
  clipId: id,
  /** File name shown to the user. */
  name: z.string(),
  path: z.string(),
  codec: z.string(),
  isImage: z.boolean(),
  /** Size of the decoded clip (after any resize). */
  width: count,
  height: count,
  /** Decoded frames T. */
  frames: count,
  fps: finite,
  /** The source file's own size and length: `frames` decode; `claimedFrames`, when set, is the larger count its container claims (a truncated file). */
  source: z.object({ width: count, height: count, frames: count, fps: finite, durationSec: finite, claimedFrames: count.nullable().optional() }),
  /** Source frame number of each decoded frame. */
  frameIndices: z.array(count),
  maxLevels: count,
  notes: z.array(z.string()),
  /** The selection this clip was decoded with (defaults filled in), for the Clip panel. */
  selection: wf.clipSelectionSchema,
});
export type ClipInfo = z.infer<typeof clipInfoSchema>;

export const frameSchema = z.object({
  clipId: id,
  t: count,
  width: count,
  height: count,
  /** width * height * 4 bytes, ready for ImageData. */
  rgba: u8Schema,
});
export type Frame = z.infer<typeof frameSchema>;

const subbandName = z.enum(SUBBANDS_3D);

export const subbandTileSchema = z.object({
  name: subbandName,
  width: count,
  height: count,
  data: f32Schema,
  min: finite,
  max: finite,
});

export const energyReportSchema = z.object({
  levels: z.array(
    z.object({
      level: count,
      frames: count,
      total: finite,
      subbands: z.array(
        z.object({
          name: subbandName,
          energy: finite,
          share: finite,
          shareOfTotal: finite,
          perFrame: z.array(z.object({ energy: finite, share: finite })),
        }),
      ),
    }),
  ),
  total: finite,
  note: z.string(),
});

export const subbandsSchema = z.object({
  clipId: id,
  frame: count,
  levels: z.array(z.object({ level: count, coefficientFrame: count, tiles: z.array(subbandTileSchema) })),
  energy: energyReportSchema,
  note: z.string(),
});
export type Subbands = z.infer<typeof subbandsSchema>;

export const cancelResultSchema = z.object({
  cancelled: z.boolean(),
  /** Why nothing was cancelled (no such task running or queued). */
  message: z.string().optional(),
});
export const closeClipResultSchema = z.object({ closed: z.boolean() });
export const listClipsResultSchema = z.object({ clips: z.array(clipInfoSchema) });

// ---- model views (reconstruct, chunking, energy flow, latent) ---------------

const modelPath = z.string().min(1).max(4096);
/** dB; null where the two are identical (infinite PSNR), which JSON cannot carry. */
const decibels = z.number().nullable();

export const loadModelRequestSchema = z
  .object({
    taskId: id,
    /**
     * A checkpoint folder (config.json + safetensors, converted and cached), a converted folder, or a
     * Hugging Face id where no such folder exists; default: the session's default model.
     */
    path: modelPath.optional(),
    /** A model on the Hugging Face Hub, `org/name[@revision][:subfolder]` (never read as a folder); from the shared cache, else downloaded. */
    hub: z
      .string()
      .max(600)
      .refine((t) => parseHubModelId(t).ok, { error: (i) => { const r = parseHubModelId(String(i.input)); return r.ok ? 'invalid' : r.error; } })
      .optional(),
  })
  .strict()
  .refine((r) => !(r.path && r.hub), { error: 'give either path or hub, not both' });

export const tapInfoSchema = z.object({
  name: z.string(),
  side: z.enum(['encoder', 'decoder']),
  channels: count,
  what: z.string(),
});

export const chunkingVerdictSchema = z.object({
  exact: z.boolean(),
  /** One line, e.g. "GroupNorm over time in 36 layers: cannot be exact". */
  headline: z.string(),
  message: z.string(),
  /** Layers that mix frames (GroupNorm over time, AttnBlock3D), counted and in words ("" when exact). */
  timeMixingLayers: count,
  timeMixing: z.string(),
});
export type ChunkingVerdictInfo = z.infer<typeof chunkingVerdictSchema>;

/** Where a model runs, as the engine proved it at load (see runtime/execution.ts). */
export const executionInfoSchema = z.object({
  requested: z.string(),
  provider: z.string(),
  /** e.g. "webgpu: 1103 of 1292 nodes; 189 on CPU (shape arithmetic)", from onnxruntime's profile. */
  summary: z.string(),
  adapter: z.object({ kind: z.string(), detail: z.string() }).nullable(),
  /** Providers passed over, with why. */
  fallbacks: z.array(z.object({ provider: z.string(), stage: z.string(), graph: z.string().nullable(), error: z.string() })),
  /** A GPU run that failed later, after which the model moved to the CPU. */
  runtimeFallback: z.object({ from: z.string(), graph: z.string(), error: z.string() }).nullable(),
});
export type ExecutionInfo = z.infer<typeof executionInfoSchema>;

/** How a run will go and the memory it needs, said before it starts. */
export const runPlanSchema = z.object({
  mode: z.enum(['whole', 'cached']),
  /** Causal Cache chunk sizes (null for whole-clip runs). */
  encChunk: count.nullable(),
  decChunk: count.nullable(),
  estimateBytes: finite,
  budgetBytes: finite,
  fits: z.boolean(),
  /** One line: the estimate, its parts and the budget; or, when it does not fit, the refusal and what to do. */
  text: z.string(),
  /** Frames the run takes. */
  frames: count,
  /** Wall time from this machine's measured speed; null before anything was measured. */
  seconds: finite.nullable(),
  /** What the time rests on, in words. */
  timeBasis: z.string(),
});
export type RunPlan = z.infer<typeof runPlanSchema>;

/** Where a model from the Hugging Face Hub came from. */
export const hubSourceSchema = z.object({
  repo: z.string(),
  revision: z.string(),
  subfolder: z.string(),
  /** The commit the revision resolved to. */
  commit: z.string(),
  /** True when the shared cache had it all (nothing was downloaded). */
  fromCache: z.boolean(),
  downloadedBytes: count,
  /** The snapshot folder the checkpoint was read from. */
  snapshot: z.string(),
});
export type HubSource = z.infer<typeof hubSourceSchema>;

export const modelInfoSchema = z.object({
  /** Changes with every load, so views can tell results of an older model apart. */
  modelId: id,
  /** What the user gave (or the default that was used): a folder, or a Hugging Face id. */
  path: z.string(),
  /** Set for a model from the Hugging Face Hub. */
  hub: hubSourceSchema.nullable(),
  /** The converted folder the sessions run from. */
  dir: z.string(),
  /** True when nothing had to be converted (cache hit or a converted folder). */
  cached: z.boolean(),
  className: z.string(),
  parameterCount: count,
  latentChannels: count,
  temporalCompression: count,
  causalSafe: z.boolean(),
  provider: z.string(),
  execution: executionInfoSchema,
  taps: z.array(tapInfoSchema),
  chunking: chunkingVerdictSchema,
  /** The model drawn as the pathway view draws it, from its config and graph. */
  pathway: pw.pathwaySpecSchema,
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;
export const getModelResultSchema = z.object({
  model: modelInfoSchema.nullable(),
  /** What loadModel without a path would load: its path, or why there is none (e.g. the demo model is not installed). */
  defaultModel: z.object({ path: z.string().nullable(), error: z.string().nullable() }),
});

export const reconstructRequestSchema = z.object({ taskId: id, clipId: id }).strict();

export const reconstructionSchema = z.object({
  clipId: id,
  modelId: id,
  frames: count,
  width: count,
  height: count,
  psnr: z.object({ clip: decibels, perFrame: z.array(decibels) }),
  ssim: z.object({ clip: finite, perFrame: z.array(finite) }),
  encodeSeconds: finite,
  decodeSeconds: finite,
  provider: z.string(),
  /** How it ran (Causal Cache by default) and the memory it was planned for. */
  plan: runPlanSchema,
  /** (L, t, h, w) of the latent mean. */
  latentShape: z.array(count),
});
export type Reconstruction = z.infer<typeof reconstructionSchema>;

export const planRunsRequestSchema = z.object({ clipId: id }).strict();
/** The plans of the runs a clip's model views can start, before any of them runs. */
export const runPlansSchema = z.object({
  clipId: id,
  /** Reconstruct (Causal Cache with chunks sized to the budget; whole clip for models that cannot chunk exactly). */
  reconstruct: runPlanSchema,
  /** The Chunking view's comparison: its whole-clip ground truth plus the cached and naive reconstructions. */
  compare: runPlanSchema,
  budgetSource: z.string(),
});

export const compareChunkingRequestSchema = z
  .object({
    taskId: id,
    clipId: id,
    encChunk: z.number().int().positive().max(4096),
    decChunk: z.number().int().positive().max(1024),
  })
  .strict();

const deviationSchema = z.object({
  maxAbs: finite,
  psnr: decibels,
  perFrame: z.array(z.object({ maxAbs: finite, psnr: decibels })),
});

export const chunkComparisonSchema = z.object({
  clipId: id,
  modelId: id,
  encChunk: count,
  decChunk: count,
  frames: count,
  /** Video frames where an encoder chunk runs / a decoder chunk starts. */
  boundaries: z.object({ encoder: z.array(count), decoder: z.array(count) }),
  cached: deviationSchema,
  naive: deviationSchema,
  cachedExact: z.boolean(),
  /** Max |cached - whole| at or below this counts as exact. */
  tolerance: finite,
  verdict: chunkingVerdictSchema,
  seconds: z.object({ whole: finite, cached: finite, naive: finite }),
});
export type ChunkComparison = z.infer<typeof chunkComparisonSchema>;

export const MODEL_FRAME_KINDS = ['reconstruction', 'whole', 'cached', 'naive', 'diff-cached', 'diff-naive'] as const;
export type ModelFrameKind = (typeof MODEL_FRAME_KINDS)[number];

export const getModelFrameRequestSchema = z.object({ clipId: id, t: count, kind: z.enum(MODEL_FRAME_KINDS) }).strict();

export const modelFrameSchema = frameSchema.extend({
  kind: z.enum(MODEL_FRAME_KINDS),
  /** Diff images only: the frame's max |a - b| over pixels and channels, and the gain that maps it to full brightness. */
  diff: z.object({ maxAbs: finite, gain: finite }).optional(),
});
export type ModelFrame = z.infer<typeof modelFrameSchema>;

export const MAX_TAP_TILES_LIMIT = 64;
export const getTapsRequestSchema = z
  .object({ clipId: id, t: count, maxTilesPerTap: z.number().int().positive().max(MAX_TAP_TILES_LIMIT).optional() })
  .strict();

export const tapTileSchema = z.object({
  /** Subband name (coefficient taps) or channel label. */
  label: z.string(),
  width: count,
  height: count,
  data: f32Schema,
  min: finite,
  max: finite,
  /** Sequential (low band) or diverging (signed) colouring. */
  colormap: z.enum(['sequential', 'diverging']),
});
export type TapTile = z.infer<typeof tapTileSchema>;

export const tapViewSchema = tapInfoSchema.extend({
  kind: z.enum(['coefficients', 'activation']),
  /** The tap's frame shown for the asked video frame, and how many it has. */
  tapFrame: count,
  tapFrames: count,
  width: count,
  height: count,
  /** Value range over all channels of the shown frame. */
  min: finite,
  max: finite,
  tiles: z.array(tapTileSchema),
  /** Tiles there would be without the cap. */
  totalTiles: count,
  note: z.string(),
});
export type TapView = z.infer<typeof tapViewSchema>;

export const tapsSchema = z.object({ clipId: id, modelId: id, frame: count, frames: count, taps: z.array(tapViewSchema) });
export type Taps = z.infer<typeof tapsSchema>;

export const getLatentRequestSchema = z.object({ clipId: id }).strict();
export const latentSchema = z.object({
  clipId: id,
  modelId: id,
  /** (L, t, h, w) of the latent mean; data is in that order. */
  shape: z.array(count).length(4),
  data: f32Schema,
  channelRanges: z.array(z.object({ min: finite, max: finite })),
  /** Latent frame of each video frame. */
  latentFrameOf: z.array(count),
});
export type Latent = z.infer<typeof latentSchema>;

// ---- events ---------------------------------------------------------------

export const progressEventSchema = z.object({
  type: z.literal('progress'),
  taskId: id,
  /** What is running: 'decode', 'subbands', later 'encode', 'decode-latent', … */
  phase: z.string().min(1).max(64),
  done: count,
  total: count,
  /** Set while the task waits for a heavy-job slot: 1 = next to run. Progress without it means the task is running. */
  queuePosition: z.number().int().positive().optional(),
});
export type ProgressEvent = z.infer<typeof progressEventSchema>;

/**
 * A whole-video run's measures as each block is done, so its charts grow during the run: the
 * per-frame PSNR (null: identical) and SSIM of frames [from, from + psnr.length), and the engine's
 * resident memory after the block.
 */
export const videoBlockEventSchema = z.object({
  type: z.literal('video-block'),
  taskId: id,
  from: count,
  total: count,
  psnr: z.array(finite.nullable()),
  ssim: z.array(finite),
  memory: z.object({ frame: count, rssBytes: count }),
});
export type VideoBlockEvent = z.infer<typeof videoBlockEventSchema>;

/** Sent by the Electron menu (File > Open…) after the user chose a file. */
export const openPathEventSchema = z.object({ type: z.literal('open-path'), path: z.string().min(1) });

/** Sent by the Electron menu (File > Open Model from Hugging Face…): show the Model panel's Hub form. */
export const openHubModelEventSchema = z.object({ type: z.literal('open-hub-model') });

export const apiEventSchema = z.discriminatedUnion('type', [progressEventSchema, videoBlockEventSchema, openPathEventSchema, openHubModelEventSchema]);
export type ApiEvent = z.infer<typeof apiEventSchema>;

// ---- errors ---------------------------------------------------------------

/** How every failure crosses a boundary: a code for programs, a message for people. */
export const apiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
});
export type ApiErrorShape = z.infer<typeof apiErrorSchema>;

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Known codes beyond the engine's own (VideoError codes pass through unchanged). */
export const ERROR_CODES = {
  badRequest: 'BAD_REQUEST',
  unknownClip: 'UNKNOWN_CLIP',
  cancelled: 'CANCELLED',
  internal: 'INTERNAL',
  forbidden: 'FORBIDDEN',
  tooLarge: 'TOO_LARGE',
  /** A run whose memory estimate exceeds the budget; the message has the estimate and what to do. */
  overBudget: 'OVER_BUDGET',
  /** A model view was asked for before a model was loaded or before its run. */
  noModel: 'NO_MODEL',
  noResult: 'NO_RESULT',
} as const;

// ---- the method table -----------------------------------------------------

export const apiMethods = {
  openVideo: { request: openVideoRequestSchema, response: clipInfoSchema },
  getFrame: { request: getFrameRequestSchema, response: frameSchema },
  getSubbands: { request: getSubbandsRequestSchema, response: subbandsSchema },
  cancel: { request: cancelRequestSchema, response: cancelResultSchema },
  closeClip: { request: closeClipRequestSchema, response: closeClipResultSchema },
  listClips: { request: emptyRequestSchema, response: listClipsResultSchema },
  getModel: { request: emptyRequestSchema, response: getModelResultSchema },
  loadModel: { request: loadModelRequestSchema, response: modelInfoSchema },
  reconstruct: { request: reconstructRequestSchema, response: reconstructionSchema },
  planRuns: { request: planRunsRequestSchema, response: runPlansSchema },
  compareChunking: { request: compareChunkingRequestSchema, response: chunkComparisonSchema },
  getModelFrame: { request: getModelFrameRequestSchema, response: modelFrameSchema },
  getTaps: { request: getTapsRequestSchema, response: tapsSchema },
  getLatent: { request: getLatentRequestSchema, response: latentSchema },
  // Diagnostics (diagnostics-contract.ts): frequency view, latent statistics, model vs model.
  getFrequency: { request: getFrequencyRequestSchema, response: frequencySchema },
  getLatentStats: { request: getLatentStatsRequestSchema, response: latentStatsSchema },
  compareModels: { request: compareModelsRequestSchema, response: modelComparisonSchema },
  getAbFrame: { request: getAbFrameRequestSchema, response: abFrameSchema },
  // Workflows (workflow-contract.ts): clip selection, whole-video reconstruction, A/B frames, exports.
  selectClip: { request: wf.selectClipRequestSchema, response: clipInfoSchema },
  estimateClip: { request: wf.estimateClipRequestSchema, response: wf.clipEstimateSchema },
  getThumbnails: { request: wf.getThumbnailsRequestSchema, response: wf.thumbnailsSchema },
  reconstructVideo: { request: wf.reconstructVideoRequestSchema, response: wf.videoResultSchema },
  getFrames: { request: wf.getFramesRequestSchema, response: wf.frameBlockSchema },
  getTapTimeline: { request: wf.getTapTimelineRequestSchema, response: wf.tapTimelineSchema },
  prepareExport: { request: wf.prepareExportRequestSchema, response: wf.exportFileSchema },
  exportInfo: { request: wf.exportInfoRequestSchema, response: wf.exportInfoSchema },
  // The pathway view (pathway-contract.ts): live values on the model's diagram, one node in full, the Causal Cache across chunks.
  getPathway: { request: pw.getPathwayRequestSchema, response: pw.pathwayFrameSchema },
  getPathwayNode: { request: pw.getPathwayNodeRequestSchema, response: pw.pathwayNodeSchema },
  getCacheFlow: { request: pw.getCacheFlowRequestSchema, response: pw.cacheFlowSchema },
} as const;

export type ApiMethodName = keyof typeof apiMethods;
export const API_METHOD_NAMES = Object.keys(apiMethods) as ApiMethodName[];
export type ApiRequest<M extends ApiMethodName> = z.infer<(typeof apiMethods)[M]['request']>;
export type ApiResponse<M extends ApiMethodName> = z.infer<(typeof apiMethods)[M]['response']>;

/** The engine API as both transports present it: one async function per method, plus events. */
export type WfvaeApi = {
  [M in ApiMethodName]: (request: ApiRequest<M>) => Promise<ApiResponse<M>>;
} & {
  /** Returns an unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
};

export function isApiMethod(name: string): name is ApiMethodName {
  return Object.prototype.hasOwnProperty.call(apiMethods, name);
}

/** Validates a request on the receiving side; throws ApiError BAD_REQUEST with the first problems spelled out. */
export function parseRequest<M extends ApiMethodName>(method: M, value: unknown): ApiRequest<M> {
  const r = apiMethods[method].request.safeParse(value);
  if (!r.success) throw new ApiError(ERROR_CODES.badRequest, `invalid ${method} request: ${describeIssues(r.error)}`);
  return r.data as ApiRequest<M>;
}

/** Validates a response on the receiving side (the renderer). */
export function parseResponse<M extends ApiMethodName>(method: M, value: unknown): ApiResponse<M> {
  const r = apiMethods[method].response.safeParse(value);
  if (!r.success) throw new ApiError(ERROR_CODES.internal, `the engine sent an invalid ${method} response: ${describeIssues(r.error)}`);
  return r.data as ApiResponse<M>;
}

export function parseEvent(value: unknown): ApiEvent | undefined {
  const r = apiEventSchema.safeParse(value);
  return r.success ? r.data : undefined;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Turns anything thrown into the wire error shape. */
export function toApiErrorShape(err: unknown): ApiErrorShape {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; name?: unknown };
    const message = typeof e.message === 'string' && e.message ? e.message : String(err);
    if (e.name === 'AbortError') return { code: ERROR_CODES.cancelled, message: 'cancelled' };
    return { code: typeof e.code === 'string' ? e.code : ERROR_CODES.internal, message };
  }
  return { code: ERROR_CODES.internal, message: String(err) };
}

export { IPC } from './ipc-channels';

/** Electron IPC wraps results so that error codes survive (ipcRenderer.invoke loses custom fields of thrown errors). */
export const ipcEnvelopeSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: apiErrorSchema }),
]);
