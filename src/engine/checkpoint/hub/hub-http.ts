/**
 * The two requests the Hub's file protocol needs, as huggingface_hub makes them:
 *
 * - `HEAD {endpoint}/{repo}/resolve/{revision}/{path}` for a file's metadata:
 *   `X-Repo-Commit` (the commit the revision is at), `X-Linked-Etag` or `ETag`
 *   (the blob's name: sha256 for LFS files, the git blob sha1 otherwise),
 *   `X-Linked-Size` or `Content-Length`. LFS files answer with a redirect to a
 *   CDN: it is not followed (its Location is where the bytes are), relative
 *   redirects (a renamed repo) are.
 * - `GET` of that location, following redirects, with `Range` to resume; the
 *   token goes only to the endpoint's own origin, never to a CDN.
 *
 * Failures become HubErrors from the Hub's `X-Error-Code` header
 * (RepoNotFound, GatedRepo, RevisionNotFound, EntryNotFound).
 */
import { HUB_ERROR_CODES, HubError } from './hub-errors';
import { COMMIT_HASH, SAFE_ETAG } from './hub-cache';
import type { HubSettings } from './hub-env';

export interface FileMetadata {
  commit: string;
  etag: string;
  size: number;
  /** Where the bytes are: the CDN location of a redirect, else the resolve URL. */
  location: string;
}

export interface FileRef {
  repo: string;
  revision: string;
  /** Path in the repo, '/'-separated. */
  file: string;
}

const USER_AGENT = 'wfvae-inspector (huggingface_hub cache layout)';
const MAX_REDIRECTS = 10;

/** Header text from a server, safe to print: no control characters, bounded. */
function clean(text: string | null): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a terminal
  return (text ?? '').replace(/[\x00-\x1f\x7f]/g, ' ').trim().slice(0, 300);
}

