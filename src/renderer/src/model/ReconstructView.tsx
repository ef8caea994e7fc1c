// Original and reconstruction side by side at the scrubber's frame, and the
// reconstruction's PSNR and SSIM per frame. Frames come one at a time from the
// engine as RGBA, like the original's.
import { useStore } from '../store';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { FrameChart } from './FrameChart';
import { NeedsModel } from './NeedsResult';
import { useEngineQuery } from './use-engine-query';
import { RunPlanNote, useRunPlans } from './RunPlanNote';

const fmtDb = (v: number | null) => (v === null ? '∞ dB' : `${v.toFixed(2)} dB`);

export function ReconstructView() {
  const clip = useStore((s) => s.clip);
  const model = useStore((s) => s.model);
  const recon = useStore((s) => s.recon);
  const busy = useStore((s) => s.task !== null);
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
      {model && !recon && <p className="view-empty">Press Reconstruct to run {model.className} on all {clip.frames} frames.</p>}
      {recon && <ReconstructResult />}
    </section>
  );
}

function ReconstructResult() {
  const recon = useStore((s) => s.recon)!;
  const t = useStore((s) => s.t);
  const frame = useStore((s) => s.frame);
  const setFrame = useStore((s) => s.setFrame);
  const transport = useStore((s) => s.transport);
  // encodeSeconds tells one run of the same model from the next.
  const key = `${recon.clipId}/${recon.modelId}/${recon.encodeSeconds}/${t}`;
  const out = useEngineQuery(key, () => transport!.api.getModelFrame({ clipId: recon.clipId, t, kind: 'reconstruction' }));
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
      <div className="pair">
        <figure className="pair__item">
          {frame && frame.t === t ? (
            <RgbaCanvas width={frame.width} height={frame.height} rgba={frame.rgba} className="pair__canvas" testId="original-canvas" extra={{ frame: frame.t }} />
          ) : (
            <div className="pair__placeholder" style={{ aspectRatio: `${recon.width} / ${recon.height}` }} />
          )}
          <figcaption>Original · frame {t}</figcaption>
        </figure>
        <figure className="pair__item">
          {out.data ? (
            <RgbaCanvas width={out.data.width} height={out.data.height} rgba={out.data.rgba} className="pair__canvas" testId="reconstruction-canvas" extra={{ frame: out.data.t }} />
          ) : (
            <div className="pair__placeholder" style={{ aspectRatio: `${recon.width} / ${recon.height}` }} />
          )}
          <figcaption>Reconstruction · frame {out.data?.t ?? t}</figcaption>
        </figure>
      </div>
      {out.error && <p className="model-panel__error">{out.error}</p>}
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
