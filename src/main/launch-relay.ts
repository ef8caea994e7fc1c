// Serves the engine's process requests (src/engine/process/launch-protocol.ts)
// on this thread: the engine runs in worker threads, and only Electron's main
// thread may call utilityProcess.fork. Every message is parsed before it is
// acted on, a script is started only if `resolveScript` names it as one the
// app ships, and a closed relay kills what it started.
import type { MessagePort } from 'node:worker_threads';
import { describeInvalid, toHostSchema, type ToClient, type ToHost } from '../engine/process/launch-protocol';
import type { LaunchedChild, ProcessLauncher } from '../engine/process/launcher';

export interface RelayOptions {
  launcher: ProcessLauncher;
  /** The path to start for a requested script, or null when it is not one the app ships. */
  resolveScript(script: string): string | null;
}

export interface LaunchRelay {
  /** Serves requests arriving on `port` (one per engine thread). */
  serve(port: MessagePort): void;
  /** Children running now. */
  readonly running: number;
  /** Stops serving, kills every child still running and waits until they are gone. */
  close(): Promise<void>;
}

function payload(chunk: Buffer | string): Uint8Array<ArrayBuffer> {
  return typeof chunk === 'string' ? new Uint8Array(Buffer.from(chunk)) : new Uint8Array(chunk);
}

export function createLaunchRelay(opts: RelayOptions): LaunchRelay {
  const ports = new Set<MessagePort>();
  /** Every child running, with a promise of its end. */
  const children = new Map<LaunchedChild, Promise<void>>();

  function serve(port: MessagePort): void {
    ports.add(port);
    const mine = new Map<number, LaunchedChild>();
    const send = (msg: ToClient, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

    function spawnChild(m: Extract<ToHost, { kind: 'spawn' }>): void {
      const script = opts.resolveScript(m.script);
      if (script === null) {
        send({ kind: 'spawn-error', id: m.id, code: 'EACCES', message: `${m.script} is not a script this app starts` });
        return;
      }
      let child: LaunchedChild;
      try {
        child = opts.launcher.launchNode({ script, args: m.args, env: m.env, stdin: m.stdin, stdout: m.stdout });
      } catch (e) {
        send({ kind: 'spawn-error', id: m.id, code: (e as NodeJS.ErrnoException).code ?? 'ESPAWN', message: (e as Error).message });
        return;
      }
      mine.set(m.id, child);
      children.set(child, new Promise<void>((resolve) => child.once('close', () => resolve()).once('error', () => child.pid === undefined && resolve())));
      child.once('spawn', () => send({ kind: 'spawned', id: m.id, pid: child.pid! }));
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return;
        send({ kind: 'spawn-error', id: m.id, code: err.code ?? 'ESPAWN', message: err.message });
        mine.delete(m.id);
        children.delete(child);
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        const bytes = payload(chunk);
        send({ kind: 'stdout', id: m.id, chunk: bytes }, [bytes.buffer]);
      });
      child.stdout?.once('end', () => send({ kind: 'stdout-end', id: m.id }));
      child.stderr?.on('data', (chunk: Buffer | string) => {
        const bytes = payload(chunk);
        send({ kind: 'stderr', id: m.id, chunk: bytes }, [bytes.buffer]);
      });
      child.stderr?.once('end', () => send({ kind: 'stderr-end', id: m.id }));
      child.stdin?.on('error', () => {
        // EPIPE when the child exits early; its exit status tells the story.
      });
      child.once('close', (code, signal) => {
        mine.delete(m.id);
        children.delete(child);
        send({ kind: 'exit', id: m.id, code, signal });
      });
    }

    port.on('message', (raw: unknown) => {
      const parsed = toHostSchema.safeParse(raw);
      if (!parsed.success) {
        const id = (raw as { id?: unknown } | null)?.id;
        if (typeof id === 'number' && Number.isInteger(id) && id > 0) {
          send({ kind: 'spawn-error', id, code: 'EPROTO', message: describeInvalid('invalid process request', parsed.error) });
        }
        return;
      }
      const m = parsed.data;
      if (m.kind === 'adopt') return serve(m.port);
      if (m.kind === 'spawn') return spawnChild(m);
      const child = mine.get(m.id);
      if (!child) return;
      switch (m.kind) {
        case 'stdin':
          child.stdin?.write(m.chunk, () => send({ kind: 'stdin-drained', id: m.id, bytes: m.chunk.byteLength }));
          return;
        case 'stdin-end':
          child.stdin?.end();
          return;
        case 'stdout-flow':
          if (m.paused) child.stdout?.pause();
          else child.stdout?.resume();
          return;
        case 'kill':
          child.kill('SIGKILL');
          return;
      }
    });
    port.once('close', () => {
      // The engine thread is gone: nothing it started may outlive it.
      for (const child of mine.values()) child.kill('SIGKILL');
      ports.delete(port);
    });
  }

  return {
    serve,
    get running() {
      return children.size;
    },
    async close() {
      for (const port of ports) port.close();
      ports.clear();
      for (const child of children.keys()) child.kill('SIGKILL');
      await Promise.all(children.values());
    },
  };
}
