#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/list.sh BIN - heapwatch list, for people and for scripts: the
# table and `list --json` name the same ports in the same order (whatever
# ports this machine has: libserialport's own enumeration), the JSON
# validates against tests/schema/list.schema.json, and the mistakes (a
# full output, a missing directory, a stray argument) say one line with
# the documented status.

. "$(dirname "$0")/lib.sh"
hw_suite list "$@"
need jq python3
HW_TIMEOUT=30

expect_status 0 table -- "$BIN" list
expect_status 0 json-stdout -- "$BIN" list --json -
if python3 "$ROOT/tests/schema/validate.py" "$ROOT/tests/schema/list.schema.json" "$TMP/json-stdout.out" \
    >"$TMP/schema.out" 2>&1; then
    pass json-schema
else
    fail json-schema "list --json does not match tests/schema/list.schema.json"
    show_log "$TMP/schema.out"
fi
table=$(awk 'NR > 1 { print $1 }' "$TMP/table.out")
json=$(jq -r '.ports[].path' "$TMP/json-stdout.out" 2>/dev/null)
[ "$table" = "$json" ] && pass same-ports || fail same-ports "table: $(echo $table), json: $(echo $json)"
# the ids and the likely words say what the table's columns say
want=$(awk 'NR > 1 { print $2 }' "$TMP/table.out")
got=$(jq -r '.ports[] | if .vid then "\(.vid):\(.pid)" else "-" end' "$TMP/json-stdout.out" 2>/dev/null)
[ "$want" = "$got" ] && pass same-ids || fail same-ids "table: $(echo $want), json: $(echo $got)"
# `list --json` with nothing after it: standard output, as scripts write it
expect_status 0 json-bare -- "$BIN" list --json
cmp -s "$TMP/json-bare.out" "$TMP/json-stdout.out" && pass json-bare-same ||
    fail json-bare-same "list --json and list --json - differ"
expect_status 0 json-file -- "$BIN" list --json "$TMP/ports.json"
cmp -s "$TMP/ports.json" "$TMP/json-stdout.out" && pass json-file-same ||
    fail json-file-same "--json FILE and --json - differ"
[ ! -s "$TMP/json-file.out" ] && pass json-file-quiet || fail json-file-quiet "--json FILE also printed the table"

expect_status 1 json-full -- "$BIN" list --json /dev/full
one_error json-full-line "$TMP/json-full.err" '^heapwatch: cannot write /dev/full: No space left on device$'
expect_status 1 table-full -- sh -c '"$1" list >/dev/full' _ "$BIN"
one_error table-full-line "$TMP/table-full.err" 'cannot write standard output: No space left on device'
expect_status 1 json-no-dir -- "$BIN" list --json "$TMP/none/p.json"
one_error json-no-dir-line "$TMP/json-no-dir.err" 'cannot create .*none/p.json: No such file or directory'
expect_status 2 list-stray-arg -- "$BIN" list /dev/ttyACM0
expect_status 2 list-no-gc -- "$BIN" list --gc

hw_finish
