#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/microbit.sh BIN - live mode against a real board's firmware:
# Debian's firmware-microbit-micropython (MicroPython 1.9.2 for the BBC
# micro:bit, 2017; a 10,048-byte heap) under qemu-system-arm -M microbit,
# through exec: (a fresh board on a fresh pty) and through a pty link kept
# by tests/e2e/mbboard.py (the board stays powered between runs). mbboard.py
# also types programs into the board before heapwatch opens the link, does
# what the user's code would do between samples, and kills QEMU mid-dump;
# its log says that it did, so no check here passes without its fault.
# Asserts on the JSON (jq), the record file (read back with `heapwatch
# analyze`), stderr (each message said once) and exit statuses, and, where
# the board was not rebooted on purpose, that it is left at >>> with a
# global set before the session still there (its heap was not reset).
#
# Covered: exec: and a pty link, with and without --gc (the live numbers
# are the record's, number for number; the record ends at the board's
# >>>); two runs on one link keep the board's heap; a busy `while True:`
# loop needs exactly one Ctrl-C (and heapwatch says it stopped it);
# --listen to a program that prints its own dumps (heapwatch writes
# nothing); a MemoryError raised by the user's code between samples (a
# traceback event and one message, kept in the record, sampling goes on);
# a soft reboot mid-session (a reset event and a new leak series: the
# leak still reads as a leak, not "fixed"); QEMU killed mid-dump and a
# fresh board on the same link 1 s later (the cut dump kept and marked,
# gap, resume and reset events, sampling goes on to -n).

. "$(dirname "$0")/lib.sh"
hw_suite microbit "$@"
need jq python3 qemu-system-arm timeout
HW_TIMEOUT=60

FIRMWARE=/usr/share/firmware-microbit-micropython/firmware.hex
if [ ! -f "$FIRMWARE" ]; then
    fail firmware "$FIRMWARE missing (apt-get install -y firmware-microbit-micropython; scripts/deps.sh does)"
    hw_finish
fi
QEMU="exec:qemu-system-arm -M microbit -nographic -monitor null -serial stdio -device loader,file=$FIRMWARE"
MB=$HW_LIB_DIR/mbboard.py
ALL_OK='all(.snapshots[]; .complete and .consistent == true)'
# the firmware's heap, as its own "GC: total:" line gives it
MB_HEAP='all(.snapshots[]; .gc.total == 10048 and .block_size == 16)'

# mb_start NAME [mbboard.py options...]: a booted board on the link
# $TMP/NAME (the path in LINK), with hw_mark=1234 typed at its >>> first.
LINK=
mb_start() {
    local name=$1
    shift
    LINK=$TMP/$name
    SIM_LINKS+=("$LINK")
    if run_to 30 python3 "$MB" "$LINK" --type 'hw_mark=1234\r' "$@" >"$TMP/$name.mb.out" 2>&1 &&
        [ -e "$LINK" ]; then
        return 0
    fi
    fail "$name-link" "mbboard.py did not bring up $LINK"
    show_log "$TMP/$name.mb.out"
    show_log "$LINK.log"
    return 1
}

# board_says LINK TEXT OUT: write TEXT (printf %b escapes) to the board;
# what it answers in 1.5 s goes to OUT, without its "\r".
board_says() {
    run_to 10 bash -c 'exec 3<>"$1"; printf "%b" "$2" >&3; timeout 1.5 cat <&3 >"$3.raw"; exit 0' _ \
        "$1" "$2" "$3" 2>/dev/null
    tr -d '\r' <"$3.raw" >"$3"
}

# at_prompt NAME LINK: the board answers 6*7 at >>> (a raw REPL would stay
# silent until Ctrl-D, a busy program would not answer at all).
at_prompt() {
    board_says "$2" '6*7\r' "$TMP/$1.out"
    if grep -qx '42' "$TMP/$1.out" && tail -n 1 "$TMP/$1.out" | grep -qx '>>> '; then
        pass "$1"
    else
        fail "$1" "the board did not answer 6*7 with 42 and >>>"
        show_log "$TMP/$1.out" 6
    fi
}

# marker NAME LINK WANT: hw_mark*2 at >>>: 2468 when the heap was kept,
# NameError when the board was rebooted.
marker() {
    board_says "$2" 'hw_mark*2\r' "$TMP/$1.out"
    if grep -qx -- "$3" "$TMP/$1.out"; then
        pass "$1"
    else
        fail "$1" "want '$3' for hw_mark*2 at >>>"
        show_log "$TMP/$1.out" 6
    fi
}

