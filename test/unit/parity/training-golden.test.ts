// The PyTorch cross-check (torch-crosscheck.test.ts) and the outside PSNR checks
// trust training/wfvae as a reference: its own parity with the shared goldens
// (training/tests/test_golden.py: every output of wfvae-l-tiny and
// wfvae-gn-nearest within 2e-4) runs here, so `npm test` and CI check it too.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { IN_CI } from '../../helpers/shared-goldens';
import { TORCH_PYTHON, torchMissing } from '../../helpers/torch-python';
import { FULL_GOLDENS, REPO_ROOT, SHARED_GOLDENS } from './goldens';

const run = promisify(execFile);

describe('training/wfvae against the shared goldens', () => {
  it.skipIf(!!torchMissing || !FULL_GOLDENS)(
    `training/tests/test_golden.py passes${torchMissing ? ` (skipped: ${torchMissing})` : ''}${!FULL_GOLDENS ? ` (skipped: no shared goldens at ${SHARED_GOLDENS})` : ''}`,
    async () => {
      const { stdout } = await run(TORCH_PYTHON, [join(REPO_ROOT, 'training', 'tests', 'test_golden.py')], {
        env: { ...process.env, WFVAE_GOLDENS: SHARED_GOLDENS },
        timeout: 300_000,
      });
      const rows = stdout.split('\n').filter((l) => /max\|err\| = /.test(l));
      // 2 models x 4 cases x 6 outputs, each printed with its error.
      expect(rows).toHaveLength(48);
      for (const r of rows) expect(Number(/= (\S+)$/.exec(r)![1]), r).toBeLessThanOrEqual(2e-4);
      expect(stdout).toContain('golden parity: OK');
    },
  );

  it.runIf(IN_CI)('under CI=true, torch is installed (CI installs python3-torch: the torch checks must not skip there)', () => {
    expect(torchMissing).toBeUndefined();
  });
});
