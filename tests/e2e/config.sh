#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/config.sh BIN - the config file, end to end on the simulated
# board: [default] applies to every live session, a profile named where
# the port goes brings its port, options and checks, the command line
# wins (and --check adds to the profile's), $XDG_CONFIG_HOME and
# $HEAPWATCH_CONFIG are where heapwatch looks, other commands ignore it,
# and every mistake in it is one line naming the file and line, exit 2,
# before anything is opened.

. "$(dirname "$0")/lib.sh"
hw_suite config "$@"
need jq node
hw_sim_deps
HW_TIMEOUT=60
DEV="node $ROOT/tests/sim/device.mjs"

mkdir -p "$TMP/xdg/heapwatch"
CFG=$TMP/xdg/heapwatch/config
cat >"$CFG" <<CONF
# sessions on the simulated board
[default]
interval = 0
no-tui = yes

[sim]
port = exec:$DEV --workload steady --seed 4
count = 3
check = min_free>1K
json = $TMP/sim.json
CONF

# the profile: its port, its count, its check, its JSON
export XDG_CONFIG_HOME=$TMP/xdg
expect_status 0 profile-runs -- "$BIN" sim
jq_check profile-count "$TMP/sim.json" "want the profile's 3 samples, from its port" \
    '(.snapshots | length) == 3 and (.sources[0].name | test("workload steady"))'
grep -q '^heapwatch: check passed: min_free>1K' "$TMP/profile-runs.err" && pass profile-check ||
    fail profile-check "the profile's check was not judged"
# [default]'s no-tui: one line per sample on stdout
assert default-applies [ "$(grep -cE '^ +[0-9.]+ ' "$TMP/profile-runs.out")" -eq 3 ]

# the command line wins, and its --check adds to the profile's
expect_status 3 cli-wins -- "$BIN" -n 1 --json "$TMP/cli.json" --check 'min_free>1M' sim
jq_check cli-count "$TMP/cli.json" "want -n 1 over the profile's count = 3" '(.snapshots | length) == 1'
if grep -q '^heapwatch: check failed: min_free>1M' "$TMP/cli-wins.err" &&
    grep -q '^heapwatch: check passed: min_free>1K' "$TMP/cli-wins.err"; then
    pass cli-check-adds
else
    fail cli-check-adds "want both the command line's and the profile's check"
    show_log "$TMP/cli-wins.err"
fi
[ ! -e "$TMP/sim.json.unused" ] && pass cli-json-wins || fail cli-json-wins

# a port that is no profile is a port: [default] still applies
expect_status 0 plain-port -- "$BIN" -n 2 --json "$TMP/plain.json" "exec:$DEV"
assert plain-port-no-tui [ "$(grep -cE '^ +[0-9.]+ ' "$TMP/plain-port.out")" -eq 2 ]

# $HEAPWATCH_CONFIG names another file, which must exist
printf '[default]\ncount = 1\nno-tui = true\n' >"$TMP/other.conf"
HEAPWATCH_CONFIG=$TMP/other.conf expect_status 0 env-config -- "$BIN" --json "$TMP/env.json" "exec:$DEV"
jq_check env-config-count "$TMP/env.json" "want count = 1 from \$HEAPWATCH_CONFIG" '(.snapshots | length) == 1'
HEAPWATCH_CONFIG=$TMP/missing.conf expect_status 1 env-config-missing -- "$BIN" -n 1 "exec:$DEV"
one_error env-config-missing-line "$TMP/env-config-missing.err" "cannot read config .*missing.conf: No such file"
# no config at all is fine (the default place may be empty)
XDG_CONFIG_HOME=$TMP/none expect_status 0 no-config -- "$BIN" --no-tui -n 1 "exec:$DEV"

# a default place out of reach (sudo -u nobody with HOME=/root) is no
# config; a config that is there but unreadable is an error
if command -v su >/dev/null && id nobody >/dev/null 2>&1; then
    expect_status 1 unreachable-home -- su nobody -s /bin/sh -c \
        "HOME=/root XDG_CONFIG_HOME= '$BIN' -n 1 /dev/ttyNOPE"
    one_error unreachable-home-line "$TMP/unreachable-home.err" 'cannot open /dev/ttyNOPE' 'heapwatch list'
    mkdir -p "$TMP/locked/heapwatch" && chmod 755 "$TMP" "$TMP/locked" "$TMP/locked/heapwatch"
    printf '[default]\n' >"$TMP/locked/heapwatch/config" && chmod 000 "$TMP/locked/heapwatch/config"
    expect_status 1 unreadable-config -- su nobody -s /bin/sh -c \
        "XDG_CONFIG_HOME='$TMP/locked' '$BIN' -n 1 /dev/ttyNOPE"
    one_error unreadable-config-line "$TMP/unreadable-config.err" 'cannot read config .*: Permission denied'
else
    fail unprivileged "su and the user nobody are needed"
fi

# other commands do not read it: a broken config does not stop analyze
printf 'this is not a config\n' >"$TMP/broken.conf"
HEAPWATCH_CONFIG=$TMP/broken.conf expect_status 0 analyze-ignores -- "$BIN" analyze -q \
    "$ROOT/tests/fixtures/meminfo/rp2_v1.23plus_4.txt"

# mistakes: one line naming the file and the line, exit 2, no board opened
bad() { # NAME TEXT PATTERN
    printf '%b' "$2" >"$TMP/$1.conf"
    HEAPWATCH_CONFIG=$TMP/$1.conf expect_status 2 "$1" -- "$BIN" -n 1 "exec:sh -c 'touch $TMP/$1.opened; sleep 5'"
    one_error "$1-line" "$TMP/$1.err" "$3"
    [ ! -e "$TMP/$1.opened" ] && pass "$1-nothing-opened" || fail "$1-nothing-opened" "the port was opened"
}
bad bad-line '[default]\ninterval 2\n' 'config .*bad-line.conf: line 2: want KEY = VALUE'
bad bad-key '[default]\ncolour = red\n' "line 2: unknown key 'colour'"
bad bad-mode '[default]\n\n# analyze only\ndumps = yes\n' "line 4: 'dumps' is not an option of live mode"
bad bad-value '[default]\ninterval = -1\n' 'line 2: .*interval'
bad bad-bool '[default]\ngc = maybe\n' "line 2: gc is true or false, not 'maybe'"
bad bad-check '[x]\n[default]\ncheck = min_free>>2\n' 'line 3: '
bad no-section 'count = 2\n' 'line 1: an entry before any section'
bad listen-gc '[default]\nlisten = yes\ngc = yes\n' 'listen never writes'

hw_finish