# ends_at_mb_prompt REC: the Ctrl-B on the way out brought the micro:bit's
# banner and its friendly prompt.
ends_at_mb_prompt() {
    [ -s "$1" ] && tail -n 1 "$1" | grep -qE '^\+[0-9]+\.[0-9]{3} >>> $' &&
        tail -n 3 "$1" | head -n 1 | grep -q ' MicroPython v1\.9\.2-34-gd64154c73 on 2017-09-01; micro:bit ' &&
        tail -n 2 "$1" | head -n 1 | grep -q 'Type "help()" for more information\.'
}

# readback NAME JSON REC: the record read back by analyze is the session:
# the same snapshots, number for number, and the same events in order.
readback() {
    local name=$1 json=$2 rec=$3
    if ! run_to 30 "$BIN" analyze --json - "$rec" >"$TMP/$name.rec.json" 2>"$TMP/$name.rec.err" ||
        ! jq -e . "$TMP/$name.rec.json" >/dev/null 2>&1; then
        fail "$name-readback" "heapwatch analyze could not read $rec"
        show_log "$TMP/$name.rec.err"
        return
    fi
    jq_check "$name-readback" "$TMP/$name.rec.json" \
        "the record read back differs from the live session (snapshots or events)" \
        '[.snapshots[]] == [$live[0].snapshots[] | del(.probe_bytes)] and
         [.events[] | [.kind, .detail]] == [$live[0].events[] | [.kind, .detail]]' --slurpfile live "$json"
}

# said_once NAME ERR PATTERN: exactly one stderr line matches.
said_once() {
    local n
    n=$(grep -cE -- "$3" "$2")
    if [ "$n" -eq 1 ]; then
        pass "$1"
    else
        fail "$1" "want one stderr line matching '$3', got $n"
        show_log "$2" 8
    fi
}

# logged NAME LOG PATTERN REASON: mbboard.py's log shows the fault happened.
logged() {
    if grep -qE -- "$3" "$2"; then
        pass "$1"
    else
        fail "$1" "$4 (no '$3' in mbboard.py's log): the test proves nothing"
        show_log "$2" 8
    fi
}

# ==== 1. exec: a fresh board on a fresh pty, with and without --gc
expect_status 0 exec-exit-0 -- "$BIN" --no-tui -n 10 -i 0.1 --json "$TMP/exec.json" \
    --record "$TMP/exec.rec" "$QEMU"
jq_check exec-10-consistent "$TMP/exec.json" \
    "want 10 complete, consistent snapshots of the 10,048-byte heap of 16-byte blocks" \
    "(.snapshots | length) == 10 and .summary.snapshots == 10 and $ALL_OK and $MB_HEAP"
jq_check exec-probe-measured "$TMP/exec.json" \
    "want the probe measured (one exec leaves its compiled code: 16..1024 bytes) and no --gc in its code" \
    '.probe.code == "import micropython;micropython.mem_info(1)" and
     .probe.bytes_per_sample >= 16 and .probe.bytes_per_sample <= 1024'
readback exec "$TMP/exec.json" "$TMP/exec.rec"
ends_at_mb_prompt "$TMP/exec.rec" && pass exec-record-ends-at-prompt ||
    { fail exec-record-ends-at-prompt "want the micro:bit's banner and '>>> ' at the end of the record"; show_log "$TMP/exec.rec" 4; }
said_once exec-said-sampling "$TMP/exec-exit-0.err" '^heapwatch: sampling exec:qemu-system-arm .* through the raw REPL$'

expect_status 0 exec-gc-exit-0 -- "$BIN" --no-tui --gc -n 8 -i 0.05 --json "$TMP/exec-gc.json" "$QEMU"
# each sample follows a collection: the probe's garbage is gone by the
# next one, and an idle board's heap does not grow
jq_check exec-gc-steady "$TMP/exec-gc.json" \
    "want 8 consistent snapshots, gc.collect() in the probe, a flat heap and no leak" \
    "(.snapshots | length) == 8 and $ALL_OK and (.probe.code | contains(\"gc.collect()\")) and
     ([.snapshots[].gc.used] | max - min) <= 64 and .sources[0].leak.verdict == \"none\""

