#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# httpd.py [options] MODE [ARG]: a small HTTP or HTTPS server on 127.0.0.1
# for the webhook tests, real HTTP from the standard library. It listens on
# a free port, writes the port to --port-file (whole, by a rename, so a
# reader never sees half of it) or prints it, serves until --timeout
# seconds (default 120) have passed, then exits by itself, so a failed test
# leaves nothing behind. Tests stop it earlier by its pid.
#
# Modes:
#   record [STATUS]  answers STATUS (default 200) with the body "ok"
#   status N         answers N with a two-line body whose first line repeats
#                    the request's path, as some receivers do in errors
#   hang             accepts the connection and never answers
#   redirect         answers 302 to /moved; /moved itself answers 200
#
# Options:
#   --record DIR      in every mode, writes each request N (from 1) as DIR/N.head
#                     (request line and headers as received) and DIR/N.body
#                     (the body, byte for byte), and each accepted
#                     connection as a line in DIR/connections
#   --tls CERT KEY    serves HTTPS with this certificate chain and key
#   --port-file FILE  where to write the port
#   --timeout SECONDS how long to live
import argparse
import http.server
import os
import ssl
import sys
import threading
import time

args = None
lock = threading.Lock()


def record(handler, body):
    if args.record is None:
        return
    # Numbered by what is in DIR, so a test that empties it starts at 1.
    with lock:
        n = 1 + sum(name.endswith(".head") for name in os.listdir(args.record))
        open(os.path.join(args.record, f"{n}.head"), "w").close()
    head = handler.requestline + "\n" + str(handler.headers)
    with open(os.path.join(args.record, f"{n}.head"), "w") as f:
        f.write(head)
    with open(os.path.join(args.record, f"{n}.body"), "wb") as f:
        f.write(body)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_one_request(self):
        if args.mode == "hang":
            time.sleep(args.timeout)
            return
        super().handle_one_request()

    def do_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        record(self, body)
        if args.mode == "record":
            self.answer(int(args.arg or 200), b"ok\n")
        elif args.mode == "status":
            text = f"no hook at {self.path}\tsorry\nsecond line\n"
            self.answer(int(args.arg), text.encode())
        elif args.mode == "redirect" and self.path != "/moved":
            self.answer(302, b"moved\n", [("Location", "/moved")])
        else:
            self.answer(200, b"ok\n")

    do_GET = do_POST = do_PUT = do_any

    def log_message(self, format, *a):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    tls = None

    # Each connection is recorded when it is accepted, before any TLS
    # handshake, which a client that rejects our certificate aborts.
    def get_request(self):
        sock, addr = self.socket.accept()
        if args.record is not None:
            with lock, open(os.path.join(args.record, "connections"), "a") as f:
                f.write(f"{addr[0]}:{addr[1]}\n")
        if self.tls is not None:
            try:
                sock = self.tls.wrap_socket(sock, server_side=True)
            except OSError:
                sock.close()
                raise
        return sock, addr


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--record")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--port-file")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("mode", choices=["record", "status", "hang", "redirect"])
    p.add_argument("arg", nargs="?")
    args = p.parse_args()
    if args.mode == "status" and args.arg is None:
        p.error("status needs a status code")

    server = Server(("127.0.0.1", 0), Handler)
    if args.tls:
        server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.tls.load_cert_chain(*args.tls)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.rename(args.port_file + ".tmp", args.port_file)
    else:
        print(port, flush=True)
    threading.Timer(args.timeout, lambda: os._exit(0)).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
