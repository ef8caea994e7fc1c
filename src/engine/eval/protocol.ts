// Evaluation protocols: which frames, what size, how the reconstruction is
// saved and how PSNR is pooled. Numbers from different tools disagree mostly
// because of these choices, so every result file carries the resolved protocol.
//
// `wfvae-paper` is the public reference's pipeline (PKU-YuanGroup/WF-VAE),
// step by step (eval/reference/pipeline.ts says where each step is in its code):
// - frames: examples/eval.sh evaluates NUM_FRAMES=33, SAMPLE_RATE=1, RESOLUTION=256,
//   crop_size=256; the readers take np.linspace(0, 33*rate - 1, 33, dtype=int) from frame 0 and
//   raise "video too short!" on shorter clips (we skip those clips and say so);
// - reading: rgb24 as decord converts it (FFmpeg's scale filter, default flags);
// - size: torchvision's Resize(256) (bilinear, antialias, align_corners=False; long side int()),
//   computed here as torch computes it (eval/reference/aa-resize.ts), then CenterCropVideo 256x256
//   (offset int(round((side - 256) / 2)), round half to even);
// - input: the clip cast to bfloat16, then x * 2 - 1 in bfloat16: the model's input, and the
//   source of the saved originals; the model's output rounded to bfloat16 (the reference runs the
//   model in bf16 on a GPU; we run it in float32, which the results say);
// - saving: custom_to_video for both: clamp to [-1, 1], (x + 1) / 2 in bfloat16, (255 * x) in
//   float32, truncated to uint8; with --reference-io through an mp4v file as OpenCV writes it and
//   back as decord reads it (eval/reference/mp4v.ts);
// - evaluation: the evaluation's resize (align_corners=True, the identity at 256x256) and crop;
//   PSNR: cal_psnr.py, per frame 20 log10(1 / sqrt(mse)) on [0, 1], then the mean over frames
//   (100 when infinite); SSIM: cal_ssim.py, 11x11 Gaussian (sigma 1.5), C1 = 0.01^2,
//   C2 = 0.03^2 on [0, 1], valid region, per channel, mean over channels, then over frames;
//   LPIPS: cal_lpips.py, lpips.LPIPS(net='alex', spatial=True) on [-1, 1], original first.
// Overriding the quantisation leaves the reference's saving for ffmpeg's resize and the plain
// quantiser (the `ffmpeg` pipeline, which per-video uses).
//
// `per-video` is how some tokenizer benchmarks report: one MSE over the whole
// video in 8 bits (rounded), all frames, native size.

