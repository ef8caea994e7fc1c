// Latent statistics of the open clip: per-channel mean and std, one channel's
// histogram, the correlation between channels, and the shift / scale a
// diffusion model would normalise with, as a config.json fragment.
// (Over a whole dataset: `wfvae latent-stats <folder>`.)
import { useState } from 'react';
import type { LatentStatsView as Stats } from '../../../shared/diagnostics-contract';
import { formatValue } from '../format';
import { useStore } from '../store';
import { NeedsModel, NeedsReconstruction } from '../model/NeedsResult';
import { useEngineQuery } from '../model/use-engine-query';
import { Stat } from '../model/ReconstructView';
import { CorrelationMatrix } from './CorrelationMatrix';
import { XyChart } from './XyChart';
import './diagnostics-views.css';

export function LatentStatsView() {
  const clip = useStore((s) => s.clip);
  if (!clip) return null;
  return (
    <section className="panel model-view" data-testid="latent-stats-view">
      <header className="model-view__header">
        <div>
          <h2>Latent statistics</h2>
          <p className="muted">
            Per-channel statistics of this clip's latent mean, and the normalisation z' = (z − shift) · scale a latent diffusion model would use (shift = mean,
            scale = 1 / std). For a dataset, run <code>wfvae latent-stats &lt;folder&gt;</code>.
          </p>
        </div>
      </header>
      <NeedsModel>
        <NeedsReconstruction what="Latent statistics">
          <StatsBody />
        </NeedsReconstruction>
      </NeedsModel>
    </section>
  );
}

function StatsBody() {
  const recon = useStore((s) => s.recon)!;
  const transport = useStore((s) => s.transport);
  const q = useEngineQuery(`${recon.clipId}/${recon.modelId}/${recon.encodeSeconds}`, () => transport!.api.getLatentStats({ clipId: recon.clipId }));
  if (q.error) return <p className="model-panel__error">{q.error}</p>;
  if (!q.data) return <p className="muted">Reading the latent…</p>;
  return <StatsResult s={q.data} />;
}

function StatsResult({ s }: { s: Stats }) {
  const [channel, setChannel] = useState(0);
  const [copied, setCopied] = useState(false);
  const channels = Array.from({ length: s.channels }, (_, c) => c);
  const hist = s.histogram.counts[channel];
  const centres = hist.map((_, k) => Number((s.histogram.start + (k + 0.5) * s.histogram.binWidth).toPrecision(4)));
  let strongest = { v: 0, a: 0, b: 0 };
  for (let a = 0; a < s.channels; a++) for (let b = a + 1; b < s.channels; b++) if (Math.abs(s.correlation[a][b]) > Math.abs(strongest.v)) strongest = { v: s.correlation[a][b], a, b };
  return (
    <>
      <div className="stats" data-testid="latent-stats">
        <Stat label="Channels" value={String(s.channels)} />
        <Stat label="Values per channel" value={s.count.toLocaleString('en-US')} />
        <Stat label={`channel ${channel}`} value={`mean ${formatValue(s.mean[channel])} · std ${formatValue(s.std[channel])}`} testId="channel-stat" />
        <Stat label="Strongest correlation" value={s.channels > 1 ? `${strongest.v.toFixed(2)} (ch ${strongest.a}, ${strongest.b})` : '–'} />
      </div>
      <div className="stats-layout">
        <div>
          <XyChart
            testId="channel-chart"
            kind="bar"
            x={channels}
            xLabel="channel (click to pick)"
            yLabel="mean ± std"
            highlight={channel}
            onPick={setChannel}
            series={[{ name: 'mean ± std', color: '#5b9cf5', values: s.mean, errors: s.std }]}
          />
          <XyChart
            testId="histogram-chart"
            kind="bar"
            x={centres}
            xLabel={`value (bins of ${formatValue(s.histogram.binWidth)})`}
            yLabel="count"
            series={[{ name: `channel ${channel}`, color: '#f2c14e', values: hist }]}
            height={170}
          />
        </div>
        <CorrelationMatrix correlation={s.correlation} />
      </div>
      <div className="fragment">
        <h3>config.json fragment</h3>
        <button
          className="button"
          data-testid="copy-fragment"
          onClick={() => {
            void navigator.clipboard?.writeText(s.configFragment).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <pre data-testid="config-fragment" tabIndex={0} aria-label="config.json fragment">
          {s.configFragment}
        </pre>
        <p className="muted">{s.note}</p>
      </div>
    </>
  );
}
