#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/checks.sh BIN - --check, leaks, JUnit and GitHub annotations,
# end to end: the simulated board with a leaking, a steady and a
# fragmenting program, live and through analyze of the recorded session
# (the same verdicts), the real micro:bit firmware under QEMU, the JSON
# against tests/schema/heapwatch.schema.json, the JUnit XML against
# tests/schema/junit.xsd, and the user's mistakes.

. "$(dirname "$0")/lib.sh"
hw_suite checks "$@"
need jq xmllint python3 node
hw_sim_deps
HW_TIMEOUT=90

DEV="node $ROOT/tests/sim/device.mjs"
SCHEMA=$ROOT/tests/schema/heapwatch.schema.json
XSD=$ROOT/tests/schema/junit.xsd

valid_json() { # NAME FILE...
    local name=$1
    shift
    if python3 "$ROOT/tests/schema/validate.py" "$SCHEMA" "$@" >"$TMP/$name.schema" 2>&1; then
        pass "$name"
    else
        fail "$name" "JSON does not match tests/schema/heapwatch.schema.json"
        show_log "$TMP/$name.schema"
    fi
}

# failed_lines ERR: the "check failed" lines of a run's stderr
failed_lines() { grep -c '^heapwatch: check failed: ' "$1"; }

# ==== 1. a leaking program fails leak<100/min, live and from its record
expect_status 3 leak-live-exit-3 -- "$BIN" --no-tui -n 30 -i 0.1 --gc \
    --record "$TMP/leak.rec" --json "$TMP/leak.json" --check 'leak<100/min' \
    "exec:$DEV --workload leaking --seed 3"
err=$TMP/leak-live-exit-3.err
assert leak-live-one-line [ "$(failed_lines "$err")" -eq 1 ]
# the line names the check, the measured rate and the dump where it failed
assert leak-live-line-names-value-and-dump grep -qE \
    '^heapwatch: check failed: leak<100/min: leaks [0-9]+ ± [0-9]+ B/min \(over [0-9]+ samples? after|collections\)' "$err"
assert leak-live-line-has-dump grep -qE 'check failed: leak<100/min: .* at dump #[0-9]+ \(exec:' "$err"
jq_check leak-live-json "$TMP/leak.json" "the JSON's leak verdict is not 'grows' or the check did not fail" \
    '.sources[0].leak.verdict == "grows" and .sources[0].leak.bytes_per_min > 100
     and .sources[0].leak.bytes_per_min_ci < .sources[0].leak.bytes_per_min
     and (.checks | length == 1) and .checks[0].verdict == "fail" and .checks[0].value > 100
     and (.checks[0].dump.seq | type == "number")'
# the leaked objects are the suspects: allocated after the first dump, still there
jq_check leak-suspects "$TMP/leak.json" "no suspects for a program that leaks" \
    '.sources[0].suspects.count >= 10 and (.sources[0].suspects.oldest[0].since_seq >= 1)
     and (.sources[0].suspects.oldest | map(.dumps) | max) >= 20'
valid_json leak-live-schema "$TMP/leak.json"

expect_status 3 leak-analyze-exit-3 -- "$BIN" analyze --json "$TMP/leak-a.json" \
    --check 'leak<100/min' "$TMP/leak.rec"
# the record gives the same points (its #calibrate line says every sample
# followed gc.collect()), so the same rate, number for number
if [ -s "$TMP/leak-a.json" ] && [ "$(jq -c '.checks[0] | {verdict, value}' "$TMP/leak-a.json")" = \
    "$(jq -c '.checks[0] | {verdict, value}' "$TMP/leak.json")" ]; then
    pass leak-analyze-same-verdict
else
    fail leak-analyze-same-verdict "analyze of the record judges differently from the live session"
    jq -c '.checks' "$TMP/leak.json" "$TMP/leak-a.json" 2>&1 | sed 's/^/    | /'
