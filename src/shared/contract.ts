// The one API between the UI and the engine. Electron IPC (preload <-> main)
// and serve mode (HTTP) both carry exactly these methods; every receiving side
// validates what it gets with the schemas below. A new method is one entry in
// `apiMethods` plus its implementation in the engine session.
import { z } from 'zod';
import { SUBBANDS_3D } from './subbands';

/** Typed arrays are checked by tag, not instanceof, so arrays from another realm (context bridge) pass. */
function typedArray<T extends ArrayBufferView>(tag: string): z.ZodType<T> {
  return z.custom<T>(
    (v) => ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === `[object ${tag}]`,
    { message: `expected a ${tag}` },
  );
}
export const u8Schema = typedArray<Uint8Array>('Uint8Array');
export const f32Schema = typedArray<Float32Array>('Float32Array');

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
  /** The source file's own size and length. */
  source: z.object({ width: count, height: count, frames: count, fps: finite, durationSec: finite }),
  /** Source frame number of each decoded frame. */
  frameIndices: z.array(count),
  maxLevels: count,
  notes: z.array(z.string()),
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

export const cancelResultSchema = z.object({ cancelled: z.boolean() });
export const closeClipResultSchema = z.object({ closed: z.boolean() });
export const listClipsResultSchema = z.object({ clips: z.array(clipInfoSchema) });

// ---- events ---------------------------------------------------------------

export const progressEventSchema = z.object({
  type: z.literal('progress'),
  taskId: id,
  /** What is running: 'decode', 'subbands', later 'encode', 'decode-latent', … */
  phase: z.string().min(1).max(64),
  done: count,
  total: count,
});
export type ProgressEvent = z.infer<typeof progressEventSchema>;

/** Sent by the Electron menu (File > Open…) after the user chose a file. */
export const openPathEventSchema = z.object({ type: z.literal('open-path'), path: z.string().min(1) });

export const apiEventSchema = z.discriminatedUnion('type', [progressEventSchema, openPathEventSchema]);
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
} as const;

// ---- the method table -----------------------------------------------------

export const apiMethods = {
  openVideo: { request: openVideoRequestSchema, response: clipInfoSchema },
  getFrame: { request: getFrameRequestSchema, response: frameSchema },
  getSubbands: { request: getSubbandsRequestSchema, response: subbandsSchema },
  cancel: { request: cancelRequestSchema, response: cancelResultSchema },
  closeClip: { request: closeClipRequestSchema, response: closeClipResultSchema },
  listClips: { request: emptyRequestSchema, response: listClipsResultSchema },
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
