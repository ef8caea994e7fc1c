// Who may do what in serve mode. Every request must name this server in its
// Host header (a DNS-rebinding page cannot pose as 127.0.0.1). API calls carry
// the session token in a header (or, for the read-only event stream, the
// query); a cookie never authorises them, since cookies ignore ports and go
// to every service on 127.0.0.1. Requests that change state must also come
// from this origin (Origin, Sec-Fetch-Site), so another local page that got
// hold of the token through some other channel still cannot post from its origin.
// The page's own assets (public code, no secrets) accept a separate asset key
// in a cookie, so the token itself never travels in one.
import type { IncomingHttpHeaders } from 'node:http';
import { tokenMatches } from './token';

export const TOKEN_HEADER = 'x-wfvae-token';

export interface AccessKeys {
  port: number;
  token: string;
  /** Authorises GETs of static files only. */
  assetKey: string;
  cookieName: string;
}

export type AccessVerdict = { ok: true } | { ok: false; message: string };

const SERVE_HOSTS = ['127.0.0.1', 'localhost'];

export function ownOrigins(port: number): string[] {
  return SERVE_HOSTS.map((h) => `http://${h}:${port}`);
}

function allowedHost(host: string | undefined, port: number): boolean {
  return host !== undefined && SERVE_HOSTS.some((h) => host === `${h}:${port}`);
}

/** State-changing requests from a browser must come from this origin. Clients that send neither header (curl, scripts) are judged by the token alone. */
export function sameOrigin(headers: IncomingHttpHeaders, port: number): AccessVerdict {
  const origin = headers.origin;
  if (origin !== undefined && !ownOrigins(port).includes(origin)) {
    return { ok: false, message: `cross-origin request refused: this API only answers the page it serves (${ownOrigins(port)[0]}), not ${origin}` };
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { ok: false, message: `cross-origin request refused (Sec-Fetch-Site: ${site}): this API only answers the page it serves` };
  }
  return { ok: true };
}

function headerToken(headers: IncomingHttpHeaders): string | undefined {
  const h = headers[TOKEN_HEADER];
  if (typeof h === 'string') return h;
  const auth = headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
}

function cookieValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

const NO_TOKEN = 'missing or wrong token: open the exact URL that `wfvae serve` printed';

export function checkAccess(method: string, url: URL, headers: IncomingHttpHeaders, keys: AccessKeys): AccessVerdict {
  if (!allowedHost(headers.host, keys.port)) {
    return { ok: false, message: `Host "${headers.host ?? ''}" is not this server: open ${ownOrigins(keys.port)[0]}/ (other host names are refused against DNS rebinding)` };
  }
  const readOnly = method === 'GET' || method === 'HEAD';
  if (!readOnly) {
    const origin = sameOrigin(headers, keys.port);
    if (!origin.ok) return origin;
    // The header only: a URL or a cookie can be made to travel with a cross-site request, a custom header cannot.
    return tokenMatches(keys.token, headerToken(headers)) ? { ok: true } : { ok: false, message: `${NO_TOKEN} (API calls carry it in the ${TOKEN_HEADER} header)` };
  }
  if (tokenMatches(keys.token, headerToken(headers)) || tokenMatches(keys.token, url.searchParams.get('token'))) return { ok: true };
  // Static files only: the API and the downloads (the user's own results) need the token.
  if (!url.pathname.startsWith('/api/') && !url.pathname.startsWith('/download/') && tokenMatches(keys.assetKey, cookieValue(headers, keys.cookieName))) return { ok: true };
  return { ok: false, message: NO_TOKEN };
}
