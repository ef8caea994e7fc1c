// Debian's Python with PyTorch (python3-torch, which .ci/run installs), for the
// checks that compare with a torch reference. WFVAE_TORCH_PYTHON overrides.
import { spawnSync } from 'node:child_process';

export const TORCH_PYTHON = process.env.WFVAE_TORCH_PYTHON || '/usr/bin/python3';

/** Why the torch checks cannot run here, or undefined when they can. */
export const torchMissing: string | undefined =
  spawnSync(TORCH_PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0
    ? undefined
    : `${TORCH_PYTHON} cannot import torch and numpy (Debian: apt-get install python3-torch python3-numpy, or set WFVAE_TORCH_PYTHON)`;
