// Where the full reference goldens are: WFVAE_GOLDENS, else ../shared/goldens
// beside the clone (DESIGN.md; CI lays a copy of shared/ there). A fresh clone
// without them checks parity on the subset kept in the repo; CI must not: there
// a missing set fails every test that would shrink to the subset, instead of
// passing on one tiny model.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** CI sets CI=true (GitHub Actions, GitLab, and the project's own CI alike). */
export const IN_CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

export const SHARED_GOLDENS = process.env.WFVAE_GOLDENS ? resolve(process.env.WFVAE_GOLDENS) : resolve(REPO_ROOT, '..', 'shared', 'goldens');
export const FULL_GOLDENS = existsSync(join(SHARED_GOLDENS, 'manifest.json'));

if (!FULL_GOLDENS && IN_CI) {
  throw new Error(
    `CI=true but the shared reference goldens are missing (no manifest.json in ${SHARED_GOLDENS}): the parity tests would shrink to the ` +
      'in-repo subset. Lay shared/ beside the clone, or set WFVAE_GOLDENS to the goldens folder.',
  );
}

/** Appended to the title of a test that needs the shared goldens: why it skips where they are missing. */
export const NO_SHARED_GOLDENS = FULL_GOLDENS ? '' : ` (skipped: no shared goldens at ${SHARED_GOLDENS}; set WFVAE_GOLDENS)`;
