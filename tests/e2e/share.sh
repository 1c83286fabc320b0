#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/share.sh BIN - --share: the board for heapwatch and another
# program at once, on the simulated board behind a socat link (it stays
# powered after heapwatch). tests/e2e/share_client.py does what mpremote
# does (enter the raw REPL without a soft reset, exec, leave) on the
# shared pty, five times, two seconds apart, while heapwatch samples at
# 10 Hz: every answer exact (a variable set by the first command read by
# the others: no byte lost or misrouted, the heap not reset), heapwatch's
# samples all whole and interleaved with the other program's turns, no
# reset, error or timeout, one message, the link gone at the end, the
# board at >>> with the variable set. Then the full-screen UI says
# "shared" while the other program runs a script, --listen --share is a
# tap, and the mistakes (a path that is a file) say one line.

. "$(dirname "$0")/lib.sh"
hw_suite share "$@"
need jq socat node timeout tmux
hw_sim_deps
HW_TIMEOUT=90
SIM=$ROOT/tests/sim/sim.sh
CLIENT=$ROOT/tests/e2e/share_client.py
export SIM_WAIT_S=30
LINKS=()
cleanup() {
    local l
    for l in "${LINKS[@]}"; do
        [ -f "$l.pid" ] && kill "$(cat "$l.pid")" 2>/dev/null
    done
    tmux -L "hwshare$$" kill-server 2>/dev/null
}
trap 'rc=$?; cleanup; (exit $rc); hw_cleanup' EXIT

start_board() { # NAME [DEVICE ARGS...]: a board on $TMP/NAME, in LINK
    LINK=$TMP/$1
    shift
    LINKS+=("$LINK")
    run_to 60 "$SIM" "$LINK" "$@" >"$LINK.sim.out" 2>&1 && [ -e "$LINK" ]
}

# ==== 1. mpremote-style commands from the shared pty while heapwatch samples at 10 Hz
if start_board board; then
    SH=$TMP/shared
    "$BIN" --no-tui -i 0.1 --duration 16 --share "$SH" --json "$TMP/s.json" --record "$TMP/s.rec" \
        "$LINK" >"$TMP/s.out" 2>"$TMP/s.err" &
    hw=$!
    for _ in $(seq 50); do [ -e "$SH" ] && break; sleep 0.1; done
    [ -L "$SH" ] && pass link-appears || fail link-appears "no symlink at $SH"
    sleep 2 # heapwatch samples alone first
    if run_to 60 /usr/bin/python3 "$CLIENT" "$SH" 5 2.2 >"$TMP/client.out" 2>&1; then
        pass client-answers-exact
    else
        fail client-answers-exact "the other program's answers were not all exact"
        show_log "$TMP/client.out"
    fi
    wait "$hw"
    rc=$?
    [ "$rc" = 0 ] && pass heapwatch-exit-0 || { fail heapwatch-exit-0 "exit $rc"; show_log "$TMP/s.err"; }
    jq_check samples-whole "$TMP/s.json" "want 40+ samples, all complete and consistent" \
        '(.snapshots | length) >= 40 and all(.snapshots[]; .complete and .consistent == true)'
    jq_check no-trouble "$TMP/s.json" "want no reset, error, timeout or gap event" \
        '[.events[].kind] | all(. != "reset" and . != "error" and . != "timeout" and . != "gap")'
    # interleaved: a handover for each command, and samples between them
    jq_check turns-interleave "$TMP/s.json" "want 5 shared/unshared turns with samples between" \
        '[.events[] | select(.kind == "shared" or .kind == "unshared")] as $e |
         ($e | map(.kind)) as $k | ($k | length) >= 9 and $k[0] == "shared" and
         all(range(0; ($e | length) - 1); $k[.] != $k[. + 1]) and
         ([.snapshots[].time] as $t | all(range(0; ($e | length) - 1; 2) | select(. + 2 < ($e | length));
            ($e[. + 1].time) as $a | ($e[. + 2].time) as $b | any($t[]; . > $a and . < $b)))'
    n=$(grep -c 'another program has the board' "$TMP/s.err")
    [ "$n" = 1 ] && pass said-once || fail said-once "the handover was said $n times (want once)"
    [ ! -e "$SH" ] && pass link-removed || fail link-removed "$SH is still there"
    # the record read back: the same samples (the other program's bytes are in it, unharmed)
    if run_to 30 "$BIN" analyze --json "$TMP/r.json" "$TMP/s.rec" >/dev/null 2>&1; then
        a=$(jq '.snapshots | length' "$TMP/r.json") b=$(jq '.snapshots | length' "$TMP/s.json")
        [ "$a" = "$b" ] && pass record-same-samples || fail record-same-samples "record $a, live $b"
    else
        fail record-same-samples "analyze could not read the record"
    fi
    # the board at >>>, its heap as the other program left it
    run_to 10 bash -c 'exec 3<>"$1"; printf "shared_x*7\r" >&3; timeout 1.5 cat <&3 >"$2"; exit 0' _ \
        "$LINK" "$TMP/after.out" 2>/dev/null
    tr -d '\r' <"$TMP/after.out" | grep -qx 42 && pass board-kept-heap ||
        fail board-kept-heap "the board did not answer shared_x*7 with 42 at >>>"
