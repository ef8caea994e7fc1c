// Recent files and models (remembered across runs): a click reopens the file
// (with the selection last decoded from it) or loads the model.
import { useEffect, useRef, useState } from 'react';
import { useStore } from '../store';

export function RecentMenu() {
  const files = useStore((s) => s.prefs.recentFiles);
  const models = useStore((s) => s.prefs.recentModels);
  const openPath = useStore((s) => s.openPath);
  const loadModel = useStore((s) => s.loadModel);
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('pointerdown', away);
    return () => window.removeEventListener('pointerdown', away);
  }, [open]);
  return (
    <div className="recent" ref={box}>
      <button className="button" onClick={() => setOpen((o) => !o)} data-testid="recent-button" aria-expanded={open}>
        Recent ▾
      </button>
      {open && (
        <div
          className="recent__menu"
          data-testid="recent-menu"
          role="group"
          aria-label="Recent files and models"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              setOpen(false);
            }
          }}
        >
          <h4>Files</h4>
          {files.length === 0 && <p className="muted">Files opened from a path appear here.</p>}
          {files.map((f) => (
            <button
              key={f.path}
              className="recent__item"
              title={f.path}
              data-testid="recent-file"
              onClick={() => {
                setOpen(false);
                void openPath(f.path);
              }}
            >
              {f.name}
              <small>{f.path}</small>
            </button>
          ))}
          <h4>Models</h4>
          {models.length === 0 && <p className="muted">Models you load appear here.</p>}
          {models.map((m) => (
            <button
              key={m.path}
              className="recent__item"
              title={m.path}
              data-testid="recent-model"
              onClick={() => {
                setOpen(false);
                void loadModel(m.path);
              }}
            >
              {m.className}
              <small>{m.path}</small>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
