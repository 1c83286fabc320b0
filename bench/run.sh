#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/run.sh BIN - the reader's throughput on four shapes of input, each
# printed next to `wc -l` on the same file in the same run (this machine
# is shared and absolute times drift):
#   mix        every fixture as posted, with CRLF, "[hh:mm:ss.mmm] ", "# "
#              and ANSI colour (many ports and eras, small dumps);
#   microbit   a capture of the real micro:bit firmware under QEMU: 628
#              blocks of tiny objects a dump, compressed free lines;
#   psram      the simulator with an 8 MiB heap, half full, fragmented
#              (bench/workloads/psram.py): ~380 KB a dump;
#   noisy      a terminal log: a simulator recording with "[hh:mm:ss.mmm] "
#              before every line, some lines in ANSI colours, 1-3 lines of
#              prose between dumps.
# Each input is a recorded unit repeated to BENCH_MB (default 128) MB.
# The units are recorded into bench/out/ (not in git) and kept for the
# next run; BENCH_FRESH=1 records them again. Figures: best of
# BENCH_RUNS (default 5) wall times; dumps/s and blocks/s count the dumps
# and the map blocks the JSON holds.
set -euo pipefail
export LC_ALL=C
BIN=${1:?usage: bench/run.sh BIN}
BIN=$(readlink -f "$BIN")
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/heapwatch-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
SIZE_MB=${BENCH_MB:-128}
RUNS=${BENCH_RUNS:-5}
FIRMWARE=/usr/share/firmware-microbit-micropython/firmware.hex

say() { echo "bench: $*" >&2; }

# ---- the units, each recorded once into bench/out/

