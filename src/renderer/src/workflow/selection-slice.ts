// The store's clip-selection part: the draft the Clip panel edits (start,
// frames, sample rate, size, snap), the thumbnail strip of the whole source,
// and decoding the draft as the new clip (a task: progress, Cancel).
import type { StateCreator } from 'zustand';
import type { ClipInfo } from '../../../shared/contract';
import type { ClipSelection, Thumbnails } from '../../../shared/workflow-contract';
import type { TaskState } from '../store';
import type { Transport } from '../transport/transport';
import { newTaskId, runTask } from './run-task';
import { TASK_LABELS } from './cancel-notice';

export interface SelectionSlice {
  selectionDraft: ClipSelection | null;
  thumbnails: Thumbnails | null;
  setDraft(patch: Partial<ClipSelection>): void;
  /** Decodes the draft as the new clip. */
  applySelection(): Promise<void>;
  loadThumbnails(): Promise<void>;
}

interface Host {
  transport: Transport | null;
  clip: ClipInfo | null;
  task: TaskState | null;
  fail(title: string, err: unknown): void;
  adoptClip(clip: ClipInfo, how: 'new-file' | 'reselect'): void;
  rememberClipSelection(clip: ClipInfo): void;
}

let thumbnailsFor: string | null = null;

export const createSelectionSlice: StateCreator<SelectionSlice & Host, [], [], SelectionSlice> = (set, get) => ({
  selectionDraft: null,
  thumbnails: null,

  setDraft(patch) {
    const draft = get().selectionDraft ?? get().clip?.selection;
    if (draft) set({ selectionDraft: { ...draft, ...patch } });
  },

  async applySelection() {
    const { clip, selectionDraft } = get();
    if (!clip || !selectionDraft) return;
    const selection = selectionDraft;
    try {
      const next = await runTask(get, set, TASK_LABELS.decodeSelection(selection.start, clip.name), 'select', (t, taskId) =>
        t.api.selectClip({ taskId, clipId: clip.clipId, selection }),
      );
      if (!next) return;
      if (get().clip?.clipId !== clip.clipId) {
        // Another file was opened meanwhile.
        void get().transport?.api.closeClip({ clipId: next.clipId }).catch(() => undefined);
        return;
      }
      get().adoptClip(next, 'reselect');
      get().rememberClipSelection(next);
    } catch (err) {
      get().fail('Could not decode that selection', err);
    }
  },

  async loadThumbnails() {
    const { clip, transport } = get();
    if (!clip || !transport) return;
    const key = `${clip.name}|${clip.path}|${clip.source.frames}`;
    if (thumbnailsFor === key && get().thumbnails) return;
    thumbnailsFor = key;
    try {
      // Not the store's task: the strip loads beside whatever else runs, without a progress bar.
      const thumbnails = await transport.api.getThumbnails({ taskId: newTaskId('thumbs'), clipId: clip.clipId });
      if (thumbnailsFor === key) set({ thumbnails });
    } catch (err) {
      thumbnailsFor = null;
      get().fail('Could not make the thumbnail strip', err);
    }
  },
});
