#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/ui.sh BIN BENCH_FRAME - the UI's costs:
#  1. time to build one frame for an 8 MiB heap (bench/frame.c);
#  2. CPU heapwatch uses while sampling the simulated board (256 KB heap,
#     fragmenting workload) at 10 Hz with
#     the full-screen UI in tmux, next to the same run with --no-tui in
#     the same script (the UI's own share is the difference).
set -euo pipefail
export LC_ALL=C
BIN=$(readlink -f "${1:?usage: bench/ui.sh BIN BENCH_FRAME}")
FRAME=$(readlink -f "${2:?usage: bench/ui.sh BIN BENCH_FRAME}")
cd "$(dirname "$0")/.."
SECS=${BENCH_UI_SECONDS:-10}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/heapwatch-uibench.XXXXXX")
SOCK=hw-bench-$$
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

echo "ui bench: one frame for an 8 MiB heap (524288 blocks), median of 200 (target <= 2 ms)"
TERM=xterm-256color "$FRAME" | sed -n 's/^ui_draw */  ui_draw /p'

# cpu_of LABEL ARGS...: run heapwatch for SECS at 10 Hz on the tmux pane (so the
# UI is on unless ARGS say --no-tui), print its own CPU time as % of one core
cpu_of() {
    local label=$1
    shift
    local out=$TMP/$label.time
    tmux -L "$SOCK" new-session -d -x 200 -y 60 \
        "TERM=xterm-256color perf stat --no-inherit -x, -e task-clock -o '$out.perf' '$BIN' -i 0.1 \
         --duration $SECS $* 'exec:node tests/sim/device.mjs --heap 256k --workload fragmenting' \
         2>'$out.err'; touch '$out'"
    for _ in $(seq $((SECS * 10 + 100))); do
        [ -e "$out" ] && break
        sleep 0.1
    done
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    # task-clock counts heapwatch's own CPU time (not the simulator's), in ms
    local ms
    ms=$(awk -F, '/task-clock/ { print $1 }' "$out.perf")
    printf '  %-22s %5.2f%% of one core  (%.0f ms CPU in %ss)\n' "$label" \
        "$(echo "$ms / 10 / $SECS" | bc -l)" "$ms" "$SECS"
}
echo "ui bench: CPU while sampling at 10 Hz for ${SECS}s, 200x60 terminal (target <= 5%)"
cpu_of "full-screen UI"
cpu_of "--no-tui (baseline)" --no-tui
