#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/e2e/mbboard.py - the real micro:bit firmware (Debian's
firmware-microbit-micropython, MicroPython 1.9.2, under qemu-system-arm
-M microbit) behind a pty link, as a USB serial port appears, with the
things a test needs to happen on the board while heapwatch watches it.

  mbboard.py LINK [--type TEXT]... [--inject N:TEXT | --inject N+:TEXT]...
             [--kill-after N] [--replug-after MS]

Returns once LINK exists (the relay itself goes on in the background; its
pid is in LINK.pid, its log in LINK.log; SIGTERM stops QEMU and removes
LINK). QEMU talks through pipes, not a pty, so the board's "\\r\\n" reach
the link as the board sends them (a pty would add ONLCR's extra "\\r").

  --type TEXT     typed at the board's friendly ">>> " once it has booted,
                  before LINK appears (a marker global, a busy loop, a
                  program that prints its own dumps). TEXT takes Python
                  escapes (\\r, \\x03). What the board echoes is dropped.
  --inject N:TEXT written to the board after heapwatch's N-th exec
                  (counted by the Ctrl-D that ends each one) has been
                  answered, when heapwatch is idle: 150 ms after the
                  answer's final ">" with nothing sent by the host since.
                  N+:TEXT does so after every exec from the N-th on. The
                  board's answer goes to the host, as it would on the wire;
                  what the host sends meanwhile is held and passed on once
                  the board is back at a prompt (two writers never mix
                  bytes on one line). This is "the user's code running
                  between samples": heapwatch sits in the raw REPL, so on
                  this board nothing else could run then.
  --kill-after N  during the answer to heapwatch's N-th exec, once the board
                  has printed "GC memory layout" and one map line, kill QEMU
                  (SIGKILL); what it printed after that never reaches the
                  wire. LINK goes away with the pty (heapwatch sees a
                  hangup), and --replug-after MS (default 1000) later a
                  fresh board (fresh heap) appears on the same LINK.

The log says what really happened ("exec 3 answered", "injected after exec
5: ...", "killed board #1 mid-dump of exec 4", "board #2 up", every write
of the host with its Ctrl bytes), so a test can check that its fault took
place.
"""
import errno
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
import tty

FIRMWARE = "/usr/share/firmware-microbit-micropython/firmware.hex"
QEMU = ["qemu-system-arm", "-M", "microbit", "-nographic", "-monitor", "null",
        "-serial", "stdio", "-device", "loader,file=" + FIRMWARE]
INJECT_IDLE_S = 0.15  # heapwatch idle this long after an answer: inject
PROMPT_QUIET_S = 0.08  # quiet after a '>' that ends an injection's answer
INJECT_CAP_S = 5.0  # an injection's answer takes no longer than this
TYPE_QUIET_S = 0.3  # quiet after a typed line: the board has taken it
BOOT_CAP_S = 15.0


def unescape(text):
    return text.encode("utf-8").decode("unicode_escape").encode("latin-1")


class Relay:
    def __init__(self, link, types, injects, kill_after, replug_s):
        self.link = link
        self.types = types
        self.injects = injects  # [(n, every, bytes)]
        self.kill_after = kill_after
        self.replug_s = replug_s
        self.log_f = open(link + ".log", "a", buffering=1)
        self.t0 = time.monotonic()
        self.boards = 0
        self.qemu = None
        self.master = self.slave = None
        self.execs = 0  # host Ctrl-Ds seen: heapwatch's execs
        self.resp = b""  # the board's answer to the exec in flight
        self.in_frame = False
        self.frame_end = None  # when the last answer ended with '>'
        self.host_since_end = False
        self.injecting = None  # (start, answer so far, last byte time)
        self.held = b""
        self.pending = []  # injections due after the last answer
        self.dropped = 0

    def log(self, msg):
        self.log_f.write("%8.3f mbboard: %s\n" % (time.monotonic() - self.t0, msg))

    # ---- the board
    def boot(self):
        self.boards += 1
        self.qemu = subprocess.Popen(QEMU, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, bufsize=0)
        out = self.read_until(b">>> ", BOOT_CAP_S)
        if not out.endswith(b">>> "):
            self.log("board #%d did not boot: %r" % (self.boards, out[-200:]))
            self.stop(1)
        self.log("board #%d booted: %r" % (self.boards, out.strip(b"\x00\r\n")[:90]))

    def read_until(self, end, cap, quiet=None):
        """The board's output until it ends with end (or is quiet for
        quiet seconds after some output), at most cap seconds."""
        out, deadline, last = b"", time.monotonic() + cap, time.monotonic()
        fd = self.qemu.stdout.fileno()
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.02)
            if r:
                data = os.read(fd, 4096)
                if not data:
                    break
                out += data
                last = time.monotonic()
                if end and out.endswith(end):
                    break
            elif quiet and out and time.monotonic() - last >= quiet:
                break
        return out

    def type_all(self):
        for text in self.types:
            self.qemu.stdin.write(text)
            out = self.read_until(None, 3.0, TYPE_QUIET_S)
            self.log("typed %r, board answered %r" % (text, out[-120:]))

    def plug(self):
        """A fresh pty on LINK. The relay keeps the slave open too, so the
        master never reads EIO between heapwatch's runs (the board stays
        powered), and makes it raw: the board's bytes pass unchanged."""
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        tmp = self.link + ".new"
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        os.symlink(os.ttyname(self.slave), tmp)
        os.rename(tmp, self.link)
        self.log("board #%d up on %s (%s)" % (self.boards, self.link, os.ttyname(self.slave)))

    def unplug(self):
        try:
            os.unlink(self.link)
        except FileNotFoundError:
            pass
        for fd in (self.master, self.slave):
            if fd is not None:
                os.close(fd)
        self.master = self.slave = None

    def drain(self):
        """What was on the wire before the board died reaches the host
        before the port goes (closing the pty would drop it): wait, at most
        two seconds, until the link's input queue has been empty for 100 ms
        (the pty moves written bytes to that queue a little later, so one
        look at an empty queue proves nothing)."""
        deadline, empty_since = time.monotonic() + 2.0, None
        while time.monotonic() < deadline:
            left = struct.unpack("i", fcntl.ioctl(self.slave, termios.FIONREAD, b"\0" * 4))[0]
            now = time.monotonic()
            if left:
                empty_since = None
            elif empty_since is None:
                empty_since = now
            elif now - empty_since >= 0.1:
                return
            time.sleep(0.005)
        self.log("%d bytes were not read before the port went" % left)

    def kill_board(self):
        if self.qemu is not None:
            self.qemu.kill()
            self.qemu.wait()
            self.qemu = None

    def stop(self, rc=0):
        self.kill_board()
        self.unplug()
        try:
            os.unlink(self.link + ".pid")
        except FileNotFoundError:
            pass
        self.log("stopped")
        sys.exit(rc)

    # ---- the wire
    def to_host(self, data):
        try:
            n = os.write(self.master, data)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EIO):
                raise
            n = 0
        if n < len(data):  # nobody reads: a UART drops what overruns
            self.dropped += len(data) - n
            self.log("dropped %d bytes nobody read (%d so far)" % (len(data) - n, self.dropped))

    def to_board(self, data):
        said = []
        for b in data:
            if 1 <= b <= 3:
                said.append("Ctrl-%s" % "?ABC"[b])
            elif b == 4:
                self.execs += 1
                self.resp, self.in_frame = b"", True
                said.append("Ctrl-D: exec %d" % self.execs)
        self.log("host sent %d bytes%s" % (len(data), "".join(", " + w for w in said)))
        self.host_since_end = True
        self.qemu.stdin.write(data)

    def from_host(self):
        try:
            data = os.read(self.master, 4096)
        except OSError:
            return
        if self.injecting is not None:
            self.held += data
        else:
            self.to_board(data)

    def from_board(self):
        data = os.read(self.qemu.stdout.fileno(), 4096)
        if not data:
            self.log("board #%d ended by itself" % self.boards)
            self.stop(1)
        if self.injecting is not None:
            start, answer, _ = self.injecting
            self.injecting = (start, answer + data, time.monotonic())
            self.to_host(data)
            return
        if not self.in_frame:
            self.to_host(data)
            return
        before = len(self.resp)
        self.resp += data
        if self.execs == self.kill_after and self.kill_mid_dump(before):
            return
        self.to_host(data)
        # OK <out> \x04 <err> \x04 '>': the answer is whole
        if self.resp.count(b"\x04") >= 2 and self.resp.endswith(b">"):
            self.in_frame = False
            self.frame_end = time.monotonic()
            self.host_since_end = False
            self.log("exec %d answered (%d bytes)" % (self.execs, len(self.resp)))
            self.pending = [(n, every, text) for n, every, text in self.injects
                            if n == self.execs or (every and self.execs >= n)]

    def kill_mid_dump(self, before):
        at = self.resp.find(b"GC memory layout")
        if at < 0:
            return False
        cut = self.resp.find(b"\n", at)  # the layout line
        cut = self.resp.find(b"\n", cut + 1) if cut >= 0 else -1  # one map line
        if cut < 0:
            return False  # wait for the rest of the line
        cut += 1
        if cut > before:
            self.to_host(self.resp[before:cut])
        self.log("killed board #%d mid-dump of exec %d, after %d bytes of its answer: %r"
                 % (self.boards, self.execs, cut, self.resp[max(0, cut - 40):cut]))
        self.kill_after = None
        self.kill_board()
        self.drain()
        self.unplug()
        self.in_frame, self.pending = False, []
        time.sleep(self.replug_s)
        self.boot()
        self.plug()
        return True

    def maybe_inject(self, now):
        if self.injecting is not None:
            start, answer, last = self.injecting
            done = answer.endswith(b">") and now - last >= PROMPT_QUIET_S
            if done or now - start >= INJECT_CAP_S:
                self.log("injection answered%s: %r" % ("" if done else " (cut short)", answer[-160:]))
                self.injecting = None
                held, self.held = self.held, b""
                if held:
                    self.log("passing on %d bytes the host sent meanwhile" % len(held))
                    self.to_board(held)
            return
        if not self.pending or self.frame_end is None:
            return
        if self.host_since_end:
            self.log("host busy again after exec %d: injection postponed" % self.execs)
            for n, every, text in self.pending:  # due again after the next answer
                if not every:
                    self.injects.append((self.execs + 1, False, text))
            self.pending = []
            return
        if now - self.frame_end < INJECT_IDLE_S:
            return
        text = b"".join(t for _, _, t in self.pending)
        self.pending = []
        self.injects = [(n, e, t) for n, e, t in self.injects if e or n != self.execs]
        self.log("injected after exec %d: %r" % (self.execs, text))
        self.injecting = (now, b"", now)
        self.qemu.stdin.write(text)

    def run(self):
        self.boot()
        self.type_all()
        self.plug()
        while True:
            fds = [self.master, self.qemu.stdout.fileno()]
            r, _, _ = select.select(fds, [], [], 0.02)
            if self.qemu.stdout.fileno() in r:
                self.from_board()
            if self.master is not None and self.master in r and self.qemu is not None:
                self.from_host()
            self.maybe_inject(time.monotonic())


