#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/examples.sh BIN - every example of the README's "Using it" block
# and of the man page's EXAMPLES runs as written. The examples are read
# from the two documents themselves (so a changed example is tested as it
# now reads), in order, in one working directory that holds the files they
# name (capture.log, log.txt, *.log) copied from the fixtures. A board's
# port (/dev/ttyACM0, /dev/ttyUSB0, a0) is the one thing replaced: by a
# simulated board on a pty link, and a network address by the board behind
# a real server on a free port. Full-screen examples run in tmux until
# they show their first screen, then q. An example that names no port
# looks for a board: on a machine without one it must say so and exit 1.

. "$(dirname "$0")/lib.sh"
hw_suite examples "$@"
need jq node socat tmux timeout
HW_TIMEOUT=60
hw_sim_deps

FIX=$ROOT/tests/fixtures/meminfo
WD=$TMP/wd
mkdir -p "$WD"
cp "$FIX/rp2_v1.23plus_4.txt" "$WD/capture.log"
cp "$FIX/unix_unknown-2024-09_2.txt" "$WD/log.txt"
cp "$FIX/esp32_v1.23plus_3.txt" "$WD/a.log"
cp "$FIX/trezor_unknown-2025-03_1.txt" "$WD/b.log"
# diff's before and after: one program's dumps under two firmware versions
cp "$FIX/unix_v1.8-generated_1.txt" "$WD/before.log"
cp "$FIX/unix_v1.29.0-preview-generated_1.txt" "$WD/after.log"
BINDIR=$TMP/bin
mkdir -p "$BINDIR"
ln -s "$BIN" "$BINDIR/heapwatch"
export PATH=$BINDIR:$PATH

# ---- the simulated board behind a pty link: the "/dev/ttyACM0" of the examples
BOARD=$TMP/board
SIM_PID=
cleanup_examples() {
    [ -f "$BOARD.pid" ] && kill "$(cat "$BOARD.pid")" 2>/dev/null
    tmux -L "hwex-$$" kill-server 2>/dev/null
}
trap 'hw_rc=$?; cleanup_examples; (exit $hw_rc); hw_cleanup' EXIT
SIM_WAIT_S=30 "$ROOT/tests/sim/sim.sh" "$BOARD" --workload fragmenting --print-every 700 \
    >"$TMP/sim.out" 2>&1 || { fail sim "no simulated board"; hw_finish; }

