// The malloc tunables the CLI, serve mode and `npm start` put on their engine
// process: added on Linux, a user's own value for a key kept, nothing elsewhere.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withMallocTunables } from '../../../bin/malloc-tunables.mjs';
import { REPO_ROOT } from '../parity/goldens';

describe('withMallocTunables', () => {
  it('adds the mmap threshold and huge pages on Linux, keeping other tunables and the user\'s own values', () => {
    expect(withMallocTunables({}, 'linux').GLIBC_TUNABLES).toBe('glibc.malloc.mmap_threshold=1048576:glibc.malloc.hugetlb=1');
    expect(withMallocTunables({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0:glibc.rtld.optional_static_tls=4096' }, 'linux').GLIBC_TUNABLES)
      .toBe('glibc.malloc.hugetlb=0:glibc.rtld.optional_static_tls=4096:glibc.malloc.mmap_threshold=1048576');
    expect(withMallocTunables({ A: '1' }, 'darwin')).toEqual({ A: '1' });
  });

  it('reaches the command `npm start` runs', () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'with-malloc-tunables.mjs'), 'sh', '-c', 'echo "$GLIBC_TUNABLES"'], { encoding: 'utf8', env: { ...process.env, GLIBC_TUNABLES: '' } });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(process.platform === 'linux' ? 'glibc.malloc.mmap_threshold=1048576:glibc.malloc.hugetlb=1' : '');
  });
});
