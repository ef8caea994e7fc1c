// vitest's global setup: the tests run bin/wfvae.mjs, which runs the built CLI
// (out/node) and serves the built web UI, so both are rebuilt first where a
// source is newer (scripts/cli-build.mjs). What ships is what is tested.
import { ensureCliBuild } from '../scripts/cli-build.mjs';

export default function setup(): void {
  ensureCliBuild();
}
