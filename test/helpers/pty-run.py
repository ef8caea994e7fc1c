"""Runs a command on a terminal of its own (a pty it controls), then hangs the
terminal up as closing a terminal window does, for tests of what a program
does on SIGHUP from a real hangup: the kernel signals the terminal's whole
foreground process group, and writes to the terminal fail afterwards.

usage: pty-run.py COMMAND [ARG...]
The terminal's output is copied to stdout. A line "hangup" on stdin closes the
terminal; then the command's end is printed as "exit N" or "signal N"."""
import os
import pty
import select
import sys

pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

out = sys.stdout.buffer
stdin = sys.stdin.buffer.fileno()
open_master = True
while open_master:
    ready, _, _ = select.select([master, stdin], [], [])
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b''
        if not data:
            break
        out.write(data)
        out.flush()
    if stdin in ready:
        line = os.read(stdin, 1024)
        if not line or b'hangup' in line:
            os.close(master)
            open_master = False

_, status = os.waitpid(pid, 0)
if os.WIFSIGNALED(status):
    out.write(b'\nsignal %d\n' % os.WTERMSIG(status))
else:
    out.write(b'\nexit %d\n' % os.WEXITSTATUS(status))
out.flush()
