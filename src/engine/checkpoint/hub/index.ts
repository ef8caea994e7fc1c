/** Models by Hugging Face id: the shared cache first, the Hub for what it lacks. */
export { resolveHubModel, checkpointFiles, type HubProgress, type ResolvedHubModel, type ResolveHubOptions } from './resolve-hub-model';
export { hubSettings, hfHome, DEFAULT_ENDPOINT, type HubSettings } from './hub-env';
export { HubError, HUB_ERROR_CODES, type HubErrorCode } from './hub-errors';
export { RepoCache, repoFolderName } from './hub-cache';
export { inspectLock } from './cache-lock';