# ==== 2. a pty link: the board stays powered between two runs
if mb_start link; then
    expect_status 0 link-gc-exit-0 -- "$BIN" --no-tui --gc -n 10 -i 0.1 --json "$TMP/link1.json" \
        --record "$TMP/link1.rec" "$LINK"
    jq_check link-gc-consistent "$TMP/link1.json" "want 10 complete, consistent snapshots with --gc" \
        "(.snapshots | length) == 10 and $ALL_OK and $MB_HEAP and (.probe.code | contains(\"gc.collect()\"))"
    readback link1 "$TMP/link1.json" "$TMP/link1.rec"
    expect_status 0 link-again-exit-0 -- "$BIN" --no-tui -n 4 -i 0.1 --json "$TMP/link2.json" \
        --record "$TMP/link2.rec" "$LINK"
    jq_check link-again-consistent "$TMP/link2.json" "want 4 complete, consistent snapshots" \
        "(.snapshots | length) == 4 and $ALL_OK"
    readback link2 "$TMP/link2.json" "$TMP/link2.rec"
    for r in 1 2; do
        ends_at_mb_prompt "$TMP/link$r.rec" && pass "link-run$r-ends-at-prompt" ||
            { fail "link-run$r-ends-at-prompt" "want the banner and '>>> ' at the end of the record"; show_log "$TMP/link$r.rec" 4; }
    done
    if ! cat "$TMP/link1.rec" "$TMP/link2.rec" | grep -q 'soft reboot' &&
        jq -e '[.events[] | select(.kind == "reset")] == []' "$TMP/link1.json" "$TMP/link2.json" >/dev/null 2>&1; then
        pass link-no-soft-reboot
    else
        fail link-no-soft-reboot "a soft reboot (or a reset event) shows in the records or the JSON"
    fi
    at_prompt link-board-at-prompt "$LINK"
    marker link-heap-kept "$LINK" 2468
    link_stop "$LINK"
fi

# ==== 3. a busy program: `while True: pass` at >>>, stopped by one Ctrl-C
if mb_start busy --type 'while True: pass\r\r'; then
    expect_status 0 busy-exit-0 -- "$BIN" --no-tui -n 3 -i 0.1 --json "$TMP/busy.json" \
        --record "$TMP/busy.rec" "$LINK"
    jq_check busy-3-consistent "$TMP/busy.json" "want 3 consistent snapshots once the loop is interrupted" \
        "(.snapshots | length) == 3 and $ALL_OK"
    logged busy-was-running "$LINK.log" "typed b'while True: pass.*answered b'while True: pass.r.n\.\.\. " \
        "the loop was not running when heapwatch opened the link"
    n=$(grep -c 'host sent .*Ctrl-C' "$LINK.log")
    [ "$n" -eq 1 ] && pass busy-one-ctrl-c || fail busy-one-ctrl-c "heapwatch sent Ctrl-C $n times, want exactly 1"
    grep -q '^+[0-9.]* KeyboardInterrupt' "$TMP/busy.rec" && grep -qE '^\+[0-9.]+ #traceback KeyboardInterrupt$' "$TMP/busy.rec" &&
        pass busy-interrupt-recorded || fail busy-interrupt-recorded "want the board's KeyboardInterrupt and a #traceback event in the record"
    jq_check busy-interrupt-event "$TMP/busy.json" "want one traceback event, KeyboardInterrupt, before the calibration" \
        '[.events[] | select(.kind == "traceback")] == [{time: .events[0].time, kind: "traceback", detail: "KeyboardInterrupt"}] and
         .events[0].kind == "traceback"'
    said_once busy-said-stopped "$TMP/busy-exit-0.err" '^heapwatch: the program running on .*/busy was stopped \(KeyboardInterrupt\) to sample it$'
    at_prompt busy-board-at-prompt "$LINK"
    marker busy-heap-kept "$LINK" 2468
    link_stop "$LINK"
fi

