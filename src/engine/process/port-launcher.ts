// A ProcessLauncher for a thread that cannot start processes the right way
// itself: it asks the thread at the other end of a MessagePort (Electron's
// main thread, see src/main/launch-relay.ts) and mirrors the child there as a
// LaunchedChild here — stdout and stderr as readable streams, stdin as a
// writable one, 'close' with the exit code or signal. Nothing here knows what
// is on the other side; the host decides how the script runs.
import { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describeInvalid, STDIN_WINDOW_BYTES, toClientSchema, type ToClient, type ToHost } from './launch-protocol';
import type { LaunchedChild, NodeScriptSpec, ProcessLauncher } from './launcher';

type Post = (msg: ToHost, transfer?: (ArrayBuffer | MessagePort)[]) => void;

/** A copy of `chunk` in a buffer of its own, so it can be transferred without touching the caller's memory. */
function ownCopy(chunk: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(chunk);
}

class PortChild extends EventEmitter implements LaunchedChild {
  pid: number | undefined = undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable;
  private exited = false;
  private exitCode: number | null = null;
  private exitSignal: NodeJS.Signals | null = null;
  private stdoutPaused = false;
  private stdinInFlight = 0;
  private stdinWaiting: (() => void) | null = null;

  constructor(
    readonly id: number,
    spec: NodeScriptSpec,
    private readonly post: Post,
  ) {
    super();
    this.stdout = spec.stdout
      ? new Readable({
          read: () => {
            if (!this.stdoutPaused) return;
            this.stdoutPaused = false;
            this.post({ kind: 'stdout-flow', id, paused: false });
          },
        })
      : null;
    this.stderr = new Readable({ read: () => undefined });
    this.stdin = spec.stdin
      ? new Writable({
          write: (chunk: Uint8Array, _encoding, done) => {
            if (this.exited) return done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
            const copy = ownCopy(chunk);
            this.stdinInFlight += copy.byteLength;
            this.post({ kind: 'stdin', id, chunk: copy }, [copy.buffer]);
            // Up to a window of bytes may travel ahead of the child's acknowledgements.
            if (this.stdinInFlight < STDIN_WINDOW_BYTES) done();
            else this.stdinWaiting = done;
          },
          final: (done) => {
            if (!this.exited) this.post({ kind: 'stdin-end', id });
            done();
          },
        })
      : null;
    let open = [this.stdout, this.stderr].filter((s) => s !== null).length;
    for (const s of [this.stdout, this.stderr]) {
      s?.once('end', () => {
        if (--open === 0 && this.exited) this.emit('close', this.exitCode, this.exitSignal);
      });
    }
  }

  kill(): boolean {
    if (this.exited) return false;
    this.post({ kind: 'kill', id: this.id });
    return true;
  }

  receive(msg: ToClient): void {
    switch (msg.kind) {
      case 'spawned':
        this.pid = msg.pid;
        this.emit('spawn');
        return;
      case 'spawn-error':
        this.exited = true;
        this.emit('error', Object.assign(new Error(msg.message), { code: msg.code }));
        this.endStreams();
        return;
      case 'stdout':
        if (this.stdout && !this.stdout.push(msg.chunk) && !this.stdoutPaused) {
          this.stdoutPaused = true;
          this.post({ kind: 'stdout-flow', id: this.id, paused: true });
        }
        return;
      case 'stdout-end':
        this.stdout?.push(null);
        return;
      case 'stderr':
        this.stderr.push(msg.chunk);
        return;
      case 'stderr-end':
        this.stderr.push(null);
        return;
      case 'stdin-drained':
        this.stdinInFlight -= msg.bytes;
        if (this.stdinWaiting && this.stdinInFlight < STDIN_WINDOW_BYTES) {
          const done = this.stdinWaiting;
          this.stdinWaiting = null;
          done();
        }
        return;
      case 'exit':
        this.onExit(msg.code, msg.signal as NodeJS.Signals | null);
        return;
    }
  }

  /** The channel to the host broke or lied: the child is as good as gone. */
  fail(message: string): void {
    if (this.exited) return;
    this.emit('error', Object.assign(new Error(message), { code: 'EPROTO' }));
    this.onExit(null, null);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    this.exitCode = code;
    this.exitSignal = signal;
    const waiting = this.stdinWaiting;
    this.stdinWaiting = null;
    waiting?.();
    this.stdin?.destroy();
    this.emit('exit', code, signal);
    const ended = (s: Readable | null) => s === null || s.readableEnded;
    this.endStreams();
    if (ended(this.stdout) && ended(this.stderr)) this.emit('close', code, signal);
  }

  private endStreams(): void {
    for (const s of [this.stdout, this.stderr]) if (s && !s.readableEnded && !s.destroyed) s.push(null);
  }
}

export class PortLauncher implements ProcessLauncher {
  readonly name = 'the host process (over a MessagePort)';
  private nextId = 1;
  private readonly children = new Map<number, PortChild>();

  constructor(private readonly port: MessagePort) {
    port.on('message', (raw: unknown) => this.onMessage(raw));
    // The thread's own work keeps it alive; the port does so only while a child runs.
    port.unref();
  }

  launchNode(spec: NodeScriptSpec): LaunchedChild {
    const id = this.nextId++;
    const child = new PortChild(id, spec, (msg, transfer) => this.port.postMessage(msg, transfer));
    this.children.set(id, child);
    this.port.ref();
    child.once('close', () => this.release(id));
    child.once('error', () => {
      if (child.pid === undefined) this.release(id);
    });
    const env = Object.fromEntries(Object.entries(spec.env ?? process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    this.port.postMessage({ kind: 'spawn', id, script: spec.script, args: spec.args, env, stdin: spec.stdin, stdout: spec.stdout } satisfies ToHost);
    return child;
  }

  /** A new channel to the same host, for a worker this thread starts (it becomes that worker's launcher). */
  adopt(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.port.postMessage({ kind: 'adopt', port: port1 } satisfies ToHost, [port1]);
    return port2;
  }

  private release(id: number): void {
    this.children.delete(id);
    if (this.children.size === 0) this.port.unref();
  }

  private onMessage(raw: unknown): void {
    const parsed = toClientSchema.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { id?: unknown } | null)?.id;
      const child = typeof id === 'number' ? this.children.get(id) : undefined;
      child?.fail(describeInvalid('the process host sent an invalid message', parsed.error));
      return;
    }
    this.children.get(parsed.data.id)?.receive(parsed.data);
  }
}
