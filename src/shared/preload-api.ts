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
}
