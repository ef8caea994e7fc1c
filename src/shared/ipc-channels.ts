// Electron IPC channel names. Kept free of zod so the sandboxed preload, which
// cannot load packages, can import it; contract.ts re-exports it.

export const IPC = {
  invoke: (method: string) => `wfvae:${method}`,
  event: 'wfvae:event',
  chooseFile: 'wfvae:choose-file',
  chooseModelFolder: 'wfvae:choose-model-folder',
  saveExport: 'wfvae:save-export',
  saveBytes: 'wfvae:save-bytes',
  loadPrefs: 'wfvae:load-prefs',
  savePrefs: 'wfvae:save-prefs',
} as const;

/** A plausible method name; main checks it against the contract and validates the request. */
export function looksLikeMethodName(name: unknown): name is string {
  return typeof name === 'string' && /^[A-Za-z]{1,64}$/.test(name);
}