fi
assert leak-analyze-summary-line grep -qE '^  leak: leaks [0-9]+ ± [0-9]+ B/min' "$TMP/leak-analyze-exit-3.out"
assert leak-analyze-suspects-line grep -qE '^  suspects: [0-9]+ allocations' "$TMP/leak-analyze-exit-3.out"
valid_json leak-analyze-schema "$TMP/leak-a.json"

# ==== 2. a steady program passes the same check, live and from its record
expect_status 0 steady-live-exit-0 -- "$BIN" --no-tui -n 60 -i 0.1 --gc \
    --record "$TMP/steady.rec" --json "$TMP/steady.json" --check 'leak<100/min' \
    --check 'largest_free>=48K' "exec:$DEV --workload steady --seed 1"
assert steady-passed-lines [ "$(grep -c '^heapwatch: check passed: ' "$TMP/steady-live-exit-0.err")" -eq 2 ]
jq_check steady-no-leak "$TMP/steady.json" "a steady program reads as a leak" \
    '.sources[0].leak.verdict == "none" and .sources[0].leak.points >= 30
     and ([.checks[].verdict] == ["pass", "pass"])'
expect_status 0 steady-analyze-exit-0 -- "$BIN" analyze --check 'leak<100/min' \
    --check 'largest_free>=48K' "$TMP/steady.rec"
assert steady-analyze-says-no-leak grep -qE '^  leak: no leak \(slope -?[0-9]+ ± [0-9]+ B/min over [0-9]+ collections\)' \
    "$TMP/steady-analyze-exit-0.out"

# ==== 3. without --gc: the low-water marks after the board's own collections.
# A program that makes garbage every tick and keeps 48 bytes of it.
cat >"$TMP/leaky.py" <<'EOF'
_keep = []
def step():
    junk = [bytearray(40) for _ in range(8)]
    _keep.append(bytearray(32))
EOF
expect_status 3 lowwater-leaks -- "$BIN" --no-tui -n 80 -i 0.1 --json "$TMP/lw.json" \
    --check 'leak<10/sample' "exec:$DEV --workload $TMP/leaky.py --heap 16k --tick 20 --seed 2"
jq_check lowwater-grows "$TMP/lw.json" "a heap that keeps 48 bytes a tick between collections is no leak" \
    '.sources[0].leak.verdict == "grows" and .sources[0].leak.points >= 4 and .sources[0].leak.series == 1'
expect_status 0 lowwater-steady -- "$BIN" --no-tui -n 60 -i 0.1 --json "$TMP/lws.json" \
    --check 'leak<10/sample' "exec:$DEV --workload steady --heap 16k --tick 20 --seed 1"
jq_check lowwater-steady-none "$TMP/lws.json" "a steady sawtooth reads as a leak" \
    '.sources[0].leak.verdict == "none" and .sources[0].leak.points >= 4'
# an idle board: used only climbs by the probe's garbage, no collection
# (or one) comes, and heapwatch says it cannot tell rather than calling it a leak
expect_status 3 idle-too-little-data -- "$BIN" --no-tui -n 15 -i 0.05 --json "$TMP/idle.json" \
    --check 'leak<1K/min' "exec:$DEV"
assert idle-says-why grep -qE 'check failed: leak<1K/min: unknown: too little data \([0-3] collections?; need 4\)' \
    "$TMP/idle-too-little-data.err"

# ==== 4. a fragmenting program fails a largest_free check the steady one passed
expect_status 3 frag-largest-free -- "$BIN" --no-tui -n 30 -i 0.1 --record "$TMP/frag.rec" \
    --check 'largest_free>=48K' --check 'fragmentation<50%' "exec:$DEV --workload fragmenting --seed 7"
err=$TMP/frag-largest-free.err
assert frag-one-failure [ "$(failed_lines "$err")" -eq 1 ]
assert frag-line-has-dump grep -qE \
    '^heapwatch: check failed: largest_free>=48K: [0-9.]+K at dump #[0-9]+ \(exec:.* line [0-9]+, t=[0-9.]+\)$' "$err"
expect_status 3 frag-analyze-same -- "$BIN" analyze -q --check 'largest_free>=48K' \
    --check 'fragmentation<50%' "$TMP/frag.rec"
