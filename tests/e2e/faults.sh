#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/faults.sh BIN - the fault matrix on the link and the user's
# mistakes (issue 9, items 4 and 6), against the simulated board (the real
# MicroPython VM, tests/sim, behind exec:'s pty or a socat link) and
# devices that are not MicroPython (a shell, a GPS printing NMEA, a modem,
# bytes at the wrong baud rate).
#
# Each fault row asserts: heapwatch runs to its -n (exit 0), what happened is
# said once on stderr (not once per retry), and no sample is lost: the
# record read back by `heapwatch analyze --json` holds exactly the live
# --json's snapshots, number for number (a dump the fault cut included,
# marked cut). Each mistake: one clear "heapwatch: ..." line (and a hint),
# the documented exit status, no hang (every run under a timeout), and with
# the full-screen UI, the terminal's stty settings as they were.
#
# The two slowest rows (a board silent for 75 s; an 8 MiB heap at 9600
# baud, two minutes a sample) run in the background from the start, and
# are judged at the end. About 5 minutes.

. "$(dirname "$0")/lib.sh"
hw_suite faults "$@"
need jq socat node timeout setsid perl flock script stty
HW_TIMEOUT=60

SIMDIR=$ROOT/tests/sim
DEV="node $SIMDIR/device.mjs"
export SIM_WAIT_S=30

hw_sim_deps

# run_fault NAME SECS N INTERVAL ARGS... PORT: heapwatch -n N into
# $TMP/NAME.{json,rec,out,err}, stdin closed, under a SECS timeout; the
# status in $TMP/NAME.rc. Runs in the foreground; `&` it for the background.
run_fault() {
    local name=$1 secs=$2 n=$3 iv=$4
    shift 4
    run_to "$secs" "$BIN" --no-tui -n "$n" -i "$iv" --json "$TMP/$name.json" --record "$TMP/$name.rec" \
        "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
    echo $? >"$TMP/$name.rc"
}

# runs_to_n NAME N: exit 0 and N snapshots in the live JSON
runs_to_n() {
    local name=$1 n=$2 rc
    rc=$(cat "$TMP/$name.rc" 2>/dev/null)
    if [ "$rc" = 0 ] && jq -e '(.snapshots | length) == $n' --argjson n "$n" "$TMP/$name.json" >/dev/null 2>&1; then
        pass "$name-runs-to-n"
    else
        fail "$name-runs-to-n" "exit '$rc' (want 0) with $(jq '.snapshots | length' "$TMP/$name.json" 2>/dev/null) snapshots (want $n)"
        show_log "$TMP/$name.err"
    fi
}

# said_once NAME CHECK PATTERN: exactly one stderr line matches PATTERN
said_once() {
    local name=$1 check=$2 pat=$3 k
    k=$(grep -cE -- "$pat" "$TMP/$name.err")
    if [ "$k" -eq 1 ]; then
        pass "$name-$check"
    else
        fail "$name-$check" "'$pat' said $k times on stderr, want once"
        show_log "$TMP/$name.err" 8
    fi
}

# no_repeats NAME: no stderr line twice (a retry that fails the same way is quiet)
no_repeats() {
    local name=$1 dup
    dup=$(sort "$TMP/$name.err" | uniq -d | head -n 1)
    if [ -z "$dup" ]; then
        pass "$name-nothing-said-twice"
    else
        fail "$name-nothing-said-twice" "said more than once: $dup"
    fi
}

# nothing_lost NAME [DATA]: the record read back holds the live snapshots,
# number for number, and the complete ones are as many in both. With DATA,
# what is compared is each dump's data (figures, map, verdicts), not the
# line and time it is filed under: see the dropped-bytes row.
nothing_lost() {
    local name=$1 keep='.'
    [ "${2:-}" = data ] && keep='del(.line, .time)'
    if ! run_to 60 "$BIN" analyze --json - "$TMP/$name.rec" >"$TMP/$name.rj" 2>"$TMP/$name.rj.err"; then
        fail "$name-nothing-lost" "analyze could not read the record"
        show_log "$TMP/$name.rj.err"
        return
    fi
    jq_check "$name-nothing-lost" "$TMP/$name.rj" \
        "the record read back differs from the live snapshots" \
        '(.snapshots | length) == ($live[0].snapshots | length) and
         [.snapshots[] | '"$keep"'] == [$live[0].snapshots[] | del(.probe_bytes) | '"$keep"'] and
         ([.snapshots[] | select(.complete)] | length) == ([$live[0].snapshots[] | select(.complete)] | length)' \
        --slurpfile live "$TMP/$name.json"
}

