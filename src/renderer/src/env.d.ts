import type { WfvaePreloadApi } from '../../shared/preload-api';

declare global {
  interface Window {
    /** Present only inside the Electron app (see src/preload). */
    wfvae?: WfvaePreloadApi;
  }
}
