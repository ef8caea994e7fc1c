import { useEffect, useState } from 'react';
import { useStore } from './store';
import { ClipPanel } from './components/ClipPanel';
import { DropZone } from './components/DropZone';
import { ErrorBanner } from './components/ErrorBanner';
import { FrameView } from './components/FrameView';
import { OpenButton } from './components/OpenButton';
import { SubbandsView } from './components/SubbandsView';
import { TaskBar } from './components/TaskBar';
import { ModelPanel } from './model/ModelPanel';
import { VIEW_PANEL_ID, ViewTabs } from './model/ViewTabs';
import { ReconstructView } from './model/ReconstructView';
import { ChunkingView } from './model/ChunkingView';
import { EnergyFlowView } from './model/EnergyFlowView';
import { LatentView } from './model/LatentView';
import { FrequencyView } from './diagnostics/FrequencyView';
import { LatentStatsView } from './diagnostics/LatentStatsView';
import { ModelCompareView } from './diagnostics/ModelCompareView';
import './model/model-views.css';
import './workflow/workflow.css';
import { SelectionPanel } from './workflow/SelectionPanel';
import { RecentMenu } from './workflow/RecentMenu';
import { ShortcutSheet } from './workflow/ShortcutSheet';
import { BigView } from './workflow/BigView';
import { handleViewerKey } from './viewer/viewer-keys';

export function App() {
  const clip = useStore((s) => s.clip);
  const transportKind = useStore((s) => s.transport?.kind);
  const openFile = useStore((s) => s.openFile);
  const step = useStore((s) => s.step);
  const view = useStore((s) => s.view);
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    let spaceTaken = false;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const tag = target?.tagName;
      const type = (target as HTMLInputElement | null)?.type;
      // Text fields and selects keep their keys; sliders keep their arrows.
      if (tag === 'TEXTAREA' || tag === 'SELECT' || (tag === 'INPUT' && type !== 'range')) return;
      if (tag === 'INPUT' && e.key.startsWith('Arrow')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const s = useStore.getState();
      if (e.key === 'Escape' && (s.bigView || s.shortcutsOpen)) {
        s.openBigView(null);
        s.showShortcuts(false);
      } else if (e.key === '?') s.showShortcuts(!s.shortcutsOpen);
      // Shift + arrows pan a zoomed viewer; plain arrows step frames.
      else if (handleViewerKey(e.shiftKey && e.key.startsWith('Arrow') ? `Shift+${e.key}` : e.key)) spaceTaken = e.key === ' ';
      else if (e.key === 'ArrowRight') step(1);
      else if (e.key === 'ArrowLeft') step(-1);
      else return;
      e.preventDefault();
    };
    // A button activates on the space's keyup: when a viewer took the space on keydown, the button must not click as well.
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key === ' ' && (e.target as HTMLElement | null)?.tagName === 'BUTTON' && spaceTaken) e.preventDefault();
      spaceTaken = false;
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKeyUp);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKeyUp);
    };
  }, [step]);

  return (
    <div
      className={dragging ? 'app app--dragging' : 'app'}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const file = e.dataTransfer.files[0];
        if (file) void openFile(file);
      }}
    >
      <header className="topbar">
        <div className="brand">
          <span className="brand__mark">WF</span>
          <span>WF-VAE Inspector</span>
          {transportKind === 'http' && <span className="badge">browser · wfvae serve</span>}
        </div>
        <div className="topbar__actions">
          {clip && <span className="muted topbar__clip">{clip.name}</span>}
          <RecentMenu />
          <button className="button" onClick={() => useStore.getState().showShortcuts(true)} data-testid="shortcuts-button" title="Keyboard shortcuts (?)">
            Keys
          </button>
          {/* Before a clip is open the drop zone carries the one Open button. */}
          {clip && <OpenButton />}
        </div>
      </header>
      <TaskBar />
      <ErrorBanner />
      {clip ? (
        <main className="workspace">
          <aside className="sidebar">
            <FrameView />
            <ClipPanel />
            <SelectionPanel />
            <ModelPanel />
          </aside>
          <div className="views">
            <ViewTabs />
            <div className="views__panel" role="tabpanel" id={VIEW_PANEL_ID} aria-labelledby={`tab-${view}`}>
              {view === 'subbands' && <SubbandsView />}
              {view === 'reconstruct' && <ReconstructView />}
              {view === 'chunking' && <ChunkingView />}
              {view === 'energy' && <EnergyFlowView />}
              {view === 'latent' && <LatentView />}
              {view === 'frequency' && <FrequencyView />}
              {view === 'latent-stats' && <LatentStatsView />}
              {view === 'models' && <ModelCompareView />}
            </div>
          </div>
        </main>
      ) : (
        <main className="empty">
          <DropZone />
        </main>
      )}
      <BigView />
      <ShortcutSheet />
    </div>
  );
}
