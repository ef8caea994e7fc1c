// Names and result shapes of the Haar subband analysis, shared by the engine,
// the CLI and the renderer (so nothing here may import Node or the engine).

/**
 * The eight 3D Haar subbands in the order of WF-VAE's filter bank (reference
 * names h, g, hh, gh, h_v, g_v, hh_v, gh_v). Letters are in axis order
 * (t, h, w): L = sum of the two samples along that axis, H = first minus second.
 */
export const SUBBANDS_3D = ['LLL', 'LLH', 'LHL', 'LHH', 'HLL', 'HLH', 'HHL', 'HHH'] as const;
export type Subband3D = (typeof SUBBANDS_3D)[number];

/** One line for the UI legend. */
export const SUBBAND_3D_AXIS_ORDER =
  'Subband letters are (time, height, width): L = low-pass (sum), H = high-pass (first minus second sample), e.g. LLH = high-pass along width only.';

/**
 * The four 2D Haar subbands per frame, in the reference's order aa, ad, da, dd.
 * Unlike the 3D names these follow the reference's own variable names
 * (low_low, low_high, high_low, high_high): LH (= ad) differences along height
 * (+ top row, - bottom row), HL (= da) differences along width, so the 2D
 * letters read (width, height).
 */
export const SUBBANDS_2D = ['LL', 'LH', 'HL', 'HH'] as const;
export type Subband2D = (typeof SUBBANDS_2D)[number];

export interface SubbandFrameEnergy {
  energy: number;
  /** Of this coefficient frame's energy summed over the level's 8 subbands. */
  share: number;
}

export interface SubbandEnergy {
  name: Subband3D;
  /** Sum of squared coefficients over channels, frames and pixels. */
  energy: number;
  /** Of this level's total (all 8 subbands). */
  share: number;
  /** Of EnergyReport.total (the level-1 coefficient energy). */
  shareOfTotal: number;
  /** One entry per coefficient frame of this level. */
  perFrame: SubbandFrameEnergy[];
}

export interface LevelEnergy {
  level: number;
  /** Coefficient frames at this level. */
  frames: number;
  /** Sum over the 8 subbands. */
  total: number;
  subbands: SubbandEnergy[];
}

export interface EnergyReport {
  levels: LevelEnergy[];
  /** Energy of all level-1 coefficients (= energy of the causally padded input). */
  total: number;
  note: string;
}

/** A single-channel coefficient image: the luma combination of the R, G, B subbands. */
export interface SubbandTile {
  name: Subband3D;
  width: number;
  height: number;
  /** Row-major, width * height values. */
  data: Float32Array;
  min: number;
  max: number;
}

export interface SubbandViewLevel {
  level: number;
  /** The coefficient frame at this level whose support covers the requested video frame. */
  coefficientFrame: number;
  tiles: SubbandTile[];
}

export interface SubbandView {
  frame: number;
  levels: SubbandViewLevel[];
  energy: EnergyReport;
  /** How the tiles were made (luma combination, coefficient), for legends. */
  note: string;
}

/**
 * Causal Haar: the coefficient frame j of one level covers that level's input
 * frames 2j-1 and 2j (frame 0 alone for j = 0), so input frame f lies in
 * coefficient frame ceil(f / 2); deeper levels apply this again.
 */
export function coefficientFrameFor(frame: number, level: number): number {
  let j = frame;
  for (let l = 0; l < level; l++) j = Math.ceil(j / 2);
  return j;
}
