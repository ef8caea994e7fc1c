// A stand-in for Electron's `utilityProcess` (no Electron binary here), with
// its documented surface and the behaviour this app depends on, built on a
// real Node child process with an IPC channel:
// - fork(modulePath, args, {stdio, env, serviceName, execArgv}); stdin must be
//   'ignore' (Electron has none); stdout/stderr are streams when piped;
// - the child gets process.parentPort (utility-bootstrap.mjs); postMessage both
//   ways with structured clone (Node's 'advanced' serialization);
// - 'spawn', 'message', 'exit' events; on 'exit' the stdout/stderr streams lose
//   their listeners and are dropped, as Electron's do (lib/browser/api/utility-process.ts);
// - the exit code is waitpid's raw status: the signal number for a process
//   that died of a signal, and 0 for one ended by kill() (SIGTERM), as
//   Electron reports on POSIX (shell/browser/api/electron_api_utility_process.cc);
// - kill() sends SIGTERM and returns whether the process was still there.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { UtilityChild, UtilityProcessApi } from '../../../src/main/utility-launcher';

const BOOTSTRAP = fileURLToPath(new URL('./utility-bootstrap.mjs', import.meta.url));

type Stdio = 'pipe' | 'ignore' | 'inherit';

export interface ForkRecord {
  modulePath: string;
  args: string[];
  serviceName: string | undefined;
  execArgv: string[];
  env: Record<string, string> | undefined;
}

export class FakeUtilityProcess extends EventEmitter implements UtilityChild {
  #child: ChildProcess | null;
  #stdout: PassThrough | null = null;
  #stderr: PassThrough | null = null;
  #killed = false;

  constructor(modulePath: string, args: string[], options: { stdio?: Stdio | Stdio[]; env?: Record<string, string>; execArgv?: string[]; cwd?: string }) {
    super();
    const stdio = typeof options.stdio === 'string' ? (['ignore', options.stdio, options.stdio] as Stdio[]) : (options.stdio ?? ['ignore', 'inherit', 'inherit']);
    if (stdio[0] !== 'ignore') throw new Error('stdin value other than ignore is not supported.');
    if (stdio[1] === 'pipe') this.#stdout = new PassThrough();
    if (stdio[2] === 'pipe') this.#stderr = new PassThrough();
    const child = spawn(process.execPath, [...(options.execArgv ?? []), BOOTSTRAP, modulePath, ...args], {
      stdio: ['ignore', stdio[1], stdio[2], 'ipc'],
      env: options.env ?? process.env,
      cwd: options.cwd,
      serialization: 'advanced',
    });
    this.#child = child;
    if (this.#stdout) child.stdout!.pipe(this.#stdout);
    if (this.#stderr) child.stderr!.pipe(this.#stderr);
    child.once('spawn', () => this.emit('spawn'));
    child.on('message', (message) => this.emit('message', message));
    child.once('exit', (code, signal) => {
      const raw = signal === null ? (code ?? 0) : this.#killed && (signal === 'SIGTERM' || signal === 'SIGKILL') ? 0 : constants.signals[signal];
      try {
        this.emit('exit', raw);
      } finally {
        this.#child = null;
        for (const s of [this.#stdout, this.#stderr]) s?.removeAllListeners();
        this.#stdout = null;
        this.#stderr = null;
      }
    });
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get stdout(): PassThrough | null {
    return this.#stdout;
  }

  get stderr(): PassThrough | null {
    return this.#stderr;
  }

  postMessage(message: unknown): void {
    if (this.#child?.connected) this.#child.send(message as never);
  }

  kill(): boolean {
    const child = this.#child;
    if (!child) return false;
    this.#killed = true;
    const ok = child.kill('SIGTERM');
    // base::EnsureProcessTerminated: SIGKILL if it is still there after 2 s.
    setTimeout(() => this.#child === child && child.kill('SIGKILL'), 2000).unref();
    return ok;
  }
}

/**
 * `utilityProcess` as the app's main process sees it, recording every fork and the processes alive.
 * `execArgv` is added to every child's (a test's instrumentation, e.g. a module-load recorder).
 */
export function fakeUtilityProcess(instrument: { execArgv?: string[] } = {}) {
  const forks: ForkRecord[] = [];
  const alive = new Set<FakeUtilityProcess>();
  const api = {
    fork(modulePath: string, args: string[] = [], options: { stdio?: Stdio | Stdio[]; env?: Record<string, string>; serviceName?: string; execArgv?: string[] } = {}) {
      forks.push({ modulePath, args, serviceName: options.serviceName, execArgv: options.execArgv ?? [], env: options.env });
      const p = new FakeUtilityProcess(modulePath, args, { ...options, execArgv: [...(instrument.execArgv ?? []), ...(options.execArgv ?? [])] });
      alive.add(p);
      p.once('exit', () => alive.delete(p));
      return p;
    },
  } satisfies UtilityProcessApi;
  return { api, forks, alive };
}
