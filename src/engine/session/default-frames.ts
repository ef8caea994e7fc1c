// What to decode when the user does not say. The Subbands view opens at 3
// Haar levels, which need T = 1 + 8k frames (WF-VAE itself needs 1 + 4k);
// large sources are resized to a 256 short side (WF-VAE's training size) and
// the frame count is capped so the decoded clip stays within the decoder's
// voxel limit.
import { DEFAULT_MAX_VOXELS } from '../video/plan';

export const DEFAULT_MAX_FRAMES = 65;
/** Sources whose short side is above this are resized for interactive viewing. */
export const DEFAULT_RESIZE_ABOVE = 512;
export const DEFAULT_SIZE = 256;

export interface DefaultDecode {
  frames: number;
  size?: number;
  temporalMultiple: 8;
}

export function defaultDecodeOptions(
  probe: { frames: number; width: number; height: number; isImage: boolean },
  requested: { frames?: number; size?: number },
): DefaultDecode {
  const size = requested.size ?? (Math.min(probe.width, probe.height) > DEFAULT_RESIZE_ABOVE ? DEFAULT_SIZE : undefined);
  if (requested.frames !== undefined) return { frames: requested.frames, size, temporalMultiple: 8 };
  if (probe.isImage || probe.frames <= 1) return { frames: 1, size, temporalMultiple: 8 };
  const short = Math.min(probe.width, probe.height);
  const scale = size ? size / short : 1;
  const pixels = Math.max(1, Math.round(probe.width * scale) * Math.round(probe.height * scale));
  const fit = Math.max(1, Math.floor(DEFAULT_MAX_VOXELS / pixels));
  const n = Math.min(probe.frames, DEFAULT_MAX_FRAMES, fit);
  return { frames: 1 + 8 * Math.floor((n - 1) / 8), size, temporalMultiple: 8 };
}
