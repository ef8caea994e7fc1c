// Starts the real `wfvae serve` (CLI, tsx, worker thread, ffmpeg) once per
// worker and stops it with SIGINT, as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { test as base } from '@playwright/test';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** What serve has printed on stderr so far (for the message of a failed check). */
  stderr: () => string;
}

export function startServe(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['bin/wfvae.mjs', 'serve', '--no-open', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wfvae serve printed no URL within 30 s\nstdout: ${out}\nstderr: ${err}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[0], child, stderr: () => err });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wfvae serve exited with ${code}\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

export function stopServe(p: ServeProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null) return resolve(p.child.exitCode);
    p.child.once('exit', (code) => resolve(code));
    p.child.kill('SIGINT');
  });
}

export const test = base.extend<object, { serve: ServeProcess }>({
  serve: [
    // Playwright requires the fixture's first argument to be a destructuring pattern.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const p = await startServe([process.env.WFVAE_E2E_CLIP!]);
      await use(p);
      await stopServe(p);
    },
    { scope: 'worker' },
  ],
});
export { expect } from '@playwright/test';
