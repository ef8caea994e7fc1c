// Where the engine keeps what it learns about this machine between runs
// (converted graphs, frame counts of files, measured speeds): $WFVAE_CACHE_DIR,
// else $XDG_CACHE_HOME/wfvae-inspector, else ~/.cache/wfvae-inspector.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function engineCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WFVAE_CACHE_DIR) return resolve(env.WFVAE_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(xdg, 'wfvae-inspector');
}