export const PRESET_NAMES = ['wfvae-paper', 'per-video'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** How the reconstruction becomes a saved video before it is measured. */
export const QUANTIZE_MODES = ['float', 'uint8-round', 'uint8-floor'] as const;
export type QuantizeMode = (typeof QUANTIZE_MODES)[number];

/**
 * 'reference': the reference's reader, resize, bf16 input and saving (eval/reference/);
 * 'ffmpeg': ffmpeg's resize to the model's input, which is also the original; the reconstruction quantised.
 */
export type PixelPipeline = 'reference' | 'ffmpeg';

/** How per-frame errors pool into a clip's PSNR. */
export type PsnrPooling = 'mean-of-frames' | 'video-mse';

export interface EvalProtocol {
  preset: PresetName;
  /** Overrides the user gave on top of the preset (already applied below). */
  overrides: Partial<ProtocolOverrides>;
  /** null: every frame (snapped to 1 + mk). */
  frames: number | null;
  /** Clips with fewer frames are skipped rather than evaluated shorter. */
  exactFrames: boolean;
  start: number;
  sampleRate: number;
  /** Short side after resizing; null: native size. */
  size: number | null;
  /** Centre crop after the resize; null: crop to multiples of 8 only. */
  crop: { width: number; height: number } | null;
  quantize: QuantizeMode;
  pipeline: PixelPipeline;
  /** Reference pipeline only: both videos through an mp4v file and back before measuring (--reference-io). */
  referenceIo: boolean;
  /**
   * Reference pipeline only: where the centre crop happens. 'input': on the model's input (recon_video.py
   * with --crop_size_width/--crop_size_height), the default; 'eval': only in eval.py, the model seeing the
   * whole resized frame (recon_video.py without crop flags, as examples/gen_video.sh runs it).
   */
  referenceCrop: ReferenceCrop;
  /** Reference pipeline only: the public reference's command lines this protocol reproduces. */
  referenceCommands: { reconVideo: string; eval: string } | null;
  /** The model's arithmetic here (the reference's is bfloat16 on a GPU). */
  modelPrecision: string;
  psnr: PsnrPooling;
  /** Clip PSNR used when the pooled value is infinite (identical frames). */
  psnrCap: number | null;
  description: string;
}

export const REFERENCE_CROPS = ['input', 'eval'] as const;
export type ReferenceCrop = (typeof REFERENCE_CROPS)[number];

export interface ProtocolOverrides {
  frames: number | null;
  start: number;
  sampleRate: number;
  size: number | null;
  crop: { width: number; height: number } | null;
  quantize: QuantizeMode;
  referenceIo: boolean;
  referenceCrop: ReferenceCrop;
}

const PRESETS: Record<PresetName, Omit<EvalProtocol, 'overrides'>> = {
  'wfvae-paper': {
    preset: 'wfvae-paper',
    frames: 33,
    exactFrames: true,
    start: 0,
    sampleRate: 1,
    size: 256,
    crop: { width: 256, height: 256 },
    quantize: 'uint8-floor',
    pipeline: 'reference',
    referenceIo: false,
    referenceCrop: 'input',
    referenceCommands: null,
    modelPrecision: 'float32 (the reference runs its model in bfloat16)',
    psnr: 'mean-of-frames',
    psnrCap: 100,
    description:
      'The WF-VAE reference pipeline: the first 33 frames (np.linspace, sample rate 1) read as decord reads them, ' +
      "torchvision's Resize to a 256 short side (torch bilinear, antialias), a 256x256 centre crop (round half to even), " +
      'the input x*2-1 in bfloat16 (also the source of the originals), the output rounded to bfloat16, both saved clamped and truncated to 8 bits; ' +
      'PSNR = mean over frames of per-frame PSNR on [0, 1], SSIM 11x11 Gaussian (sigma 1.5) per channel on the valid region, LPIPS (AlexNet, spatial) on [-1, 1]. ' +
      'The model runs in float32 here (bfloat16 in the reference).',
  },
  'per-video': {
    preset: 'per-video',
    frames: null,
    exactFrames: false,
    start: 0,
    sampleRate: 1,
    size: null,
    crop: null,
    quantize: 'uint8-round',
    pipeline: 'ffmpeg',
    referenceIo: false,
    referenceCrop: 'input',
    referenceCommands: null,
    modelPrecision: 'float32',
    psnr: 'video-mse',
    psnrCap: null,
    description:
      'One MSE per video: every frame (1 + 4k), native size cropped to multiples of 8, reconstruction rounded to 8 bits, ' +
      'PSNR = 10 log10(255^2 / MSE over the whole video).',
  },
};

export function isPresetName(s: string): s is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(s);
}

export function resolveProtocol(preset: PresetName, overrides: Partial<ProtocolOverrides> = {}): EvalProtocol {
  const base = PRESETS[preset];
  const p: EvalProtocol = { ...base, crop: base.crop ? { ...base.crop } : null, overrides: { ...overrides } };
  if (overrides.frames !== undefined) {
    p.frames = overrides.frames;
    p.exactFrames = overrides.frames !== null;
  }
  if (overrides.start !== undefined) p.start = overrides.start;
  if (overrides.sampleRate !== undefined) p.sampleRate = overrides.sampleRate;
  if (overrides.size !== undefined) p.size = overrides.size;
  if (overrides.crop !== undefined) p.crop = overrides.crop ? { ...overrides.crop } : null;
  if (overrides.quantize !== undefined && overrides.quantize !== p.quantize) {
    p.quantize = overrides.quantize;
    // The reference's saving is its own (bf16, truncation): another quantiser means the plain pipeline.
    p.pipeline = 'ffmpeg';
  }
  if (overrides.referenceIo) {
    if (p.pipeline !== 'reference') throw new Error('--reference-io imitates the reference\'s mp4v write and read-back: it needs the wfvae-paper pipeline (no --quantize override, not --preset per-video)');
    p.referenceIo = true;
  }
  if (overrides.referenceCrop !== undefined) {
    if (p.pipeline !== 'reference') throw new Error("--reference-crop says where the reference's pipeline crops: it needs the wfvae-paper pipeline (no --quantize override, not --preset per-video)");
    if (overrides.referenceCrop === 'eval' && !p.crop) throw new Error('--reference-crop eval crops in the evaluation only: it needs a crop (--crop WxH, not none)');
    p.referenceCrop = overrides.referenceCrop;
  }
  if (p.crop && p.size === null) throw new Error('a crop needs a resize first: give --size as well (the short side before the centre crop)');
  // Which side is short depends on the clip; at least the crop's smaller side must fit the short side.
  if (p.crop && p.size !== null && Math.min(p.crop.width, p.crop.height) > p.size) {
    throw new Error(`the ${p.crop.width}x${p.crop.height} crop is larger than the ${p.size}-pixel short side; lower --crop or raise --size`);
  }
  const changed = Object.keys(overrides).filter((k) => k !== 'referenceIo' && k !== 'referenceCrop');
  if (p.pipeline === 'reference') p.referenceCommands = referenceCommands(p);
  if (p.referenceCrop === 'eval') p.description += ' The model sees the whole resized frame (cut to multiples of 8 where it is not); the centre crop is the evaluation\'s only (--reference-crop eval).';
  if (p.referenceIo) p.description += ' Both videos pass through an mp4v file (OpenCV\'s writer settings) and back before measuring (--reference-io).';
  if (changed.length) p.description += ` Overridden: ${changed.map((k) => `${k}=${JSON.stringify(overrides[k as keyof ProtocolOverrides])}`).join(', ')}.`;
  return p;
}

