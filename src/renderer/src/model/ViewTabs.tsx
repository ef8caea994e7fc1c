import { useStore } from '../store';
import type { ViewName } from './model-slice';

const TABS: [ViewName, string][] = [
  ['subbands', 'Subbands'],
  ['reconstruct', 'Reconstruct'],
  ['chunking', 'Chunking'],
  ['energy', 'Energy flow'],
  ['latent', 'Latent 3D'],
  ['frequency', 'Frequency'],
  ['latent-stats', 'Latent stats'],
  ['models', 'Model vs model'],
];

export function ViewTabs() {
  const view = useStore((s) => s.view);
  const setView = useStore((s) => s.setView);
  return (
    <nav className="view-tabs" role="tablist" aria-label="Views">
      {TABS.map(([name, label]) => (
        <button
          key={name}
          role="tab"
          aria-selected={view === name}
          className={view === name ? 'view-tabs__tab view-tabs__tab--on' : 'view-tabs__tab'}
          data-testid={`tab-${name}`}
          onClick={() => setView(name)}
        >
          {label}
        </button>
      ))}
    </nav>
  );
}