# ==== the slow rows, started first, judged at the end
# A board silent for minutes, then back: after its 6th command it says
# nothing (not even echoes) and loses what it is sent, for 75 s: long
# enough for every timeout and retry heapwatch has (5 s each) to fire many
# times over, bounded so the suite ends.
run_fault silent 200 8 0.5 "exec:$DEV --workload fragmenting --silent-after 6 --silent-for 75000" &
BG_PIDS+=($!)
# An 8 MiB heap at 9600 baud: a program holds 32000 small buffers, so the
# map has ~1600 lines (121 KB, two minutes on the wire) and no free run to
# abbreviate. exec: has no baud rate of its own: heapwatch must find the
# rate itself, or its deadline (sized for 115200: 104 s) cuts every sample.
cat >"$TMP/dense.py" <<'EOF'
_keep = [bytearray(24) for _ in range(32000)]
def step():
    pass
EOF
run_fault slow9600 400 2 1 "exec:$DEV --heap 8m --baud 9600 --workload $TMP/dense.py" &
BG_PIDS+=($!)

# ==== faults on the link
# Unplugged mid-dump and replugged 1 s later: each board goes after half
# of its 6th answer (half a map line, no frame end), a fresh one comes back
if sim_start unplug --replug-after 1000 --unplug-mid 6 --workload fragmenting; then
    run_fault unplug 60 10 0.2 "$LINK"
    link_stop "$LINK"
    runs_to_n unplug 10
    jq_check unplug-cut-dump-kept "$TMP/unplug.json" \
        "want the dump the unplug cut in the JSON, complete:false with problem cut, the others whole" \
        '([.snapshots[] | select(.complete | not)] | length) >= 1 and
         all(.snapshots[] | select(.complete | not); .problems == ["cut"]) and
         all(.snapshots[] | select(.complete); .consistent == true)'
    gaps=$(jq '[.events[] | select(.kind == "gap")] | length' "$TMP/unplug.json" 2>/dev/null || echo 0)
    went=$(grep -c 'device disconnected; waiting for the board to come back' "$TMP/unplug.err")
    back=$(grep -c 'reconnected to ' "$TMP/unplug.err")
    waits=$(grep -c 'still waiting$' "$TMP/unplug.err")
    if [ "$gaps" -ge 1 ] && [ "$went" -eq "$gaps" ] && [ "$back" -eq "$gaps" ] && [ "$waits" -le "$gaps" ]; then
        pass unplug-said-once-per-unplug
    else
        fail unplug-said-once-per-unplug "$gaps unplugs; said gone $went, back $back, still waiting $waits times (want once each per unplug)"
        show_log "$TMP/unplug.err" 8
    fi
    nothing_lost unplug
fi

# Garbage bursts between samples: nothing to say, nothing lost
run_fault garbage 60 15 0.1 "exec:$DEV --workload fragmenting --garbage 60 --garbage-every 80 --seed 4"
runs_to_n garbage 15
jq_check garbage-samples-whole "$TMP/garbage.json" "want every snapshot complete and consistent" \
    'all(.snapshots[]; .complete and .consistent == true)'
if [ "$(grep -vc '^heapwatch: sampling ' "$TMP/garbage.err")" -eq 0 ]; then
    pass garbage-nothing-said
else
    fail garbage-nothing-said "line noise between samples is not news"
    show_log "$TMP/garbage.err"
fi
nothing_lost garbage

# A program's prints between each command and its "OK" (the same write):
# the sample starts on the line after them, live as in the record
run_fault chatter 60 8 0.1 "exec:$DEV --workload fragmenting --chatter"
runs_to_n chatter 8
jq_check chatter-samples-whole "$TMP/chatter.json" "want every snapshot complete and consistent" \
    'all(.snapshots[]; .complete and .consistent == true)'
nothing_lost chatter

# Dropped bytes: one byte in 400 lost on the wire, inside the dumps too
# (seeded: the same bytes every run). A damaged dump is kept and marked; a
# lost "\n" is read the same live and from the record. (When a damaged
# header makes the reader open a second dump inside one answer, live files
# that one under no time and a line of its own count, the record under its
# line's: the dumps' data is compared, not where they are filed.)
run_fault drop 60 25 0.1 "exec:$DEV --workload fragmenting --drop 400 --seed 11"
runs_to_n drop 25
jq_check drop-damage-marked "$TMP/drop.json" \
    "want some dumps damaged (incomplete or inconsistent), none of the complete ones inconsistent" \
    '([.snapshots[] | select((.complete | not) or .consistent != true)] | length) >= 3 and
     all(.snapshots[] | select(.complete); .consistent != false)'
