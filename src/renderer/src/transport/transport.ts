// How the renderer reaches the engine: the same validated API either over
// Electron IPC (window.wfvae) or over HTTP to `wfvae serve`.
import type { WfvaeApi } from '../../../shared/contract';

export type OpenSource = { kind: 'path'; path: string } | { kind: 'bytes'; name: string; bytes: Uint8Array };

export interface Transport {
  kind: 'electron' | 'http';
  api: WfvaeApi;
  /** Electron: the file's path on disk; browser: its bytes, uploaded. */
  sourceForFile(file: File): Promise<OpenSource>;
  /** A native Open dialog, where there is one (Electron); the browser uses <input type=file>. */
  chooseVideoFile?: () => Promise<string | null>;
}
