# SPDX-License-Identifier: MIT
# tests/e2e/lib.sh - shared helpers for heapwatch's shell tests (e2e suites,
# tests/golden.sh, tests/lint.sh). Source it, then call hw_suite:
#
#   . "$(dirname "$0")/lib.sh"
#   hw_suite cli "$@"            # sets SUITE, BIN (absolute), ROOT, TMP
#   check help-exit-0 "$BIN" --help
#   expect_status 2 bad-count -- "$BIN" -n 0
#   hw_finish                    # prints "N passed, M failed", exits 0 or 1
#
# Every check prints exactly one line "PASS suite/name" or "FAIL suite/name:
# reason". The private temp dir is removed on success and kept (its path
# printed) when anything failed, so the logs of failed checks can be read.
# Bash only; needs coreutils' timeout.

export LC_ALL=C
unset NO_COLOR

HW_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HW_LIB_DIR/../.." && pwd)
T_PASS=0
T_FAIL=0
TMP=
SUITE=${SUITE:-test}
BIN=

HW_KEPT=
hw_cleanup() {
    local rc=$?
    hw_procs_stop
    if [ -n "$TMP" ] && [ -d "$TMP" ]; then
        if [ "$T_FAIL" -gt 0 ] || [ "$rc" -ne 0 ]; then
            [ -n "$HW_KEPT" ] || echo "logs kept in $TMP" >&2
        else
            rm -rf "$TMP"
        fi
    fi
}

