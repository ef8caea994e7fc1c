// How the engine starts a child process that runs Node code (the video tool,
// av-tool.mjs). In plain Node that is child_process with process.execPath.
// Inside Electron process.execPath is the app itself, and the app's fuses turn
// RunAsNode off, so the host injects a launcher instead (setProcessLauncher):
// the Electron host's starts the script with utilityProcess, reached from the
// engine's worker threads through port-launcher.ts. The engine never imports a
// host: it only knows this interface.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** A Node module to run as its own process. */
export interface NodeScriptSpec {
  /** Absolute path of the module (ESM). */
  script: string;
  args: string[];
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Whether the caller writes to the child's stdin / reads its stdout. stderr is always piped. */
  stdin: boolean;
  stdout: boolean;
}

/**
 * What the engine needs of a started child: the part of ChildProcess that
 * ToolProcess uses. A Node ChildProcess is one; the launchers that start
 * scripts elsewhere (utilityProcess, another thread) emit the same events:
 * 'error' when it could not start (pid stays undefined), 'close' once it has
 * exited and its stdout/stderr have ended.
 */
export interface LaunchedChild {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Stops the child. Node children get `signal`; a launcher without signals (utilityProcess) stops it its own way. */
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'spawn', listener: () => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  once(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  off(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
}

export interface ProcessLauncher {
  /** What starts the scripts, for messages: "node", "Electron utilityProcess". */
  readonly name: string;
  launchNode(spec: NodeScriptSpec): LaunchedChild;
}

/** Node flags for every script: its stderr is read as the tool's messages, so no Node warnings there. */
export const NODE_SCRIPT_EXEC_ARGV = ['--no-warnings'];

/** Plain Node: the script under this process's own node binary. */
export const nodeLauncher: ProcessLauncher = {
  name: 'node',
  launchNode(spec) {
    if (process.versions.electron) {
      // process.execPath is the Electron app here, not node: the host must have injected its launcher.
      throw new Error(
        `cannot start ${spec.script}: inside Electron a Node script runs through the host's process launcher (utilityProcess), and none was given to this thread`,
      );
    }
    return spawn(process.execPath, [...NODE_SCRIPT_EXEC_ARGV, spec.script, ...spec.args], {
      stdio: [spec.stdin ? 'pipe' : 'ignore', spec.stdout ? 'pipe' : 'ignore', 'pipe'],
      env: spec.env,
      windowsHide: true,
    });
  },
};

let current: ProcessLauncher = nodeLauncher;

/** The launcher this thread uses (plain Node's unless the host injected another). */
export function processLauncher(): ProcessLauncher {
  return current;
}

/** Injects the host's launcher for this thread; null restores plain Node's. */
export function setProcessLauncher(launcher: ProcessLauncher | null): void {
  current = launcher ?? nodeLauncher;
}
