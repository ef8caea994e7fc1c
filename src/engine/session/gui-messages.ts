// Engine messages said in the app's terms. The engine's own texts name the
// CLI's flags (--frames, --size); the app's user has the Clip selection panel
// instead, so the session says what to do there.
import { VideoError } from '../video/errors';

/** A decode over the voxel limit, with what to change in the Clip selection panel. */
export function guiTooLarge(d: Readonly<Record<string, number>>): string {
  const fit = d.fitFrames >= 1 ? `at most ${d.fitFrames} frame${d.fitFrames === 1 ? '' : 's'} fit${d.fitFrames === 1 ? 's' : ''} at this size` : 'not even one frame fits at this size';
  return (
    `The clip would be ${d.frames} frames of ${d.width}×${d.height} (${d.voxels.toLocaleString('en-US')} voxels), over the limit of ` +
    `${d.maxVoxels.toLocaleString('en-US')}. In the Clip selection panel, lower Frames (${fit}) or pick a smaller Size such as 256, ` +
    'then press Decode selection.'
  );
}

/** Rewrites an engine error for the app where it has app terms; other errors pass unchanged. */
export function forTheApp(err: unknown): unknown {
  if (err instanceof VideoError && err.code === 'too_large' && err.detail) err.message = guiTooLarge(err.detail);
  return err;
}