# hw_suite NAME BIN: name the suite, resolve BIN to an absolute path (it must
# be executable), make the private temp dir and install the trap.
hw_suite() {
    SUITE=$1
    local bin=${2:-}
    if [ -z "$bin" ]; then
        echo "usage: $0 BIN" >&2
        exit 2
    fi
    case $bin in
    /*) BIN=$bin ;;
    *) BIN=$PWD/$bin ;;
    esac
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/heapwatch-$SUITE.XXXXXX") || exit 2
    trap hw_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if [ ! -x "$BIN" ]; then
        fail binary "$BIN is not an executable file (run make first)"
        hw_finish
    fi
}

pass() {
    T_PASS=$((T_PASS + 1))
    echo "PASS $SUITE/$1"
}

# fail NAME [REASON...]
fail() {
    local name=$1
    shift
    T_FAIL=$((T_FAIL + 1))
    if [ $# -gt 0 ]; then
        echo "FAIL $SUITE/$name: $*"
    else
        echo "FAIL $SUITE/$name"
    fi
}

# Show the tail of a log under a failure line, indented.
show_log() {
    [ -s "$1" ] && tail -n "${2:-15}" "$1" | sed 's/^/    | /'
    return 0
}

# run_to SECS CMD...: run CMD, killing it (TERM, then KILL 2 s later) after
# SECS seconds. Returns CMD's status, or 124 after printing "TIMEOUT ..." on
# stderr, so a check that compares exit statuses fails on a hang.
run_to() {
    local secs=$1
    shift
    timeout -k 2 "$secs" "$@"
    local rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        echo "TIMEOUT after ${secs}s: $*" >&2
        return 124
    fi
    return "$rc"
}

# Timeout used by the helpers below; suites may override it.
HW_TIMEOUT=${HW_TIMEOUT:-30}

# check NAME CMD...: pass when CMD exits 0 (under run_to); output to a log.
check() {
    local name=$1
    shift
    local log=$TMP/${name//\//_}.log
    if run_to "$HW_TIMEOUT" "$@" >"$log" 2>&1; then
        pass "$name"
    else
        fail "$name" "exit $? from: $*"
        show_log "$log"
    fi
}

# expect_status WANT NAME -- CMD...: run CMD under run_to with stdout and
# stderr kept in $TMP/NAME.out and $TMP/NAME.err; pass when its exit status
# is exactly WANT. Leaves the status in LAST_RC.
LAST_RC=
expect_status() {
    local want=$1 name=$2
    shift 2
    [ "${1:-}" = -- ] && shift
    local base=$TMP/${name//\//_}
    run_to "$HW_TIMEOUT" "$@" >"$base.out" 2>"$base.err" </dev/null
    LAST_RC=$?
    if [ "$LAST_RC" -eq "$want" ]; then
        pass "$name"
        return 0
    fi
    fail "$name" "exit $LAST_RC, want $want: $*"
    show_log "$base.err"
    return 1
}

# assert NAME TEST-WORDS... -- a [ ] / [[ ]]-free form: run the command and
# pass when it succeeds, without logging. For quick predicates on files.
assert() {
    local name=$1
    shift
    if "$@"; then
        pass "$name"
    else
        fail "$name" "assertion failed: $*"
    fi
}

# hw_finish: the last line of every suite, "N passed, M failed" (after
# the path of the kept logs, if anything failed).
hw_finish() {
    if [ "$T_FAIL" -gt 0 ] && [ -n "$TMP" ]; then
        echo "logs kept in $TMP"
        HW_KEPT=1
    fi
    echo "$T_PASS passed, $T_FAIL failed"
    [ "$T_FAIL" -eq 0 ]
    exit $?
}

# need TOOL...: fail the suite early if a tool is missing.
need() {
    local t missing=
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
    done
    if [ -n "$missing" ]; then
        fail tools "missing:$missing (apt-get install -y jq groff-base time)"
        hw_finish
    fi
}

# ---- helpers for suites that run the simulated board (tests/sim)

# hw_sim_deps: make sure the device's npm package is there (sim.sh installs
# it itself, exec: does not); fails the suite when npm cannot.
hw_sim_deps() {
    local simdir=$ROOT/tests/sim
    if [ ! -d "$simdir/node_modules/@micropython/micropython-webassembly-pyscript" ]; then
        run_to 300 npm ci --prefix "$simdir" --no-audit --no-fund --loglevel=error >"$TMP/npm.log" 2>&1 ||
            { fail sim-deps "npm ci --prefix tests/sim failed"; show_log "$TMP/npm.log"; hw_finish; }
    fi
}

# ---- processes a suite starts, stopped by hw_cleanup on any exit (also
# on failure). Background runs go in BG_PIDS, started under setsid so that
# their whole process group goes; boards (sim.sh, mbboard.py) go in
# SIM_LINKS, each with its pid in LINK.pid.
BG_PIDS=()
SIM_LINKS=()

# link_stop LINK: unplug the board behind LINK for good (TERM, then KILL
# after 5 s).
link_stop() {
    local link=$1 pid i
    [ -f "$link.pid" ] || return 0
    pid=$(cat "$link.pid" 2>/dev/null)
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
    rm -f "$link.pid"
    return 0
}

# hw_procs_stop: TERM every group in BG_PIDS, KILL what is left after 1 s,
# and unplug every board in SIM_LINKS.
hw_procs_stop() {
    local pid link
    for pid in "${BG_PIDS[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${BG_PIDS[@]}"; do
        if kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null; then
            sleep 1
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
        fi
    done
    for link in "${SIM_LINKS[@]}"; do
        link_stop "$link"
    done
    return 0
}

# sim_start NAME [--replug-after MS] [DEVICE ARGS...]: a simulated board on
# the pty link $TMP/NAME (the path goes in LINK). Fails check NAME-link
# when it does not come up.
LINK=
sim_start() {
    local name=$1 replug=()
    shift
    if [ "${1:-}" = --replug-after ]; then
        replug=(--replug-after "$2")
        shift 2
    fi
    LINK=$TMP/$name
    SIM_LINKS+=("$LINK")
    if run_to 60 "$ROOT/tests/sim/sim.sh" "${replug[@]}" "$LINK" "$@" >"$TMP/$name.sim.out" 2>&1 &&
        [ -e "$LINK" ]; then
        return 0
    fi
    fail "$name-link" "sim.sh did not bring up $LINK"
    show_log "$TMP/$name.sim.out"
    show_log "$LINK.log"
    return 1
}

# jq_check NAME FILE REASON FILTER [JQ OPTIONS...]: pass when FILTER is true
# on FILE; on failure, say why and show what the JSON held.
jq_check() {
    local name=$1 file=$2 reason=$3 filter=$4
    shift 4
    if [ -s "$file" ] && jq -e "$@" "$filter" "$file" >/dev/null 2>&1; then
        pass "$name"
        return 0
    fi
    fail "$name" "$reason"
    jq -c '{snapshots: (.snapshots | length), incomplete: [.snapshots[] | select(.complete | not) | .problems],
            inconsistent: [.snapshots[] | select(.consistent == false) | .mismatches],
            events: [.events[]? | .kind], probe}' "$file" 2>&1 | head -n 3 | cut -c1-400 | sed 's/^/    | /'
    return 1
}

# one_error NAME ERRFILE PATTERN [HINT-PATTERN]: stderr is exactly one
# "heapwatch: ..." line matching PATTERN, plus at most one "heapwatch: hint:"
# line (which must match HINT-PATTERN when given).
one_error() {
    local name=$1 err=$2 pat=$3 hint=${4:-}
    local n first second
    n=$(wc -l <"$err")
    first=$(sed -n 1p "$err")
    second=$(sed -n 2p "$err")
    if [ "$n" -ge 1 ] && [ "$n" -le 2 ] &&
        [[ $first == "heapwatch: "* ]] && [[ $first != "heapwatch: hint:"* ]] &&
        grep -qE -- "$pat" <<<"$first" &&
        { [ "$n" -eq 1 ] || [[ $second == "heapwatch: hint: "* ]]; } &&
        { [ -z "$hint" ] || grep -qE -- "$hint" <<<"$second"; }; then
        pass "$name"
    else
        fail "$name" "want one 'heapwatch: ' line matching '$pat'${hint:+ and a hint matching '$hint'}, got $n lines"
        show_log "$err" 5
    fi
}

# wait_lines FILE N SECS: wait until FILE has N sample lines (lines ending
# "ok"); 0 when it did.
wait_lines() {
    local file=$1 want=$2 end=$((SECONDS + $3))
    while [ $SECONDS -lt "$end" ]; do
        [ "$(grep -c ' ok$' "$file" 2>/dev/null)" -ge "$want" ] && return 0
        sleep 0.02
    done
    return 1
}

# last lines of a record file: the Ctrl-B on the way out brought the banner
# and the friendly prompt
ends_at_prompt() {
    local rec=$1
    [ -s "$rec" ] && tail -n 1 "$rec" | grep -qE '^\+[0-9]+\.[0-9]{3} >>> $' &&
        tail -n 3 "$rec" | head -n 1 | grep -q ' MicroPython v1\.27\.0 ' &&
        tail -n 2 "$rec" | head -n 1 | grep -q 'Type "help()" for more information\.'
}

