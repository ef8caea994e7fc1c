// The UI loads from app://wfvae/…, a privileged, secure custom scheme, not
// file:// (where every local file would share the page's origin). The handler
// serves the built renderer folder only: no ../ escape, no symlink out of it,
// and every answer carries the same CSP and headers as serve mode.
import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { contentTypeOf, resolveRealFile } from '../../hosting/static-files';
import { SECURITY_HEADERS } from '../../hosting/security-headers';

export const APP_SCHEME = 'app';
export const APP_HOST = 'wfvae';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Must run before the app is ready: standard (relative URLs, an origin), secure (like https), fetch-able. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** The file an app:// URL names inside root, or undefined (wrong host, escape, symlink out, missing, not a file). */
export async function resolveAppUrl(root: string, rawUrl: string): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return undefined;
  return resolveRealFile(root, url.pathname);
}

/** What the app:// handler answers for a request URL. */
export async function appResponse(root: string, rawUrl: string): Promise<Response> {
  const file = await resolveAppUrl(root, rawUrl);
  if (!file) return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS } });
  const body = await readFile(file);
  return new Response(new Uint8Array(body), { status: 200, headers: { 'content-type': contentTypeOf(file), ...SECURITY_HEADERS } });
}

export function serveAppProtocol(protocol: Pick<Protocol, 'handle'>, root: string): void {
  protocol.handle(APP_SCHEME, (request) => appResponse(root, request.url));
}
