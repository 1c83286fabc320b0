#!/bin/sh
# SPDX-License-Identifier: MIT
# test.sh - set up and run every test: strict build, the simulated board's
# own self-test, unit tests (cmocka), golden fixtures, man page lint,
# end-to-end tests against the simulator (CLI, analyze, live, the UI in
# tmux), the Debian package (built, lintian, hardening-check, installed in
# a scratch root), the unit, golden and end-to-end tests again under
# ASan+UBSan (any report fails: tests/sanitize.sh), the end-to-end suites
# that do not depend on time under valgrind memcheck (tests/memcheck.sh),
# and a short fuzz run of every libFuzzer target.
set -eu
cd "$(dirname "$0")"
scripts/deps.sh
export LC_ALL=C
make -s clean
make -s WERROR=1
tests/sim/selftest.sh
make -s WERROR=1 check
tests/package.sh build/heapwatch
make -s WERROR=1 SANITIZE=1 unit
make -s WERROR=1 SANITIZE=1 golden
make -s WERROR=1 SANITIZE=1 e2e
make -s WERROR=1 memcheck
make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
echo "test.sh: all tests passed"
