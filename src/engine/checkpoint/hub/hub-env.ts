// Where the shared Hugging Face cache is and how to reach the Hub, read from
// the same environment variables huggingface_hub reads, so that diffusers,
// transformers and this app find each other's files.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface HubSettings {
  /** The hub cache folder (holding models--org--name/…). */
  cacheDir: string;
  /** Which variable named it, for messages. */
  cacheDirSource: string;
  /** HF_HUB_OFFLINE: never touch the network. */
  offline: boolean;
  endpoint: string;
  token: string | undefined;
  /** Seconds a HEAD may take (HF_HUB_ETAG_TIMEOUT, default 10). */
  metadataTimeoutS: number;
  /** Seconds a download may go without a byte (HF_HUB_DOWNLOAD_TIMEOUT, default 10). */
  stallTimeoutS: number;
  /** Seconds to wait for another process that holds a file's download lock (WFVAE_HUB_LOCK_TIMEOUT, default 600). */
  lockTimeoutS: number;
}

const TRUE_VALUES = new Set(['1', 'ON', 'YES', 'TRUE']);
const isTrue = (v: string | undefined) => v !== undefined && TRUE_VALUES.has(v.toUpperCase());

/** `~` and `$VAR` / `${VAR}` expanded, as huggingface_hub does with expanduser + expandvars. */
function expand(p: string, env: NodeJS.ProcessEnv): string {
  const home = env.HOME || homedir();
  const tilde = p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
  return tilde.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? whole);
}

function seconds(v: string | undefined, fallback: number): number {
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HOME) return expand(env.HF_HOME, env);
  return join(env.XDG_CACHE_HOME ? expand(env.XDG_CACHE_HOME, env) : join(env.HOME || homedir(), '.cache'), 'huggingface');
}

function readToken(env: NodeJS.ProcessEnv): string | undefined {
  const direct = env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  if (direct !== undefined) return direct.trim() || undefined;
  // Where `hf auth login` (huggingface-cli login) keeps it.
  const file = env.HF_TOKEN_PATH ? expand(env.HF_TOKEN_PATH, env) : join(hfHome(env), 'token');
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  let cacheDir: string;
  let cacheDirSource: string;
  if (env.HF_HUB_CACHE) [cacheDir, cacheDirSource] = [expand(env.HF_HUB_CACHE, env), 'HF_HUB_CACHE'];
  else if (env.HUGGINGFACE_HUB_CACHE) [cacheDir, cacheDirSource] = [expand(env.HUGGINGFACE_HUB_CACHE, env), 'HUGGINGFACE_HUB_CACHE'];
  else [cacheDir, cacheDirSource] = [join(hfHome(env), 'hub'), env.HF_HOME ? 'HF_HOME' : 'the default'];
  return {
    cacheDir,
    cacheDirSource,
    offline: isTrue(env.HF_HUB_OFFLINE) || isTrue(env.TRANSFORMERS_OFFLINE),
    endpoint: (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, ''),
    token: readToken(env),
    metadataTimeoutS: seconds(env.HF_HUB_ETAG_TIMEOUT, 10),
    stallTimeoutS: seconds(env.HF_HUB_DOWNLOAD_TIMEOUT, 10),
    lockTimeoutS: seconds(env.WFVAE_HUB_LOCK_TIMEOUT, 600),
  };
}
