#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/run.sh BIN - parse + metrics throughput of `heapwatch analyze`,
# printed next to `wc -l` on the same file in the same run, because this
# machine is shared and absolute times drift. Live benchmarks follow when
# the simulator is available (bench/live.sh).
set -euo pipefail
export LC_ALL=C
BIN=${1:?usage: bench/run.sh BIN}
BIN=$(readlink -f "$BIN")
cd "$(dirname "$0")/.."
TMP=$(mktemp -d "${TMPDIR:-/tmp}/heapwatch-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
SIZE_MB=${BENCH_MB:-128}

# One unit of varied text: every fixture as posted, then with CRLF endings,
# with "[hh:mm:ss.mmm] " prefixes, with "# " prefixes and with ANSI colour.
unit=$TMP/unit.txt
for f in tests/fixtures/meminfo/*.txt; do
    cat "$f"
    sed 's/$/\r/' "$f"
    awk '{ printf "[12:%02d:%02d.%03d] %s\n", (NR/60)%60, NR%60, NR%1000, $0 }' "$f"
    sed 's/^/# /' "$f"
    sed 's/^\(.*\)$/\x1b[32m\1\x1b[0m/' "$f"
done > "$unit"
cap=$TMP/capture.log
target=$((SIZE_MB * 1024 * 1024))
: > "$cap"
while [ "$(stat -c %s "$cap")" -lt "$target" ]; do
    for _ in $(seq 64); do cat "$unit"; done >> "$cap"
done
bytes=$(stat -c %s "$cap")
cat "$cap" > /dev/null # warm the page cache for both runs

now() { date +%s.%N; }
best_of() { # best_of N CMD... -> fastest wall time in seconds
    local n=$1 best=
    shift
    for _ in $(seq "$n"); do
        local t0 t1 dt
        t0=$(now)
        "$@" > /dev/null
        t1=$(now)
        dt=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$dt < $best" | bc -l)" = 1 ]; then best=$dt; fi
    done
    echo "$best"
}

dumps=$("$BIN" analyze --json - "$cap" | grep -c '^{"seq"' || true)
t_wc=$(best_of 3 wc -l "$cap")
t_hw=$(best_of 3 "$BIN" analyze "$cap")
t_js=$(best_of 3 "$BIN" analyze -q --json /dev/null "$cap")
rss=$( { /usr/bin/time -f %M "$BIN" analyze -q --json /dev/null "$cap" >/dev/null; } 2>&1 | tail -1)
mb=$(echo "$bytes / 1048576" | bc -l)
printf 'analyze bench: %.0f MB capture, %d dumps, machine: %s, %s cores\n' "$mb" "$dumps" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" "$(nproc)"
printf '  %-24s %6.3f s  %7.0f MB/s\n' "wc -l" "$t_wc" "$(echo "$mb / $t_wc" | bc -l)"
row() { # row LABEL SECONDS
    printf '  %-24s %6.3f s  %7.0f MB/s  %9.0f dumps/s  (%.1fx wc -l time)\n' "$1" "$2" \
        "$(echo "$mb / $2" | bc -l)" "$(echo "$dumps / $2" | bc -l)" "$(echo "$2 / $t_wc" | bc -l)"
}
row "analyze (parse+metrics)" "$t_hw"
row "analyze --json" "$t_js"
printf '  %-24s %6d KB (flat: independent of capture size)\n' "peak RSS" "$rss"
