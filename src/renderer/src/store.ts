// The app's one store: the open clip, the current frame and its subband view,
// the running task (progress, cancel) and the last error. Frame and subband
// requests are coalesced: while one is in flight only the latest wanted frame
// is remembered, so scrubbing never queues up stale work.
import { create } from 'zustand';
import { ApiError, ERROR_CODES, MAX_LEVELS_LIMIT, type ClipInfo, type Frame, type Subbands } from '../../shared/contract';
import type { OpenSource, Transport } from './transport/transport';
import { createModelSlice, type ModelSlice } from './model/model-slice';
import { createDiagnosticsSlice, type DiagnosticsSlice } from './diagnostics/diagnostics-slice';
import type { ClipSelection } from '../../shared/workflow-contract';
import { createSelectionSlice, type SelectionSlice } from './workflow/selection-slice';
import { createVideoSlice, type VideoSlice } from './workflow/video-slice';
import { createComfortSlice, type ComfortSlice } from './workflow/comfort-slice';
import { createPathwaySlice, type PathwaySlice } from './pathway/pathway-slice';
import { cancelNotice, TASK_LABELS } from './workflow/cancel-notice';

export interface TaskState {
  taskId: string;
  label: string;
  phase: string;
  done: number;
  total: number;
  /** Waiting for a heavy-job slot in the engine: 1 = next to run. */
  queuePosition?: number;
}

export interface UiError {
  title: string;
  message: string;
}

export type EnergyScale = 'linear' | 'log';

export const DEFAULT_LEVELS = 3;

interface State extends ModelSlice, DiagnosticsSlice, SelectionSlice, VideoSlice, ComfortSlice, PathwaySlice {
  transport: Transport | null;
  clip: ClipInfo | null;
  t: number;
  levels: number;
  frame: Frame | null;
  subbands: Subbands | null;
  task: TaskState | null;
  error: UiError | null;
  /** What the last Cancel kept (shown where the progress bar was). */
  notice: string | null;
  energyScale: EnergyScale;

  init(transport: Transport): () => void;
  fail(title: string, err: unknown): void;
  openFile(file: File): Promise<void>;
  openPath(path: string): Promise<void>;
  chooseAndOpen(): Promise<void>;
  setFrame(t: number): void;
  step(delta: number): void;
  setLevels(levels: number): void;
  cancelTask(): Promise<void>;
  dismissNotice(): void;
  setEnergyScale(scale: EnergyScale): void;
  dismissError(): void;
  /**
   * Shows a clip the engine decoded: resets the frame, the views and the clip's model results, and
   * closes the previous clip. A new file also drops the whole-video result; another selection of
   * the same file keeps it.
   */
  adoptClip(clip: ClipInfo, how: 'new-file' | 'reselect'): void;
}

let taskCounter = 0;
const newTaskId = (what: string) => `${what}-${Date.now().toString(36)}-${++taskCounter}`;

/** In-flight view loading: at most one request at a time, then the latest wanted (t, levels). */
let viewInFlight = false;
let viewWanted: { clipId: string; t: number; levels: number } | null = null;

