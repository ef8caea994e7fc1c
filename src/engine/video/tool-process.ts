// A spawned ffmpeg/ffprobe under a watchdog. Every way out (success, error,
// timeout, stall, abort, a consumer that stops early) goes through dispose(),
// which kills the child if it still runs and waits until it has exited, so no
// process outlives the call that started it.
//
// The time budget counts only time spent waiting on the tool (inside wait()),
// so a streaming consumer that takes minutes between chunks is not charged.
//
// A binary (a user's ffmpeg) is spawned directly; a Node script (av-tool.mjs)
// is started by this thread's process launcher, which the host chooses
// (plain Node's child_process, or Electron's utilityProcess).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { processLauncher, type LaunchedChild } from '../process/launcher';
import { VideoError } from './errors';

export type KillReason = 'timeout' | 'stalled' | 'cancelled' | 'disposed';

export interface ToolOptions {
  /** What the user asked for, for messages: "decoding clip.mp4". */
  what: string;
  signal?: AbortSignal;
  timeoutMs: number;
  /** Kill when the tool shows no sign of life (no output, no progress) for this long while waited on. */
  stallMs: number;
  stdin?: boolean;
  /** false: the tool writes nothing useful to stdout (its stdout is not even opened). */
  stdout?: boolean;
  envVar: string;
  /** `bin` is a Node script, started by the thread's process launcher (not a binary to spawn). */
  nodeScript?: boolean;
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** The input's URL, cut from ffmpeg's messages ("file:/a/b.mp4: Invalid data…") so they read cleanly. */
  inputUrl?: string;
}

const STDERR_KEEP_LINES = 40;
/** stdout bytes buffered before the pipe is paused: ffmpeg then blocks, so memory stays bounded. */
const STDOUT_QUEUE_BYTES = 1 << 20;

export class ToolProcess {
  readonly child: LaunchedChild;
  killedFor: KillReason | null = null;
  spawnError: NodeJS.ErrnoException | null = null;
  /** The signal the child died from, when it did. */
  exitSignal: NodeJS.Signals | null = null;
  /** It ended with neither an exit code nor a signal: a launcher could only tell that it did not finish. */
  endedUnexplained = false;
  /** stderr lines that are not `-progress` key=value lines: ffmpeg's warnings and errors. */
  readonly messages: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitedFlag = false;
  private lastActivity = Date.now();
  private waitingSince: number | null = null;
  private waitedMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly onAbort = () => this.kill('cancelled');
  private stderrPartial = '';
  private outQueue: Buffer[] = [];
  private outQueued = 0;
  private outEnded = false;
  private outDiscarding = false;
  private outWake: (() => void) | null = null;