unit_mix() {
    for f in tests/fixtures/meminfo/*.txt; do
        cat "$f"
        sed 's/$/\r/' "$f"
        awk '{ printf "[12:%02d:%02d.%03d] %s\n", (NR/60)%60, NR%60, NR%1000, $0 }' "$f"
        sed 's/^/# /' "$f"
        sed 's/^\(.*\)$/\x1b[32m\1\x1b[0m/' "$f"
    done > "$1"
}

# The board as heapwatch samples it (-i 0: back to back), recorded.
record() { # record OUT N INTERVAL TARGET
    rm -f "$1.tmp"
    "$BIN" --no-tui -n "$2" -i "$3" -r "$1.tmp" "$4" > "$TMP/record.log" 2>&1 || {
        cat "$TMP/record.log" >&2
        return 1
    }
    mv "$1.tmp" "$1"
}

unit_microbit() {
    command -v qemu-system-arm > /dev/null && [ -f "$FIRMWARE" ] || {
        say "microbit: needs qemu-system-arm and $FIRMWARE (scripts/deps.sh installs them)"
        return 1
    }
    record "$1" 3000 0 "exec:qemu-system-arm -M microbit -nographic -monitor null -serial stdio -device loader,file=$FIRMWARE"
}

sim_ready() {
    command -v node > /dev/null || { say "$1: needs node (scripts/deps.sh)"; return 1; }
    [ -d tests/sim/node_modules/@micropython ] ||
        (cd tests/sim && npm ci --no-audit --no-fund --loglevel=error) || return 1
}

unit_psram() {
    sim_ready psram || return 1
    # a few samples go by while the workload fills the heap to half
    record "$1" 40 0.25 "exec:node tests/sim/device.mjs --heap 8m --gc-at 0 --workload bench/workloads/psram.py --tick 20 --seed 1"
}

# A recording of the simulator turned into what a terminal shows: the
# board's lines without the record's stamps, escapes and raw-REPL framing,
# each after "[hh:mm:ss.mmm] ", every 7th in green, and prose between
# dumps (log lines with colons and digits, some in yellow).
unit_noisy() {
    sim_ready noisy || return 1
    record "$TMP/sim.rec" 200 0 "exec:node tests/sim/device.mjs --workload fragmenting --seed 7 --tick 20"
    awk '
    BEGIN {
        n = split("INFO main: sensor read 23.5 C, 3 samples in 12 ms|" \
                  "WARNING wifi: reconnect attempt 2 of 5 (rssi -71 dBm)|" \
                  "DEBUG mqtt: publish topic=home/42/temp qos=1 len=18|" \
                  "boot: free heap after import 41216 bytes|" \
                  "Traceback (most recent call last): File \"main.py\", line 88|" \
                  "ERROR ota: http 503 at 12:41:07, retry in 30 s|" \
                  "tick 1042|" \
                  "Task watchdog: 2 tasks did not reset in time", prose, "|")
        ms = 12 * 3600000
    }
    function stamp() {
        ms += 3
        return sprintf("[%02d:%02d:%02d.%03d] ", int(ms / 3600000) % 24, int(ms / 60000) % 60,
                       int(ms / 1000) % 60, ms % 1000)
    }
    /^#heapwatch-record / { next }
    { sub(/^\+[0-9.]+ /, "") }
    /^#/ || /^\\x04/ || /^>/ || /^raw REPL/ || /^$/ { next }
    /^OKstack: / {
        sub(/^OK/, "")
        k = dumps++ % 3 + 1
        for (i = 0; i < k; i++) {
            p = prose[(dumps * 7 + i * 3) % n + 1]
            print stamp() (i == 1 ? "\033[33m" p "\033[0m" : p)
        }
    }
    { line = $0; if (++nl % 7 == 3) line = "\033[32m" line "\033[0m"; print stamp() line }
    ' "$TMP/sim.rec" > "$1"
}

# ---- measuring

now() { date +%s.%N; }
best_of() { # best_of CMD... -> fastest wall time of RUNS, in seconds
    local best=
    for _ in $(seq "$RUNS"); do
        local t0 t1 dt
        t0=$(now)
        "$@" > /dev/null
        t1=$(now)
        dt=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$dt < $best" | bc -l)" = 1 ]; then best=$dt; fi
    done
    echo "$best"
}

printf 'reader bench: best of %d, BENCH_MB=%d, machine: %s, %s cores\n' "$RUNS" "$SIZE_MB" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" "$(nproc)"

shape() { # shape NAME TITLE
    local name=$1 title=$2 unit=$OUT/$1.unit file=$TMP/$1.in
    if [ ! -s "$unit" ] || [ -n "${BENCH_FRESH:-}" ]; then
        say "recording the $name unit into bench/out/"
        "unit_$name" "$unit" || { printf '%s: skipped (see above)\n' "$title"; return 0; }
    fi
    local target=$((SIZE_MB * 1024 * 1024)) size copies
    size=$(stat -c %s "$unit")
    copies=$((target / size))
    [ "$copies" -ge 1 ] || copies=1
    for _ in $(seq "$copies"); do cat "$unit"; done > "$file"
    local bytes mb dumps blocks t_wc t_hw t_js rss
    bytes=$(stat -c %s "$file")
    mb=$(echo "$bytes / 1048576" | bc -l)
    cat "$file" > /dev/null # warm the page cache for every run alike
    # dumps and map blocks, from the JSON of the very file
    read -r dumps blocks < <("$BIN" analyze -q --json - "$file" |
        awk '/^\{"seq"/ { d++; if (match($0, /"metrics":\{"blocks":[0-9]+/))
                              b += substr($0, RSTART + 20, RLENGTH - 20) }
             END { printf "%d %d\n", d, b }')
    t_wc=$(best_of wc -l "$file")
    t_hw=$(best_of "$BIN" analyze "$file")
    t_js=$(best_of "$BIN" analyze -q --json /dev/null "$file")
    rss=$( { /usr/bin/time -f %M "$BIN" analyze -q --json /dev/null "$file" > /dev/null; } 2>&1 | tail -1)
    printf '%s: %.0f MB, %d dumps (%d copies of the unit), %.0f blocks a dump\n' "$title" "$mb" \
        "$dumps" "$copies" "$(echo "$blocks / ($dumps + ($dumps == 0))" | bc -l)"
    printf '  %-26s %6.3f s  %6.0f MB/s\n' "wc -l" "$t_wc" "$(echo "$mb / $t_wc" | bc -l)"
    row() { # row LABEL SECONDS
        printf '  %-26s %6.3f s  %6.0f MB/s  %9.0f dumps/s  %6.0f M blocks/s  (%.1fx wc -l)\n' \
            "$1" "$2" "$(echo "$mb / $2" | bc -l)" "$(echo "$dumps / $2" | bc -l)" \
            "$(echo "$blocks / $2 / 1000000" | bc -l)" "$(echo "$2 / $t_wc" | bc -l)"
    }
    row "analyze (parse+metrics)" "$t_hw"
    row "analyze --json /dev/null" "$t_js"
    printf '  %-26s %6d KB\n' "peak RSS (--json)" "$rss"
}

shape mix "mix of fixtures"
shape microbit "micro:bit firmware (QEMU)"
shape psram "8 MiB PSRAM heap (simulator)"
shape noisy "noisy terminal log (simulator)"