fi

# ==== 2. the full-screen UI says "shared" while the other program has the board
if start_board uiboard; then
    SH2=$TMP/shared2
    tmux -L "hwshare$$" new-session -d -x 120 -y 40 \
        "'$BIN' -i 0.2 --duration 20 --share '$SH2' '$LINK'; sleep 30"
    for _ in $(seq 100); do [ -e "$SH2" ] && break; sleep 0.1; done
    sleep 1.5
    # a script that sleeps: no prompt, so the floor stays theirs
    run_to 20 /usr/bin/python3 - "$SH2" >"$TMP/ui-client.out" 2>&1 <<'PY' &
import os, sys, time, tty
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY); tty.setraw(fd)
os.write(fd, b"\r\x03"); time.sleep(0.3); os.write(fd, b"\r\x01"); time.sleep(0.3)
os.write(fd, b"import time\ntime.sleep(4)\nprint('slept')\x04")
end = time.time() + 8; out = b""
while time.time() < end and b"slept" not in out:
    try: out += os.read(fd, 4096)
    except BlockingIOError: pass
os.write(fd, b"\r\x02"); print("client saw slept" if b"slept" in out else "client saw " + repr(out[-60:]))
PY
    cl=$!
    sleep 2.5
    tmux -L "hwshare$$" capture-pane -p >"$TMP/ui.txt"
    grep -q 'shared' "$TMP/ui.txt" && pass ui-says-shared ||
        { fail ui-says-shared "the UI does not say 'shared' while the other program runs"; head -n 5 "$TMP/ui.txt" | sed 's/^/    | /'; }
    wait "$cl"
    grep -q 'client saw slept' "$TMP/ui-client.out" && pass ui-client-answer ||
        fail ui-client-answer "$(cat "$TMP/ui-client.out")"
    sleep 3
    tmux -L "hwshare$$" capture-pane -p >"$TMP/ui2.txt"
    grep -qE '\bready\b' "$TMP/ui2.txt" && pass ui-ready-again ||
        { fail ui-ready-again "the UI did not go back to ready"; head -n 5 "$TMP/ui2.txt" | sed 's/^/    | /'; }
    tmux -L "hwshare$$" kill-server 2>/dev/null
fi

# ==== 3. --listen --share: a tap; what the board prints reaches both
SH3=$TMP/shared3
"$BIN" --no-tui --listen -n 3 --share "$SH3" --json "$TMP/l.json" \
    "exec:node $ROOT/tests/sim/device.mjs --print-every 300" >/dev/null 2>"$TMP/l.err" &
hw=$!
for _ in $(seq 50); do [ -e "$SH3" ] && break; sleep 0.1; done
timeout 3 cat "$SH3" >"$TMP/tap.out" 2>/dev/null
wait "$hw"
jq_check listen-share-samples "$TMP/l.json" "want 3 samples with --listen --share" '(.snapshots | length) == 3'
grep -q 'GC memory layout' "$TMP/tap.out" && pass listen-share-tap ||
    fail listen-share-tap "the shared pty did not see the board's dumps"

# ==== 4. mistakes
printf 'keep me\n' >"$TMP/afile"
expect_status 1 share-over-file -- "$BIN" --no-tui -n 1 --share "$TMP/afile" "exec:node $ROOT/tests/sim/device.mjs"
one_error share-over-file-line "$TMP/share-over-file.err" 'is not a symlink; not replaced'
grep -qx 'keep me' "$TMP/afile" && pass share-file-kept || fail share-file-kept
expect_status 1 share-no-dir -- "$BIN" --no-tui -n 1 --share "$TMP/none/x" "exec:node $ROOT/tests/sim/device.mjs"
one_error share-no-dir-line "$TMP/share-no-dir.err" 'share .*none/x: No such file or directory'
expect_status 2 share-not-analyze -- "$BIN" analyze --share "$TMP/x" "$ROOT/tests/fixtures/meminfo/rp2_v1.23plus_4.txt"

hw_finish