# ==== 4. --listen: a program at >>> prints its own dumps every 300 ms
if mb_start listen --type 'import micropython,time\r' \
    --type 'while True: micropython.mem_info(1); time.sleep_ms(300)\r\r'; then
    expect_status 0 listen-exit-0 -- "$BIN" --no-tui --listen --duration 2.5 --json "$TMP/listen.json" \
        --record "$TMP/listen.rec" "$LINK"
    jq_check listen-dumps "$TMP/listen.json" \
        "want >= 4 snapshots of the board's own dumps, the complete ones consistent, no probe" \
        '(.snapshots | length) >= 4 and ([.snapshots[] | select(.complete)] | length) >= 4 and
         all(.snapshots[] | select(.complete); .consistent == true and .gc.total == 10048) and .probe == null'
    if [ -s "$LINK.log" ] && ! grep -q 'host sent' "$LINK.log"; then
        pass listen-never-writes
    else
        fail listen-never-writes "heapwatch --listen wrote to the board"
        grep 'host sent' "$LINK.log" | head -n 3 | sed 's/^/    | /'
    fi
    # the program still runs: one Ctrl-C stops it, and the heap is the one it had
    board_says "$LINK" '\x03' "$TMP/listen-stop.out"
    grep -q '^KeyboardInterrupt' "$TMP/listen-stop.out" && pass listen-program-was-running ||
        { fail listen-program-was-running "the board's program was not running after --listen"; show_log "$TMP/listen-stop.out" 4; }
    marker listen-heap-kept "$LINK" 2468
    link_stop "$LINK"
fi