no_repeats drop
nothing_lost drop data

# A program that swallows Ctrl-C (kbd_intr(-1)) for 3 s, then ends: within
# --timeout heapwatch waits for it and samples; past it, one line and hint
run_fault stubborn-short 60 3 0.1 --timeout 8 "exec:$DEV --busy --stubborn 3000"
runs_to_n stubborn-short 3
nothing_lost stubborn-short
HW_TIMEOUT=30 expect_status 1 stubborn-long-exit-1 -- "$BIN" --no-tui -n 3 --timeout 1 \
    "exec:$DEV --busy --stubborn 20000"
one_error stubborn-long-message "$TMP/stubborn-long-exit-1.err" 'does not answer: board busy: no prompt after Ctrl-C' \
    'ignores Ctrl-C.*last line: tick [0-9]+'

# An 8 MiB heap at 115200 baud: the map takes ~11 s a sample, within its deadline
if sim_start big115 --heap 8m --baud 115200 --workload "$TMP/dense.py"; then
    run_fault big115 120 3 0.5 --baud 115200 "$LINK"
    link_stop "$LINK"
    runs_to_n big115 3
    jq_check big115-complete "$TMP/big115.json" \
        "want 3 complete, consistent snapshots of an 8 MiB heap, no timeout" \
        'all(.snapshots[]; .complete and .consistent == true and .gc.total > 8000000 and
             .metrics.allocations > 60000) and ([.events[] | select(.kind == "timeout")] == [])'
    nothing_lost big115
fi

# ==== the user's mistakes
# the port held by another program (flock, as picocom, tio and pyserial take it)
if sim_start held; then
    pty=$(readlink -f "$LINK")
    setsid flock -x "$pty" sleep 60 </dev/null >/dev/null 2>&1 &
    BG_PIDS+=($!)
    sleep 0.5
    HW_TIMEOUT=15 expect_status 1 held-by-other-exit-1 -- "$BIN" --no-tui -n 2 "$LINK" &&
        one_error held-by-other-message "$TMP/held-by-other-exit-1.err" "cannot open $LINK: port is busy"
    link_stop "$LINK"
fi

# devices that are not MicroPython: one line, a hint that names what it is
# mistake NAME PATTERN HINT SPEC: exit 1 within 30 s, one line and its hint
mistake() {
    local name=$1 pat=$2 hint=$3 spec=$4
    HW_TIMEOUT=30 expect_status 1 "$name-exit-1" -- "$BIN" --no-tui -n 2 "exec:$spec" &&
        one_error "$name-message" "$TMP/$name-exit-1.err" "$pat" "$hint"
}
# a Linux board's serial console: a shell, its prompt and echo on the port
mistake shell 'does not answer' 'no MicroPython.*last line: .*bash-[0-9.]+# ' \
    "sh -c 'PS1=\"bash-5.2# \" exec bash --norc -i 2>&1'"
# a GPS receiver printing NMEA sentences, whatever it is sent
mistake gps 'does not answer' 'no MicroPython.*last line: \$GPGGA,' \
    "sh -c 'while :; do printf \"\\\$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\\r\\n\"; sleep 0.2; done'"
# a modem: echoes, and answers OK to every line
cat >"$TMP/modem.pl" <<'EOF'
$| = 1; while (sysread(STDIN, $b, 1)) { print $b; print "\r\nOK\r\n" if $b eq "\r"; }
EOF
mistake modem 'does not answer' 'no MicroPython.*last line: OK$' "perl $TMP/modem.pl"
# the wrong baud rate: what arrives is bytes, not text
cat >"$TMP/baud.pl" <<'EOF'
$| = 1; srand(7); while (1) { my $s = ""; $s .= chr(128 + int(rand(128))) for 1..20; print $s; select(undef, undef, undef, 0.05); }
EOF
mistake wrong-baud 'does not answer' 'not text: the wrong baud rate\? \(--baud' "perl $TMP/baud.pl"

