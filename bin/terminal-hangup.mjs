// A closed terminal (SIGHUP from a real hangup) must not turn a clean shutdown
// into a crash. Two things go wrong in Node once the terminal is gone: a write
// to it fails (EIO, or EPIPE down the pipe of a process that already ended),
// and an unhandled stream error would kill the process before it removed its
// temporary files; and at exit Node restores the terminal's modes and aborts
// (SIGABRT, "Assertion failed" in ResetStdio) when that fails on a hung-up
// terminal, so the exit status says "crashed" instead of 129. The launcher
// (bin/wfvae.mjs) and the host processes (src/hosting/run-main.ts) use both.
import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

/** stdin, stdout and stderr that were terminals when the process started. */
const terminalFds = [0, 1, 2].filter((fd) => isatty(fd));

/** Output to a terminal or pipe that went away is dropped instead of ending the process. */
export function surviveLostOutput() {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}

/**
 * Call just before exiting: the standard streams that were a terminal and are
 * none now (the terminal hung up) are closed, so Node's reset of the terminal
 * at exit skips them.
 */
export function releaseHungUpTerminal() {
  for (const fd of terminalFds) {
    if (isatty(fd)) continue;
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
  }
}
