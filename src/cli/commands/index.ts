import type { CommandEntry } from '../../hosting/command';

// Each command registers here, in the order `wfvae --help` shows, with the one
// line the usage prints. Its code is imported only when it runs, so a command
// loads what it uses and no more (`wfvae info` never loads onnxruntime).
export const commands: CommandEntry[] = [
  { name: 'info', summary: "print a video's size, frames, fps, codec and duration", load: async () => (await import('./info')).infoCommand },
  { name: 'subbands', summary: 'multi-level Haar subbands of a clip: PNG grids per level and energy.json', load: async () => (await import('./subbands')).subbandsCommand },
  { name: 'serve', summary: 'serve the UI to a local browser (127.0.0.1, token-protected)', load: async () => (await import('./serve')).serveCommand },
  { name: 'convert', summary: 'convert a checkpoint to ONNX graphs (cached by SHA-256)', load: async () => (await import('./convert')).convertCommand },
  { name: 'encode', summary: 'encode a video or tensor to the latent (mean, logvar, taps) as safetensors', load: async () => (await import('./encode')).encodeCommand },
  { name: 'decode', summary: 'decode a latent to video (safetensors or mp4)', load: async () => (await import('./decode')).decodeCommand },
  { name: 'reconstruct', summary: 'encode + decode a video; print PSNR, SSIM, time and provider', load: async () => (await import('./reconstruct')).reconstructCommand },
  { name: 'compare', summary: 'whole-clip vs Causal Cache vs naive chunking, frame by frame', load: async () => (await import('./compare')).compareCommand },
  { name: 'eval', summary: 'evaluate a folder of clips under a protocol (resumable, shardable); eval merge', load: async () => (await import('./eval')).evalCommand },
  { name: 'latent-stats', summary: 'per-channel latent mean/std/histogram/correlation; suggested shift and scale (shardable; latent-stats merge)', load: async () => (await import('./latent-stats')).latentStatsCommand },
  { name: 'compare-models', summary: 'model A vs model B (another checkpoint, BF16/F16 weights, fp16 execution) on one clip', load: async () => (await import('./compare-models')).compareModelsCommand },
  { name: 'doctor', summary: 'checkpoint health: SHA-256, weight stats (NaN/Inf/zero/outliers), config vs weights, variant, CPU-GPU parity', load: async () => (await import('./doctor')).doctorCommand },
];
