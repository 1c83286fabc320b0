#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/replay.sh BIN - heapwatch replay of a 1 GB capture of real firmware
# (the micro:bit's MicroPython under QEMU, recorded once, repeated): the
# time until the UI shows its first dump, the time End takes to show the
# last one, and the peak memory, next to `wc -l` and `heapwatch analyze`
# on the same file in the same run. The UI runs in a private tmux server.
# REPLAY_MB sets the size (default 1024).
set -euo pipefail
export LC_ALL=C
BIN=$(readlink -f "${1:?usage: bench/replay.sh BIN}")
cd "$(dirname "$0")/.."
SIZE_MB=${REPLAY_MB:-1024}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/heapwatch-replaybench.XXXXXX")
SOCK=hw-replaybench-$$
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
FW=/usr/share/firmware-microbit-micropython/firmware.hex
if ! command -v qemu-system-arm >/dev/null || [ ! -f "$FW" ]; then
    echo "replay bench: needs qemu-system-arm and firmware-microbit-micropython (scripts/deps.sh)" >&2
    exit 1
fi

# one unit: 3000 samples of the real firmware, back to back
"$BIN" --no-tui -n 3000 -i 0 -r "$TMP/unit.rec" \
    "exec:qemu-system-arm -M microbit -nographic -monitor null -serial stdio -device loader,file=$FW" \
    >/dev/null 2>&1
cap=$TMP/capture.rec
target=$((SIZE_MB * 1024 * 1024))
: >"$cap"
while [ "$(stat -c %s "$cap")" -lt "$target" ]; do
    for _ in $(seq 32); do cat "$TMP/unit.rec"; done >>"$cap"
done
bytes=$(stat -c %s "$cap")
cat "$cap" >/dev/null # warm the page cache for every run
now() { date +%s.%N; }
t0=$(now); wc -l "$cap" >/dev/null; t_wc=$(echo "$(now) - $t0" | bc -l)
t0=$(now); dumps=$("$BIN" analyze --json - "$cap" | grep -c '^{"seq"' || true)
t0=$(now); "$BIN" analyze -q "$cap"; t_an=$(echo "$(now) - $t0" | bc -l)

tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
shown() { tm capture-pane -p -t rp 2>/dev/null | grep -qE "$1"; }
wait_shown() { # wait_shown REGEX: poll every 10 ms, at most 60 s; prints the wait
    local t0 end
    t0=$(now)
    end=$(echo "$t0 + 60" | bc -l)
    until shown "$1"; do
        [ "$(echo "$(now) > $end" | bc -l)" = 1 ] && { echo "timeout"; return 1; }
        sleep 0.01
    done
    echo "$(now) - $t0" | bc -l
}
tm new-session -d -s keep -x 100 -y 30 -- sleep 600
t0=$(now)
tm new-session -d -s rp -x 100 -y 30 -- env TERM=xterm-256color LANG=C.UTF-8 "$BIN" replay "$cap"
until shown ' 1/[0-9]+  t='; do sleep 0.01; done
t_open=$(echo "$(now) - $t0" | bc -l)
tm send-keys -t rp End
t_end=$(wait_shown " $dumps/$dumps  t=")
pid=$(pgrep -f "heapwatch replay $cap" | head -n 1)
rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
tm send-keys -t rp q

mb=$(echo "$bytes / 1048576" | bc -l)
printf 'replay bench: %.0f MB capture of real firmware (micro:bit under QEMU), %d dumps, %s\n' \
    "$mb" "$dumps" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '  %-34s %6.2f s\n' "wc -l" "$t_wc"
printf '  %-34s %6.2f s\n' "heapwatch analyze (one pass)" "$t_an"
printf '  %-34s %6.2f s  (target < 3 s)\n' "replay: first dump on screen" "$t_open"
printf '  %-34s %6.2f s\n' "replay: End, last dump on screen" "$t_end"
printf '  %-34s %6d KB (target < 64 MB)\n' "replay: peak RSS" "$rss"
