// The whole source video reconstructed in the app: any length, streamed
// through the Causal Cache encoder and decoder so memory stays flat in T
// (the engine's resident memory is charted per block to show it), with the
// result kept on disk and played in the A/B viewer; per-frame PSNR/SSIM over
// the whole video; exports.
import type { ClipEstimate, VideoResult } from '../../../shared/workflow-contract';
import type { VideoLive } from './video-slice';
import { useStore } from '../store';
import { FrameChart } from '../model/FrameChart';
import { Stat } from '../model/ReconstructView';
import { useEngineQuery } from '../model/use-engine-query';
import { ABViewer } from '../viewer/ABViewer';
import { ExportBar } from './ExportBar';
import { formatCostBytes, formatSeconds } from './SelectionPanel';

const fmtDb = (v: number | null) => (v === null ? '∞ dB' : `${v.toFixed(2)} dB`);
const MB = 2 ** 20;

export function WholeVideoPanel() {
  const clip = useStore((s) => s.clip)!;
  const model = useStore((s) => s.model);
  const video = useStore((s) => s.video);
  const busy = useStore((s) => s.task !== null);
  const run = useStore((s) => s.runVideo);
  const transport = useStore((s) => s.transport);
  const key = model ? `${clip.clipId}|${JSON.stringify(clip.selection)}|${model.modelId}|${video?.videoId ?? ''}` : null;
  const q = useEngineQuery<ClipEstimate>(key, () => transport!.api.estimateClip({ clipId: clip.clipId, selection: clip.selection }));
  const est = q.data?.wholeVideo;
  const live = useStore((s) => (s.videoLive && s.task?.taskId === s.videoLive.taskId ? s.videoLive : null));
  return (
    <section className="whole-video" data-testid="whole-video">
      <header className="model-view__header">
        <div>
          <h2>Whole video</h2>
          <p className="muted">
            Every frame of {clip.name} ({clip.source.frames} frames) at this clip's size and sample rate, streamed from the file through the Causal Cache encoder and
            decoder: only a chunk is in memory at a time, so memory stays flat however long the video is. The result stays on disk.
          </p>
          {est && (
            <p className="muted" data-testid="video-estimate" title={est.basis}>
              Estimate: {est.frames} frames at {est.width}×{est.height}, chunks of {est.encChunk} video / {est.decChunk} latent frames · {formatCostBytes(est)} (flat in T) ·{' '}
              {formatSeconds(est.seconds)}
              {est.fits === false && ' · over this machine\'s memory budget'}
            </p>
          )}
        </div>
        <button className="button button--primary" disabled={busy || !model} onClick={() => void run()} data-testid="run-video">
          {video ? 'Run again' : 'Reconstruct whole video'}
        </button>
      </header>
      {live && <LiveCharts live={live} />}
      {!live && video && model && video.modelId === model.modelId && <VideoResultView v={video} />}
    </section>
  );
}

/** Resident memory after each block, at the block's last frame. */
function memorySeries(frames: number, memory: readonly { frame: number; rssBytes: number }[]): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(frames).fill(null);
  for (const s of memory) out[Math.min(frames, s.frame) - 1] = s.rssBytes / MB;
  return out;
}

/** The charts while the run goes: every block's frames as the engine finishes them. */
function LiveCharts({ live }: { live: VideoLive }) {
  const done = live.memory.at(-1)?.frame ?? 0;
  return (
    <div className="charts" data-testid="video-live" data-frames-done={done}>
      <FrameChart testId="video-live-psnr-chart" yLabel="PSNR (dB)" frames={live.total} current={Math.max(0, done - 1)} series={[{ name: `PSNR per frame (${done} of ${live.total} so far)`, color: '#f2c14e', values: live.psnr }]} height={160} />
      <FrameChart testId="video-live-ssim-chart" yLabel="SSIM" frames={live.total} current={Math.max(0, done - 1)} series={[{ name: 'SSIM per frame', color: '#5b9cf5', values: live.ssim }]} height={160} />
      <FrameChart
        testId="video-live-memory-chart"
        yLabel="engine RSS (MB)"
        frames={live.total}
        current={Math.max(0, done - 1)}
        series={[{ name: 'resident memory after each block', color: '#4dbf7d', values: memorySeries(live.total, live.memory) }]}
        reference={{ y: 0, label: '0 MB' }}
        height={150}
      />
    </div>
  );
}

function VideoResultView({ v }: { v: VideoResult }) {
  const t = useStore((s) => s.videoT);
  const setT = useStore((s) => s.setVideoT);
  const rss = v.memory.map((m) => m.rssBytes);
  const quarter = v.memory[Math.floor(v.memory.length / 4)]?.rssBytes ?? 0;
  const peak = Math.max(...rss);
  return (
    <div data-testid="video-result" data-frames={v.frames} data-rss={JSON.stringify(v.memory.map((m) => [m.frame, m.rssBytes]))}>
      <div className="stats">
        <Stat label="Frames" value={`${v.frames} (source ${v.firstFrame}–${v.lastFrame})`} testId="video-frames" />
        <Stat label="PSNR (video)" value={fmtDb(v.psnr.clip)} testId="video-psnr" />
        <Stat label="SSIM (video)" value={v.ssim.clip.toFixed(4)} />
        <Stat label={`frame ${t}`} value={`${fmtDb(v.psnr.perFrame[t] ?? null)} · SSIM ${v.ssim.perFrame[t]?.toFixed(4) ?? '–'}`} />
        <Stat label="Chunks" value={`encoder ${v.encChunk} · decoder ${v.decChunk} latent`} />
        <Stat label="Time" value={`${v.seconds.toFixed(1)} s`} />
        <Stat label="Engine memory" value={`${(quarter / MB).toFixed(0)} MB at ¼ → peak ${(peak / MB).toFixed(0)} MB`} testId="video-memory" />
      </div>
      {v.notes.length > 0 && (
        <ul className="notes">
          {v.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <ABViewer
        id="video-viewer"
        sources={[
          { label: 'Original', ref: { kind: 'video', videoId: v.videoId, layer: 'original' }, version: v.videoId },
          { label: 'Reconstruction', ref: { kind: 'video', videoId: v.videoId, layer: 'reconstruction' }, version: v.videoId },
        ]}
        frames={v.frames}
        fps={v.fps}
        width={v.width}
        height={v.height}
        t={t}
        onSettle={setT}
        seams={v.boundaries.decoder}
        fileStem={`${v.source.name.replace(/\.[^.]+$/, '')}-f${v.firstFrame}-${v.lastFrame}`}
      />
      <ExportBar source={{ kind: 'video', videoId: v.videoId }} testId="video-export" />
      <div className="charts">
        <FrameChart testId="video-psnr-chart" yLabel="PSNR (dB)" frames={v.frames} current={t} onPick={setT} series={[{ name: 'PSNR per frame', color: '#f2c14e', values: v.psnr.perFrame }]} height={160} />
        <FrameChart testId="video-ssim-chart" yLabel="SSIM" frames={v.frames} current={t} onPick={setT} series={[{ name: 'SSIM per frame', color: '#5b9cf5', values: v.ssim.perFrame }]} height={160} />
        <FrameChart
          testId="video-memory-chart"
          yLabel="engine RSS (MB)"
          frames={v.frames}
          current={t}
          onPick={setT}
          series={[{ name: 'resident memory after each decoded block', color: '#4dbf7d', values: memorySeries(v.frames, v.memory) }]}
          reference={{ y: 0, label: '0 MB' }}
          height={150}
        />
      </div>
    </div>
  );
}
