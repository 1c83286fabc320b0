#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/fuzz/run.sh SECONDS TARGET... - run each libFuzzer target for a
# bounded time, memparse seeded from the real fixtures, after replaying
# the crashes kept in tests/fixtures/fuzz/TARGET-*. Exit non-zero on
# the first crash; the reproducer is left in build/fuzz/.
set -euo pipefail
secs=${1:?seconds}
shift
cd "$(dirname "$0")/../.."
for t in "$@"; do
    corpus=build/fuzz/corpus_$t
    mkdir -p "$corpus"
    if [ "$t" = memparse ] || [ "$t" = capture ]; then cp tests/fixtures/meminfo/*.txt "$corpus"/; fi
    # the capture reader also starts from record files, as the simulator writes them
    if [ "$t" = capture ] && ls tests/fixtures/captures/*.rec >/dev/null 2>&1; then
        cp tests/fixtures/captures/*.rec "$corpus"/
    fi
    # every crash found so far is replayed first: a fixed bug stays fixed
    for crash in tests/fixtures/fuzz/"$t"-*; do
        [ -e "$crash" ] || continue
        echo "== fuzz_$t replays $crash"
        build/fuzz/fuzz_"$t" "$crash" >/dev/null 2>&1 || { echo "fuzz_$t: $crash crashes again" >&2; exit 1; }
    done
    # check expressions start from the ones the documentation shows
    if [ "$t" = check ]; then
        i=0
        for e in 'min_free>20K' 'leak<100/min' 'fragmentation<=50%' 'delta.peak_used<=2K' \
            'largest_free >= 1.5M' 'samples==10' 'leak<=1K/sample'; do
            printf '%s' "$e" >"$corpus/seed$i"
            i=$((i + 1))
        done
    fi
    echo "== fuzz_$t for ${secs}s"
    (cd build/fuzz && ./fuzz_"$t" -max_total_time="$secs" -max_len=262144 -print_final_stats=1 \
        "corpus_$t" 2>&1 | tail -n 12)
done
