#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/memcheck.sh BIN - end-to-end suites with every heapwatch run under
# valgrind memcheck (make memcheck). BIN is wrapped by build/memcheck/heapwatch,
# a script that execs valgrind on it, and given to tests/e2e/run.sh as BIN;
# each run writes build/memcheck/logs/vg.PID.log. Fails when a suite fails or
# when any log reports an error: an invalid read or write, a use of
# uninitialised memory, a bad free, or a leak definitely or indirectly lost
# (memory still reachable at exit, ncurses' and libc's, is not an error).
# The suites capture heapwatch's stderr and check its exit status; the logs
# are read here, so nothing valgrind says can be swallowed.
#
# The suites (MEMCHECK_SUITES): under valgrind heapwatch runs 20-50 times
# slower, which the timing-sensitive live and UI checks (-i 0 rates,
# deadlines of a second, kill at a moment) are not made for. The default
# subset is every suite whose checks do not depend on time: analyze, cli,
# diff, report, checks (analyze and live --check runs on the simulator) and
# durability (live --record on the simulator: its kill -9 runs and the full
# disk; its kills spread over K9_MAX_MS=8000 ms, for valgrind starts slowly).
# MEMCHECK_SUITES="..." runs others.
set -u
if [ $# -ne 1 ]; then
    echo "usage: $0 BIN" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(dirname "$bin")/memcheck
suites=${MEMCHECK_SUITES:-analyze cli diff report checks durability}
if ! command -v valgrind >/dev/null 2>&1; then
    echo "FAIL memcheck: valgrind is missing (scripts/deps.sh installs it)"
    exit 1
fi
rm -rf "$dir/logs"
mkdir -p "$dir/logs" || exit 2
cat >"$dir/heapwatch" <<EOF
#!/bin/sh
# made by tests/memcheck.sh: heapwatch under valgrind memcheck
exec valgrind --tool=memcheck --quiet --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \\
    --log-file="$dir/logs/vg.%p.log" "$bin" "\$@"
EOF
chmod +x "$dir/heapwatch"

start=$(date +%s)
# HW_MEMCHECK: the one check that measures heapwatch's RSS says NOTE
# instead (valgrind's RSS is not heapwatch's)
HW_MEMCHECK=1 K9_MAX_MS=${K9_MAX_MS:-8000} E2E_ONLY=$suites E2E_SUITE_TIMEOUT=${E2E_SUITE_TIMEOUT:-1800} "$root/tests/e2e/run.sh" "$dir/heapwatch"
rc=$?

shopt -s nullglob
logs=("$dir"/logs/vg.*.log)
bad=()
for f in "${logs[@]}"; do
    # --quiet: a clean run's log is empty; anything but a summary of 0
    # errors is a finding
    if grep -qE 'ERROR SUMMARY: [1-9]|Invalid (read|write|free)|uninitialised|definitely lost|indirectly lost|Mismatched free|overlap' "$f"; then
        bad+=("$f")
    fi
done
if [ ${#bad[@]} -gt 0 ]; then
    echo "FAIL memcheck: ${#bad[@]} of ${#logs[@]} valgrind logs report errors:"
    for f in "${bad[@]:0:5}"; do
        echo "== $f"
        head -n 40 "$f" | sed 's/^/    | /'
    done
    exit 1
fi
if [ ${#logs[@]} -eq 0 ]; then
    echo "FAIL memcheck: no valgrind log at all: heapwatch never ran under valgrind"
    exit 1
fi
echo "memcheck: ${#logs[@]} heapwatch runs under valgrind, no error, no leak ($suites; $(($(date +%s) - start)) s)"
exit "$rc"
