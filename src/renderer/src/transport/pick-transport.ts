import { electronTransport } from './electron-transport';
import { httpTransport } from './http-transport';
import type { Transport } from './transport';

/** Electron when the preload bridge is there, else serve mode with the token from the page URL. */
export function pickTransport(): Transport | { error: string } {
  if (window.wfvae) return electronTransport(window.wfvae);
  const token = new URL(window.location.href).searchParams.get('token');
  if (!token) {
    return { error: 'This page needs the token from `wfvae serve`: open the exact URL it printed (…/?token=…).' };
  }
  return httpTransport(new URL('/', window.location.href).href, token);
}
