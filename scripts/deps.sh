#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/deps.sh - install what building, testing, the simulator and the
# benchmarks need (make bench records the real micro:bit firmware under
# QEMU) on Debian 12 (as root), skipping what is already there. Used by
# demo.sh and test.sh; safe to run again.
set -eu
PKGS="build-essential pkg-config libserialport-dev libcjson-dev libncurses-dev libcmocka-dev
      socat tmux jq groff-base bc time clang libclang-rt-14-dev python3 linux-perf strace valgrind
      qemu-system-arm firmware-microbit-micropython clang-format python3-jsonschema libxml2-utils chromium
      mandoc debhelper lintian devscripts bash-completion fakeroot python3-prometheus-client
      python3-serial"
missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
    echo "heapwatch: installing:$missing" >&2
    if [ "$(id -u)" != 0 ]; then
        echo "heapwatch: run as root (or install these packages yourself)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$here/tests/sim/node_modules/@micropython" ]; then
    echo "heapwatch: installing the MicroPython simulator (npm ci)" >&2
    (cd "$here/tests/sim" && npm ci --no-audit --no-fund --loglevel=error)
fi
