#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/run.sh BIN - run every tests/e2e/*.sh suite (all but lib.sh and
# run.sh, in name order) against BIN, pass their PASS/FAIL lines through,
# and end with the totals "N passed, M failed". Exit 1 if anything failed.
#
# A suite is any executable-or-not bash script here that sources lib.sh and
# ends with hw_finish. A suite that crashes, hangs (E2E_SUITE_TIMEOUT
# seconds, default 900) or forgets its "N passed, M failed" line counts as
# one more failure, so a broken suite cannot pass silently.
# E2E_ONLY="cli analyze" runs only those suites.

export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 1 ]; then
    echo "usage: $0 BIN" >&2
    exit 2
fi
case $1 in
/*) BIN=$1 ;;
*) BIN=$PWD/$1 ;;
esac

suite_timeout=${E2E_SUITE_TIMEOUT:-900}
total_pass=0
total_fail=0
logdir=$(mktemp -d "${TMPDIR:-/tmp}/heapwatch-e2e-run.XXXXXX") || exit 2
trap 'if [ "$total_fail" -eq 0 ]; then rm -rf "$logdir"; fi' EXIT

shopt -s nullglob
suites=()
for f in "$here"/*.sh; do
    case $(basename "$f") in
    lib.sh | run.sh) continue ;;
    esac
    name=$(basename "$f" .sh)
    if [ -n "${E2E_ONLY:-}" ] && ! [[ " $E2E_ONLY " == *" $name "* ]]; then
        continue
    fi
    suites+=("$f")
done
if [ ${#suites[@]} -eq 0 ]; then
    echo "FAIL e2e/suites: no suite found in $here"
    echo "0 passed, 1 failed"
    exit 1
fi

for f in "${suites[@]}"; do
    name=$(basename "$f" .sh)
    log=$logdir/$name.log
    start=$(date +%s.%N)
    timeout -k 5 "$suite_timeout" bash "$f" "$BIN" >"$log" 2>&1 </dev/null
    rc=$?
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    # pass the suite's own lines through (its totals line is replaced by ours)
    grep -E '^(PASS|FAIL|NOTE) |^    \||^logs kept in ' "$log"
    p=$(grep -c '^PASS ' "$log")
    m=$(grep -c '^FAIL ' "$log")
    last=$(tail -n 1 "$log")
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        echo "FAIL e2e/$name: suite timed out after ${suite_timeout}s"
        m=$((m + 1))
    elif ! [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        echo "FAIL e2e/$name: suite ended without its totals line (exit $rc); last line: $last"
        m=$((m + 1))
    elif [ "${BASH_REMATCH[1]}" -ne "$p" ] || [ "${BASH_REMATCH[2]}" -ne "$m" ]; then
        echo "FAIL e2e/$name: totals line '$last' does not match its $p PASS / $m FAIL lines"
        m=$((m + 1))
    elif [ "$m" -gt 0 ] && [ "$rc" -eq 0 ]; then
        echo "FAIL e2e/$name: $m checks failed but the suite exited 0"
        m=$((m + 1))
    elif [ "$m" -eq 0 ] && [ "$rc" -ne 0 ]; then
        echo "FAIL e2e/$name: no check failed but the suite exited $rc"
        m=$((m + 1))
    fi
    echo "-- $name: $p passed, $m failed (${secs}s)"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + m))
done

[ "$total_fail" -eq 0 ] || echo "suite logs kept in $logdir"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
