// Which pages may talk to the main process, and where the app may send the
// user. IPC is answered only for the app window's main frame showing the
// app's own origin (app://wfvae; the dev server's origin in development).
// External links open in the system browser only for an allowlist.

/** The renderer's origins: app://wfvae, plus the dev server's in development (never in a packaged app). */
export function trustedOrigins(entryUrl: string): string[] {
  const origins = new Set(['app://wfvae']);
  const origin = originOf(entryUrl);
  if (origin) origins.add(origin);
  return [...origins];
}

/** URL.origin is "null" for non-special schemes such as app://; build it from protocol and host instead. */
export function originOf(rawUrl: string | undefined): string | undefined {
  if (!rawUrl) return undefined;
  try {
    const u = new URL(rawUrl);
    return u.host ? `${u.protocol}//${u.host}` : undefined;
  } catch {
    return undefined;
  }
}

export interface SenderFacts {
  /** The sender is the app window's own webContents. */
  fromAppWindow: boolean;
  /** The message came from the top frame, not an iframe inside it. */
  isMainFrame: boolean;
  /** The sending frame's URL (undefined when the frame is gone). */
  frameUrl: string | undefined;
}

export type SenderVerdict = { ok: true } | { ok: false; message: string };

export function checkSender(facts: SenderFacts, origins: string[]): SenderVerdict {
  if (!facts.fromAppWindow) return { ok: false, message: 'request from an unknown window' };
  if (!facts.isMainFrame) return { ok: false, message: 'request from a frame inside the page' };
  const origin = originOf(facts.frameUrl);
  if (!origin || !origins.includes(origin)) return { ok: false, message: `request from a page that is not the app (${origin ?? 'no URL'})` };
  return { ok: true };
}

/** Sites the app may open in the system browser: https only, these hosts, no user:password@. */
export const EXTERNAL_HOSTS = ['github.com', 'arxiv.org', 'huggingface.co'];

export function isAllowedExternalUrl(rawUrl: string): boolean {
  let u: URL;
  try {
    u = new URL(rawUrl);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && u.username === '' && u.password === '' && u.port === '' && EXTERNAL_HOSTS.includes(u.hostname);
}

/** Where the window loads the UI from: the dev server only in development, else the app:// entry. */
export function rendererEntry(isPackaged: boolean, devServerUrl: string | undefined, appEntryUrl: string): string {
  if (isPackaged || !devServerUrl) return appEntryUrl;
  const origin = originOf(devServerUrl);
  // electron-vite's dev server is local http; anything else is ignored rather than trusted.
  return origin && /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin) ? devServerUrl : appEntryUrl;
}