if [ "$(grep -o 'largest_free>=48K: [0-9.]*K at dump #[0-9]*' "$err")" = \
    "$(grep -o 'largest_free>=48K: [0-9.]*K at dump #[0-9]*' "$TMP/frag-analyze-same.err")" ] &&
    [ "$(failed_lines "$TMP/frag-analyze-same.err")" -eq 1 ] &&
    ! grep -q 'check passed' "$TMP/frag-analyze-same.err"; then
    pass frag-analyze-same-line
else
    fail frag-analyze-same-line "analyze of the record names another value or dump (or -q printed passes)"
    show_log "$TMP/frag-analyze-same.err"
fi

# --fail-fast: a check that failed for good ends the session at once
expect_status 3 fail-fast -- "$BIN" --no-tui -n 400 -i 0.05 --fail-fast \
    --json "$TMP/ff.json" --check 'peak_used<4K' "exec:$DEV --workload leaking --seed 3"
jq_check fail-fast-stopped "$TMP/ff.json" "--fail-fast did not stop the session early" \
    '(.snapshots | length) < 100 and .checks[0].verdict == "fail"'
assert fail-fast-says-so grep -q 'stopping at the first failed check (--fail-fast): peak_used<4K' \
    "$TMP/fail-fast.err"

# ==== 5. JUnit and GitHub annotations
F1=$ROOT/tests/fixtures/meminfo/unix_unknown-2024-09_2.txt
F2=$ROOT/tests/fixtures/meminfo/trezor_unknown-2025-03_1.txt
expect_status 3 junit-exit-3 -- "$BIN" analyze -q --junit "$TMP/j.xml" --check 'min_free>242K' \
    --check 'fragmentation<5%' --check 'samples>=1' "$F1" "$F2"
if xmllint --noout --schema "$XSD" "$TMP/j.xml" >"$TMP/xsd.log" 2>&1; then
    pass junit-valid
else
    fail junit-valid "JUnit XML does not validate against tests/schema/junit.xsd"
    show_log "$TMP/xsd.log"
fi
# one testcase per check per source, the failures counted, the message
# carrying the measured value and the failing dump
if [ "$(xmllint --xpath 'count(//testcase)' "$TMP/j.xml")" = 6 ] &&
    [ "$(xmllint --xpath 'string(/testsuites/@failures)' "$TMP/j.xml")" = 3 ] &&
    [ "$(xmllint --xpath 'count(//testsuite[1]/testcase/failure)' "$TMP/j.xml")" = 2 ] &&
    xmllint --xpath 'string(//testsuite[1]/testcase[1]/failure/@message)' "$TMP/j.xml" |
    grep -q '^check failed: min_free>242K: 241K at dump #0 (.*unix_unknown-2024-09_2.txt line 9, t=45828.774)$'; then
    pass junit-cases
else
    fail junit-cases "testcases, failure counts or messages are not as the checks said"
    show_log "$TMP/j.xml" 20
fi
# the same failures, each as one ::error workflow command on stdout
GITHUB_ACTIONS=true expect_status 3 annotate-env -- "$BIN" analyze -q --check 'min_free>242K' "$F1" "$F2"
if [ "$(grep -c '^::error ' "$TMP/annotate-env.out")" -eq 2 ] &&
    grep -qE '^::error file=.*unix_unknown-2024-09_2\.txt,line=9,title=heapwatch check min_free>242K::check failed: min_free>242K: 241K at dump #0' \
        "$TMP/annotate-env.out"; then
    pass annotate-env
else
    fail annotate-env "GITHUB_ACTIONS=true did not print one ::error line per failed check"
    show_log "$TMP/annotate-env.out"
fi
expect_status 0 annotate-none-when-passing -- env GITHUB_ACTIONS=true "$BIN" analyze -q --check 'samples>=1' "$F1"
assert annotate-none-when-passing-empty [ ! -s "$TMP/annotate-none-when-passing.out" ]
# with the JSON on stdout, annotations go to stderr and the JSON stays whole
expect_status 3 annotate-json -- "$BIN" analyze --annotate --json - --check 'min_free>242K' "$F1"
if jq -e '.checks[0].verdict == "fail"' "$TMP/annotate-json.out" >/dev/null 2>&1 &&
    grep -q '^::error ' "$TMP/annotate-json.err"; then
    pass annotate-json-stderr
