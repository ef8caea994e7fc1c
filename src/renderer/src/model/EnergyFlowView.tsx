// The energy-flow pathway of the loaded model, alive: the diagram laid out
// from the model's config and graph (the video, the Haar levels, the backbone
// stages, the inflow joins, the latent, the outflows and inverse transforms)
// with every node's activation, range and energy at the current frame and
// every edge as wide as the energy flowing along it; the Causal Cache across
// chunk boundaries; original and reconstruction at the same frame; and, on
// demand, every channel of the energy-flow taps as tiles. Each tap is shown at
// its own frame for the video frame on the scrubber (causal mapping: frame f
// of T -> ceil(f (t-1)/(T-1))).
import { useMemo, useState } from 'react';
import { MAX_TAP_TILES_LIMIT, type TapTile, type TapView } from '../../../shared/contract';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { formatValue } from '../format';
import { useStore } from '../store';
import { NeedsModel, NeedsReconstruction } from './NeedsResult';
import { useEngineQuery } from './use-engine-query';
import { PathwayDiagram } from '../pathway/PathwayDiagram';
import { colormapRgba } from '../pathway/colorize';
import { CachePanel, carriedByNode } from '../pathway/CachePanel';
import { selectionsFor } from '../pathway/pathway-slice';
import { ABViewer } from '../viewer/ABViewer';
import '../pathway/pathway.css';

export const THUMB_SIDE = 48;

export function EnergyFlowView() {
  const clip = useStore((s) => s.clip);
  if (!clip) return null;
  return (
    <section className="panel model-view" data-testid="energy-view">
      <header className="model-view__header">
        <div>
          <h2>Energy-flow pathway</h2>
          <p className="muted">
            The loaded model as the paper draws it, with this clip's activations on it. The wavelet levels split the video; their low bands take the energy-flow
            shortcuts (gold) into the backbone (inflow) and, in the decoder, out of it into predicted coefficients and inverse transforms (outflow).
          </p>
        </div>
      </header>
      <NeedsModel>
        <NeedsReconstruction what="The pathway's activations">
          <PathwayBody />
        </NeedsReconstruction>
      </NeedsModel>
    </section>
  );
}

function PathwayBody() {
  const recon = useStore((s) => s.recon)!;
  const model = useStore((s) => s.model)!;
  const clip = useStore((s) => s.clip)!;
  const chunking = useStore((s) => s.chunking);
  const t = useStore((s) => s.t);
  const setFrame = useStore((s) => s.setFrame);
  const transport = useStore((s) => s.transport);
  const select = useStore((s) => selectionsFor(s, model.modelId));
  const setSelect = useStore((s) => s.setPathwaySelect);
  const boundary = useStore((s) => s.cacheBoundary);
  const openBigView = useStore((s) => s.openBigView);
  const [edgeScale, setEdgeScale] = useState<'linear' | 'log'>('linear');
  const [showCache, setShowCache] = useState(true);
  const [tilesOpen, setTilesOpen] = useState(false);

  const run = `${recon.clipId}/${recon.modelId}/${recon.encodeSeconds}`;
  const selectKey = JSON.stringify(select);
  const q = useEngineQuery(`${run}/${t}/${selectKey}`, () => transport!.api.getPathway({ clipId: recon.clipId, t, select, thumbSide: THUMB_SIDE }));

  // The cache of the Chunking view's comparison where there is one for this clip and model, else the Reconstruct run's.
  const fromChunking = chunking && chunking.modelId === model.modelId && chunking.clipId === recon.clipId ? chunking : null;
  const cacheRun = fromChunking ? 'chunking' : recon.plan.mode === 'cached' ? 'reconstruct' : null;
  const flowKey = cacheRun && `${run}/${cacheRun}/${fromChunking ? `${fromChunking.encChunk}/${fromChunking.decChunk}/${fromChunking.seconds.whole}` : ''}`;
  const flow = useEngineQuery(flowKey, () => transport!.api.getCacheFlow({ clipId: recon.clipId, run: cacheRun! }));
  const b = flow.data?.boundaries[Math.min(boundary, flow.data.boundaries.length - 1)];
  const carried = useMemo(() => (flow.data && b && showCache ? carriedByNode(flow.data, b) : null), [flow.data, b, showCache]);

  const frame = q.data && q.data.modelId === model.modelId ? q.data : null;
  const runText = recon.plan.mode === 'whole' ? 'whole clip' : `Causal Cache, chunks ${recon.plan.encChunk} / ${recon.plan.decChunk}`;
  return (
    <>
      <div className="pathway-controls">
        <label className="pathway-controls__frame">
          Video frame
          <input type="range" min={0} max={Math.max(0, clip.frames - 1)} value={t} onChange={(e) => setFrame(Number(e.currentTarget.value))} data-testid="pathway-frame-slider" />
          <span data-testid="pathway-frame">
            <strong>{t}</strong> / {clip.frames - 1}
          </span>
        </label>
        <div className="segmented" role="group" aria-label="Edge width">
          <button className={edgeScale === 'linear' ? 'button button--on' : 'button'} aria-pressed={edgeScale === 'linear'} onClick={() => setEdgeScale('linear')} data-testid="edge-linear">
            Width ∝ energy
          </button>
          <button className={edgeScale === 'log' ? 'button button--on' : 'button'} aria-pressed={edgeScale === 'log'} onClick={() => setEdgeScale('log')} data-testid="edge-log">
            Log
          </button>
        </div>
        {flow.data && (
          <label className="pathway-controls__check">
            <input type="checkbox" checked={showCache} onChange={(e) => setShowCache(e.currentTarget.checked)} data-testid="pathway-show-cache" />
            Cache carried at {b ? `${b.side === 'encoder' ? 'E' : 'D'} ${b.videoFrame}` : 'the boundary'}
          </label>
        )}
        <span className="muted">values of: {runText}</span>
      </div>
      <PathwayDiagram
        spec={model.pathway}
        frame={frame}
        select={select}
        onSelect={(node, value) => setSelect(model.modelId, node, value)}
        onOpen={(node) => openBigView({ kind: 'node', node })}
        carried={carried}
        edgeScale={edgeScale}
      />
      {q.error && <p className="model-panel__error">{q.error}</p>}
      <p className="muted pathway__note" data-testid="pathway-note">
        Each node shows its own frame for video frame {t} (a node with t frames shows frame ⌈{t}·(t−1)/{clip.frames - 1}⌉). Thumbnails: RGB for video, the low
        band&apos;s luma for coefficients, the RMS over channels for activations (pick a channel or subband under a node); pooled to {THUMB_SIDE} px. Edge width{' '}
        {edgeScale === 'linear' ? 'is proportional to' : 'follows the log (six decades) of'} the energy (sum of squares) flowing along it at this frame.
      </p>
      {flow.data && b ? (
        <CachePanel flow={flow.data} spec={model.pathway} index={boundary} />
      ) : (
        <p className="muted" data-testid="cache-none">
          {recon.plan.mode === 'whole'
            ? 'This reconstruction ran whole-clip: it crossed no chunk boundary. Run the Chunking view\'s comparison to see what the Causal Cache carries.'
            : flow.error ?? 'Reading the Causal Cache…'}
        </p>
      )}
      <ABViewer
        id="pathway-viewer"
        sources={[
          { label: 'Original', ref: { kind: 'clip', clipId: recon.clipId, layer: 'original' }, version: clip.clipId },
          { label: 'Reconstruction', ref: { kind: 'clip', clipId: recon.clipId, layer: 'reconstruction' }, version: `${recon.modelId}/${recon.encodeSeconds}` },
        ]}
        frames={recon.frames}
        fps={clip.fps}
        width={recon.width}
        height={recon.height}
        t={t}
        onSettle={setFrame}
        fileStem={`${clip.name.replace(/\.[^.]+$/, '')}-pathway`}
      />
      <details className="tap-details" onToggle={(e) => setTilesOpen(e.currentTarget.open)} data-testid="tap-details">
        <summary>Every channel of the energy-flow taps, as tiles</summary>
        {tilesOpen && <Taps />}
      </details>
    </>
  );
}

