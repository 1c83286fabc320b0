#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/live.sh BIN - live sampling against the simulated board:
#  1. samples/s with --interval 0, next to bench/rawloop (the simplest
#     raw-REPL loop) on the same socat link in the same run;
#  2. at a throttled 115200 baud, time per sample next to the wire time
#     bytes x 10 / 115200 of the same sample.
# Rates are taken between the first and last sample (start-up and the
# probe calibration are left out) for both programs alike.
set -euo pipefail
export LC_ALL=C
BIN=$(readlink -f "${1:?usage: bench/live.sh BIN}")
cd "$(dirname "$0")/.."
TMP=$(mktemp -d "${TMPDIR:-/tmp}/heapwatch-livebench.XXXXXX")
cleanup() {
    for p in "$TMP"/tty*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
    sleep 0.3
    rm -rf "$TMP"
}
trap cleanup EXIT
N=${BENCH_SAMPLES:-200}
cc -O2 -o "$TMP/rawloop" bench/rawloop.c

# rate FILE.json -> samples per second between the first and the last sample
rate() { jq '(.snapshots | length - 1) / (.snapshots[-1].time - .snapshots[0].time)' "$1"; }
per() { jq '(.snapshots[-1].time - .snapshots[0].time) / (.snapshots | length - 1)' "$1"; }

max() { echo "if ($1 > $2) $1 else $2" | bc -l; }
tests/sim/sim.sh "$TMP/ttyfast" --heap 65536 --workload idle >/dev/null
# Alternate the two programs three times and keep the best of each: the
# board's heap (and so the dump size) drifts, and the machine is shared.
best_raw=0 best_hw=0
for round in 1 2 3; do
    raw=$("$TMP/rawloop" "$TMP/ttyfast" "$N")
    best_raw=$(max "$best_raw" "${raw% *}")
    bytes=${raw#* }
    "$BIN" --no-tui -i 0 -n "$N" --json "$TMP/fast$round.json" "$TMP/ttyfast" >/dev/null 2>&1
    best_hw=$(max "$best_hw" "$(rate "$TMP/fast$round.json")")
done
printf 'live bench: simulated board (64 KB heap, ~%d-byte dumps), socat pty, %d samples, best of 3\n' \
    "$bytes" "$N"
printf '  raw-REPL loop    %8.1f samples/s\n' "$best_raw"
printf '  heapwatch -i 0   %8.1f samples/s  (%.2fx the loop; target >= 0.9x)\n' "$best_hw" \
    "$(echo "$best_hw / $best_raw" | bc -l)"

NS=${BENCH_SLOW_SAMPLES:-12}
tests/sim/sim.sh "$TMP/ttyslow" --heap 65536 --workload idle --baud 115200 >/dev/null
"$BIN" --no-tui -i 0 -n "$NS" --json "$TMP/slow.json" --record "$TMP/slow.rec" "$TMP/ttyslow" \
    >/dev/null 2>&1
t=$(per "$TMP/slow.json")
# bytes the board sent per sample: the record's lines after calibration,
# unescaped, plus their "\r\n"
bytes=$(awk -v n="$NS" '/ #calibrated$/ { on = 1; next }
    on && !/^\+[0-9.]+ #/ { sub(/^\+[0-9.]+ /, ""); gsub(/\\x[0-9a-f][0-9a-f]/, "x"); b += length($0) + 2 }
    END { printf "%d", b / n }' "$TMP/slow.rec")
wire=$(echo "$bytes * 10 / 115200" | bc -l)
raw=$("$TMP/rawloop" "$TMP/ttyslow" 6)
printf '  115200 baud      %8.1f ms per sample; its %d bytes take %.1f ms on the wire (%.2fx; target <= 1.1x)\n' \
    "$(echo "$t * 1000" | bc -l)" "$bytes" "$(echo "$wire * 1000" | bc -l)" "$(echo "$t / $wire" | bc -l)"
printf '  raw-REPL loop    %8.1f ms per sample on the same throttled link\n' \
    "$(echo "1000 / ${raw% *}" | bc -l)"
