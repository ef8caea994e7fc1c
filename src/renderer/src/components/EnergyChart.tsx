import { formatShare, formatValue } from '../format';
import { useStore } from '../store';

/** Log scale spans this many decades below 100%, so bands down to 1e-6 of a level stay visible. */
const LOG_DECADES = 6;

function barWidth(share: number, log: boolean): number {
  if (share <= 0) return 0;
  if (!log) return share * 100;
  return Math.max(0, (Math.log10(share) + LOG_DECADES) / LOG_DECADES) * 100;
}

export function EnergyChart() {
  const energy = useStore((s) => s.subbands?.energy);
  const scale = useStore((s) => s.energyScale);
  const setScale = useStore((s) => s.setEnergyScale);
  if (!energy) return null;
  const log = scale === 'log';
  return (
    <section className="energy" data-testid="energy-chart" data-scale={scale}>
      <header className="energy__header">
        <div>
          <h2>Energy share per subband</h2>
          <p className="muted">Sum of squared coefficients over the whole clip, as a share of each level's total.</p>
        </div>
        <div className="segmented" role="group" aria-label="Bar scale">
          <button className={log ? 'button' : 'button button--on'} data-testid="energy-scale-linear" onClick={() => setScale('linear')}>
            Linear
          </button>
          <button className={log ? 'button button--on' : 'button'} data-testid="energy-scale-log" onClick={() => setScale('log')}>
            Log
          </button>
        </div>
      </header>
      <div className="energy__levels">
        {energy.levels.map((lv) => (
          <div className="energy__level" key={lv.level}>
            <div className="energy__level-title">
              <strong>Level {lv.level}</strong>
              <span className="muted">
                {lv.frames} coefficient frames · total {formatValue(lv.total)}
              </span>
            </div>
            {lv.subbands.map((sb) => (
              <div
                className="energy__row"
                key={sb.name}
                data-testid="energy-bar"
                data-level={lv.level}
                data-name={sb.name}
                data-share={sb.share}
                title={`${sb.name}: energy ${formatValue(sb.energy)}, ${formatShare(sb.share)} of level ${lv.level}, ${formatShare(sb.shareOfTotal)} of the input's energy`}
              >
                <span className={sb.name === 'LLL' ? 'energy__name energy__name--low' : 'energy__name'}>{sb.name}</span>
                <span className="energy__track">
                  <span className={sb.name === 'LLL' ? 'energy__bar energy__bar--low' : 'energy__bar'} style={{ width: `${barWidth(sb.share, log)}%` }} />
                </span>
                <span className="energy__value">{formatShare(sb.share)}</span>
              </div>
            ))}
          </div>
        ))}
      </div>
      {log && <p className="muted">Log scale: bars start at 10⁻⁶ of the level's energy (0.0001%) and end at 100%, so the small detail bands become visible.</p>}
      <p className="muted">{energy.note}</p>
    </section>
  );
}
