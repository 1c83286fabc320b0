#!/bin/sh
# SPDX-License-Identifier: MIT
# demo.sh - set up, build and start heapwatch live: on the MicroPython board
# plugged in, or, when there is none, on the simulated board (the real
# MicroPython VM behind a pty, running a fragmenting workload).
# Extra arguments go to heapwatch (e.g. ./demo.sh -n 20 --json out.json).
set -eu
cd "$(dirname "$0")"
scripts/deps.sh
make -s
if build/heapwatch list 2>/dev/null | grep -q '(MicroPython)'; then
    exec build/heapwatch "$@" auto
fi
echo "heapwatch: no MicroPython board found; watching the simulated board" >&2
exec build/heapwatch "$@" "exec:node tests/sim/device.mjs --workload fragmenting"