else
    fail annotate-json-stderr "annotations broke the JSON on stdout, or went missing"
fi
valid_json annotate-json-schema "$TMP/annotate-json.out"

# ==== 6. the real micro:bit firmware under QEMU: a small idle heap
FIRMWARE=/usr/share/firmware-microbit-micropython/firmware.hex
if command -v qemu-system-arm >/dev/null && [ -f "$FIRMWARE" ]; then
    QEMU="exec:qemu-system-arm -M microbit -nographic -monitor null -serial stdio -device loader,file=$FIRMWARE"
    expect_status 0 microbit-passes -- "$BIN" --no-tui -n 12 -i 0 --gc --json "$TMP/mb.json" \
        --check 'leak<64/sample' --check 'min_free>4K' --check 'inconsistent==0' "$QEMU"
    jq_check microbit-no-leak "$TMP/mb.json" "an idle micro:bit reads as leaking" \
        '.sources[0].leak.verdict == "none" and ([.checks[].verdict] | all(. == "pass"))'
    # its heap is about 10K: a check that asks for more fails, naming it
    expect_status 3 microbit-fails -- "$BIN" --no-tui -n 3 -i 0 --check 'min_free>64K' "$QEMU"
    assert microbit-fails-line grep -qE '^heapwatch: check failed: min_free>64K: [0-9.]+K at dump #0 ' \
        "$TMP/microbit-fails.err"
    valid_json microbit-schema "$TMP/mb.json"
else
    fail microbit "qemu-system-arm or $FIRMWARE missing (scripts/deps.sh installs them)"
fi

# ==== 7. the user's mistakes: usage errors (2), one line each
bad_usage() { # NAME PATTERN ARGS...
    local name=$1 pat=$2
    shift 2
    if expect_status 2 "$name" -- "$BIN" "$@"; then
        [ "$(sed -n 1p "$TMP/$name.err" | grep -cE -- "$pat")" -eq 1 ] &&
            [ "$(wc -l <"$TMP/$name.err")" -eq 2 ] && pass "$name-message" ||
            { fail "$name-message" "want one line matching '$pat'"; show_log "$TMP/$name.err"; }
    fi
}
bad_usage bad-metric "unknown metric 'min_fre' \(one of: min_free, peak_used, largest_free, fragmentation, leak, inconsistent, incomplete, samples\)" \
    analyze --check 'min_fre>1K' "$F1"
bad_usage bad-unit "unknown unit 'X' for min_free \(valid: K or M" analyze --check 'min_free>1X' "$F1"
bad_usage bad-rate "leak needs a rate: /min or /sample" analyze --check 'leak<100' "$F1"
bad_usage bad-op "no comparison" analyze --check 'min_free=1' "$F1"
bad_usage delta-outside-diff "delta. checks are for heapwatch diff" analyze --check 'delta.peak_used<1K' "$F1"
bad_usage junit-without-check "--junit judges checks: give at least one --check" analyze --junit "$TMP/x.xml" "$F1"
bad_usage fail-fast-analyze "analyze does not take --fail-fast" analyze --fail-fast --check 'samples>0' "$F1"
# a JUnit file that cannot be written is a runtime error, after the verdicts
expect_status 1 junit-unwritable -- "$BIN" analyze -q --junit /nonexistent/j.xml --check 'samples>=1' "$F1"
assert junit-unwritable-says grep -q '^heapwatch: cannot create /nonexistent/j.xml: No such file or directory$' \
    "$TMP/junit-unwritable.err"

# ---- every golden fixture's JSON (analyze --json --map of a real capture)
# matches the schema too, incomplete and split-heap dumps included
valid_json fixtures-schema "$ROOT"/tests/fixtures/meminfo/*.json

hw_finish
