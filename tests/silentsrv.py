#!/usr/bin/env python3
"""silentsrv.py PORT -- COMMAND [ARG...]

Listens on 127.0.0.1:PORT, runs COMMAND (stdin, stdout and stderr
inherited), and exits with COMMAND's status (128 + N for signal N).  The
listener accepts connections and never writes a byte, as a port that
expects implicit TLS waits for the client's ClientHello (RFC 8314 3.3);
what it reads is dropped.  It is for ports tsrv cannot take, such as 465
(tsrv binds an ephemeral port): run it in a network namespace of its own
("unshare -n"), where it first brings the loopback interface up.

Exit 2 when the port cannot be bound (in use, or not allowed).
"""
import os
import socket
import subprocess
import sys
import threading


def serve(sock):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=drain, args=(conn,), daemon=True).start()


def drain(conn):
    with conn:
        while True:
            try:
                if not conn.recv(4096):
                    return
            except OSError:
                return


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.stderr.write(__doc__)
        return 2
    port = int(sys.argv[1])
    # In a fresh network namespace the loopback interface is down.
    subprocess.run(["ip", "link", "set", "lo", "up"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as e:
        sys.stderr.write("silentsrv: cannot bind 127.0.0.1:%d: %s\n" %
                         (port, e))
        return 2
    sock.listen(4)
    threading.Thread(target=serve, args=(sock,), daemon=True).start()
    rc = subprocess.call(sys.argv[3:])
    sock.close()
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main())
