// What the app remembers between runs: recent files and models, the last clip
// selection (per file and overall), the last view and the A/B viewer's
// settings. Electron keeps it in a JSON file in the user's app-data folder,
// serve mode in the browser's localStorage; both read it back through
// parsePrefs, which drops what it does not recognise instead of failing.
import { z } from 'zod';
import { clipSelectionSchema, DIFF_MODES } from './workflow-contract';

export const MAX_RECENT = 8;
const MAX_SELECTIONS = 24;

export const VIEWER_MODES = ['side', 'wipe', 'diff'] as const;
export type ViewerMode = (typeof VIEWER_MODES)[number];

export const viewerPrefsSchema = z.object({
  mode: z.enum(VIEWER_MODES),
  diffMode: z.enum(DIFF_MODES),
  gain: z.number().min(1).max(256),
  loop: z.boolean(),
});
export type ViewerPrefs = z.infer<typeof viewerPrefsSchema>;
export const DEFAULT_VIEWER_PREFS: ViewerPrefs = { mode: 'side', diffMode: 'abs', gain: 8, loop: true };

const recentFile = z.object({ path: z.string().min(1).max(4096), name: z.string().max(255) });
const recentModel = z.object({ path: z.string().min(1).max(4096), className: z.string().max(64) });

export const prefsSchema = z.object({
  recentFiles: z.array(recentFile).max(MAX_RECENT).catch([]),
  recentModels: z.array(recentModel).max(MAX_RECENT).catch([]),
  /** The last selection decoded from each file (key: its path, or name and size for uploads), newest first. */
  selections: z.array(z.object({ key: z.string().max(4200), selection: clipSelectionSchema })).max(MAX_SELECTIONS).catch([]),
  lastSelection: clipSelectionSchema.nullable().catch(null),
  view: z.string().max(32).nullable().catch(null),
  viewer: viewerPrefsSchema.catch(DEFAULT_VIEWER_PREFS),
});
export type Prefs = z.infer<typeof prefsSchema>;
export type RecentFile = z.infer<typeof recentFile>;
export type RecentModel = z.infer<typeof recentModel>;

export const EMPTY_PREFS: Prefs = { recentFiles: [], recentModels: [], selections: [], lastSelection: null, view: null, viewer: DEFAULT_VIEWER_PREFS };

/** Whatever was stored, as valid prefs: unknown or broken parts fall back to their defaults. */
export function parsePrefs(raw: unknown): Prefs {
  const r = prefsSchema.safeParse(raw && typeof raw === 'object' ? { ...EMPTY_PREFS, ...raw } : EMPTY_PREFS);
  return r.success ? r.data : EMPTY_PREFS;
}

/** `item` first, older entries after it without duplicates (by `same`), at most `max`. */
export function pushRecent<T>(list: readonly T[], item: T, same: (a: T, b: T) => boolean, max = MAX_RECENT): T[] {
  return [item, ...list.filter((x) => !same(x, item))].slice(0, max);
}

export function rememberSelection(p: Prefs, key: string, selection: z.infer<typeof clipSelectionSchema>): Prefs {
  return {
    ...p,
    lastSelection: selection,
    selections: pushRecent(p.selections, { key, selection }, (a, b) => a.key === b.key, MAX_SELECTIONS),
  };
}
