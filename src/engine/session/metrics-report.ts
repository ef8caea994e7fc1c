// Per-frame PSNR/SSIM as CSV and JSON files that carry their own context:
// which model, which part of which video, and how the numbers were measured,
// so a file found months later still says what it is.

export const PSNR_DESCRIPTION =
  'PSNR = 10 log10(range^2 / MSE) with range 2 (video in [-1, 1]); the clip value comes from the MSE over all frames, per frame from that frame\'s MSE; identical frames have infinite PSNR (written as inf).';

export interface MetricsReport {
  model: { className: string; path: string; provider: string };
  source: { name: string; path: string; frames: number; fps: number; width: number; height: number };
  selection: {
    start: number;
    frames: number;
    sampleRate: number;
    size: number | 'native';
    snap: number;
    firstFrame: number;
    lastFrame: number;
    width: number;
    height: number;
    fps: number;
  };
  protocol: { psnr: string; ssim: string; inference: string; decodedFrom: string; clipping: string };
  summary: { frames: number; psnr: number | null; ssim: number; seconds: number };
  /** Clip frame, source frame, PSNR (dB, null = identical), SSIM. */
  perFrame: { frame: number; sourceFrame: number; psnr: number | null; ssim: number }[];
}

const csvField = (v: string) => (/[",\n#]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** CSV with the context as leading `#` lines (pandas: read_csv(f, comment='#')). */
export function metricsCsv(r: MetricsReport, createdAt = new Date().toISOString()): string {
  const s = r.selection;
  const meta = [
    `wfvae-inspector metrics, ${createdAt}`,
    `model: ${r.model.className} ${r.model.path} (${r.model.provider})`,
    `source: ${r.source.name} (${r.source.path || 'uploaded'}), ${r.source.frames} frames, ${r.source.width}x${r.source.height}, ${r.source.fps} fps`,
    `selection: start ${s.start}, frames ${s.frames}, sample rate ${s.sampleRate}, size ${s.size}, snap 1+${s.snap}k -> source frames ${s.firstFrame}..${s.lastFrame}, ${s.width}x${s.height}, ${s.fps} fps`,
    `inference: ${r.protocol.inference}; decoded from ${r.protocol.decodedFrom}; ${r.protocol.clipping}`,
    `psnr: ${r.protocol.psnr}`,
    `ssim: ${r.protocol.ssim}`,
    `clip: ${r.summary.frames} frames, PSNR ${r.summary.psnr === null ? 'inf' : r.summary.psnr.toFixed(4)} dB, SSIM ${r.summary.ssim.toFixed(6)}`,
  ].map((line) => `# ${line.replace(/\n/g, ' ')}`);
  const rows = r.perFrame.map((f) => [String(f.frame), String(f.sourceFrame), f.psnr === null ? 'inf' : f.psnr.toFixed(4), f.ssim.toFixed(6)].map(csvField).join(','));
  return [...meta, 'frame,source_frame,psnr_db,ssim', ...rows].join('\n') + '\n';
}

export function metricsJson(r: MetricsReport, createdAt = new Date().toISOString()): string {
  return `${JSON.stringify({ tool: 'wfvae-inspector', createdAt, ...r }, null, 2)}\n`;
}
