// The store's everyday-comfort part: remembered settings (recent files and
// models, the last selection per file, the last view, the viewer's settings),
// the keyboard shortcut sheet, the big view of a tile, and exports (engine
// files through Save dialogs or downloads, view PNGs made here).
import type { StateCreator, StoreApi } from 'zustand';
import type { ClipInfo, ModelInfo } from '../../../shared/contract';
import { EMPTY_PREFS, parsePrefs, pushRecent, rememberSelection, type Prefs, type ViewerPrefs } from '../../../shared/prefs';
import type { DiffSettings, ExportKind, ExportSource } from '../../../shared/workflow-contract';
import type { TaskState } from '../store';
import type { Transport } from '../transport/transport';
import type { ViewName } from '../model/model-slice';
import { runTask } from './run-task';
import { TASK_LABELS } from './cancel-notice';

export type BigViewTarget =
  | { kind: 'subband'; level: number; name: string }
  | { kind: 'tap'; tap: string; label: string }
  | { kind: 'latent'; channel: number }
  | { kind: 'node'; node: string };

export interface ComfortSlice {
  prefs: Prefs;
  shortcutsOpen: boolean;
  bigView: BigViewTarget | null;
  /**
   * The last export handed to the user: its name, where it went (a path, or the browser's downloads),
   * and which control made it (an export bar's or viewer's id, or 'big-view'), which alone says so.
   */
  lastExport: { fileName: string; where: string; origin: string } | null;
  loadPrefs(): Promise<void>;
  /** A file was opened: remember it among the recent files (if it has a path) and the key its selections are kept under. */
  noteOpened(clip: ClipInfo, key: string): void;
  rememberClipSelection(clip: ClipInfo): void;
  setViewerPrefs(patch: Partial<ViewerPrefs>): void;
  showShortcuts(open: boolean): void;
  openBigView(target: BigViewTarget | null): void;
  exportResult(source: ExportSource, what: ExportKind, diff: DiffSettings | undefined, origin: string): Promise<void>;
  savePng(canvas: HTMLCanvasElement, fileName: string, origin: string): Promise<void>;
}

interface Host {
  transport: Transport | null;
  task: TaskState | null;
  model: ModelInfo | null;
  view: ViewName;
  setView(view: ViewName): void;
  fail(title: string, err: unknown): void;
}

const VIEWS: readonly ViewName[] = ['subbands', 'reconstruct', 'chunking', 'energy', 'latent', 'frequency', 'latent-stats', 'models'];
const SAVE_DELAY_MS = 150;

export const createComfortSlice: StateCreator<ComfortSlice & Host, [], [], ComfortSlice> = (set, get, store) => {
  let selectionKey: string | null = null;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  let loaded = false;

  function update(fn: (p: Prefs) => Prefs): void {
    set({ prefs: fn(get().prefs) });
    if (!loaded) return;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => void get().transport?.prefs.save(get().prefs).catch(() => undefined), SAVE_DELAY_MS);
  }

  /** Views and models are remembered as they change, wherever the change comes from. */
  function follow(api: StoreApi<ComfortSlice & Host>): void {
    api.subscribe((s, prev) => {
      if (s.view !== prev.view) {
        update((p) => ({ ...p, view: s.view }));
        // "saved …" belongs to the view that saved it.
        if (s.lastExport) set({ lastExport: null });
      }
      if (s.model && s.model !== prev.model) {
        const m = s.model;
        update((p) => ({ ...p, recentModels: pushRecent(p.recentModels, { path: m.path, className: m.className }, (a, b) => a.path === b.path) }));
      }
    });
  }

  return {
    prefs: EMPTY_PREFS,
    shortcutsOpen: false,
    bigView: null,
    lastExport: null,

    async loadPrefs() {
      const transport = get().transport;
      if (!transport || loaded) return;
      const stored = parsePrefs(await transport.prefs.load().catch(() => undefined));
      // Anything remembered meanwhile (a clip opened during the load) wins over the stored copy.
      set({ prefs: { ...stored, recentFiles: [...get().prefs.recentFiles, ...stored.recentFiles].filter((f, i, a) => a.findIndex((g) => g.path === f.path) === i).slice(0, 8) } });
      loaded = true;
      follow(store);
      if (stored.view && (VIEWS as readonly string[]).includes(stored.view) && get().view === 'subbands') get().setView(stored.view as ViewName);
    },

    noteOpened(clip, key) {
      selectionKey = key;
      if (clip.path) update((p) => ({ ...p, recentFiles: pushRecent(p.recentFiles, { path: clip.path, name: clip.name }, (a, b) => a.path === b.path) }));
    },

    rememberClipSelection(clip) {
      if (selectionKey) update((p) => rememberSelection(p, selectionKey!, clip.selection));
    },

    setViewerPrefs(patch) {
      update((p) => ({ ...p, viewer: { ...p.viewer, ...patch } }));
    },

    showShortcuts(open) {
      set({ shortcutsOpen: open });
    },

    openBigView(target) {
      // A big view's "saved …" goes with it.
      set(get().lastExport?.origin === 'big-view' ? { bigView: target, lastExport: null } : { bigView: target });
    },

    async exportResult(source, what, diff, origin) {
      set({ lastExport: null });
      try {
        const done = await runTask(get, set, TASK_LABELS.export(what.replace(/-/g, ' ')), 'export', async (t, taskId) => {
          const file = await t.api.prepareExport(diff ? { taskId, source, what, diff } : { taskId, source, what });
          return { file, where: await t.saveExport(file) };
        });
        if (done?.where) set({ lastExport: { fileName: done.file.fileName, where: done.where, origin } });
      } catch (err) {
        get().fail(`Could not export ${what}`, err);
      }
    },

    async savePng(canvas, fileName, origin) {
      const transport = get().transport;
      if (!transport) return;
      try {
        const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
        if (!blob) throw new Error('the browser could not encode the view as PNG');
        const where = await transport.saveBytes(fileName, new Uint8Array(await blob.arrayBuffer()), 'image/png');
        if (where) set({ lastExport: { fileName, where, origin } });
      } catch (err) {
        get().fail('Could not save the PNG', err);
      }
    },
  };
};
