// The Electron host's ProcessLauncher: a Node script (the video tool) runs in
// a utilityProcess — Electron's own way to run Node code in a child process;
// the app's fuses turn RunAsNode off, so process.execPath cannot be used as
// node. A utility process has no stdin and its exit code is not reliable, so
// the script follows src/engine/process/script-protocol.ts: stdin arrives as
// messages (sent ahead only within a window the script acknowledges), and the
// script announces its exit code and waits until this side has read its
// stdout and stderr to the end. What the engine sees is a LaunchedChild like
// any Node child: streams, 'close' with a code or a signal, kill().
import { EventEmitter } from 'node:events';
import { basename } from 'node:path';
import { constants } from 'node:os';
import { PassThrough, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { STDIN_WINDOW_BYTES } from '../engine/process/launch-protocol';
import { NODE_SCRIPT_EXEC_ARGV, type LaunchedChild, type NodeScriptSpec, type ProcessLauncher } from '../engine/process/launcher';
import { fromScriptSchema, STDERR_END_MARKER, type ToScript } from '../engine/process/script-protocol';

/** What is used of Electron's `utilityProcess` (its documented surface; electron's own object satisfies it). */
export interface UtilityProcessApi {
  fork(
    modulePath: string,
    args: string[],
    options: { stdio: ('pipe' | 'ignore')[]; env?: Record<string, string>; serviceName: string; execArgv: string[] },
  ): UtilityChild;
}

export interface UtilityChild {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: ToScript): void;
  kill(): boolean;
  on(event: 'spawn', listener: () => void): this;
  on(event: 'exit', listener: (code: number) => void): this;
  on(event: 'message', listener: (message: unknown) => void): this;
}

/** Signals Chromium counts as a crash or a kill; their numbers are what Electron reports for a process that died of one. */
const DEATH_SIGNALS: NodeJS.Signals[] = ['SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGSEGV', 'SIGSYS'];

/**
 * How a script ended that did not announce its exit code. On POSIX Electron passes waitpid's raw
 * status for a crash: the signal in the low 7 bits, 0x80 if it dumped core. 0 without an
 * announcement means it ended without finishing (Electron has reported crashes as 0).
 */
export function unannouncedEnd(code: number, platform: NodeJS.Platform = process.platform): { code: number | null; signal: NodeJS.Signals | null } {
  if (code === 0) return { code: null, signal: null };
  if (platform !== 'win32' && code > 0 && code < 256) {
    const signal = DEATH_SIGNALS.find((s) => constants.signals[s] === (code & 0x7f));
    if (signal) return { code: null, signal };
  }
  return { code, signal: null };
}

class UtilityScriptChild extends EventEmitter implements LaunchedChild {
  pid: number | undefined = undefined;
  readonly stdin: Writable | null;
  readonly stdout: PassThrough | null;
  readonly stderr = new PassThrough();
  private proc: UtilityChild | null = null;
  private exited = false;
  private killed = false;
  private announced: { code: number; stdoutBytes: number } | null = null;
  private acknowledged = false;
  private stdoutRead = 0;
  private stderrEnded = false;
  private readonly stderrText = new StringDecoder('utf8');
  private stderrPartial = '';
  private stdinInFlight = 0;
  private stdinWaiting: (() => void) | null = null;

