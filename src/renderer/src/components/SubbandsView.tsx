import { useMemo } from 'react';
import { colorizeTile, COLORMAP_LEGEND, divergingColor, sequentialColor } from '../../../shared/colormap';
import { SUBBAND_3D_AXIS_ORDER } from '../../../shared/subbands';
import { MAX_LEVELS_LIMIT, type Subbands } from '../../../shared/contract';
import { formatValue } from '../format';
import { useStore } from '../store';
import { EnergyChart } from './EnergyChart';
import { RgbaCanvas } from './RgbaCanvas';

type Tile = Subbands['levels'][number]['tiles'][number];

export function SubbandsView() {
  const clip = useStore((s) => s.clip);
  const subbands = useStore((s) => s.subbands);
  const levels = useStore((s) => s.levels);
  const setLevels = useStore((s) => s.setLevels);
  if (!clip) return null;
  return (
    <section className="panel subbands" data-testid="subbands-view">
      <header className="subbands__header">
        <div>
          <h2>Haar subbands</h2>
          <p className="muted" data-testid="axis-note">
            {SUBBAND_3D_AXIS_ORDER}
          </p>
        </div>
        <label className="level-picker">
          Levels
          <select data-testid="levels-select" value={levels} onChange={(e) => setLevels(Number(e.currentTarget.value))} disabled={clip.maxLevels < 1}>
            {Array.from({ length: Math.min(clip.maxLevels, MAX_LEVELS_LIMIT) }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </header>
      {subbands ? (
        <>
          {subbands.levels.map((lv) => (
            <div className="level-row" key={lv.level} data-testid="subband-level" data-level={lv.level}>
              <div className="level-row__title">
                <strong>Level {lv.level}</strong>
                <span className="muted">
                  coefficient frame {lv.coefficientFrame} · {lv.tiles[0]?.width}×{lv.tiles[0]?.height}
                </span>
              </div>
              <div className="tiles">
                {lv.tiles.map((tile) => (
                  <SubbandTile key={tile.name} level={lv.level} tile={tile} />
                ))}
              </div>
            </div>
          ))}
          <Legend note={subbands.note} />
          <EnergyChart />
        </>
      ) : (
        <p className="muted">Computing subbands…</p>
      )}
    </section>
  );
}

function SubbandTile({ level, tile }: { level: number; tile: Tile }) {
  const rgba = useMemo(() => colorizeTile(tile), [tile]);
  const openBigView = useStore((s) => s.openBigView);
  return (
    <figure className="tile tile--clickable" data-testid="subband-tile" data-level={level} data-name={tile.name}>
      <button
        className="tile__open"
        title="Open it big, with its energy per frame"
        aria-label={`Level ${level} ${tile.name}: open it big`}
        onClick={() => openBigView({ kind: 'subband', level, name: tile.name })}
      >
        <RgbaCanvas width={tile.width} height={tile.height} rgba={rgba} className="tile__canvas" />
      </button>
      <figcaption>
        <span className={tile.name === 'LLL' ? 'tile__name tile__name--low' : 'tile__name'}>{tile.name}</span>
        <span className="tile__range" data-testid="tile-range">
          [{formatValue(tile.min)}, {formatValue(tile.max)}]
        </span>
      </figcaption>
    </figure>
  );
}

function gradient(color: (u: number) => [number, number, number]): string {
  const stops = Array.from({ length: 11 }, (_, i) => {
    const [r, g, b] = color(i / 10);
    return `rgb(${r} ${g} ${b}) ${i * 10}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

function Legend({ note }: { note: string }) {
  const seq = useMemo(() => gradient((u) => sequentialColor(u, 0, 1)), []);
  const div = useMemo(() => gradient((u) => divergingColor(2 * u - 1, -1, 1)), []);
  return (
    <div className="legend" data-testid="colormap-legend">
      <div className="legend__bars">
        <div className="legend__item">
          <span className="legend__swatch" style={{ background: seq }} />
          <span className="legend__ends">
            <span>min</span>
            <span>LLL</span>
            <span>max</span>
          </span>
        </div>
        <div className="legend__item">
          <span className="legend__swatch" style={{ background: div }} />
          <span className="legend__ends">
            <span>−max|v|</span>
            <span>0 · detail bands</span>
            <span>+max|v|</span>
          </span>
        </div>
      </div>
      <p className="muted">{COLORMAP_LEGEND}</p>
      <p className="muted">{note}</p>
    </div>
  );
}