def usage():
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    sys.exit(2)


def parse(argv):
    link, types, injects, kill_after, replug_ms = None, [], [], None, 1000
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--type", "--inject", "--kill-after", "--replug-after"):
            if i + 1 >= len(argv):
                usage()
            v = argv[i + 1]
            i += 2
            if a == "--type":
                types.append(unescape(v))
            elif a == "--inject":
                n, sep, text = v.partition(":")
                every = n.endswith("+")
                n = n.rstrip("+")
                if not sep or not n.isdigit():
                    usage()
                injects.append((int(n), every, unescape(text)))
            elif a == "--kill-after":
                kill_after = int(v)
            else:
                replug_ms = int(v)
        elif a.startswith("-") or link is not None:
            usage()
        else:
            link = a
            i += 1
    if link is None:
        usage()
    return link, types, injects, kill_after, replug_ms / 1000.0


def main():
    link, types, injects, kill_after, replug_s = parse(sys.argv[1:])
    if not os.path.exists(FIRMWARE):
        sys.stderr.write("mbboard.py: %s missing (apt-get install -y firmware-microbit-micropython)\n"
                         % FIRMWARE)
        sys.exit(3)
    rd, wr = os.pipe()
    pid = os.fork()
    if pid:  # the launcher: wait until the link is there (or the relay died)
        os.close(wr)
        said = os.read(rd, 64)
        _, status = os.waitpid(pid, os.WNOHANG) if not said else (0, 0)
        if said.startswith(b"up"):
            sys.exit(0)
        sys.stderr.write("mbboard.py: the board did not come up; see %s.log\n" % link)
        sys.exit(1)
    os.close(rd)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    with open(link + ".pid", "w") as f:
        f.write("%d\n" % os.getpid())
    relay = Relay(link, types, injects, kill_after, replug_s)
    signal.signal(signal.SIGTERM, lambda *_: relay.stop(0))
    signal.signal(signal.SIGINT, lambda *_: relay.stop(0))
    plug = relay.plug

    def plug_and_tell():
        plug()
        if wr is not None:
            os.write(wr, b"up\n")
            os.close(wr)
        relay.plug = plug

    relay.plug = plug_and_tell
    try:
        relay.run()
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - say what broke, in the log
        relay.log("crashed: %r" % (e,))
        relay.stop(1)


if __name__ == "__main__":
    main()
