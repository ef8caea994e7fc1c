// The pathway view's part of the app's API: the loaded model drawn as the
// paper draws it (nodes and edges from its own config and graph, in
// ModelInfo.pathway), the live values on every node at one frame, one node in
// full, and what the Causal Cache carried across each chunk boundary.
// Registered in contract.ts's method table.
import { z } from 'zod';
import { f32Schema } from './typed-arrays';

const id = z.string().min(1).max(128);
const count = z.number().int().nonnegative();
const finite = z.number();

// ---- the diagram, from the model's config and graph -------------------------

export const PATHWAY_ROLES = ['video', 'haar', 'inverse-haar', 'stage', 'inflow', 'outflow', 'join', 'latent'] as const;
export type PathwayRole = (typeof PATHWAY_ROLES)[number];
export const PATHWAY_EDGE_KINDS = ['backbone', 'inflow', 'outflow', 'wavelet'] as const;
export type PathwayEdgeKind = (typeof PATHWAY_EDGE_KINDS)[number];

export const pathwayNodeSpecSchema = z.object({
  /** A tap name (enc.l1, pw.dec.up2, …), mean / logvar, video.in / video.out, or join.* (no tensor of its own). */
  id: z.string().min(1).max(64),
  label: z.string(),
  side: z.enum(['input', 'encoder', 'latent', 'decoder', 'output']),
  role: z.enum(PATHWAY_ROLES),
  /** Row: 0 = the backbone, k = wavelet level k (1 = the transform of the video itself). */
  level: count,
  /** How its values are shown: RGB, subband coefficients (3 colour channels per subband), channels, or nothing (joins). */
  display: z.enum(['video', 'coefficients', 'activation', 'join']),
  channels: count,
  /** Coefficient nodes: the subbands, filter-major (8 for a 3D level, 4 for a 2D one). */
  subbands: z.array(z.string()).optional(),
  what: z.string(),
  /** Causal Cache state keys (prefixes) that belong to this node's layers. */
  stateScopes: z.array(z.string()),
  /** Compression relative to the video: time (frames 1 + (T - 1) / time) and space (sides / space). */
  scale: z.object({ time: count, space: count }),
});
export type PathwayNodeSpec = z.infer<typeof pathwayNodeSpecSchema>;

export const pathwayEdgeSpecSchema = z.object({
  id: z.string().min(1).max(160),
  from: z.string(),
  to: z.string(),
  /** inflow / outflow: the energy-flow shortcuts; wavelet: a low band passed down the pyramid or a reconstruction added to the next level's. */
  kind: z.enum(PATHWAY_EDGE_KINDS),
  /** The tensors (channel ranges [from, to) of nodes) whose energy flows along the edge. */
  carriers: z.array(z.object({ node: z.string(), from: count, to: count })).min(1),
  label: z.string(),
});
export type PathwayEdgeSpec = z.infer<typeof pathwayEdgeSpecSchema>;

export const pathwaySpecSchema = z.object({
  className: z.string(),
  /** Wavelet levels (rows below the backbone). */
  levels: count,
  temporalCompression: count,
  spatialCompression: count,
  nodes: z.array(pathwayNodeSpecSchema),
  edges: z.array(pathwayEdgeSpecSchema),
  /** Video frames the decoder holds back for look-ahead (trilinear time upsampling): a seam shows this many frames early. */
  decoderLookAhead: count,
});
export type PathwaySpec = z.infer<typeof pathwaySpecSchema>;

// ---- live values ----------------------------------------------------------

/**
 * What a node shows: `auto` (its natural view), `energy` (RMS over channels per pixel),
 * `rgb` (3-channel nodes), `ch:N` (one channel, signed) or `sb:NAME` (a subband's luma).
 */
export const pathwaySelectSchema = z.string().regex(/^(auto|energy|rgb|ch:\d{1,4}|sb:[LH]{2,3})$/);

