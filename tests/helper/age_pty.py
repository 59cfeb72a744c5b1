#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# age_pty.py PASSFILE COMMAND ARG...: runs COMMAND (the stock age) on a
# new pseudo-terminal and types the passphrase in PASSFILE (its first
# line) at each of its passphrase prompts, since age reads a passphrase
# only from the terminal.  COMMAND must write its output with -o, because
# its stdout is the terminal.  What the terminal showed goes to stderr;
# the exit status is COMMAND's, or 124 when it takes more than 120 s.

import os
import pty
import signal
import sys
import termios
import time


def main():
    with open(sys.argv[1], 'rb') as f:
        passphrase = f.readline().rstrip(b'\r\n')
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    signal.signal(signal.SIGALRM, lambda *_: os.kill(pid, signal.SIGKILL))
    signal.alarm(120)
    shown, answered = b'', 0
    while True:
        try:
            data = os.read(fd, 1024)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        shown += data
        # A prompt may arrive in pieces; answer each one once it is whole.
        while shown.count(b'passphrase') > answered and shown.endswith(b': '):
            answered += 1
            # Type only once age has turned echo off, or the terminal
            # would show the passphrase.
            while termios.tcgetattr(fd)[3] & termios.ECHO:
                time.sleep(0.01)
            os.write(fd, passphrase + b'\r')
    _, status = os.waitpid(pid, 0)
    sys.stderr.write(shown.decode(errors='replace'))
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        sys.exit(124)
    sys.exit(os.waitstatus_to_exitcode(status))


main()