export const useStore = create<State>()((set, get, store) => {
  async function pumpView(): Promise<void> {
    if (viewInFlight) return;
    const transport = get().transport;
    while (viewWanted && transport) {
      const want = viewWanted;
      viewWanted = null;
      viewInFlight = true;
      try {
        const [frame, subbands] = await Promise.all([
          transport.api.getFrame({ clipId: want.clipId, t: want.t }),
          transport.api.getSubbands({ clipId: want.clipId, t: want.t, levels: want.levels }),
        ]);
        // Drop results for a clip that was replaced while they were computed.
        if (get().clip?.clipId === want.clipId) set({ frame, subbands });
      } catch (err) {
        if (get().clip?.clipId === want.clipId) get().fail(`Could not show frame ${want.t}`, err);
      } finally {
        viewInFlight = false;
      }
    }
  }

  function requestView(): void {
    const { clip, t, levels } = get();
    if (!clip) return;
    viewWanted = { clipId: clip.clipId, t, levels };
    void pumpView();
  }

  async function open(source: OpenSource, label: string, selectionKey: string): Promise<void> {
    const transport = get().transport;
    if (!transport) return;
    const running = get().task;
    if (running) await transport.api.cancel({ taskId: running.taskId }).catch(() => undefined);
    const taskId = newTaskId('open');
    set({ task: { taskId, label: TASK_LABELS.open(label), phase: 'decode', done: 0, total: 0 }, error: null });
    // The selection last decoded from this very file, if any.
    const selection: ClipSelection | undefined = get().prefs.selections.find((x) => x.key === selectionKey)?.selection;
    try {
      const clip = await transport.api.openVideo(selection ? { taskId, source, selection } : { taskId, source });
      if (get().task?.taskId !== taskId) {
        // Cancelled or replaced by a newer open while the answer was on its way: drop it.
        void transport.api.closeClip({ clipId: clip.clipId }).catch(() => undefined);
        return;
      }
      get().adoptClip(clip, 'new-file');
      get().noteOpened(clip, selectionKey);
    } catch (err) {
      get().fail(`Could not open ${label}`, err);
    } finally {
      if (get().task?.taskId === taskId) set({ task: null });
    }
  }

  return {
    ...createModelSlice(set, get, store),
    ...createDiagnosticsSlice(set, get, store),
    ...createSelectionSlice(set, get, store),
    ...createVideoSlice(set, get, store),
    ...createComfortSlice(set, get, store),
    ...createPathwaySlice(set, get, store),
    transport: null,
    clip: null,
    t: 0,
    levels: DEFAULT_LEVELS,
    frame: null,
    subbands: null,
    task: null,
    error: null,
    notice: null,
    energyScale: 'linear',

    init(transport) {
      set({ transport });
      void get().refreshModel();
      void get().loadPrefs();
      const off = transport.api.onEvent((event) => {
        if (event.type === 'progress') {
          const task = get().task;
          if (task && task.taskId === event.taskId) set({ task: { ...task, phase: event.phase, done: event.done, total: event.total, queuePosition: event.queuePosition } });
        } else if (event.type === 'video-block') {
          get().addVideoBlock(event);
        } else if (event.type === 'open-path') {
          void get().openPath(event.path);
        } else if (event.type === 'open-hub-model') {
          get().setHubFormOpen(true);
        }
      });
      // Serve mode may have opened a clip at start (`wfvae serve clip.mp4`): show the newest.
      transport.api.listClips({}).then(
        ({ clips }) => {
          const last = clips.at(-1);
          if (last && !get().clip) {
            get().adoptClip(last, 'new-file');
            if (last.path) get().noteOpened(last, last.path);
          }
        },
        (err: unknown) => get().fail('Could not reach the engine', err),
      );
      return off;
    },

    fail(title, err) {
      if (err instanceof ApiError && err.code === ERROR_CODES.cancelled) return;
      const message = err instanceof Error ? err.message : String(err);
      set({ error: { title, message } });
    },

    async openFile(file) {
      const transport = get().transport;
      if (!transport) return;
      let source: OpenSource;
      try {
        source = await transport.sourceForFile(file);
      } catch (err) {
        get().fail(`Could not open ${file.name}`, err);
        return;
      }
      await open(source, file.name, source.kind === 'path' ? source.path : `${file.name}|${file.size}`);
    },

    async openPath(path) {
      await open({ kind: 'path', path }, path.split(/[\\/]/).pop() || path, path);
    },

    async chooseAndOpen() {
      const choose = get().transport?.chooseVideoFile;
      if (!choose) return;
      const path = await choose().catch((err: unknown) => {
        get().fail('Could not show the Open dialog', err);
        return null;
      });
      if (path) await get().openPath(path);
    },

    setFrame(t) {
      const clip = get().clip;
      if (!clip) return;
      const clamped = Math.max(0, Math.min(clip.frames - 1, Math.round(t)));
      if (clamped === get().t) return;
      set({ t: clamped });
      requestView();
    },

    step(delta) {
      get().setFrame(get().t + delta);
    },

    setLevels(levels) {
      const clip = get().clip;
      if (!clip || levels === get().levels) return;
      set({ levels: Math.max(1, Math.min(clip.maxLevels, MAX_LEVELS_LIMIT, levels)) });
      requestView();
    },

    async cancelTask() {
      const { task, transport } = get();
      if (!task || !transport) return;
      await transport.api.cancel({ taskId: task.taskId }).catch((err: unknown) => get().fail('Could not cancel', err));
      // Only if nothing else started meanwhile: then say what the cancel kept.
      if (get().task?.taskId === task.taskId) set({ task: null, notice: cancelNotice(task, get()) });
    },

    dismissNotice() {
      set({ notice: null });
    },

    setEnergyScale(energyScale) {
      set({ energyScale });
    },

    dismissError() {
      set({ error: null });
    },

    adoptClip(clip, how) {
      const previous = get().clip;
      set({
        clip,
        t: 0,
        levels: Math.max(1, Math.min(get().levels || DEFAULT_LEVELS, clip.maxLevels)),
        frame: null,
        subbands: null,
        // Model results belong to the clip they were computed on.
        recon: null,
        chunking: null,
        ...(how === 'new-file' ? { video: null, videoT: 0, thumbnails: null } : {}),
        selectionDraft: clip.selection,
      });
      if (how === 'new-file') set({ levels: Math.max(1, Math.min(DEFAULT_LEVELS, clip.maxLevels)) });
      const transport = get().transport;
      if (previous && previous.clipId !== clip.clipId) void transport?.api.closeClip({ clipId: previous.clipId }).catch(() => undefined);
      if (clip.maxLevels === 0) {
        set({ error: { title: `${clip.name}: no Haar level fits`, message: `A Haar level needs an odd frame count and even height and width; this clip is ${clip.frames} frames of ${clip.width}x${clip.height}.` } });
      }
      requestView();
    },
  };
});