export const pathwayImageSchema = z.object({
  label: z.string(),
  width: count,
  height: count,
  /** 1 value per pixel, or 3 interleaved (rgb). */
  channels: z.union([z.literal(1), z.literal(3)]),
  data: f32Schema,
  min: finite,
  max: finite,
  colormap: z.enum(['sequential', 'diverging', 'rgb']),
  /** Each pixel averages pooled × pooled pixels of the tensor (1 = full resolution). */
  pooled: count,
});
export type PathwayImage = z.infer<typeof pathwayImageSchema>;

const nodeValuesSchema = z.object({
  id: z.string(),
  /** False where this run has no values for the node (stage taps come from Causal Cache runs only). */
  available: z.boolean(),
  note: z.string().optional(),
  /** The node's own frame shown for the video frame, and how many it has. */
  tapFrame: count,
  tapFrames: count,
  /** (C, T, H, W) */
  shape: z.array(count),
  dtype: z.literal('float32'),
  /** Range over all channels at the shown frame. */
  min: finite,
  max: finite,
  /** Sum of squares over all channels at the shown frame. */
  energy: finite,
  select: z.string(),
  thumb: pathwayImageSchema.nullable(),
});
export type PathwayNodeValues = z.infer<typeof nodeValuesSchema>;

export const getPathwayRequestSchema = z
  .object({
    clipId: id,
    t: count,
    /** Longest side of the thumbnails (pooled down to it). */
    thumbSide: z.number().int().min(8).max(128).optional(),
    select: z.record(z.string().max(64), pathwaySelectSchema).optional(),
  })
  .strict();

export const pathwayFrameSchema = z.object({
  clipId: id,
  modelId: id,
  frame: count,
  frames: count,
  /** How the reconstruction the values come from ran. */
  run: z.object({ mode: z.enum(['whole', 'cached']), encChunk: count.nullable(), decChunk: count.nullable() }),
  nodes: z.array(nodeValuesSchema),
  /** Energy flowing along each edge at the shown frame (sum of squares of its carriers at their frames). */
  edges: z.array(z.object({ id: z.string(), energy: finite })),
});
export type PathwayFrame = z.infer<typeof pathwayFrameSchema>;

export const getPathwayNodeRequestSchema = z.object({ clipId: id, node: z.string().min(1).max(64), t: count, select: pathwaySelectSchema.optional() }).strict();

export const pathwayNodeSchema = z.object({
  clipId: id,
  node: z.string(),
  select: z.string(),
  tapFrame: count,
  tapFrames: count,
  shape: z.array(count),
  dtype: z.literal('float32'),
  /** As large as the engine keeps it: full resolution, or pooled for the backbone stages. */
  image: pathwayImageSchema,
  /** Energy of the selection (sum of squares) in each of the node's frames. */
  energy: z.array(finite),
  /** Range of the selection over all frames. */
  min: finite,
  max: finite,
});
export type PathwayNode = z.infer<typeof pathwayNodeSchema>;

// ---- the Causal Cache across chunk boundaries ----------------------------------

export const getCacheFlowRequestSchema = z.object({ clipId: id, run: z.enum(['chunking', 'reconstruct']) }).strict();

const carriedStateSchema = z.object({
  name: z.string(),
  kind: z.enum(['conv', 'upsample', 'fifo']),
  frames: count,
  shape: z.array(count),
  bytes: count,
  /** The pathway node whose layers hold it. */
  node: z.string().nullable(),
});

export const cacheFlowSchema = z.object({
  clipId: id,
  modelId: id,
  run: z.enum(['chunking', 'reconstruct']),
  encChunk: count,
  decChunk: count,
  states: z.object({ encoder: z.array(carriedStateSchema), decoder: z.array(carriedStateSchema) }),
  boundaries: z.array(
    z.object({
      side: z.enum(['encoder', 'decoder']),
      chunk: count,
      /** Input frames of the chunk just run (video frames, or latent frames for the decoder). */
      input: z.tuple([count, count]),
      /** The video frame where the next chunk begins: the seam in the Chunking view. */
      videoFrame: count,
      /** Sum of squares of each state of that side, in order. */
      energy: z.array(finite),
    }),
  ),
});
export type CacheFlow = z.infer<typeof cacheFlowSchema>;
