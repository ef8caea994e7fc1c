// Exact multi-level Haar analysis and synthesis with WF-VAE's semantics.
export { haar3d, inverseHaar3d, ORTHONORMAL_HAAR3D_COEFFICIENT, SIGN_3D, type Haar3dOptions } from './haar3d';
export { haar2d, inverseHaar2d, SIGN_2D } from './haar2d';
export {
  maxHaarLevels,
  multiLevelHaar3d,
  reconstructMultiLevel,
  splitSubbands,
  joinSubbands,
  type HaarLevel,
} from './multilevel';
export { subbandEnergy, ENERGY_NOTE } from './energy';
export { fitForHaarLevels, maxLevelsAfterCrop, type FittedClip } from './fit';
export { subbandView, viewOfLevels, lumaTile, LUMA_WEIGHTS, TILE_NOTE } from './view';
export {
  SUBBANDS_3D,
  SUBBANDS_2D,
  coefficientFrameFor,
  type Subband3D,
  type Subband2D,
  type EnergyReport,
  type SubbandTile,
  type SubbandView,
} from '../../shared/subbands';