# ---- the examples, from the documents
# README: the lines of the sh blocks of "## Using it" (up to its first
# subsection) that run heapwatch; the package's apt-get block comes first
readme_examples() {
    awk '/^## Using it/ { u = 1; next } u && /^##/ { exit } u && /^```sh/ { b = 1; next }
         b && /^```/ { b = 0; next } b && /^heapwatch/ { sub(/[ ]+# .*$/, ""); print }' "$ROOT/README.md"
}
# man: each .EX block of EXAMPLES, its lines joined where one ends in "|"
man_examples() {
    sed -n '/^\.SH EXAMPLES/,/^\.SH /p' "$ROOT/man/heapwatch.1" |
        awk '/^\.EX/ { x = 1; next } /^\.EE/ { x = 0; next }
             x { gsub(/\\-/, "-"); gsub(/\\\(aq/, "\047"); if (cont) { line = line " " $0 } else { line = $0 }
                 sub(/^ +/, "", $0); cont = line ~ /\|[ ]*$/; if (!cont) print line }'
}

# the one substitution: a board's port is the simulated board's link
board_port() {
    sed -e "s#/dev/ttyACM0#$BOARD#g; s#/dev/ttyUSB0#$BOARD#g; s# a0\$# $BOARD#"
}

# ---- the network examples: the board behind a real server on a free
# port (pyserial's RFC 2217 server, or the example's own socat); the
# address (localhost:4000, thathost:4000) is the port replaced there
PY=${HW_PYTHON:-/usr/bin/python3} # Debian's python3-serial
NET_PID= NET_PORT=
net_stop() {
    if [ -n "$NET_PID" ]; then
        kill -TERM -- "-$NET_PID" 2>/dev/null || kill -TERM "$NET_PID" 2>/dev/null
        wait "$NET_PID" 2>/dev/null
    fi
    NET_PID=
}
# listening PORT: something listens on 127.0.0.1:PORT or *:PORT (no probe
# connection: a socat fork would read the board's answers meanwhile)
listening() {
    grep -qE ":$(printf %04X "$1") 00000000:0000 0A " /proc/net/tcp
}
net_addr() {
    sed -E "s#(rfc2217|socket)://[^ :/]+:4000#\\1://127.0.0.1:$NET_PORT#g; s#TCP-LISTEN:4000#TCP-LISTEN:$NET_PORT#g"
}
# net_start NAME CMD: start the server an example needs (CMD itself, for
# the socat line); NET_PORT is where it listens
net_start() {
    local name=$1 cmd=$2 i
    net_stop
    NET_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if [[ $cmd == socat\ * ]]; then
        setsid sh -c "exec $(net_addr <<<"${cmd%%#*}")" 2>"$TMP/$name.net.log" &
    else
        setsid "$PY" "$ROOT/tests/e2e/rfc2217_server.py" --port "$NET_PORT" "$BOARD" 2>"$TMP/$name.net.log" &
    fi
    NET_PID=$!
    for i in $(seq 100); do
        listening "$NET_PORT" && return 0
        sleep 0.1
    done
    fail "$name-server" "no server listening on $NET_PORT for: $cmd"
    show_log "$TMP/$name.net.log"
    return 1
}
trap 'hw_rc=$?; net_stop; cleanup_examples; (exit $hw_rc); hw_cleanup' EXIT

TM() { timeout 20 tmux -L "hwex-$$" -f /dev/null "$@"; }
TM new-session -d -s keep -x 100 -y 30 -- sleep 3600

# shows_sample NAME [FILE]: the pane (or its saved screen) shows heapwatch
# with a sample: the state on the status line, the stats panel's total
shows_sample() {
    local text
    text=$(if [ -n "${2:-}" ]; then cat "$2"; else TM capture-pane -p -t "$1" 2>/dev/null; fi)
    grep -qE '(●|\*) (ready|listening|replay)' <<<"$text" && grep -qE '[│x] total ' <<<"$text"
}

# in_tmux NAME CMD: a full-screen example until its first screen, then q;
# pass when it shows a heapwatch screen and ends with status 0
in_tmux() {
    local name=$1 cmd=$2 status=$TMP/$1.status end
    rm -f "$status"
    TM new-session -d -s "$name" -x 100 -y 30 -c "$WD" -- \
        env -u LC_ALL TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 sh -c "$cmd; echo \$? >$status"
    end=$((SECONDS + 40))
    until shows_sample "$name" || [ -s "$status" ] || [ $SECONDS -ge $end ]; do
        sleep 0.2
    done
    TM capture-pane -p -t "$name" >"$TMP/$name.screen" 2>/dev/null
    TM send-keys -t "$name" q 2>/dev/null
    end=$((SECONDS + 15))
    until [ -s "$status" ] || [ $SECONDS -ge $end ]; do sleep 0.1; done
    TM kill-session -t "$name" 2>/dev/null
    if shows_sample "$name" "$TMP/$name.screen" && [ "$(cat "$status" 2>/dev/null)" = 0 ]; then
        pass "$name"
    else
        fail "$name" "want its first screen and exit 0 after q (exit $(cat "$status" 2>/dev/null)): $cmd"
        show_log "$TMP/$name.screen" 8
    fi
}

# run_example NAME CMD: one example, as written but for the port
run_example() {
    local name=$1 cmd
    cmd=$(board_port <<<"$2")
    case $cmd in
    mpremote\ *)
        # not on this machine (PyPI is out of reach): run its heapwatch half on
        # the dump that command prints, from the simulated board
        echo "NOTE examples/$name: mpremote is not installed here; its output is replaced by the board's own dump"
        cmd="cat $WD/capture.log | ${cmd#*| }"
        ;;
    esac
    case $cmd in
    socat\ * | *rfc2217://* | *socket://*)
        cmd=$(sed -E 's/[ ]+# .*$//' <<<"$cmd") # "# there", "# here"
        ;;
    esac
    case $cmd in
    socat\ TCP-LISTEN:*)
        # a bridge the next example connects to; it runs until that one ends
        net_start "$name" "$cmd" && pass "$name"
        return
        ;;
    *rfc2217://*)
        net_start "$name" "$cmd" || return
        ;;&
    *rfc2217://* | *socket://*)
        in_tmux "$name" "$(net_addr <<<"$cmd")"
        net_stop
        return
        ;;
    esac
    if [[ $cmd =~ ^heapwatch(\ +-i\ [0-9.]+)?$ ]]; then
        # no port: the one board that looks like MicroPython
        if heapwatch list 2>/dev/null | grep -q '(MicroPython)'; then
            fail "$name" "a MicroPython board is plugged in: unplug it to run this check"
        else
            expect_status 1 "$name" -- env -C "$WD" sh -c "$cmd"
            grep -q 'no MicroPython board found' "$TMP/$name.err" && pass "$name-says-no-board" ||
                fail "$name-says-no-board" "want 'no MicroPython board found'"
        fi
        return
    fi
    if [[ $cmd == "heapwatch list" ]]; then
        expect_status 0 "$name" -- env -C "$WD" sh -c "$cmd"
        return
    fi
    if [[ $cmd == "heapwatch report "* ]]; then
        # a file, not a screen: the report it names, written whole
        local out
        out=$(sed -E 's/.*-o +([^ ]+).*/\1/' <<<"$cmd")
        rm -f "$WD/$out"
        expect_status 0 "$name" -- env -C "$WD" sh -c "$cmd" &&
            { grep -q '^<!-- heapwatch report' "$WD/$out" && tail -n 1 "$WD/$out" | grep -q '</html>' &&
                pass "$name-html" || fail "$name-html" "want a whole report in $out: $cmd"; }
        return
    fi
    if [[ $cmd != *analyze* && $cmd != *"heapwatch diff "* && $cmd != *--no-tui* && $cmd != jq* ]]; then
        in_tmux "$name" "$cmd"
        return
    fi
    expect_status 0 "$name" -- env -C "$WD" sh -c "$cmd"
}

n=0
while IFS= read -r ex; do
    n=$((n + 1))
    run_example "readme-$n" "$ex"
done < <(readme_examples)
[ "$n" -ge 10 ] && pass readme-examples-found || fail readme-examples-found "only $n README examples found"
m=0
while IFS= read -r ex; do
    m=$((m + 1))
    run_example "man-$m" "$ex"
done < <(man_examples)
[ "$m" -ge 8 ] && pass man-examples-found || fail man-examples-found "only $m man page examples found"

# what the examples wrote reads back
jq -e '.snapshots | length == 20' "$WD/run.json" >/dev/null 2>&1 && pass readme-json-20 ||
    fail readme-json-20 "run.json does not hold the 20 samples asked for"
jq -e '.snapshots | length == 60' "$WD/session.json" >/dev/null 2>&1 && pass man-json-60 ||
    fail man-json-60 "session.json does not hold the 60 samples asked for"

hw_finish
