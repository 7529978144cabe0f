#!/usr/bin/env python3
"""ptyrun.py --log FILE [--stdin FILE] [--answer TEXT=REPLY]
             [--interrupt TEXT] [--timeout SECONDS] -- COMMAND [ARG...]

Runs COMMAND on a new pseudo-terminal, as if a person had typed it in a
shell: the terminal is its controlling terminal (/dev/tty) and its
standard output and error; standard input is the terminal too, or FILE
with --stdin (a message piped in while the person is still at the
terminal).  Everything COMMAND writes to the terminal goes to the --log
FILE, byte for byte (the terminal turns LF into CR LF, as a real one
does).

--answer TEXT=REPLY: when TEXT has appeared in the output, type REPLY
  (\\n in it is Enter).  Once per --answer.
--interrupt TEXT: when TEXT has appeared, type the terminal's interrupt
  character (Ctrl-C), which sends SIGINT to the foreground process.

When COMMAND has ended, prints one line on stdout: "echo on" or
"echo off", the terminal's echo setting as COMMAND left it.  Exits with
COMMAND's status, or 128 + N when signal N ended it; 124 on timeout.
"""
import argparse
import fcntl
import os
import select
import signal
import sys
import termios
import time


def child(slave, stdin_file, argv):
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    if stdin_file is not None:
        fd = os.open(stdin_file, os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)
    os.closerange(3, 256)
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)


def status_of(st):
    if os.WIFSIGNALED(st):
        return 128 + os.WTERMSIG(st)
    return os.WEXITSTATUS(st)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--stdin")
    ap.add_argument("--answer", action="append", default=[])
    ap.add_argument("--interrupt", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("argv", nargs="+")
    a = ap.parse_args()

    master, slave = os.openpty()
    pid = os.fork()
    if pid == 0:
        os.close(master)
        child(slave, a.stdin, a.argv)

    intr = termios.tcgetattr(slave)[6][termios.VINTR]
    todo = []
    for spec in a.answer:
        text, _, reply = spec.partition("=")
        todo.append((text.encode(), reply.replace("\\n", "\n").encode()))
    for text in a.interrupt:
        todo.append((text.encode(), intr))
    out = b""
    deadline = time.monotonic() + a.timeout
    st = None
    while True:
        r, _, _ = select.select([master], [], [], 0.05)
        if r:
            try:
                out += os.read(master, 65536)
            except OSError:
                pass
        for item in list(todo):
            if item[0] in out:
                os.write(master, item[1])
                todo.remove(item)
        if st is None:
            done, s = os.waitpid(pid, os.WNOHANG)
            if done:
                st = s
                end = time.monotonic() + 0.3	# what is still in flight
        if st is not None and not r and time.monotonic() > end:
            break
        if st is None and time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            st = None
            break
    echo = termios.tcgetattr(slave)[3] & termios.ECHO
    with open(a.log, "wb") as f:
        f.write(out)
    print("echo on" if echo else "echo off")
    return 124 if st is None else status_of(st)


if __name__ == "__main__":
    sys.exit(main())
