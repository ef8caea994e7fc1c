/**
 * What can go wrong getting a model from the Hugging Face Hub, each with a
 * code programs branch on (they cross the API as `HUB_…`) and a message that
 * says what is wrong and what to do.
 */
export const HUB_ERROR_CODES = {
  /** HF_HUB_OFFLINE is set and the cache lacks what is needed. */
  offlineMissing: 'HUB_OFFLINE_MISSING',
  /** 401/404 RepoNotFound: no such repo, or a private one without a token that may read it. */
  repoNotFound: 'HUB_REPO_NOT_FOUND',
  /** 401/403 GatedRepo, or 403 without a code: the token may not read it (terms not accepted, no access). */
  gated: 'HUB_GATED',
  /** 401 "Invalid credentials": HF_TOKEN is wrong or expired. */
  badToken: 'HUB_BAD_TOKEN',
  revisionNotFound: 'HUB_REVISION_NOT_FOUND',
  entryNotFound: 'HUB_ENTRY_NOT_FOUND',
  /** Another process holds the file's download lock and did not finish in time. */
  locked: 'HUB_LOCKED',
  /** The bytes did not match the size or hash the Hub reported. */
  checksum: 'HUB_CHECKSUM',
  /** The Hub could not be reached, or the connection kept dropping. */
  network: 'HUB_NETWORK',
  /** The server answered something that is not the Hub's protocol (no commit, no ETag, an unexpected status). */
  protocol: 'HUB_PROTOCOL',
  /** Writing the cache failed (permissions, full disk). */
  cacheWrite: 'HUB_CACHE_WRITE',
} as const;

export type HubErrorCode = (typeof HUB_ERROR_CODES)[keyof typeof HUB_ERROR_CODES];

export class HubError extends Error {
  override name = 'HubError';
  constructor(
    readonly code: HubErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