function Taps() {
  const recon = useStore((s) => s.recon)!;
  const t = useStore((s) => s.t);
  const transport = useStore((s) => s.transport);
  const q = useEngineQuery(`${recon.clipId}/${recon.modelId}/${recon.encodeSeconds}/${t}`, () =>
    transport!.api.getTaps({ clipId: recon.clipId, t, maxTilesPerTap: MAX_TAP_TILES_LIMIT }),
  );
  if (q.error) return <p className="model-panel__error">{q.error}</p>;
  if (!q.data) return <p className="muted">Reading taps…</p>;
  const taps = q.data.taps;
  const groups: [string, TapView[]][] = [
    ['Encoder inflow', taps.filter((x) => x.side === 'encoder')],
    ['Decoder outflow', taps.filter((x) => x.side === 'decoder')],
  ];
  return (
    <>
      <p className="muted" data-testid="energy-frame">
        Video frame {q.data.frame} of {q.data.frames}. Coefficient taps: one luma tile per Haar subband (low band viridis over its [min, max]; detail bands
        cool-warm, symmetric around 0). Block outputs: one tile per channel (cool-warm around 0), up to {MAX_TAP_TILES_LIMIT} per tap.
      </p>
      {groups.map(([title, list]) => (
        <div key={title} className="tap-group">
          <h3>{title}</h3>
          {list.map((tap) => (
            <TapRow key={tap.name} tap={tap} />
          ))}
        </div>
      ))}
    </>
  );
}

function TapRow({ tap }: { tap: TapView }) {
  return (
    <div className="tap" data-testid="tap" data-name={tap.name} data-kind={tap.kind}>
      <div className="tap__head">
        <code className="tap__name">{tap.name}</code>
        <span className="tap__what">{tap.what}</span>
        <span className="muted">
          {tap.channels} ch · {tap.tapFrames} frames · {tap.width}×{tap.height} · showing frame {tap.tapFrame} · range [{formatValue(tap.min)},{' '}
          {formatValue(tap.max)}]
        </span>
      </div>
      <p className="muted tap__note" data-testid="tap-note">
        {tap.note}
      </p>
      <div className="tap__tiles">
        {tap.tiles.map((tile) => (
          <TapTileView key={tile.label} tap={tap.name} tile={tile} />
        ))}
      </div>
    </div>
  );
}

function TapTileView({ tap, tile }: { tap: string; tile: TapTile }) {
  const openBigView = useStore((s) => s.openBigView);
  const rgba = useMemo(() => colormapRgba(tile.data, tile.width * tile.height, tile.min, tile.max, tile.colormap), [tile]);
  return (
    <figure className="tile tile--clickable" data-testid="tap-tile" data-label={tile.label}>
      <button className="tile__open" title="Open it big, with its energy per frame" aria-label={`${tap} ${tile.label}: open it big`} onClick={() => openBigView({ kind: 'tap', tap, label: tile.label })}>
        <RgbaCanvas width={tile.width} height={tile.height} rgba={rgba} className="tile__canvas" />
      </button>
      <figcaption>
        <span className={tile.colormap === 'sequential' ? 'tile__name tile__name--low' : 'tile__name'}>{tile.label}</span>
        <span className="tile__range">
          [{formatValue(tile.min)}, {formatValue(tile.max)}]
        </span>
      </figcaption>
    </figure>
  );
}
