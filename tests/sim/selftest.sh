#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Self-test of the simulated board: talks to device.mjs over a pipe (the way
# heapwatch exec:"..." does) and over the socat pty link made by sim.sh, and
# checks the raw-REPL behaviour heapwatch relies on. Prints one PASS/FAIL line
# per check and "N passed, N failed" at the end; exits non-zero on any failure.
# Takes about 15 s.
#
#   tests/sim/selftest.sh [-v]      (-v: show the bytes received on failures)
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

need() { # command, Debian package
    command -v "$1" >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "selftest: installing $2" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >&2
    fi
    command -v "$1" >/dev/null || { echo "FAIL: setup: $1 not found (apt-get install $2)"; exit 1; }
}
need socat socat
need node nodejs
need python3 python3
if [ ! -d "$here/node_modules/@micropython/micropython-webassembly-pyscript" ]; then
    need npm npm
    npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >&2 ||
        { echo "FAIL: setup: npm ci --prefix $here"; exit 1; }
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hwsim.XXXXXX")
cleanup() {
    for f in "$tmp"/*.pid; do
        [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
    done
    sleep 0.2
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

SIM_HERE=$here SIM_TMP=$tmp python3 - "$@" <<'PYEOF'
import errno, os, re, select, subprocess, sys, time, tty

HERE = os.environ["SIM_HERE"]
TMP = os.environ["SIM_TMP"]
VERBOSE = "-v" in sys.argv[1:]
DEVICE = [os.environ.get("NODE", "node"), os.path.join(HERE, "device.mjs")]
SIM = os.path.join(HERE, "sim.sh")
SAMPLE = b"import micropython;micropython.mem_info(1)\x04"
BANNER = b"raw REPL; CTRL-B to exit\r\n>"

passed = failed = 0


class Fail(Exception):
    pass


def check(cond, what, got=None):
    if not cond:
        if VERBOSE and got is not None:
            what += "\n    got: %r" % (got[-600:] if isinstance(got, bytes) else got)
        raise Fail(what)


def test(name):
    def wrap(fn):
        global passed, failed
        t = time.time()
        try:
            fn()
        except Fail as e:
            failed += 1
            print("FAIL: %s: %s" % (name, e), flush=True)
        except Exception as e:  # a bug in the test or a dead device
            failed += 1
            print("FAIL: %s: %s: %s" % (name, type(e).__name__, e), flush=True)
        else:
            passed += 1
            print("PASS: %s (%.1f s)" % (name, time.time() - t), flush=True)
        return fn
    return wrap


class Conn:
    """Byte stream to a device: a pipe pair or a pty. read_until returns what
    was read; .hup is set when the other side hung up."""

    def __init__(self, rfd, wfd, proc=None):
        self.rfd, self.wfd, self.proc, self.hup = rfd, wfd, proc, False

    @classmethod
    def pipe(cls, *args):
        p = subprocess.Popen(DEVICE + list(args), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, bufsize=0)
        return cls(p.stdout.fileno(), p.stdin.fileno(), p)

    @classmethod
    def pty(cls, path):
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(fd)
        return cls(fd, fd)

    def write(self, b):
        os.write(self.wfd, b)

    def read_until(self, end=None, timeout=3.0, pattern=None):
        out = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if end is not None and out.endswith(end):
                break
            if pattern is not None and re.search(pattern, out):
                break
            p = select.poll()
            p.register(self.rfd, select.POLLIN | select.POLLHUP | select.POLLERR)
            ev = p.poll(20)
            if not ev:
                continue
            try:
                d = os.read(self.rfd, 65536)
            except BlockingIOError:
                if ev[0][1] & (select.POLLHUP | select.POLLERR):
                    self.hup = True
                    break
                continue
            except OSError as e:
                if e.errno == errno.EIO:  # pty master gone
                    self.hup = True
                    break
                raise
            if not d:
                self.hup = True
                break
            out += d
        return out

    def quiet(self, t):
        return self.read_until(None, timeout=t)

    def close(self):
        if self.proc:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
        else:
            os.close(self.rfd)


def enter_raw(c):
    c.quiet(0.15)  # drain whatever a booting board printed
    c.write(b"\r\x03")
    c.quiet(0.1)
    c.write(b"\r\x01")
    got = c.read_until(BANNER, 3)
    check(got.endswith(BANNER), "no raw REPL banner after \\r\\x01", got)


def sample(c):
    c.write(SAMPLE)
    t = time.time()
    got = c.read_until(b"\x04>", 5)
    dt = time.time() - t
    check(got.startswith(b"OK"), "response does not start with OK", got)
    check(b"GC: total:" in got, "no 'GC: total:' line", got)
    check(b"GC memory layout; from" in got, "no 'GC memory layout; from' line", got)
    check(got.endswith(b"\x04\x04>"), "frame does not end with \\x04\\x04> (empty stderr)", got)
    return got, dt


def exec_ok(c, code):
    c.write(code + b"\x04")
    got = c.read_until(b"\x04>", 5)
    check(got.startswith(b"OK") and got.endswith(b"\x04\x04>"), "exec %r failed" % code, got)
    return got[2:-3]


def raw_session(c, label):
    enter_raw(c)
    times = []
    for _ in range(3):
        _, dt = sample(c)
        times.append(dt)
    exec_ok(c, b"hw_sim_probe = 12345")
    out = exec_ok(c, b"print(hw_sim_probe)")
    check(out == b"12345\r\n", "global lost between execs (heap reset?)", out)
    _, dt = sample(c)
    times.append(dt)
    c.write(b"\r\x02")
    got = c.read_until(b">>> ", 3)
    check(got.endswith(b">>> ") and b"MicroPython v" in got, "\\r\\x02 did not give the >>> prompt", got)
    return times


def start_sim(name, *args, replug=None):
    link = os.path.join(TMP, name)
    cmd = [SIM] + (["--replug-after", str(replug)] if replug is not None else []) + [link] + list(args)
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, timeout=60)
    check(r.returncode == 0, "sim.sh exited %d" % r.returncode)
    check(os.path.islink(link), "sim.sh returned before %s existed" % link)
    check(os.path.isfile(link + ".pid"), "no %s.pid" % link)
    return link


def stop_sim(link):
    pid = int(open(link + ".pid").read())
    os.kill(pid, 15)
    deadline = time.time() + 3
    while time.time() < deadline and (os.path.lexists(link) or os.path.exists(link + ".pid")):
        time.sleep(0.05)
    check(not os.path.lexists(link) and not os.path.exists(link + ".pid"),
          "SIGTERM to sim.sh did not remove the link and pid file")


# ------------------------------------------------------------------ pipe

@test("pipe: raw REPL, 3x mem_info(1) frames, globals persist, \\r\\x02 gives >>>")
def _():
    c = Conn.pipe("--workload", "steady")
    times = raw_session(c, "pipe")
    c.close()
    print("      one sample round trip over a pipe: %.1f-%.1f ms" % (min(times) * 1e3, max(times) * 1e3))


@test("pipe: error frame OK\\x04<traceback>\\x04>, print() output in CRLF")
def _():
    c = Conn.pipe()
    enter_raw(c)
    c.write(b"1/0\x04")
    got = c.read_until(b"\x04>", 3)
    check(re.fullmatch(rb"OK\x04Traceback \(most recent call last\):\r\n.*ZeroDivisionError.*\r\n\x04>", got, re.S),
          "bad error frame", got)
    out = exec_ok(c, b"print('a')\nprint('b')")
    check(out == b"a\r\nb\r\n", "print() output not CRLF", out)
    c.close()


@test("pipe: raw-paste request answered R\\x00, raw mode still usable")
def _():
    c = Conn.pipe()
    enter_raw(c)
    c.write(b"\x05A\x01")
    got = c.read_until(b"R\x00", 2)
    check(got == b"R\x00", "raw-paste not refused with R\\x00", got)
    sample(c)
    c.close()


@test("pipe: every workload loads and runs between samples")
def _():
    procs = {w: Conn.pipe("--workload", w, "--tick", "10", "--seed", "7")
             for w in ("idle", "steady", "fragmenting", "leaking", "bursty")}
    used = {}
    for w, c in procs.items():
        enter_raw(c)
        used[w] = [int(re.search(rb"used: (\d+)", sample(c)[0]).group(1))]
    time.sleep(0.6)
    for w, c in procs.items():
        used[w].append(int(re.search(rb"used: (\d+)", sample(c)[0]).group(1)))
        c.close()
    for w in ("steady", "fragmenting", "leaking", "bursty"):
        check(used[w][1] != used[w][0], "%s: heap did not change between samples %s" % (w, used[w]))
    check(used["leaking"][1] > used["leaking"][0] + 2000, "leaking: heap did not grow %s" % used["leaking"])
    check(abs(used["idle"][1] - used["idle"][0]) < 1000, "idle: heap moved %s" % used["idle"])


@test("pipe: --cut-after 2 cuts exec 2 mid map line, frame completes, exec 3 whole")
def _():
    c = Conn.pipe("--cut-after", "2")
    enter_raw(c)
    sample(c)
    c.write(SAMPLE)
    got = c.read_until(b"\x04>", 3)
    check(got.endswith(b"\x04\x04>"), "cut frame did not complete", got)
    body = got[2:-3]
    last = body.split(b"\r\n")[-1]
    check(re.fullmatch(rb"[0-9a-f]{8}: [^\r\n]{1,63}", last) is not None, "stdout not cut inside a map line", got)
    got, _ = sample(c)
    check(got.endswith(b"\r\n\x04\x04>"), "exec 3 is not whole", got)
    c.close()


@test("pipe: --busy ignores \\r\\x01 until Ctrl-C, then KeyboardInterrupt and >>>")
def _():
    c = Conn.pipe("--busy")
    got = c.quiet(0.35)
    check(re.search(rb"tick \d+\r\n", got), "busy program prints no tick lines", got)
    c.write(b"\r\x01")
    got = c.quiet(0.3)
    check(b"raw REPL" not in got and b"tick" in got, "busy board answered \\r\\x01", got)
    c.write(b"\r\x03")
    got = c.read_until(b">>> ", 2)
    check(b"KeyboardInterrupt" in got and got.endswith(b">>> "), "no KeyboardInterrupt/>>> after Ctrl-C", got)
    c.write(b"\r\x01")
    got = c.read_until(BANNER, 2)
    check(got.endswith(BANNER), "no raw REPL after the interrupt", got)
    sample(c)
    got = c.quiet(0.25)
    check(b"tick" not in got, "program still printing after Ctrl-C", got)
    c.close()


@test("pipe: --deaf never answers")
def _():
    c = Conn.pipe("--deaf", "--banner")
    c.write(b"\r\x03\r\x01")
    got = c.quiet(0.4)
    c.write(SAMPLE + b"\r\x02")
    got += c.quiet(0.4)
    check(got == b"", "deaf board said something", got)
    c.close()


@test("pipe: --unplug-after 2 answers exec 2, then EOF and exit status 0")
def _():
    c = Conn.pipe("--unplug-after", "2")
    enter_raw(c)
    sample(c)
    sample(c)
    got = c.read_until(None, 3)
    check(c.hup and got == b"", "no EOF after exec 2", got)
    check(c.proc.wait(3) == 0, "exit status %s" % c.proc.returncode)
    c.close()


@test("pipe: --unplug-mid 2 sends half of exec 2's map, then EOF and exit status 0")
def _():
    c = Conn.pipe("--unplug-mid", "2")
    enter_raw(c)
    sample(c)
    c.write(SAMPLE)
    got = c.read_until(None, 3)
    check(c.hup, "no EOF after the half answer", got)
    check(got.startswith(b"OK") and b"\x04" not in got, "not a frame without its end", got)
    last = got.split(b"\r\n")[-1]
    check(re.fullmatch(rb"[0-9a-f]{8}: [^\r\n]{1,63}", last) is not None, "not cut inside a map line", got)
    check(c.proc.wait(3) == 0, "exit status %s" % c.proc.returncode)
    c.close()


@test("pipe: --drop 50 loses about 2% of the bytes of an answer, the rest in order")
def _():
    clean = Conn.pipe("--seed", "3")
    enter_raw(clean)
    want, _ = sample(clean)
    clean.close()
    c = Conn.pipe("--drop", "50", "--seed", "3")
    c.quiet(0.3)
    c.write(b"\r\x01")
    c.quiet(1.0)  # the banner may have lost a byte too: don't wait for it whole
    c.write(SAMPLE)
    got = c.read_until(None, 2)
    c.close()
    lost = len(want) - len(got)
    check(0.005 * len(want) < lost < 0.06 * len(want), "lost %d of %d bytes" % (lost, len(want)), got)
    # the rest is the answer, in order: its lines still end the same way
    check(abs(got.count(b"\n") - want.count(b"\n")) <= 0.1 * want.count(b"\n") and b": " in got,
          "what came is not the answer, less a few bytes", got)


@test("pipe: --silent-after 1 --silent-for 1500: no byte, input lost, then answers again")
def _():
    c = Conn.pipe("--silent-after", "1", "--silent-for", "1500")
    enter_raw(c)
    sample(c)
    c.write(SAMPLE)  # lost
    got = c.quiet(0.8)
    check(got == b"", "the silent board said something", got)
    c.write(b"\r\x01")  # lost too
    got = c.quiet(0.3)
    check(got == b"", "the silent board echoed", got)
    time.sleep(0.6)
    c.write(b"\r\x01")
    got = c.read_until(BANNER, 3)
    check(got.endswith(BANNER), "no raw REPL banner after the silence", got)
    sample(c)
    c.close()


@test("pty-exec: on a raw pty (heapwatch exec: style) CRLF stays CRLF; hangup ends the device quietly")
def _():
    import pty as ptymod
    m, s = ptymod.openpty()
    tty.setraw(s)
    p = subprocess.Popen(DEVICE, stdin=s, stdout=s, stderr=subprocess.PIPE, start_new_session=True)
    os.close(s)
    c = Conn(m, m)
    enter_raw(c)
    got, _ = sample(c)
    check(b"\r\r\n" not in got, "CR doubled on the pty", got)
    out = exec_ok(c, b"print(1)")
    check(out == b"1\r\n", "print() not CRLF on the pty", out)
    os.close(m)  # host hangs up
    try:
        p.wait(3)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise Fail("device still running 3 s after the hangup")
    err = p.stderr.read()
    p.stderr.close()
    check(b"Assertion" not in err and p.returncode in (0, -1), "device died noisily (status %d)" % p.returncode, err)


# ------------------------------------------------------------------ pty

@test("pty: sim.sh link; raw REPL, 3x mem_info(1), globals persist, \\r\\x02; reopen keeps heap")
def _():
    link = start_sim("ttyA", "--workload", "fragmenting")
    c = Conn.pty(link)
    times = raw_session(c, "pty")
    c.close()
    c = Conn.pty(link)  # the board stays powered between opens
    enter_raw(c)
    out = exec_ok(c, b"print(hw_sim_probe)")
    check(out == b"12345\r\n", "global lost after reopening the port", out)
    c.close()
    stop_sim(link)
    print("      one sample round trip over the pty: %.1f-%.1f ms" % (min(times) * 1e3, max(times) * 1e3))


@test("pty: --unplug-after 2 hangs up the pty after exec 2, link disappears")
def _():
    link = start_sim("ttyB", "--unplug-after", "2")
    c = Conn.pty(link)
    enter_raw(c)
    sample(c)
    sample(c)
    got = c.read_until(None, 3)
    check(c.hup, "no hangup (EOF/EIO/POLLHUP) after exec 2", got)
    c.close()
    deadline = time.time() + 3
    while time.time() < deadline and os.path.lexists(link):
        time.sleep(0.05)
    check(not os.path.lexists(link), "link still there after unplug")
    deadline = time.time() + 3
    while time.time() < deadline and os.path.exists(link + ".pid"):
        time.sleep(0.05)
    check(not os.path.exists(link + ".pid"), "pid file still there after unplug")


@test("pty: --replug-after 300 brings a fresh board back on the same link")
def _():
    link = start_sim("ttyC", "--unplug-after", "2", replug=300)
    c = Conn.pty(link)
    enter_raw(c)
    exec_ok(c, b"hw_sim_probe = 1")
    sample(c)
    c.read_until(None, 2)
    check(c.hup, "no hangup after exec 2")
    c.close()
    t = time.time()
    while time.time() - t < 5 and os.path.lexists(link):  # gone ...
        time.sleep(0.02)
    while time.time() - t < 5 and not os.path.lexists(link):  # ... and back
        time.sleep(0.02)
    check(os.path.lexists(link), "link did not come back")
    time.sleep(0.2)
    c = Conn.pty(link)
    enter_raw(c)
    out = exec_ok(c, b"print('hw_sim_probe' in globals())")
    check(out == b"False\r\n", "replugged board kept its heap", out)
    sample(c)
    c.close()
    stop_sim(link)


@test("pty: --busy requires Ctrl-C")
def _():
    link = start_sim("ttyD", "--busy")
    c = Conn.pty(link)
    c.quiet(0.25)
    c.write(b"\r\x01")
    got = c.quiet(0.3)
    check(b"raw REPL" not in got, "busy board answered \\r\\x01", got)
    enter_raw(c)  # sends \r\x03 first
    sample(c)
    c.close()
    stop_sim(link)


@test("pty: --deaf never answers")
def _():
    link = start_sim("ttyE", "--deaf")
    c = Conn.pty(link)
    c.write(b"\r\x03\r\x01")
    got = c.quiet(0.4)
    c.write(SAMPLE)
    got += c.quiet(0.4)
    check(got == b"", "deaf board said something", got)
    c.close()
    stop_sim(link)


print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PYEOF
