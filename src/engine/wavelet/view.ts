// What the UI and the CLI show for one video frame: at every level, the 8
// subband tiles of the coefficient frame covering that frame.
import {
  SUBBANDS_3D,
  coefficientFrameFor,
  type SubbandTile,
  type SubbandView,
} from '../../shared/subbands';
import type { Tensor } from '../tensor';
import { shapeString } from '../tensor';
import { subbandEnergy } from './energy';
import { multiLevelHaar3d, type HaarLevel } from './multilevel';
import type { Haar3dOptions } from './haar3d';

/** Rec. 601 luma weights; the Haar is linear, so this gives the subband of the luma. */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;

export const TILE_NOTE =
  'Tiles are single-channel: 0.299 R + 0.587 G + 0.114 B of the three colour subbands, which (the transform being linear) is the subband of the luma.';

/** The luma tile of one subband (3, T, H, W) at coefficient frame t. */
export function lumaTile(name: SubbandTile['name'], band: Tensor, t: number): SubbandTile {
  const [C, T, H, W] = band.shape;
  if (C !== 3) throw new Error(`lumaTile: expected 3 colour channels, got ${C}`);
  if (t < 0 || t >= T) throw new Error(`lumaTile: coefficient frame ${t} is outside 0..${T - 1}`);
  const n = H * W;
  const data = new Float32Array(n);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let c = 0; c < 3; c++) v += LUMA_WEIGHTS[c] * band.data[(c * T + t) * n + i];
    data[i] = v;
    if (data[i] < min) min = data[i];
    if (data[i] > max) max = data[i];
  }
  // NaN compares false above, so min > max only when no value was a number (or the tile is empty).
  if (min > max) {
    min = 0;
    max = 0;
  }
  return { name, width: W, height: H, data, min, max };
}

export function viewOfLevels(levels: readonly HaarLevel[], frames: number, frame: number): SubbandView {
  if (!Number.isInteger(frame) || frame < 0 || frame >= frames) {
    throw new Error(`frame ${frame} is out of range: the clip has ${frames} frames (0..${frames - 1})`);
  }
  return {
    frame,
    levels: levels.map((lv) => {
      const coefficientFrame = coefficientFrameFor(frame, lv.level);
      return {
        level: lv.level,
        coefficientFrame,
        tiles: SUBBANDS_3D.map((name) => lumaTile(name, lv.subbands[name], coefficientFrame)),
      };
    }),
    energy: subbandEnergy(levels),
    note: TILE_NOTE,
  };
}

/** video: (3, T, H, W) in [-1, 1]. */
export function subbandView(video: Tensor, levels: number, frame: number, opts?: Haar3dOptions & { signal?: AbortSignal }): SubbandView {
  if (video.shape.length !== 4 || video.shape[0] !== 3) {
    throw new Error(`subbandView: expected a (3, T, H, W) RGB video, got shape ${shapeString(video.shape)}`);
  }
  const frames = video.shape[1];
  if (!Number.isInteger(frame) || frame < 0 || frame >= frames) {
    throw new Error(`frame ${frame} is out of range: the clip has ${frames} frames (0..${frames - 1})`);
  }
  return viewOfLevels(multiLevelHaar3d(video, levels, opts), frames, frame);
}
