#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/sanitize.sh DIR CMD... - run CMD (unit tests, golden, the e2e
# suites) with every ASan/UBSan/LSan report made fatal and written to a
# file under DIR, then fail if any report file appeared, whatever CMD's
# status. The tests capture heapwatch's stderr (and many only look at its
# exit status, or kill it on purpose), so a report that went to stderr
# could be swallowed: a file under DIR cannot.
#
# exitcode=86 is no status heapwatch uses (0-3), so a check that compares
# statuses fails too; the file is what makes it certain.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 DIR CMD..." >&2
    exit 2
fi
dir=$1
shift
mkdir -p "$dir" || exit 2
dir=$(cd "$dir" && pwd)
rm -f "$dir"/asan.* "$dir"/ubsan.*

common="halt_on_error=1:abort_on_error=0:exitcode=86:print_stacktrace=1:symbolize=1"
export ASAN_OPTIONS="$common:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$dir/asan"
export UBSAN_OPTIONS="$common:log_path=$dir/ubsan"
export LSAN_OPTIONS="exitcode=86:log_path=$dir/asan"

"$@"
rc=$?

shopt -s nullglob
reports=("$dir"/asan.* "$dir"/ubsan.*)
if [ ${#reports[@]} -gt 0 ]; then
    echo "FAIL sanitize: ${#reports[@]} sanitizer report(s) in $dir:"
    for r in "${reports[@]}"; do
        echo "== $r"
        head -n 40 "$r" | sed 's/^/    | /'
    done
    exit 1
fi
echo "sanitize: no ASan/UBSan/LSan report (${1##*/} ...)"
exit "$rc"
