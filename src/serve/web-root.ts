// Where the built web renderer lives, and a clear message when it is not built.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageFile } from '../engine/package-files';
import { UsageError } from '../hosting/errors';

/** out/renderer-web under the package root: the checkout's build, or the one an installed package ships. */
export function webRoot(): string {
  return packageFile('out', 'renderer-web');
}

/** The built web UI: out/renderer-web, or the folder WFVAE_WEB_ROOT names (a build kept elsewhere). */
export function requireWebRoot(root = process.env.WFVAE_WEB_ROOT || webRoot()): string {
  if (!existsSync(join(root, 'index.html'))) {
    throw new UsageError(`the web UI is not built (${join(root, 'index.html')} is missing): run \`npm run build:renderer\` first`, 1);
  }
  return root;
}