# a capture that is not a capture: a device (it never ends)
for dev in /dev/zero /dev/full; do
    n=${dev#/dev/}
    HW_TIMEOUT=10 expect_status 1 "capture-$n-exit-1" -- "$BIN" analyze "$dev" &&
        one_error "capture-$n-message" "$TMP/capture-$n-exit-1.err" "^heapwatch: cannot read $dev: a device, not a capture file\$"
done

# /dev/full as an output: the JSON, the record
HW_TIMEOUT=30 expect_status 1 json-dev-full-exit-1 -- "$BIN" --no-tui -n 2 -i 0.1 --json /dev/full "exec:$DEV"
grep -v '^heapwatch: sampling ' "$TMP/json-dev-full-exit-1.err" >"$TMP/json-dev-full.err"
one_error json-dev-full-message "$TMP/json-dev-full.err" 'cannot write /dev/full: No space left on device'
HW_TIMEOUT=30 expect_status 1 record-dev-full-exit-1 -- "$BIN" --no-tui -n 2 -i 0.1 --record /dev/full "exec:$DEV"
grep -v '^heapwatch: sampling ' "$TMP/record-dev-full-exit-1.err" >"$TMP/record-dev-full.err"
one_error record-dev-full-message "$TMP/record-dev-full.err" 'cannot write /dev/full: No space left on device'

# With the full-screen UI, on a terminal (script(1) gives it a pty): the
# mistake is said, and the terminal's settings are as they were
# tty_same NAME STATUS ARGS...: heapwatch ARGS in a pty, stty -g around it
tty_same() {
    local name=$1 want=$2
    shift 2
    local cmd q
    cmd="stty -g >'$TMP/$name.before'; '$BIN'"
    for q in "$@"; do cmd+=" $(printf '%q' "$q")"; done
    cmd+=" 2>'$TMP/$name.err'; echo \$? >'$TMP/$name.rc'; stty -g >'$TMP/$name.after'"
    run_to 40 script -qec "$cmd" /dev/null </dev/null >"$TMP/$name.typescript" 2>&1
    local rc
    rc=$(cat "$TMP/$name.rc" 2>/dev/null)
    if [ "$rc" = "$want" ] && [ -s "$TMP/$name.before" ] && cmp -s "$TMP/$name.before" "$TMP/$name.after"; then
        pass "$name-tty-restored"
    else
        fail "$name-tty-restored" "exit '$rc' (want $want); stty before $(cat "$TMP/$name.before" 2>/dev/null), after $(cat "$TMP/$name.after" 2>/dev/null)"
        show_log "$TMP/$name.err"
    fi
}
tty_same tui-gps 1 --timeout 2 "exec:sh -c 'while :; do echo \"\\\$GPGGA,1\"; sleep 0.2; done'"
grep -q 'does not answer' "$TMP/tui-gps.err" && pass tui-gps-said ||
    { fail tui-gps-said "the error did not reach stderr after the UI closed"; show_log "$TMP/tui-gps.err"; }
tty_same tui-no-port 1 /dev/ttyNOPE
tty_same tui-bad-option 2 -n 0 /dev/ttyNOPE

# ==== the slow rows
wait_bg() { # NAME: wait until $TMP/NAME.rc exists (the run_fault's own timeout bounds it)
    run_to 420 bash -c 'until [ -s "$1" ]; do sleep 1; done' _ "$TMP/$1.rc"
}
wait_bg silent
runs_to_n silent 8
jq_check silent-gap-in-samples "$TMP/silent.json" \
    "want the samples to resume after a gap of at least 70 s, all whole" \
    'all(.snapshots[]; .complete and .consistent == true) and
     ([.snapshots[].time] as $t | [range(1; $t | length) | $t[.] - $t[. - 1]] | max) >= 70'
said_once silent timeout-said-once 'no answer for [0-9]+ s after sending the code'
said_once silent sync-said-once 'no answer: nothing received in'
said_once silent back-said-once 'answers again, after ([0-9]+m)?[0-9.]+s of silence'
no_repeats silent
nothing_lost silent

wait_bg slow9600
runs_to_n slow9600 2
jq_check slow9600-complete "$TMP/slow9600.json" \
    "want 2 complete, consistent snapshots of the 8 MiB heap, no timeout" \
    'all(.snapshots[]; .complete and .consistent == true and .gc.total > 8000000) and
     ([.events[] | select(.kind == "timeout")] == [])'
said_once slow9600 says-why 'each sample of .* takes [0-9]+m[0-9]+s: .* of block map at .*; --no-map samples'
if ! grep -q 'exec not finished' "$TMP/slow9600.err"; then
    pass slow9600-within-deadline
else
    fail slow9600-within-deadline "a sample ran into its deadline"
    show_log "$TMP/slow9600.err"
fi
nothing_lost slow9600
# ...and --no-map, as it suggests, samples the same heap at 9600 in seconds
run_fault nomap9600 90 3 0.5 --no-map "exec:$DEV --heap 8m --baud 9600 --workload $TMP/dense.py"
runs_to_n nomap9600 3
jq_check nomap9600-fast "$TMP/nomap9600.json" "want 3 no-map samples within 20 s" \
    'all(.snapshots[]; .complete and .gc.total > 8000000) and .snapshots[-1].time < 20'

hw_finish
