#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# bench/soakgen.py UNIT N GO - a board that prints micropython.mem_info(1)
# N times, back to back, into a pty as fast as its reader takes them: the
# program-prints-its-own-dumps case of `heapwatch --listen`, for a session
# of days in a minute.
#
# The dumps are the real ones of UNIT, a record file (bench/out/microbit.unit:
# the micro:bit firmware under QEMU, 10 KB heap, 628 blocks, its heap
# changing from dump to dump), cycled until N are written, each as the
# board prints it (CRLF). Prints the pty's path on stdout, waits for the
# file GO to exist (the reader has opened the pty: what came before that
# could be flushed away), writes, then prints "wrote N dumps, B bytes in S s"
# on stderr and stays until killed (closing the pty would be a hangup).
import os
import re
import sys
import time
import tty

unit, n, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]

stamp = re.compile(rb"^\+[0-9]+\.[0-9]+ ")
esc = re.compile(rb"\\(\\|x[0-9a-fA-F]{2})")


def unescape(m):
    s = m.group(1)
    return b"\\" if s == b"\\" else bytes([int(s[1:], 16)])


dumps, cur = [], None
with open(unit, "rb") as f:
    for raw in f:
        line = raw.rstrip(b"\n")
        m = stamp.match(line)
        if not m:
            continue
        body = line[m.end():]
        if body.startswith(b"#"):
            continue  # an event of the record, not the board's text
        body = esc.sub(unescape, body)
        i = body.find(b"stack: ")
        if i >= 0:  # "OKstack: ...": a dump starts (the raw REPL's OK dropped)
            if cur:
                dumps.append(cur)
            cur = [body[i:]]
        elif cur is not None and b"\x04" in body:
            dumps.append(cur)
            cur = None
        elif cur is not None:
            cur.append(body)
if cur:
    dumps.append(cur)
if not dumps:
    sys.exit("soakgen: no mem_info dump in " + unit)
texts = [b"".join(l + b"\r\n" for l in d) for d in dumps]

master, slave = os.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
while not os.path.exists(go):
    time.sleep(0.02)

# chunks of 64 dumps, so the writes are few and large
chunks, written, k = [], 0, 0
while k < len(texts) * 4 and k < n:
    chunks.append(b"".join(texts[(k + j) % len(texts)] for j in range(min(64, n - k))))
    k += 64
t0 = time.monotonic()
total = 0
ci = 0
while written < n:
    c = chunks[ci % len(chunks)]
    dn = min(64, n - written)
    if dn < 64:
        c = b"".join(texts[(written + j) % len(texts)] for j in range(dn))
    view = memoryview(c)
    while view:
        view = view[os.write(master, view):]
    total += len(c)
    written += dn
    ci += 1
secs = time.monotonic() - t0
print(f"wrote {written} dumps, {total} bytes in {secs:.2f} s", file=sys.stderr, flush=True)
while True:
    time.sleep(3600)
