// Reconstruction quality measures on (C, T, H, W) videos.
export { psnr, psnrFromMse, type PsnrOptions, type PsnrResult } from './psnr';
export { ssim, gaussianWindow1d, SSIM_DESCRIPTION, type SsimOptions, type SsimResult } from './ssim';
export { maxAbsDiff, perFrameMaxAbsDiff, frameMaxAbsDiff, type MaxAbsDiff } from './diff';
