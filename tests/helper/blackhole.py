#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# blackhole.py N [SECONDS]: listens on N free TCP ports on 127.0.0.1 and
# never answers, like a server that is hung or behind a dropping firewall:
# the kernel completes the TCP handshake from the backlog, then the client
# waits for a greeting that never comes. Prints the ports, one per line, then
# sleeps; it exits by itself after SECONDS (default 60) so a failed test
# leaves nothing behind.
import socket
import sys
import time

n = int(sys.argv[1])
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60
listeners = []
for _ in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    listeners.append(s)
    print(s.getsockname()[1], flush=True)
time.sleep(seconds)
