#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/cli.sh BIN - the command line contract: --help and --version on
# stdout with status 0; usage errors as "heapwatch: ..." plus "Try
# 'heapwatch --help'." on stderr with status 2; good values still accepted.
# No board needed: accepted options are exercised through `analyze`.

. "$(dirname "$0")/lib.sh"
hw_suite cli "$@"
HW_TIMEOUT=10

FIX=$ROOT/tests/fixtures/meminfo
GOOD=$FIX/rp2_v1.23plus_4.txt

# ---- --help
for opt in --help -h; do
    if expect_status 0 "help$opt-exit-0" -- "$BIN" $opt; then
        out=$TMP/help$opt-exit-0.out err=$TMP/help$opt-exit-0.err
        if [ -s "$out" ] && [ ! -s "$err" ] && head -n 1 "$out" | grep -q '^Usage: heapwatch ' &&
            tail -n 1 "$out" | grep -q 'heapwatch(1)'; then
            pass "help$opt-on-stdout"
        else
            fail "help$opt-on-stdout" "want Usage: ... heapwatch(1) on stdout and nothing on stderr"
        fi
    fi
done
if cmp -s "$TMP/help--help-exit-0.out" "$TMP/help-h-exit-0.out"; then
    pass help-short-equals-long
else
    fail help-short-equals-long "-h and --help print different text"
fi
expect_status 0 help-after-subcommand -- "$BIN" analyze --help &&
    { grep -q '^Usage: heapwatch' "$TMP/help-after-subcommand.out" && pass help-after-subcommand-text ||
        fail help-after-subcommand-text "analyze --help printed no usage"; }

# ---- --version
want=$(sed -n 's/^#define HW_VERSION "\(.*\)"/\1/p' "$ROOT/src/base/hw.h")
for opt in --version -V; do
    if expect_status 0 "version$opt-exit-0" -- "$BIN" $opt; then
        out=$TMP/version$opt-exit-0.out
        if [ "$(cat "$out")" = "heapwatch $want" ] && grep -qxE 'heapwatch [0-9]+\.[0-9]+\.[0-9]+' "$out" &&
            [ ! -s "$TMP/version$opt-exit-0.err" ]; then
            pass "version$opt-text"
        else
            fail "version$opt-text" "want exactly 'heapwatch $want' (X.Y.Z), got '$(head -c 100 "$out")'"
        fi
    fi
done

# ---- usage errors: exit 2, nothing on stdout, exactly two lines on stderr
# usage_error NAME ARGS...
usage_error() {
    local name=$1
    shift
    if expect_status 2 "$name" -- "$BIN" "$@"; then
        local out=$TMP/$name.out err=$TMP/$name.err
        if [ ! -s "$out" ] && [ "$(wc -l <"$err")" -eq 2 ] &&
            head -n 1 "$err" | grep -q '^heapwatch: [^ ]' &&
            [ "$(tail -n 1 "$err")" = "Try 'heapwatch --help'." ]; then
            pass "$name-message"
        else
            fail "$name-message" "want 'heapwatch: ...' and 'Try 'heapwatch --help'.' on stderr only"
            show_log "$err"
        fi
    fi
}

usage_error unknown-long --bogus
usage_error unknown-short -x
usage_error unknown-long-analyze analyze --bogus "$GOOD"
usage_error flag-given-a-value --gc=3
usage_error interval-abc -i abc
usage_error interval-negative -i -1
usage_error interval-trailing -i 1s
usage_error interval-missing -i
usage_error interval-missing-long --interval
usage_error count-zero -n 0
usage_error count-abc -n abc
usage_error count-fraction --count 1.5
usage_error duration-zero --duration 0
usage_error timeout-too-small --timeout 0.01
usage_error baud-zero -b 0
usage_error baud-abc --baud fast
usage_error dtr-maybe --dtr maybe
usage_error rts-maybe --rts maybe
usage_error analyze-no-file analyze
usage_error analyze-only-options analyze -d -q
usage_error list-extra-argument list extra
usage_error two-ports /dev/null /dev/zero

# The message names what was wrong.
grep -q "abc" "$TMP/interval-abc.err" && pass interval-abc-names-value ||
    fail interval-abc-names-value "the message does not quote 'abc'"
grep -q -- "--dtr" "$TMP/dtr-maybe.err" && grep -q maybe "$TMP/dtr-maybe.err" &&
    pass dtr-names-option || fail dtr-names-option "the message does not name --dtr and 'maybe'"
grep -q -- "--bogus" "$TMP/unknown-long.err" && pass unknown-long-names-option ||
    fail unknown-long-names-option "the message does not name --bogus"

# ---- an option of another mode is an error, never silently ignored
usage_error analyze-takes-no-gc analyze --gc "$GOOD"
usage_error analyze-takes-no-interval analyze -i 0.5 "$GOOD"
usage_error analyze-takes-no-record analyze -r x.rec "$GOOD"
usage_error replay-takes-no-dumps replay -d "$GOOD"
usage_error list-takes-no-count list -n 3
usage_error live-takes-no-quiet -q /dev/null
usage_error listen-takes-no-gc --listen --gc /dev/null
usage_error listen-takes-no-interval --listen -i 1 /dev/null
usage_error listen-takes-no-no-map --listen --no-map /dev/null
usage_error listen-takes-no-no-interrupt --listen --no-interrupt /dev/null
grep -q -- 'analyze does not take --gc' "$TMP/analyze-takes-no-gc.err" && pass wrong-mode-names-option ||
    fail wrong-mode-names-option "want 'analyze does not take --gc'"
grep -q -- '--listen never writes to the board, so -i (--interval) does not apply' \
    "$TMP/listen-takes-no-interval.err" && pass listen-says-why || fail listen-says-why "want why"

# ---- good values are accepted (checked against a port that does not exist)
expect_status 1 good-live-options-accepted -- "$BIN" -i 0.5 -n 3 --duration 2 \
    -b 9600 --dtr on --rts off --timeout 0.5 --gc --no-map --no-interrupt -r "$TMP/x.rec" \
    -j "$TMP/x.json" --map --no-tui --no-color -v /dev/ttyNOPE
grep -q 'cannot open /dev/ttyNOPE' "$TMP/good-live-options-accepted.err" && pass good-live-options-parsed ||
    fail good-live-options-parsed "want the options accepted and the port tried"
expect_status 1 good-listen-options-accepted -- "$BIN" --listen -n 3 --duration 2 -b 9600 --timeout 0.5 \
    --no-tui /dev/ttyNOPE
expect_status 0 good-equals-form -- "$BIN" analyze -q --json=- --map "$GOOD"
expect_status 0 options-after-file -- "$BIN" analyze "$GOOD" -q
expect_status 0 quiet-prints-nothing -- "$BIN" analyze -q "$GOOD" &&
    { [ ! -s "$TMP/quiet-prints-nothing.out" ] && pass quiet-stdout-empty ||
        fail quiet-stdout-empty "-q still printed a summary"; }

hw_finish
