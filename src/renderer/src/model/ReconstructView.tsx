// The clip's whole-clip reconstruction: original and reconstruction in the A/B
// viewer at the scrubber's frame, PSNR and SSIM per frame, exports; below it
// the whole source video, streamed (WholeVideoPanel).
import { useStore } from '../store';
import { FrameChart } from './FrameChart';
import { NeedsModel } from './NeedsResult';
import { RunPlanNote, useRunPlans } from './RunPlanNote';
import { ABViewer } from '../viewer/ABViewer';
import { ExportBar } from '../workflow/ExportBar';
import { WholeVideoPanel } from '../workflow/WholeVideoPanel';

const fmtDb = (v: number | null) => (v === null ? '∞ dB' : `${v.toFixed(2)} dB`);

export function ReconstructView() {
  const clip = useStore((s) => s.clip);
  const model = useStore((s) => s.model);
  const recon = useStore((s) => s.recon);
  const busy = useStore((s) => s.task !== null);
  const running = useStore((s) => s.task?.label === 'Reconstructing the clip');
  const runReconstruct = useStore((s) => s.runReconstruct);
  const plans = useRunPlans();
  const plan = plans.data?.reconstruct;
  if (!clip) return null;
  return (
    <section className="panel model-view" data-testid="reconstruct-view">
      <header className="model-view__header">
        <div>
          <h2>Reconstruction</h2>
          <p className="muted">
            Encode the clip, decode from z = mean (no sampling), compare with the decoded original. PSNR over [-1, 1] (range 2). Runs with the Causal Cache, which
            equals whole-clip inference for causal-safe models, in a fraction of the memory.
          </p>
        </div>
        <NeedsModel>
          <button className="button button--primary" disabled={busy || plan?.fits === false} onClick={() => void runReconstruct()} data-testid="run-reconstruct">
            {recon ? 'Run again' : 'Reconstruct'}
          </button>
        </NeedsModel>
      </header>
      {model && <RunPlanNote plan={plan} testId="reconstruct-plan" />}
      {model && !recon && !running && (
        <p className="view-empty" data-testid="reconstruct-hint">
          Press Reconstruct to run {model.className} on all {clip.frames} frames.
        </p>
      )}
      {running && (
        <p className="view-empty" data-testid="reconstruct-running">
          Reconstructing all {clip.frames} frames with {model?.className}: progress and Cancel are in the bar above.
        </p>
      )}
      {recon && <ReconstructResult />}
      {model && <WholeVideoPanel />}
    </section>
  );
}

function ReconstructResult() {
  const recon = useStore((s) => s.recon)!;
  const t = useStore((s) => s.t);
  const clip = useStore((s) => s.clip)!;
  const setFrame = useStore((s) => s.setFrame);
  // encodeSeconds tells one run of the same model from the next.
  const runKey = `${recon.modelId}/${recon.encodeSeconds}`;
  const psnrT = recon.psnr.perFrame[t];
  const ssimT = recon.ssim.perFrame[t];
  return (
    <>
      <div className="stats" data-testid="reconstruct-stats">
        <Stat label="PSNR (clip)" value={fmtDb(recon.psnr.clip)} testId="psnr-clip" />
        <Stat label="SSIM (clip)" value={recon.ssim.clip.toFixed(4)} />
        <Stat label={`frame ${t}`} value={`${fmtDb(psnrT ?? null)} · SSIM ${ssimT?.toFixed(4) ?? '–'}`} />
        <Stat label="Encode / decode" value={`${recon.encodeSeconds.toFixed(2)} s / ${recon.decodeSeconds.toFixed(2)} s`} />
        <Stat label="Provider" value={recon.provider} />
        <Stat label="Inference" value={recon.plan.mode === 'whole' ? 'whole clip' : `Causal Cache ${recon.plan.encChunk} / ${recon.plan.decChunk}`} />
        <Stat label="Latent" value={`(${recon.latentShape.join(', ')})`} />
      </div>
      <ABViewer
        id="clip-viewer"
        sources={[
          { label: 'Original', ref: { kind: 'clip', clipId: recon.clipId, layer: 'original' }, version: clip.clipId, testId: 'original-canvas' },
          { label: 'Reconstruction', ref: { kind: 'clip', clipId: recon.clipId, layer: 'reconstruction' }, version: runKey, testId: 'reconstruction-canvas' },
        ]}
        frames={recon.frames}
        fps={clip.fps}
        width={recon.width}
        height={recon.height}
        t={t}
        onSettle={setFrame}
        fileStem={`${clip.name.replace(/\.[^.]+$/, '')}-f${clip.frameIndices[0]}-${clip.frameIndices[clip.frames - 1]}`}
      />
      <ExportBar source={{ kind: 'clip', clipId: recon.clipId }} testId="clip-export" />
      <div className="charts">
        <FrameChart
          testId="psnr-chart"
          yLabel="PSNR (dB)"
          frames={recon.frames}
          current={t}
          onPick={setFrame}
          series={[{ name: 'PSNR per frame', color: '#f2c14e', values: recon.psnr.perFrame }]}
          height={170}
        />
        <FrameChart
          testId="ssim-chart"
          yLabel="SSIM"
          frames={recon.frames}
          current={t}
          onPick={setFrame}
          series={[{ name: 'SSIM per frame', color: '#5b9cf5', values: recon.ssim.perFrame }]}
          height={170}
        />
      </div>
    </>
  );
}

export function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stat">
      <span className="stat__label">{label}</span>
      <span className="stat__value" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}
