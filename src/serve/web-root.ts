// Where the built web renderer lives, and a clear message when it is not built.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../hosting/errors';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_ROOT = join(REPO_ROOT, 'out', 'renderer-web');

/** The built web UI: out/renderer-web, or the folder WFVAE_WEB_ROOT names (a build kept elsewhere). */
export function requireWebRoot(root = process.env.WFVAE_WEB_ROOT || WEB_ROOT): string {
  if (!existsSync(join(root, 'index.html'))) {
    throw new UsageError(`the web UI is not built (${join(root, 'index.html')} is missing): run \`npm run build:renderer\` first`, 1);
  }
  return root;
}
