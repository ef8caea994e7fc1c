// What the preload script exposes as `window.wfvae` (Electron only). It is
// deliberately raw: the renderer wraps it into a WfvaeApi and validates every
// envelope and event it receives, so the preload stays a thin pipe.
import type { ApiMethodName } from './contract';

export interface WfvaePreloadApi {
  /** Resolves with an envelope {ok, value} or {ok: false, error}; never rejects for API errors. */
  invoke(method: ApiMethodName, request: unknown): Promise<unknown>;
  onEvent(listener: (event: unknown) => void): () => void;
  /** The absolute path of a dropped or picked File (webUtils.getPathForFile); '' when it has none. */
  getPathForFile(file: File): string;
  /** Shows the native Open dialog; resolves with the chosen path or null. */
  chooseVideoFile(): Promise<string | null>;
  /** Shows the native folder dialog for a model; resolves with the chosen folder or null. */
  chooseModelFolder(): Promise<string | null>;
  /** Save dialog for a file the engine prepared (prepareExport); main copies it there. Resolves with the path, or null if cancelled. */
  saveExport(exportId: string): Promise<string | null>;
  /** Save dialog for bytes made in the renderer (a view as PNG); resolves with the path, or null if cancelled. */
  saveBytes(fileName: string, bytes: Uint8Array): Promise<string | null>;
  /** The app's remembered settings (recent files, last selection, …) as stored; the renderer validates them. */
  loadPrefs(): Promise<unknown>;
  savePrefs(prefs: unknown): Promise<void>;
}