# ==== 5. the user's code raises MemoryError between two samples (after
# exec 5: the clock, two calibration probes, then samples 1 and 2)
if mb_start memerr --inject '5:x=[bytearray(100) for i in range(200)]\x04'; then
    expect_status 0 memerr-exit-0 -- "$BIN" --no-tui -n 6 -i 0.4 --json "$TMP/memerr.json" \
        --record "$TMP/memerr.rec" "$LINK"
    logged memerr-injected "$LINK.log" "injection answered: .*MemoryError: memory allocation failed" \
        "the board raised no MemoryError between the samples"
    jq_check memerr-sampling-goes-on "$TMP/memerr.json" \
        "want 6 complete, consistent snapshots, no reset, error or gap event" \
        "(.snapshots | length) == 6 and $ALL_OK and
         ([.events[] | select(.kind == \"reset\" or .kind == \"error\" or .kind == \"gap\")] == [])"
    # said: one traceback event between samples 2 and 3, the exception its detail
    jq_check memerr-event "$TMP/memerr.json" \
        "want one traceback event 'MemoryError: memory allocation failed, allocating N bytes' between samples 2 and 3" \
        '[.events[] | select(.kind == "traceback")] as $t | ($t | length) == 1 and
         ($t[0].detail | test("^MemoryError: memory allocation failed, allocating [0-9]+ bytes$")) and
         .snapshots[1].time < $t[0].time and $t[0].time < .snapshots[2].time'
    said_once memerr-said-once "$TMP/memerr-exit-0.err" '^heapwatch: the program on .*/memerr raised MemoryError: memory allocation failed'
    grep -qE '^\+[0-9.]+ MemoryError: memory allocation failed, allocating [0-9]+ bytes$' "$TMP/memerr.rec" &&
        grep -qE '^\+[0-9.]+ #traceback MemoryError: memory allocation failed' "$TMP/memerr.rec" &&
        pass memerr-in-record || fail memerr-in-record "want the board's MemoryError line and a #traceback event in the record"
    readback memerr "$TMP/memerr.json" "$TMP/memerr.rec"
    at_prompt memerr-board-at-prompt "$LINK"
    marker memerr-heap-kept "$LINK" 2468
    link_stop "$LINK"
fi

# ==== 6. a soft reboot mid-session: the user's code leaks 200 bytes
# between every two samples, and after exec 12 the board soft-reboots
# (Ctrl-D on an empty raw line: the heap is wiped, L is gone)
LEAK='g=globals()\nif "L" not in g: L=[]\nL.append(bytearray(200))\x04'
if mb_start reboot --inject "4+:$LEAK" --inject '12:\x04'; then
    expect_status 0 reboot-exit-0 -- "$BIN" --no-tui --gc -n 20 -i 0.4 --json "$TMP/reboot.json" \
        --record "$TMP/reboot.rec" "$LINK"
    logged reboot-happened "$LINK.log" "injection answered: .*soft reboot" "the board did not soft-reboot"
    jq_check reboot-20-consistent "$TMP/reboot.json" "want 20 complete, consistent snapshots" \
        "(.snapshots | length) == 20 and $ALL_OK"
    jq_check reboot-reset-event "$TMP/reboot.json" \
        "want exactly one reset event naming the soft reboot, with samples before and after it" \
        '[.events[] | select(.kind == "reset")] as $r | ($r | length) == 1 and ($r[0].detail | test("soft reboot")) and
         ([.snapshots[] | select(.time < $r[0].time)] | length) >= 3 and
         ([.snapshots[] | select(.time > $r[0].time)] | length) >= 3'
    # the heap fell at the reset: the last sample before it holds more than the first after it
    jq_check reboot-heap-wiped "$TMP/reboot.json" "want used to fall across the reset event" \
        '([.events[] | select(.kind == "reset")][0].time) as $t |
         ([.snapshots[] | select(.time < $t)][-1].gc.used) > ([.snapshots[] | select(.time > $t)][0].gc.used)'
    # a new series: the leak is still a leak of about 200 B a sample, not "fixed"
    jq_check reboot-new-series "$TMP/reboot.json" \
        "want the leak verdict 'grows' over 2 series at 100..400 bytes a sample" \
        '.sources[0].leak | .verdict == "grows" and .series == 2 and
         .bytes_per_sample >= 100 and .bytes_per_sample <= 400'
    grep -qE '^\+[0-9.]+ #reset .*soft reboot' "$TMP/reboot.rec" && pass reboot-record-event ||
        fail reboot-record-event "want a #reset line in the record"
    readback reboot "$TMP/reboot.json" "$TMP/reboot.rec"
    said_once reboot-said-once "$TMP/reboot-exit-0.err" '^heapwatch: the board reset \(.*soft reboot\); its heap starts afresh$'
    at_prompt reboot-board-at-prompt "$LINK"
    marker reboot-heap-was-reset "$LINK" "NameError: name 'hw_mark' is not defined"
    link_stop "$LINK"
fi

# ==== 7. QEMU killed mid-dump (exec 7: sample 4, after "GC memory layout"
# and one map line); 1 s later a fresh board on the same link
if mb_start kill --kill-after 7 --replug-after 1000; then
    expect_status 0 kill-exit-0 -- "$BIN" --no-tui -n 10 -i 0.3 --json "$TMP/kill.json" \
        --record "$TMP/kill.rec" "$LINK"
    logged kill-happened "$LINK.log" 'killed board #1 mid-dump of exec 7' "QEMU was not killed mid-dump"
    logged kill-replugged "$LINK.log" 'board #2 up on ' "no fresh board came back"
    jq_check kill-cut-dump-kept "$TMP/kill.json" \
        "want 10 snapshots: the 4th cut (complete false, problem cut), the other 9 complete and consistent" \
        '(.snapshots | length) == 10 and (.snapshots[3] | .complete == false and (.problems | index("cut")) != null) and
         all(.snapshots[0:3][], .snapshots[4:][]; .complete and .consistent == true)'
    jq_check kill-events "$TMP/kill.json" "want gap, resume and reset, once each, in that order" \
        '[.events[].kind | select(. == "gap" or . == "resume" or . == "reset")] == ["gap", "resume", "reset"]'
    jq_check kill-nothing-lost "$TMP/kill.json" \
        "want the 3 complete samples and the cut one before the gap, and 6 after the reset" \
        '([.events[] | select(.kind == "gap")][0].time) as $g | ([.events[] | select(.kind == "reset")][0].time) as $r |
         ([.snapshots[] | select(.time < $g)] | length) == 4 and ([.snapshots[] | select(.time > $r)] | length) == 6'
    if grep -qE '^\+[0-9.]+ #gap ' "$TMP/kill.rec" && grep -qE '^\+[0-9.]+ #resume ' "$TMP/kill.rec" &&
        grep -qE '^\+[0-9.]+ #reset ' "$TMP/kill.rec"; then
        pass kill-record-events
    else
        fail kill-record-events "want #gap, #resume and #reset lines in the record"
    fi
    readback kill "$TMP/kill.json" "$TMP/kill.rec"
    err=$TMP/kill-exit-0.err
    said_once kill-said-gap "$err" 'device disconnected; waiting for the board to come back$'
    said_once kill-said-reconnected "$err" '^heapwatch: reconnected to '
    said_once kill-said-rebooted "$err" 'rebooted while it was away; its heap starts afresh$'
    at_prompt kill-board-at-prompt "$LINK"
    marker kill-fresh-board "$LINK" "NameError: name 'hw_mark' is not defined"
    link_stop "$LINK"
fi

hw_finish
