// Video I/O through ffmpeg: probing, decoding to (3, T, H, W) float32 in
// [-1, 1] with frame sampling and resizing, mp4 and png writing.
export { VideoError, isVideoError, type VideoErrorCode } from './errors';
export { setFfmpegPaths, videoTool, type FfmpegPaths, type VideoTool } from './ffmpeg-paths';
export { probeVideo, type VideoInfo, type ProbeOptions } from './probe';
export { countDecodableFrames, type FrameCount } from './frame-count';
export { DEFAULT_MAX_VOXELS, snapFrames, resizedSize, planDecode, claimedFramesNote, validateDecodeOptions, type DecodeOptions, type DecodePlan } from './plan';
export { decodeVideo, decodeVideoChunks, type DecodedClip, type VideoChunk, type ChunkPlan } from './decode';
export { encodeMp4, createMp4Writer, type Mp4Writer, type Mp4WriterOptions } from './encode-mp4';
export { encodePng, encodePngBytes } from './png';
export { toRgb8, type VideoTensor } from './rgb';
