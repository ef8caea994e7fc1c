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

/** The element the selected tab controls (App's view area). */
export const VIEW_PANEL_ID = 'view-panel';

export function ViewTabs() {
  const view = useStore((s) => s.view);
  const setView = useStore((s) => s.setView);
  // A tab list: one tab stop, the arrow keys (and Home / End) move between the views.
  const onKeyDown = (e: React.KeyboardEvent<HTMLElement>) => {
    const i = TABS.findIndex(([name]) => name === view);
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i - 1 + TABS.length) % TABS.length : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : -1;
    if (next < 0) return;
    e.preventDefault();
    e.stopPropagation();
    setView(TABS[next][0]);
    e.currentTarget.querySelector<HTMLButtonElement>(`#tab-${TABS[next][0]}`)?.focus();
  };
  return (
    <nav className="view-tabs" role="tablist" aria-label="Views" onKeyDown={onKeyDown}>
      {TABS.map(([name, label]) => (
        <button
          key={name}
          id={`tab-${name}`}
          role="tab"
          aria-selected={view === name}
          aria-controls={VIEW_PANEL_ID}
          tabIndex={view === name ? 0 : -1}
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