export function resolveUrl(endpoint: string, ref: FileRef): string {
  const path = ref.file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${path}`;
}

export function baseHeaders(settings: HubSettings): Record<string, string> {
  const h: Record<string, string> = { 'user-agent': USER_AGENT };
  if (settings.token) h.authorization = `Bearer ${settings.token}`;
  return h;
}

/** A network failure (not an HTTP status) as the error users see. */
export function networkError(err: unknown, url: string, what: string): HubError {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const why = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.cause?.message ?? e.message);
  const origin = (() => {
    try {
      return new URL(url).origin;
    } catch {
      return url;
    }
  })();
  return new HubError(
    HUB_ERROR_CODES.network,
    `cannot reach the Hugging Face Hub at ${origin} to ${what} (${why}). Check the connection (or HF_ENDPOINT); a model already in the cache loads without the network, and HF_HUB_OFFLINE=1 never tries it.`,
    { cause: err },
  );
}

/** The HubError a failed response stands for. */
export function statusError(res: Response, ref: FileRef, settings: HubSettings): HubError {
  const code = res.headers.get('x-error-code');
  const serverMessage = clean(res.headers.get('x-error-message'));
  const said = serverMessage ? ` The Hub said: "${serverMessage}".` : '';
  const page = `${settings.endpoint}/${ref.repo}`;
  const tokenHint = settings.token
    ? 'HF_TOKEN is set, but that token cannot read it'
    : 'no token was sent: set HF_TOKEN to an access token (or log in with `hf auth login`)';
  if (code === 'RevisionNotFound') {
    return new HubError(HUB_ERROR_CODES.revisionNotFound, `${ref.repo} has no revision "${ref.revision}" (no such branch, tag or commit). See the branches and tags under "Files and versions" at ${page}.${said}`);
  }
  if (code === 'EntryNotFound') {
    const hint = ref.file.includes('/')
      ? ''
      : ' If the model is in a subfolder of the repo (a diffusers pipeline keeps its VAE in vae/), name it after a colon: ' + `${ref.repo}:vae.`;
    return new HubError(HUB_ERROR_CODES.entryNotFound, `${ref.repo}@${ref.revision} has no file ${ref.file}; a WF-VAE checkpoint needs config.json and diffusion_pytorch_model.safetensors side by side.${hint}${said}`);
  }
  if (code === 'GatedRepo') {
    return new HubError(
      HUB_ERROR_CODES.gated,
      `${ref.repo} is a gated repo: ${tokenHint}. Accept its terms at ${page} while logged in to the account whose token you use, then set HF_TOKEN to that token.${said}`,
    );
  }
  if (res.status === 401 && /invalid credentials|invalid.*token/i.test(serverMessage)) {
    return new HubError(HUB_ERROR_CODES.badToken, `the Hub refused the token in HF_TOKEN as invalid or expired (401). Make a new one at ${settings.endpoint}/settings/tokens and set HF_TOKEN to it.${said}`);
  }
  if (code === 'RepoNotFound' || code === 'RepositoryNotFound' || res.status === 401) {
    return new HubError(
      HUB_ERROR_CODES.repoNotFound,
      `no model repo ${ref.repo} on ${settings.endpoint} that this request may see (${res.status}): check the name; if it is private or gated, ${tokenHint}.${said}`,
    );
  }
  if (res.status === 403) {
    return new HubError(HUB_ERROR_CODES.gated, `the Hub refused access to ${ref.repo} (403): ${tokenHint}; for a gated repo, accept its terms at ${page}.${said}`);
  }
  if (res.status === 404) {
    return new HubError(HUB_ERROR_CODES.entryNotFound, `${settings.endpoint} has nothing at ${ref.repo}@${ref.revision}/${ref.file} (404).${said}`);
  }
  if (res.status === 429 || res.status >= 500) {
    return new HubError(HUB_ERROR_CODES.network, `the Hub at ${settings.endpoint} answered ${res.status} for ${ref.repo}/${ref.file}: it is busy or down; try again later.${said}`);
  }
  return new HubError(HUB_ERROR_CODES.protocol, `unexpected answer ${res.status} from ${settings.endpoint} for ${ref.repo}@${ref.revision}/${ref.file}.${said}`);
}

/** HF's etag normalisation: drop a weak `W/` and the quotes. */
export function normalizeEtag(etag: string | null): string | null {
  if (etag === null) return null;
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** A file's metadata from a HEAD, without following a redirect to another host. */
export async function fetchMetadata(settings: HubSettings, ref: FileRef, signal?: AbortSignal): Promise<FileMetadata> {
  let url = resolveUrl(settings.endpoint, ref);
  const headers = { ...baseHeaders(settings), 'accept-encoding': 'identity' };
  for (let hop = 0; ; hop++) {
    const timeout = AbortSignal.timeout(settings.metadataTimeoutS * 1000);
    let res: Response;
    try {
      res = await fetch(url, { method: 'HEAD', headers, redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw networkError(err, url, `look up ${ref.repo}/${ref.file}`);
    }
    const redirect = res.status >= 300 && res.status < 400;
    if (!res.ok && !redirect) throw statusError(res, ref, settings);
    const location = res.headers.get('location');
    if (redirect && location && hop < MAX_REDIRECTS && !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith('//')) {
      // A relative redirect: the repo was renamed. Follow it, keeping the token (same host).
      url = new URL(location, url).toString();
      continue;
    }
    const commit = res.headers.get('x-repo-commit');
    const etag = normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
    const sizeText = res.headers.get('x-linked-size') ?? (redirect ? null : res.headers.get('content-length'));
    const size = sizeText === null ? NaN : Number(sizeText);
    const where = `${url} (HEAD ${res.status})`;
    if (!commit || !COMMIT_HASH.test(commit)) {
      throw new HubError(HUB_ERROR_CODES.protocol, `${where} carries no X-Repo-Commit header with a commit hash, so it is not the Hugging Face Hub (or a proxy strips its headers). Check HF_ENDPOINT and proxy settings.`);
    }
    if (!etag || !SAFE_ETAG.test(etag)) throw new HubError(HUB_ERROR_CODES.protocol, `${where} carries no usable ETag (got ${JSON.stringify(clean(etag))}); without it the file cannot be named or checked in the cache.`);
    if (!Number.isSafeInteger(size) || size < 0) throw new HubError(HUB_ERROR_CODES.protocol, `${where} does not say the file's size (no X-Linked-Size or Content-Length).`);
    return { commit, etag, size, location: redirect && location ? new URL(location, url).toString() : url };
  }
}

/**
 * GETs `url` from byte `from` on, following redirects; the token only to `tokenOrigin`.
 * Returns the response (206 for a honoured Range, 200 for the whole file).
 */
export async function fetchBytes(url: string, from: number, settings: HubSettings, ref: FileRef, signal: AbortSignal): Promise<Response> {
  const tokenOrigin = new URL(settings.endpoint).origin;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity' };
    if (settings.token && new URL(url).origin === tokenOrigin) headers.authorization = `Bearer ${settings.token}`;
    if (from > 0) headers.range = `bytes=${from}-`;
    let res: Response;
    try {
      res = await fetch(url, { headers, redirect: 'manual', signal });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw networkError(err, url, `download ${ref.repo}/${ref.file}`);
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    if (res.ok || res.status === 416) return res;
    await res.body?.cancel();
    throw statusError(res, ref, settings);
  }
  throw new HubError(HUB_ERROR_CODES.protocol, `more than ${MAX_REDIRECTS} redirects downloading ${ref.repo}/${ref.file}`);
}
