// Where in frequency the reconstruction goes wrong: a subband x level heatmap
// of the error over time next to the original and the reconstruction, the
// encoder-vs-decoder wavelet (WL) consistency per level, the radial spectrum
// of the error and the 8x8 grid phase map.
import { useMemo, useState } from 'react';
import type { Frequency } from '../../../shared/diagnostics-contract';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { formatValue } from '../format';
import { useStore } from '../store';
import { NeedsModel, NeedsReconstruction } from '../model/NeedsResult';
import { useEngineQuery } from '../model/use-engine-query';
import { divergingRgba, heatmapRgba, subbandHeatmap, type HeatmapMode } from './diagnostics-images';
import { XyChart } from './XyChart';
import './diagnostics-views.css';

export function FrequencyView() {
  const clip = useStore((s) => s.clip);
  if (!clip) return null;
  return (
    <section className="panel model-view" data-testid="frequency-view">
      <header className="model-view__header">
        <div>
          <h2>Frequency diagnostics</h2>
          <p className="muted">
            The reconstruction error in every Haar subband and level, frame by frame; whether the decoder predicts the encoder's wavelet coefficients (WL
            consistency); the error's spatial spectrum; and the 8x8 pattern a latent grid leaves.
          </p>
        </div>
      </header>
      <NeedsModel>
        <NeedsReconstruction what="The frequency diagnostics">
          <FrequencyBody />
        </NeedsReconstruction>
      </NeedsModel>
    </section>
  );
}

function FrequencyBody() {
  const recon = useStore((s) => s.recon)!;
  const transport = useStore((s) => s.transport);
  const [levels, setLevels] = useState(3);
  const q = useEngineQuery(`${recon.clipId}/${recon.modelId}/${recon.encodeSeconds}/${levels}`, () => transport!.api.getFrequency({ clipId: recon.clipId, levels }));
  if (q.error) return <p className="model-panel__error">{q.error}</p>;
  if (!q.data) return <p className="muted">Analysing the reconstruction…</p>;
  return <FrequencyResult f={q.data} levels={levels} setLevels={setLevels} />;
}

