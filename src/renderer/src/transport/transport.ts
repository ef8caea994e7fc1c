// How the renderer reaches the engine: the same validated API either over
// Electron IPC (window.wfvae) or over HTTP to `wfvae serve`.
import type { WfvaeApi } from '../../../shared/contract';
import type { ExportFile } from '../../../shared/workflow-contract';

export type OpenSource = { kind: 'path'; path: string } | { kind: 'bytes'; name: string; bytes: Uint8Array };

export interface Transport {
  kind: 'electron' | 'http';
  api: WfvaeApi;
  /** Electron: the file's path on disk; browser: its bytes, uploaded. */
  sourceForFile(file: File): Promise<OpenSource>;
  /** A native Open dialog, where there is one (Electron); the browser uses <input type=file>. */
  chooseVideoFile?: () => Promise<string | null>;
  /** Hands a prepared export to the user: Electron's Save dialog, or a browser download. Resolves with where it went, or null if cancelled. */
  saveExport(file: ExportFile): Promise<string | null>;
  /** The same for bytes made here (a view as PNG). */
  saveBytes(fileName: string, bytes: Uint8Array, mime: string): Promise<string | null>;
  /** Remembered settings: a JSON file in the app-data folder (Electron) or localStorage (browser). */
  prefs: { load(): Promise<unknown>; save(value: unknown): Promise<void> };
}