  constructor(
    readonly bin: string,
    args: readonly string[],
    private readonly opts: ToolOptions,
  ) {
    if (opts.signal?.aborted) throw new VideoError('cancelled', `${opts.what} was cancelled`);
    this.child = opts.nodeScript
      ? processLauncher().launchNode({ script: bin, args: [...args], env: opts.env, stdin: opts.stdin === true, stdout: opts.stdout !== false })
      : spawn(bin, args, { stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout === false ? 'ignore' : 'pipe', 'pipe'], windowsHide: true, env: opts.env });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        this.spawnError = err;
        // A child that never started emits no 'close' on every Node version.
        if (this.child.pid === undefined) {
          this.exitedFlag = true;
          resolve({ code: null, signal: null });
        }
      });
      this.child.once('close', (code, signal) => {
        this.exitedFlag = true;
        this.exitSignal = signal;
        this.endedUnexplained = code === null && signal === null && this.spawnError === null;
        resolve({ code, signal });
      });
    });
    const out = this.child.stdout;
    if (out) {
      out.on('data', (b: Buffer) => this.onStdout(b));
      for (const ev of ['end', 'close', 'error']) out.on(ev, () => this.endStdout());
    } else {
      this.outEnded = true;
    }
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (s: string) => this.onStderr(s));
    this.child.stdin?.on('error', () => {
      // EPIPE when ffmpeg exits early; the exit status and messages tell the story.
    });
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get running(): boolean {
    return !this.exitedFlag;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  kill(reason: KillReason): void {
    if (this.exitedFlag) return;
    this.killedFor ??= reason;
    this.child.kill('SIGKILL');
  }

  /** Awaits `p` with the clock running: timeouts and stalls are judged only while waiting. */
  async wait<T>(p: Promise<T>): Promise<T> {
    const since = Date.now();
    this.waitingSince = since;
    this.lastActivity = Math.max(this.lastActivity, since);
    this.watch();
    try {
      return await p;
    } finally {
      this.waitedMs += Date.now() - since;
      this.waitingSince = null;
      this.disarm();
    }
  }

  /**
   * The next block of stdout, or null once it has ended. Reading is what lets the tool go on:
   * while blocks are not taken the pipe is paused and the tool blocks on its writes.
   */
  async read(): Promise<Buffer | null> {
    while (this.outQueue.length === 0) {
      if (this.outEnded) return null;
      this.child.stdout?.resume();
      await new Promise<void>((resolve) => (this.outWake = resolve));
    }
    const b = this.outQueue.shift() as Buffer;
    this.outQueued -= b.length;
    if (this.outQueued < STDOUT_QUEUE_BYTES) this.child.stdout?.resume();
    return b;
  }

  /** Drops whatever else the tool writes to stdout, so it can finish (or die) without blocking on the pipe. */
  discardStdout(): void {
    this.outDiscarding = true;
    this.outQueue = [];
    this.outQueued = 0;
    this.child.stdout?.resume();
  }

  /** Kills the child if it still runs and waits for it to be gone. Safe to call twice. */
  async dispose(): Promise<void> {
    this.kill('disposed');
    // A paused, unread stdout would keep 'close' from ever firing.
    this.discardStdout();
    try {
      await this.exited;
    } finally {
      this.disarm();
      this.opts.signal?.removeEventListener('abort', this.onAbort);
    }
  }

  /** The VideoError for a child we killed, could not start or that crashed; null when it ended by itself. */
  interruption(): VideoError | null {
    const { what, timeoutMs, stallMs, envVar } = this.opts;
    if (this.spawnError) {
      const code = this.spawnError.code ?? this.spawnError.message;
      return new VideoError(
        'ffmpeg_missing',
        `cannot run "${this.bin}" (${code}) while ${what}; set ${envVar} to a working binary, or reinstall the node-av package (npm install)`,
      );
    }
    switch (this.killedFor) {
      case 'cancelled':
        return new VideoError('cancelled', `${what} was cancelled`);
      case 'timeout':
        return new VideoError('timeout', `${what} took longer than ${fmtMs(timeoutMs)} and was stopped; raise the timeout or pick fewer frames / a smaller size`);
      case 'stalled':
        return new VideoError('timeout', `${what} stalled: ${envVar === 'WFVAE_FFPROBE' ? 'ffprobe' : 'ffmpeg'} showed no progress for ${fmtMs(stallMs)} and was stopped; check that the file is on a readable local disk`);
      default:
        // A child we killed ourselves ("disposed") did not crash.
        return this.killedFor === null && (this.exitSignal || this.endedUnexplained) ? crashError(this.bin, this.exitSignal, what, envVar) : null;
    }
  }

  /** The last few messages ffmpeg printed, for error text. */
  messageTail(max = 6): string {
    return this.messages.slice(-max).join('; ');
  }

  /** Kills on an exhausted budget or a stall; otherwise re-arms for the moment the nearer one would run out. */
  private watch(): void {
    this.disarm();
    if (this.waitingSince === null || this.exitedFlag) return;
    const now = Date.now();
    const budgetLeft = this.opts.timeoutMs - (this.waitedMs + (now - this.waitingSince));
    const stallLeft = this.opts.stallMs - (now - this.lastActivity);
    if (budgetLeft <= 0) this.kill('timeout');
    else if (stallLeft <= 0) this.kill('stalled');
    else {
      this.timer = setTimeout(() => this.watch(), Math.min(budgetLeft, stallLeft) + 1);
      this.timer.unref();
    }
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private onStdout(b: Buffer): void {
    this.touch();
    if (this.outDiscarding) return;
    this.outQueue.push(b);
    this.outQueued += b.length;
    if (this.outQueued >= STDOUT_QUEUE_BYTES) this.child.stdout?.pause();
    this.wakeReader();
  }

  private endStdout(): void {
    this.outEnded = true;
    this.wakeReader();
  }

  private wakeReader(): void {
    const wake = this.outWake;
    this.outWake = null;
    wake?.();
  }

  private onStderr(s: string): void {
    this.touch();
    const lines = (this.stderrPartial + s).split(/\r?\n/);
    this.stderrPartial = lines.pop() ?? '';
    for (const raw of lines) {
      let line = raw.trim();
      if (this.opts.inputUrl) line = line.split(`${this.opts.inputUrl}: `).join('');
      if (line === '' || /^[a-z0-9_]+=/.test(line)) continue;
      this.messages.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
      if (this.messages.length > STDERR_KEEP_LINES) this.messages.shift();
    }
  }
}

/**
 * A death we did not cause: say it was a crash, which signal (null: the launcher could not tell),
 * and what to do; never blame the input file.
 */
export function crashError(bin: string, signal: NodeJS.Signals | null, what: string, envVar: string): VideoError {
  const n = signal === null ? undefined : constants.signals[signal];
  const why =
    signal === null ? 'ended without finishing and without an exit status (it crashed or was killed from outside)'
      : signal === 'SIGKILL' ? 'killed by SIGKILL, most likely by the system running out of memory'
      : signal === 'SIGSEGV' || signal === 'SIGBUS' || signal === 'SIGILL' || signal === 'SIGFPE' ? `crashed with ${signal}`
        : signal === 'SIGABRT' ? 'aborted (SIGABRT)'
          : `killed by ${signal}`;
  return new VideoError(
    'tool_crashed',
    `${bin} ${why}${n ? ` (signal ${n})` : ''} while ${what}; this is a fault of that program, not proof that the file is bad: ` +
      `try again, or set ${envVar} to another ffmpeg build (6 or newer)`,
  );
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}

/** Runs a tool to completion, collecting stdout (bounded). Throws the interruption, if any. */
export async function runToCompletion(
  bin: string,
  args: readonly string[],
  opts: ToolOptions & { maxStdoutBytes?: number },
): Promise<{ code: number | null; stdout: string; messages: string[] }> {
  const proc = new ToolProcess(bin, args, opts);
  const chunks: Buffer[] = [];
  let size = 0;
  const limit = opts.maxStdoutBytes ?? 64 * 1024 * 1024;
  try {
    for (let b = await proc.wait(proc.read()); b !== null; b = await proc.wait(proc.read())) {
      size += b.length;
      if (size > limit) break;
      chunks.push(b);
    }
    if (size > limit) {
      proc.kill('disposed');
      throw new VideoError('ffmpeg_failed', `${opts.what}: ${bin} printed more than ${limit} bytes; this is not a file it can describe`);
    }
    const { code } = await proc.wait(proc.exited);
    const interrupted = proc.interruption();
    if (interrupted) throw interrupted;
    return { code, stdout: Buffer.concat(chunks).toString('utf8'), messages: [...proc.messages] };
  } finally {
    await proc.dispose();
  }
}
