// The energy-flow pathway at the current frame: the encoder's inflow (the
// wavelet coefficients injected into the backbone and what the inflow convs
// make of them) and the decoder's outflow (the coefficients it predicts and
// their inverse transforms). Each tap is shown at its own frame for the video
// frame on the scrubber (causal mapping: frame f of T -> ceil(f (t-1)/(T-1))).
import { useMemo } from 'react';
import { colormap } from '../../../shared/colormap';
import type { TapTile, TapView } from '../../../shared/contract';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { formatValue } from '../format';
import { useStore } from '../store';
import { NeedsModel, NeedsReconstruction } from './NeedsResult';
import { useEngineQuery } from './use-engine-query';

export const TILES_PER_TAP = 16;

export function EnergyFlowView() {
  const clip = useStore((s) => s.clip);
  if (!clip) return null;
  return (
    <section className="panel model-view" data-testid="energy-view">
      <header className="model-view__header">
        <div>
          <h2>Energy flow</h2>
          <p className="muted">
            Encoder inflow: the Haar coefficients of the low band, transformed again and injected into the backbone. Decoder outflow: the subband coefficients the
            decoder predicts, inverted and added to the next level's low band.
          </p>
        </div>
      </header>
      <NeedsModel>
        <NeedsReconstruction what="The energy-flow taps">
          <Taps />
        </NeedsReconstruction>
      </NeedsModel>
    </section>
  );
}

function Taps() {
  const recon = useStore((s) => s.recon)!;
  const t = useStore((s) => s.t);
  const transport = useStore((s) => s.transport);
  const q = useEngineQuery(`${recon.clipId}/${recon.modelId}/${recon.encodeSeconds}/${t}`, () =>
    transport!.api.getTaps({ clipId: recon.clipId, t, maxTilesPerTap: TILES_PER_TAP }),
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
        cool-warm, symmetric around 0). Block outputs: one tile per channel (cool-warm around 0), at most {TILES_PER_TAP} per tap.
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
  const rgba = useMemo(() => {
    const out = new Uint8Array(tile.width * tile.height * 4);
    for (let i = 0; i < tile.width * tile.height; i++) {
      const [r, g, b] = colormap(tile.data[i], tile.min, tile.max, tile.colormap);
      out[4 * i] = r;
      out[4 * i + 1] = g;
      out[4 * i + 2] = b;
      out[4 * i + 3] = 255;
    }
    return out;
  }, [tile]);
  return (
    <figure className="tile tile--clickable" data-testid="tap-tile" data-label={tile.label} title="Click to open it big, with its energy per frame" onClick={() => openBigView({ kind: 'tap', tap, label: tile.label })}>
      <RgbaCanvas width={tile.width} height={tile.height} rgba={rgba} className="tile__canvas" />
      <figcaption>
        <span className={tile.colormap === 'sequential' ? 'tile__name tile__name--low' : 'tile__name'}>{tile.label}</span>
        <span className="tile__range">
          [{formatValue(tile.min)}, {formatValue(tile.max)}]
        </span>
      </figcaption>
    </figure>
  );
}