/**
 * The public reference's commands (PKU-YuanGroup/WF-VAE scripts/recon_video.py, then scripts/eval.py) that
 * this protocol reproduces. recon_video.py has no --crop_size (argparse refuses it as an ambiguous prefix of
 * --crop_size_width and --crop_size_height); --output_origin saves the originals eval.sh reads from origin/.
 */
export function referenceCommands(p: Pick<EvalProtocol, 'frames' | 'start' | 'sampleRate' | 'size' | 'crop' | 'referenceCrop'>): { reconVideo: string; eval: string } {
  const frames = p.frames === null ? 'every frame (no such flag: --num_frames is fixed there)' : String(p.frames);
  const size = p.size === null ? 'native (no such flag: --resolution always resizes there)' : String(p.size);
  const crop = p.crop ? (p.crop.width === p.crop.height ? String(p.crop.width) : `${p.crop.width}x${p.crop.height} (eval.py crops squares only)`) : null;
  const modelCrop = p.crop && p.referenceCrop === 'input' ? ` --crop_size_width ${p.crop.width} --crop_size_height ${p.crop.height}` : '';
  const start = p.start ? ` (from frame ${p.start}: the reference always starts at 0)` : '';
  return {
    reconVideo: `scripts/recon_video.py --num_frames ${frames} --sample_rate ${p.sampleRate} --resolution ${size}${modelCrop} --output_origin --sample_fps 24${start}`,
    eval: `scripts/eval.py --num_frames ${frames} --sample_rate ${p.sampleRate} --resolution ${size}${crop ? ` --crop_size ${crop}` : ''}`,
  };
}

/** The video decoding this protocol asks for (the engine's DecodeOptions fields): the model's input. */
export function decodeOptionsOf(p: EvalProtocol): { start: number; sampleRate: number; frames?: number; size?: number; crop?: { width: number; height: number } } {
  const o: ReturnType<typeof decodeOptionsOf> = { start: p.start, sampleRate: p.sampleRate };
  if (p.frames !== null) o.frames = p.frames;
  if (p.size !== null) o.size = p.size;
  // --reference-crop eval: the model takes the whole resized frame (multiples of 8).
  if (p.crop && p.referenceCrop !== 'eval') o.crop = { ...p.crop };
  return o;
}

/** Parses "256x256", "256" (square) or "none". */
export function parseCrop(text: string): { width: number; height: number } | null {
  if (text === 'none') return null;
  const m = /^(\d+)(?:x(\d+))?$/.exec(text);
  if (!m) throw new Error(`crop must be WxH (e.g. 256x256), one number for a square, or none (got "${text}")`);
  const width = Number(m[1]);
  const height = Number(m[2] ?? m[1]);
  if (width % 8 !== 0 || height % 8 !== 0 || width === 0 || height === 0) {
    throw new Error(`crop sides must be positive multiples of 8 (got ${width}x${height}); the model needs both divisible by 8`);
  }
  return { width, height };
}
