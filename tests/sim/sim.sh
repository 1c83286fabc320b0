#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Put the simulated MicroPython board (device.mjs) behind a pty link, the way a
# USB serial adapter appears: socat PTY,link=PATH,raw,echo=0 EXEC:"node device.mjs ...".
#
#   tests/sim/sim.sh [--replug-after MS] PATH [device args...]
#
# Returns once PATH exists. A supervisor keeps running in the background; its
# pid is in PATH.pid and its diagnostics (and device --verbose output) go to
# PATH.log. Stop it with: kill "$(cat PATH.pid)"  (SIGTERM: it stops the
# device and removes PATH and PATH.pid).
#
# With --replug-after MS, when the device exits (--unplug-after, a crash, ...)
# the link disappears, and MS milliseconds later a fresh board (fresh heap)
# appears on the same PATH. Without it the supervisor ends with the device.
#
# Environment: NODE (node binary, default "node"), SIM_WAIT_S (seconds to wait
# for the link, default 20).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE=${NODE:-node}
SEP=$'\x1f'

usage() {
    echo "usage: $0 [--replug-after MS] PATH [device args...]" >&2
    exit 2
}

# ---- internal: the command socat EXECs. Device args come in SIM_DEVICE_ARGS
# (joined with \x1f) so that no argument has to survive socat's address syntax.
if [ "${1:-}" = "__device" ]; then
    args=()
    if [ -n "${SIM_DEVICE_ARGS:-}" ]; then
        IFS=$SEP read -r -a args <<<"$SIM_DEVICE_ARGS"
    fi
    exec "$NODE" "$here/device.mjs" "${args[@]}"
fi

# ---- internal: the supervisor, started in the background by the launcher.
if [ "${1:-}" = "__supervise" ]; then
    replug=$2 link=$3
    socat_pid=
    stopping=0
    # shellcheck disable=SC2317 # called from the trap
    cleanup() {
        stopping=1
        if [ -n "$socat_pid" ]; then
            kill -TERM "$socat_pid" 2>/dev/null # socat passes SIGTERM to the device
            wait "$socat_pid" 2>/dev/null
        fi
        rm -f "$link" "$link.pid"
        echo "sim.sh: stopped" >&2
        exit 0
    }
    trap cleanup TERM INT HUP
    n=0
    while :; do
        n=$((n + 1))
        echo "sim.sh: plugging in board #$n on $link" >&2
        socat PTY,link="$link",raw,echo=0 EXEC:"/bin/bash $here/sim.sh __device" &
        socat_pid=$!
        wait "$socat_pid"
        status=$?
        socat_pid=
        [ "$stopping" = 1 ] && break
        rm -f "$link" # socat removes it; make sure (unplugged = gone)
        echo "sim.sh: board #$n gone (socat status $status)" >&2
        [ -n "$replug" ] || break
        sleep "$(awk -v ms="$replug" 'BEGIN { printf "%.3f", ms / 1000 }')" &
        socat_pid=$!
        wait "$socat_pid"
        socat_pid=
        [ "$stopping" = 1 ] && break
    done
    rm -f "$link" "$link.pid"
    exit 0
fi

# ---- launcher
replug=
if [ "${1:-}" = "--replug-after" ]; then
    [ $# -ge 2 ] || usage
    replug=$2
    shift 2
    case $replug in '' | *[!0-9]*) echo "sim.sh: --replug-after needs milliseconds" >&2; exit 2 ;; esac
fi
[ $# -ge 1 ] || usage
link=$1
shift
case $link in -*) usage ;; esac

command -v socat >/dev/null || { echo "sim.sh: socat not found (apt-get install -y socat)" >&2; exit 3; }
command -v "$NODE" >/dev/null || { echo "sim.sh: $NODE not found (apt-get install -y nodejs npm)" >&2; exit 3; }
case $here in *[!A-Za-z0-9_./-]*)
    echo "sim.sh: $here contains characters socat's EXEC cannot take" >&2; exit 3 ;;
esac
for a in "$@"; do
    case $a in *"$SEP"*) printf 'sim.sh: a device argument contains \\x1f\n' >&2; exit 2 ;; esac
done

if [ ! -d "$here/node_modules/@micropython/micropython-webassembly-pyscript" ]; then
    echo "sim.sh: installing node dependencies (npm ci --prefix $here)" >&2
    npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >&2 || {
        echo "sim.sh: npm ci failed" >&2
        exit 3
    }
fi

if [ -e "$link" ] || [ -L "$link" ]; then
    if [ -f "$link.pid" ] && kill -0 "$(cat "$link.pid")" 2>/dev/null; then
        echo "sim.sh: $link is already served by pid $(cat "$link.pid")" >&2
        exit 1
    fi
    [ -L "$link" ] || { echo "sim.sh: $link exists and is not a link" >&2; exit 1; }
    rm -f "$link" "$link.pid" # stale, from a killed run
fi

joined=
if [ $# -gt 0 ]; then
    joined=$(IFS=$SEP; printf '%s' "$*")
fi
SIM_DEVICE_ARGS=$joined NODE=$NODE \
    /bin/bash "$here/sim.sh" __supervise "$replug" "$link" </dev/null >/dev/null 2>>"$link.log" &
sup=$!
echo "$sup" >"$link.pid"

deadline=$((SECONDS + ${SIM_WAIT_S:-20}))
while [ ! -e "$link" ]; do
    if ! kill -0 "$sup" 2>/dev/null; then
        echo "sim.sh: supervisor died before $link appeared; log:" >&2
        tail -n 20 "$link.log" >&2
        rm -f "$link.pid"
        exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
        echo "sim.sh: $link did not appear" >&2
        kill -TERM "$sup" 2>/dev/null
        exit 1
    fi
    sleep 0.05
done
exit 0
