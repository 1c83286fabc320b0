#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/golden.sh [--update] BIN - golden fixtures and invariants.
#
# For each tests/fixtures/meminfo/NAME.txt, `BIN analyze --json - --map` is
# compared with NAME.json (both normalised with jq -S; the heapwatch version
# string is masked so a release does not churn every file). --update
# rewrites the .json files instead: review the diff before committing
# (make fixtures-update).
#
# Then, independently of the .json files, invariants over every fixture's
# output: complete maps agree with the device's numbers, the JSON is
# self-consistent, and each fixture yields the dumps we know it holds.
# Prints PASS/FAIL lines and "N passed, M failed"; exit 1 if anything failed.

update=0
if [ "${1:-}" = --update ]; then
    update=1
    shift
fi
. "$(dirname "$0")/e2e/lib.sh"
hw_suite golden "$@"
need jq cmp diff

cd "$ROOT" || exit 2
FIX=tests/fixtures/meminfo

shopt -s nullglob
fixtures=("$FIX"/*.txt)
if [ ${#fixtures[@]} -eq 0 ]; then
    fail fixtures "no $FIX/*.txt"
    hw_finish
fi

# What each fixture is known to hold: a jq filter over the whole document
# that must yield true. A fixture added without an entry here fails, so
# every capture is pinned down by someone who looked at it.
declare -A EXPECT=(
    [esp32_v1.21-preview_1]='(.snapshots | length == 1)
        and (.snapshots[0] | .metrics == null and .areas == [] and .complete
             and .consistent == null and .gc.max_new_split == 188352
             and .reported.max_free == 3821)'
    [esp32_v1.23plus_3]='(.snapshots | length == 1)
        and (.snapshots[0] | (.areas | length) == 2 and .complete and .consistent
             and .block_size == 16 and .gc.max_new_split == 53248)'
    [rp2_unknown-2025_1]='(.snapshots | length == 1)
        and (.snapshots[0] | .complete == false and (.problems | index("line_length") != null)
             and .metrics != null)'
    [rp2_v1.23plus_4]='(.snapshots | length == 1)
        and (.snapshots[0] | .complete and .consistent and (.areas | length) == 1
             and .block_size == 16)'
    [stm32_v1.6_1]='(.snapshots | length == 5)
        and all(.snapshots[]; .metrics == null and .complete and .reported.max_free == null
                and .stack.limit == 15360)'
    [trezor_unknown-2025-03_1]='(.snapshots | length == 1)
        and (.snapshots[0] | .complete == false and (.problems | index("cut") != null)
             and .time == 45712.011 and .areas[0].base == "2000aa00")'
    [unix_unknown-2024-09_2]='(.snapshots | length == 2)
        and ([.snapshots[].time] == [45828.774, 45829.127])
        and all(.snapshots[]; .complete and .consistent and .block_size == 32 and .mem != null)'
    [unix_v1.19.1-wrap-generated_1]='(.snapshots | length == 1)
        and (.snapshots[0] | .complete and .consistent and .block_size == 32
             and .gc.total > 1048576 and .metrics.blocks * 32 == .gc.total)'
    [unix_v1.29.0-preview-generated_1]='(.snapshots | length == 2)
        and (.snapshots[0].metrics == null)
        and (.snapshots[1] | .complete and .consistent and (.areas | length) == 1)'
    [unix_v1.29.0-preview-splitheap-generated_1]='(.snapshots | length == 2)
        and (.snapshots[0].metrics == null)
        and (.snapshots[1] | .complete and .consistent and (.areas | length) == 3
             and ([.areas[].base] | unique | length) == 3)'
    [unix_v1.8-generated_1]='(.snapshots | length == 2)
        and (.snapshots[0].metrics == null)
        and (.snapshots[1] | .complete and .consistent and .block_size == 32
             and .reported.max_free == null and .areas[0].base == "752dbc00"
             and (.areas[0].map | test("t") | not))'
    [unknownport_unknown-2025_1]='(.snapshots | length == 6)
        and all(.snapshots[]; .metrics == null and .complete and .consistent == null)'
)

# A complete map with metrics must agree with every number the device printed.
INV_CONSISTENT='
  [ .snapshots[] | select(.complete == true and .metrics != null) |
    select(
      (.consistent == true) and (.mismatches == []) and
      (.metrics.one_block == .reported.one_block) and
      (.metrics.two_block == .reported.two_block) and
      (.metrics.max_block == .reported.max_block) and
      (.reported.max_free == null or .metrics.largest_free_blocks == .reported.max_free) and
      (.block_size != null) and
      (.metrics.used_blocks * .block_size == .gc.used) and
      (.metrics.free_blocks * .block_size == .gc.free) and
      (.metrics.blocks * .block_size == .gc.total) and
      (.metrics.unknown_blocks == 0)
    | not) | .seq ]'

# The document agrees with itself.
INV_STRUCTURE='
  def sum(f): reduce f as $x (0; . + $x);
  . as $doc |
  [ .snapshots | to_entries[] | .key as $i | .value |
    select(
      (.seq == $i) and (.source == 0) and (.line >= 1) and
      ((.metrics == null) == (.areas == [])) and
      (.metrics != null or .consistent == null) and
      (.complete == (.problems == [])) and
      ((.consistent == false) == (.mismatches != [])) and
      (.metrics == null or (
        (.metrics.blocks == sum(.areas[].blocks)) and
        (.metrics.free_blocks == sum(.areas[].free_blocks)) and
        (.metrics.largest_free_blocks == ([.areas[].largest_free_blocks] | max)) and
        (.metrics.free_blocks + .metrics.used_blocks + .metrics.unknown_blocks == .metrics.blocks) and
        (.metrics.allocations == sum(.metrics.heads[])) and
        (.metrics.allocations == sum(.metrics.alloc_size_hist[])) and
        (.metrics.free_runs == sum(.metrics.free_run_hist[])) and
        (.metrics.fragmentation >= 0 and .metrics.fragmentation <= 1) and
        (.block_size == null or .metrics.largest_free_bytes == .metrics.largest_free_blocks * .block_size) and
        all(.areas[]; (.map | length) == .blocks and
                      ([.map | explode[] | select(. == 46)] | length) == .free_blocks)
      ))
      | not) | $i ] as $bad |
  if ($doc.sources | length) != 1 then ["sources"]
  elif $doc.sources[0].dumps != ($doc.snapshots | length) then ["sources.dumps"]
  elif $doc.summary.snapshots != ($doc.snapshots | length) then ["summary.snapshots"]
  elif $doc.summary.incomplete != ([$doc.snapshots[] | select(.complete == false)] | length) then ["summary.incomplete"]
  elif $doc.summary.inconsistent != ([$doc.snapshots[] | select(.consistent == false)] | length) then ["summary.inconsistent"]
  elif $doc.heapwatch.schema != 1 then ["schema"]
  else $bad end'

version=$("$BIN" --version 2>/dev/null | sed -n 's/^heapwatch //p')

for f in "${fixtures[@]}"; do
    name=$(basename "$f" .txt)
    out=$TMP/$name.out
    norm=$TMP/$name.json
    exp=$FIX/$name.json

    if ! run_to 60 "$BIN" analyze --json - --map "$f" >"$out" 2>"$TMP/$name.err"; then
        fail "run $name" "analyze exited $?"
        show_log "$TMP/$name.err"
        continue
    fi
    if [ -s "$TMP/$name.err" ]; then
        fail "run $name" "messages on stderr"
        show_log "$TMP/$name.err"
        continue
    fi
    if ! jq -S . "$out" >"$norm" 2>"$TMP/$name.jq.err"; then
        fail "run $name" "output is not valid JSON"
        show_log "$TMP/$name.jq.err"
        continue
    fi

    # ---- golden comparison
    if [ "$update" -eq 1 ]; then
        if cp "$norm" "$exp"; then pass "update $name"; else fail "update $name" "cannot write $exp"; fi
    elif [ ! -f "$exp" ]; then
        fail "golden $name" "$exp is missing (make fixtures-update, then review)"
    else
        jq -S '.heapwatch.version = "*"' "$exp" >"$TMP/$name.want" 2>/dev/null
        jq -S '.heapwatch.version = "*"' "$norm" >"$TMP/$name.got"
        if cmp -s "$TMP/$name.want" "$TMP/$name.got"; then
            pass "golden $name"
        else
            fail "golden $name" "output differs from $exp (diff in $TMP/$name.diff)"
            diff -u "$TMP/$name.want" "$TMP/$name.got" >"$TMP/$name.diff"
            show_log "$TMP/$name.diff" 20
        fi
    fi

    # ---- invariants, on the fresh output
    if [ "$(jq -r .heapwatch.version "$norm")" = "$version" ] && [ -n "$version" ]; then
        pass "version $name"
    else
        fail "version $name" "heapwatch.version is not '$version' (from --version)"
    fi

    bad=$(jq -c "$INV_CONSISTENT" "$norm" 2>&1)
    if [ "$bad" = "[]" ]; then
        pass "consistent $name"
    else
        fail "consistent $name" "complete maps that disagree with the device, seq: $bad"
    fi

    bad=$(jq -c "$INV_STRUCTURE" "$norm" 2>&1)
    if [ "$bad" = "[]" ]; then
        pass "structure $name"
    else
        fail "structure $name" "self-inconsistent JSON: $bad"
    fi

    if [ -z "${EXPECT[$name]+set}" ]; then
        fail "expect $name" "no expectation for this fixture in tests/golden.sh"
    elif [ "$(jq "${EXPECT[$name]}" "$norm" 2>&1)" = true ]; then
        pass "expect $name"
    else
        fail "expect $name" "not what the fixture holds: ${EXPECT[$name]//$'\n'/ }"
        jq -c '.snapshots[] | {seq, time: .time, n_areas: (.areas | length), complete,
               consistent, problems, mismatches}' "$norm" >"$TMP/$name.brief" 2>&1
        show_log "$TMP/$name.brief"
    fi
done

# Every expected output has its capture.
for j in "$FIX"/*.json; do
    [ -f "${j%.json}.txt" ] || fail "orphan $(basename "$j")" "no ${j%.json}.txt for this expected output"
done

# Every expectation names a fixture that exists.
for name in "${!EXPECT[@]}"; do
    [ -f "$FIX/$name.txt" ] || fail "expect $name" "expectation for a missing fixture $FIX/$name.txt"
done

hw_finish
