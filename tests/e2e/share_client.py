#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tests/e2e/share_client.py PATH N [PAUSE_S] - what mpremote does, byte
# for byte (its transport_serial.py: enter_raw_repl without soft reset,
# exec_raw, exit_raw_repl), on the pty heapwatch shares as PATH: N
# commands, each in a raw REPL session of its own, PAUSE_S seconds apart.
# The first sets a variable, the others print arithmetic on it, so an
# answer proves both that no byte was lost or misrouted and that the heap
# was not reset. Prints one line per command ("ok 3 42" or "bad 3 ...")
# and "done N/N"; exit 0 only when every answer was exact.
import os
import sys
import termios
import time
import tty

path, n = sys.argv[1], int(sys.argv[2])
pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.3
fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
termios.tcflush(fd, termios.TCIOFLUSH)
buf = b""


def read_until(want, timeout=10.0):
    """Bytes up to and including want; raise on timeout."""
    global buf
    end = time.monotonic() + timeout
    while want not in buf:
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"waited for {want!r}, have {buf[-80:]!r}")
        import select
        r, _, _ = select.select([fd], [], [], left)
        if r:
            buf += os.read(fd, 4096)
    i = buf.index(want) + len(want)
    got, buf = buf[:i], buf[i:]
    return got


def write(b):
    os.write(fd, b)


def enter_raw():
    global buf
    write(b"\r\x03")  # interrupt any running program
    time.sleep(0.1)
    write(b"\x03")
    read_until(b">>> ")
    buf = b""
    write(b"\r\x01")
    read_until(b"raw REPL; CTRL-B to exit\r\n>")


def exec_raw(code):
    write(code.encode() + b"\x04")
    if read_until(b"OK", 5)[-2:] != b"OK":
        raise RuntimeError("no OK")
    out = read_until(b"\x04")[:-1]
    err = read_until(b"\x04")[:-1]
    read_until(b">")
    return out, err


def exit_raw():
    write(b"\r\x02")
    read_until(b">>> ")


good = 0
for i in range(n):
    try:
        enter_raw()
        if i == 0:
            out, err = exec_raw("shared_x = 6")
            want = b""
        else:
            out, err = exec_raw(f"print(shared_x * {i})")
            want = f"{6 * i}\r\n".encode()
        exit_raw()
        if out == want and err == b"":
            good += 1
            print(f"ok {i} {out!r}", flush=True)
        else:
            print(f"bad {i} out={out!r} err={err!r} want={want!r}", flush=True)
    except Exception as e:  # a timeout: the answer never came whole
        print(f"bad {i} {e}", flush=True)
    time.sleep(pause)
print(f"done {good}/{n}", flush=True)
sys.exit(0 if good == n else 1)