  constructor(api: UtilityProcessApi, spec: NodeScriptSpec) {
    super();
    this.stdout = spec.stdout ? new PassThrough() : null;
    this.stdin = spec.stdin
      ? new Writable({
          write: (chunk: Uint8Array, _encoding, done) => {
            if (this.exited || !this.proc) return done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
            this.stdinInFlight += chunk.byteLength;
            this.proc.postMessage({ kind: 'stdin', chunk: new Uint8Array(chunk) });
            if (this.stdinInFlight < STDIN_WINDOW_BYTES) done();
            else this.stdinWaiting = done;
          },
          final: (done) => {
            if (!this.exited) this.proc?.postMessage({ kind: 'stdin-end' });
            done();
          },
        })
      : null;
    const env = spec.env && Object.fromEntries(Object.entries(spec.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    try {
      this.proc = api.fork(spec.script, spec.args, {
        stdio: ['ignore', spec.stdout ? 'pipe' : 'ignore', 'pipe'],
        env,
        serviceName: `WF-VAE Inspector ${basename(spec.script)}`,
        execArgv: NODE_SCRIPT_EXEC_ARGV,
      });
    } catch (e) {
      // Reported as a child that never started, after the caller has attached its listeners.
      process.nextTick(() => {
        this.exited = true;
        this.emit('error', e);
        this.endStreams();
      });
      return;
    }
    const proc = this.proc;
    proc.on('spawn', () => {
      this.pid = proc.pid;
      this.emit('spawn');
    });
    proc.on('message', (raw) => this.onScriptMessage(raw));
    proc.on('exit', (code) => this.onExit(code));
    const out = proc.stdout;
    if (out && this.stdout) {
      const mine = this.stdout;
      out.on('data', (chunk: Buffer) => {
        this.stdoutRead += chunk.length;
        if (!mine.write(chunk)) out.pause();
        this.acknowledgeExitIfRead();
      });
      mine.on('drain', () => out.resume());
    }
    proc.stderr?.on('data', (chunk: Buffer) => this.onStderr(chunk));
  }

  kill(): boolean {
    if (this.exited || !this.proc) return false;
    this.killed = true;
    // Electron's kill takes no signal: SIGTERM, then SIGKILL if the process lingers.
    return this.proc.kill();
  }

  private onScriptMessage(raw: unknown): void {
    const parsed = fromScriptSchema.safeParse(raw);
    if (!parsed.success) return; // A script that speaks no protocol still ends; its exit is then reported as unannounced.
    const m = parsed.data;
    if (m.kind === 'stdin-consumed') {
      this.stdinInFlight -= m.bytes;
      if (this.stdinWaiting && this.stdinInFlight < STDIN_WINDOW_BYTES) {
        const done = this.stdinWaiting;
        this.stdinWaiting = null;
        done();
      }
    } else {
      this.announced = { code: m.code, stdoutBytes: m.stdoutBytes };
      this.acknowledgeExitIfRead();
    }
  }

  /** The script may exit once everything it wrote has arrived here (Electron drops the pipes at exit). */
  private acknowledgeExitIfRead(): void {
    if (!this.announced || this.acknowledged || !this.stderrEnded) return;
    if (this.stdout && this.stdoutRead < this.announced.stdoutBytes) return;
    this.acknowledged = true;
    this.proc?.postMessage({ kind: 'exit-ack' });
  }

  private onStderr(chunk: Buffer): void {
    const lines = (this.stderrPartial + this.stderrText.write(chunk)).split('\n');
    this.stderrPartial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === STDERR_END_MARKER) {
        this.stderrEnded = true;
        this.acknowledgeExitIfRead();
      } else {
        this.stderr.write(`${line}\n`);
      }
    }
  }

  private onExit(rawCode: number): void {
    this.exited = true;
    const { code, signal } = this.announced
      ? { code: this.announced.code, signal: null }
      : this.killed
        ? { code: null, signal: 'SIGTERM' as NodeJS.Signals }
        : unannouncedEnd(rawCode);
    const tail = this.stderrPartial + this.stderrText.end();
    if (tail) this.stderr.write(tail);
    const waiting = this.stdinWaiting;
    this.stdinWaiting = null;
    waiting?.();
    this.stdin?.destroy();
    this.emit('exit', code, signal);
    let open = 0;
    const ended = () => {
      if (--open === 0) this.emit('close', code, signal);
    };
    for (const s of [this.stdout, this.stderr]) {
      if (!s || s.readableEnded) continue;
      open++;
      s.once('end', ended);
    }
    this.endStreams();
    if (open === 0) this.emit('close', code, signal);
  }

  private endStreams(): void {
    for (const s of [this.stdout, this.stderr]) if (s && !s.writableEnded) s.end();
  }
}

export function utilityLauncher(api: UtilityProcessApi): ProcessLauncher {
  return {
    name: 'Electron utilityProcess',
    launchNode: (spec) => new UtilityScriptChild(api, spec),
  };
}