function FrequencyResult({ f, levels, setLevels }: { f: Frequency; levels: number; setLevels: (n: number) => void }) {
  const [mode, setMode] = useState<HeatmapMode>('relative');
  const t = useStore((s) => s.t);
  const setFrame = useStore((s) => s.setFrame);
  const frame = useStore((s) => s.frame);
  const recon = useStore((s) => s.recon)!;
  const transport = useStore((s) => s.transport);
  const out = useEngineQuery(`${recon.clipId}/${recon.modelId}/${recon.encodeSeconds}/${t}`, () => transport!.api.getModelFrame({ clipId: recon.clipId, t, kind: 'reconstruction' }));
  const heat = useMemo(() => subbandHeatmap(f, mode), [f, mode]);
  const image = useMemo(() => heatmapRgba(heat), [heat]);
  const rows = heat.labels.length;
  return (
    <>
      <div className="freq-controls">
        <div className="segmented" role="group" aria-label="Heatmap value">
          <button className={mode === 'relative' ? 'button button--on' : 'button'} onClick={() => setMode('relative')} data-testid="heat-relative">
            error / original
          </button>
          <button className={mode === 'error' ? 'button button--on' : 'button'} onClick={() => setMode('error')} data-testid="heat-error">
            error energy
          </button>
        </div>
        <label className="level-picker">
          Levels
          <select value={levels} onChange={(e) => setLevels(Number(e.currentTarget.value))} data-testid="freq-levels">
            {[1, 2, 3, 4].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">{f.levels < levels ? `this clip allows ${f.levels} levels` : `${f.levels} levels, ${f.frames} frames`}</span>
      </div>
      <div className="freq-layout">
        <div className="freq-frames">
          <figure className="pair__item">
            {frame && frame.t === t ? <RgbaCanvas width={frame.width} height={frame.height} rgba={frame.rgba} className="pair__canvas" testId="freq-original" extra={{ frame: t }} /> : <div className="pair__placeholder" />}
            <figcaption>Original · frame {t}</figcaption>
          </figure>
          <figure className="pair__item">
            {out.data ? <RgbaCanvas width={out.data.width} height={out.data.height} rgba={out.data.rgba} className="pair__canvas" testId="freq-reconstruction" extra={{ frame: out.data.t }} /> : <div className="pair__placeholder" />}
            <figcaption>Reconstruction · frame {out.data?.t ?? t}</figcaption>
          </figure>
        </div>
        <div className="freq-heat" data-testid="frequency-heatmap" data-rows={rows} data-frames={heat.frames}>
          <div className="freq-heat__labels">
            {heat.labels.map((l) => (
              <span key={l} className={l.endsWith('LLL') ? 'freq-heat__label freq-heat__label--low' : 'freq-heat__label'}>
                {l}
              </span>
            ))}
          </div>
          <div
            className="freq-heat__plot"
            style={{ height: rows * 14 }}
            onClick={(e) => {
              const r = e.currentTarget.getBoundingClientRect();
              setFrame(Math.floor(((e.clientX - r.left) / r.width) * heat.frames));
            }}
          >
            <RgbaCanvas width={heat.frames} height={rows} rgba={image.rgba} className="freq-heat__canvas" testId="heatmap-canvas" />
            <div className="freq-heat__cursor" style={{ left: `${((t + 0.5) / heat.frames) * 100}%` }} />
          </div>
          <p className="muted freq-heat__legend">
            Rows: level and subband (letters t, h, w; L low-pass, H high-pass). Columns: video frames; each shows the coefficient frame that covers it. Viridis on a
            log scale from {formatValue(image.min)} (dark) to {formatValue(image.max)} (yellow); grey: no energy in the original. Click to pick a frame.
          </p>
        </div>
      </div>
      <BandTable f={f} />
      <WlTable f={f} />
      <div className="freq-bottom">
        <XyChart
          testId="spectrum-chart"
          x={f.spectrum.frequency}
          log
          xLabel="cycles / pixel"
          yLabel="power"
          series={[
            { name: 'error (luma)', color: '#ef6461', values: f.spectrum.error },
            { name: 'original (luma)', color: '#5b9cf5', values: f.spectrum.original },
          ]}
        />
        <figure className="freq-grid" data-testid="grid-phase">
          <RgbaCanvas width={8} height={8} rgba={divergingRgba(f.grid.phaseMean)} className="freq-grid__canvas" testId="grid-phase-canvas" />
          <figcaption>
            <strong>8x8 grid phase map</strong>
            <span data-testid="grid-amplitude">amplitude {f.grid.amplitude.toFixed(3)} levels</span>
            <span>error power at the grid frequencies: {(f.spectrum.gridShare * 100).toFixed(2)}%</span>
            <span className="muted">{f.grid.note}</span>
          </figcaption>
        </figure>
      </div>
    </>
  );
}

function BandTable({ f }: { f: Frequency }) {
  if (!f.subbands) return null;
  return (
    <table className="diag-table" data-testid="band-table">
      <caption>Relative error (error / original energy) per level and subband, whole clip</caption>
      <thead>
        <tr>
          <th>level</th>
          {f.subbands.levels[0].bands.map((b) => (
            <th key={b.name}>{b.name}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {f.subbands.levels.map((l) => (
          <tr key={l.level}>
            <td>L{l.level}</td>
            {l.bands.map((b) => (
              <td key={b.name}>{formatValue(b.relativeError)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function WlTable({ f }: { f: Frequency }) {
  if (!f.wl) return <p className="muted">WL consistency needs the encoder and decoder coefficient taps of this model.</p>;
  return (
    <table className="diag-table" data-testid="wl-table">
      <caption>WL consistency: encoder wavelet coefficients vs the decoder's predicted ones (mean |enc − dec| per subband)</caption>
      <thead>
        <tr>
          <th>level</th>
          <th>taps</th>
          <th>mean |d|</th>
          <th>rel. L2</th>
          <th>per subband</th>
        </tr>
      </thead>
      <tbody>
        {f.wl.levels.map((l) => (
          <tr key={l.level}>
            <td>{l.level}</td>
            <td className="muted">
              {l.encoder} vs {l.decoder}
            </td>
            <td>{formatValue(l.meanAbs)}</td>
            <td>{formatValue(l.relativeL2)}</td>
            <td className="muted">{l.perSubband.map((s) => `${s.name} ${formatValue(s.meanAbs)}`).join(' · ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
