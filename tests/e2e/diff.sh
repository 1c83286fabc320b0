#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/diff.sh BIN - `heapwatch diff A B` end to end. Two captures
# recorded from the simulated board (steady against leaking) show the
# leak: more peak used, and the leaked type letters growing. Every figure
# of the JSON is checked against `analyze --json` of each file, and the
# block-by-block comparison of two dumps against an independent count (a
# python3 walk over the maps of `analyze --json --map`), down to each
# printed line of the change map. A dump against itself changes nothing;
# dumps of different heaps are not compared; the bad command lines give
# their one line and their exit status.

. "$(dirname "$0")/lib.sh"
hw_suite diff "$@"
need jq node python3 timeout xmllint
HW_TIMEOUT=60
hw_sim_deps

FIX=$ROOT/tests/fixtures
REC=$FIX/captures/sim-fragmenting.rec
DEV="node $ROOT/tests/sim/device.mjs"

# ---- 1. two captures of the simulated board: a steady program and a leak.
# gc.collect() before each sample, so "used" is live objects only, and a
# fast tick, so the leak grows by kilobytes in 4 s.
for w in steady leaking; do
    expect_status 0 "record-$w" -- "$BIN" --no-tui --gc -n 20 -i 0.2 --record "$TMP/$w.rec" \
        "exec:$DEV --workload $w --seed 3 --tick 20"
done
S=$TMP/steady.rec
L=$TMP/leaking.rec

if expect_status 0 captures-exit-0 -- "$BIN" diff "$S" "$L"; then
    out=$TMP/captures-exit-0.out
    grep -qE '^  peak used +[0-9.]+[KM]? +[0-9.]+[KM]? +\+[0-9.]+[KM]?$' "$out" &&
        pass captures-text-peak-grows || fail captures-text-peak-grows "no 'peak used ... +N' row"
    grep -q "of each capture's last complete dump (A #19, B #19)" "$out" &&
        pass captures-text-names-dumps || fail captures-text-names-dumps "heads not said to be of #19"
    show_log "$out" 0
fi
expect_status 0 captures-json-exit-0 -- "$BIN" diff --json - "$S" "$L"
CJ=$TMP/captures-json-exit-0.out
jq_check captures-json-valid "$CJ" "not one JSON document" 'length == 1 and .[0].diff == "captures"' -s
jq_check captures-peak-delta-positive "$CJ" "peak_used did not grow" \
    '.metrics.peak_used.delta > 0 and .metrics.min_free.delta < 0'

# The leak's own letter, found in the leaking capture alone: each event is
# a tuple ("event N", bytearray(64)), so T grows from its first complete
# dump to its last; then diff must show T growing against steady.
"$BIN" analyze -q --json "$TMP/leaking.json" "$L" 2>"$TMP/leaking-analyze.err"
"$BIN" analyze -q --json "$TMP/steady.json" "$S" 2>"$TMP/steady-analyze.err"
jq_check leaking-letter-is-T "$TMP/leaking.json" "T does not grow inside the leaking capture" \
    '[.snapshots[] | select(.complete)] | (last.metrics.heads.T - first.metrics.heads.T) >= 10'
jq_check captures-leaked-letter-grows "$CJ" "heads.T did not grow from steady to leaking" \
    '.heads.T.delta >= 10 and .heads.T.b > .heads.T.a and .heads.A.delta > 0'

# Every capture figure equals analyze --json's summary of that file.
same_as_analyze() {
    local name=$1 side=$2 file=$3
    if jq -e -n --slurpfile d "$CJ" --slurpfile s "$file" --arg k "$side" '
        ($d[0]) as $d | ($s[0]) as $s | ($d.metrics | map_values(.[$k])) as $m |
        $m.snapshots == $s.summary.snapshots and $m.min_free == $s.summary.min_free and
        $m.peak_used == $s.summary.peak_used and
        $m.min_largest_free_bytes == $s.summary.min_largest_free_bytes and
        $m.max_fragmentation == $s.summary.max_fragmentation and
        $m.incomplete == $s.summary.incomplete and $m.inconsistent == $s.summary.inconsistent and
        ($m.time_span - ($s.summary.last_time - $s.summary.first_time) | fabs) < 0.0015 and
        ([$s.snapshots[] | select(.complete)] | last) as $last |
        $d[$k].detail_seq == $last.seq and $d[$k].dumps == ($s.snapshots | length) and
        ($d.heads | map_values(.[$k])) == $last.metrics.heads and
        ($d.free_run_hist[$k] | until(length == 0 or last != 0; .[:-1])) == $last.metrics.free_run_hist
        ' >/dev/null 2>&1; then
        pass "$name"
    else
        fail "$name" "diff --json side $side differs from analyze --json of $file"
    fi
}
same_as_analyze captures-a-equals-analyze a "$TMP/steady.json"
same_as_analyze captures-b-equals-analyze b "$TMP/leaking.json"

# --json FILE: the document there and the text still on stdout
if expect_status 0 json-file -- "$BIN" diff --json "$TMP/d.json" "$S" "$L"; then
    jq -e '.a.name and .b.seq == null' "$TMP/d.json" >/dev/null 2>&1 &&
        grep -q '^heapwatch diff: two captures' "$TMP/json-file.out" && pass json-file-and-text ||
        fail json-file-and-text "want the JSON in the file and the text on stdout"
fi

# ---- 2. a dump against itself, and a capture against itself: nothing moves
if expect_status 0 self-dump -- "$BIN" diff --json - "$REC@2" "$REC@2"; then
    jq_check self-dump-zero "$TMP/self-dump.out" "a dump against itself changed" '
        .diff == "dumps" and .a.seq == 2 and .b.seq == 2 and .same_heap and
        ([.metrics[] | .delta] | all(. == 0)) and ([.heads[] | .delta] | all(. == 0)) and
        .blocks.allocated == 0 and .blocks.freed == 0 and .blocks.changed == 0 and
        .blocks.unchanged_used > 0 and .blocks.unchanged_free > 0'
fi
if expect_status 0 self-dump-text -- "$BIN" diff "$REC@2" "$REC@2"; then
    out=$TMP/self-dump-text.out
    if grep -q '^blocks: 0 allocated (+), 0 freed (-), 0 changed type (~); ' "$out" &&
        grep -q '^  0 of 63 lines with changes$' "$out" && ! grep -qE '^[0-9a-f]{8}: ' "$out" &&
        ! grep -qE ' [+-][1-9][0-9.]*[KM]?(pp|s)?$' "$out"; then
        pass self-dump-text-no-change
    else
        fail self-dump-text-no-change "want no changed line and no nonzero delta"
        show_log "$out" 20
    fi
fi
expect_status 0 self-capture -- "$BIN" diff --json - "$S" "$S" &&
    jq_check self-capture-zero "$TMP/self-capture.out" "a capture against itself changed" \
        '([.metrics[] | .delta] | all(. == 0)) and .blocks == null and .same_heap == null'

# ---- 3. two dumps of one heap, counted independently from the maps
cat >"$TMP/count.py" <<'EOF'
# count.py ANALYZE_JSON SEQ_A SEQ_B: the change map of two dumps, from
# their "map" strings alone: each block's owner letter (a tail belongs to
# the head before it, through tails), then the fate of each block. Prints
# the JSON counts, then each line with a change as heapwatch prints it.
import json, sys
doc = json.load(open(sys.argv[1]))
snaps = {s["seq"]: s for s in doc["snapshots"]}
a, b = snaps[int(sys.argv[2])], snaps[int(sys.argv[3])]
def owners(m):
    out, cur = [], None
    for c in m:
        if c == ".":
            cur = None; out.append(".")
        elif c == "=":
            out.append(cur if cur else "?")
        elif c == "?":
            cur = None; out.append("?")
        else:
            cur = c if c in "TLDSAFBM" else "h"; out.append(cur)
    return out
counts = dict(allocated=0, freed=0, changed=0, unchanged_used=0, unchanged_free=0, unknown=0)
lines = []
for aa, ab in zip(a["areas"], b["areas"]):
    sym = []
    for x, y in zip(owners(aa["map"]), owners(ab["map"])):
        if x == "?" or y == "?": s, k = "?", "unknown"
        elif x == "." and y == ".": s, k = ".", "unchanged_free"
        elif x == ".": s, k = "+", "allocated"
        elif y == ".": s, k = "-", "freed"
        elif x == y: s, k = "=", "unchanged_used"
        else: s, k = "~", "changed"
        counts[k] += 1; sym.append(s)
    for i in range(0, len(sym), 64):
        l = "".join(sym[i:i + 64])
        p, m, t = l.count("+"), l.count("-"), l.count("~")
        if p or m or t:
            lines.append("%08x: %-64s  +%d -%d ~%d" % (i * a["block_size"], l, p, m, t))
print(json.dumps(counts, sort_keys=True, separators=(",", ":")))
print("\n".join(lines))
EOF
# blocks_match NAME FILE SEQ_A SEQ_B: diff's counts and change map equal count.py's
blocks_match() {
    local name=$1 file=$2 sa=$3 sb=$4
    "$BIN" analyze -q --map --json "$TMP/$name.map.json" "$file" 2>/dev/null
    python3 "$TMP/count.py" "$TMP/$name.map.json" "$sa" "$sb" >"$TMP/$name.want" 2>"$TMP/$name.py.err" ||
        { fail "$name" "count.py failed"; show_log "$TMP/$name.py.err"; return; }
    "$BIN" diff --json - "$file@$sa" "$file@$sb" >"$TMP/$name.json" 2>&1
    "$BIN" diff "$file@$sa" "$file@$sb" >"$TMP/$name.txt" 2>&1
    local got want
    got=$(jq -cS '.blocks' "$TMP/$name.json" 2>/dev/null)
    want=$(head -n 1 "$TMP/$name.want")
    if [ -n "$got" ] && [ "$got" = "$want" ] && [ "$(jq '.blocks.allocated + .blocks.freed + .blocks.changed' "$TMP/$name.json")" -gt 0 ]; then
        pass "$name-counts"
    else
        fail "$name-counts" "diff says $got, the maps say $want"
    fi
    if diff <(tail -n +2 "$TMP/$name.want") <(grep -E '^[0-9a-f]{8}: ' "$TMP/$name.txt") >"$TMP/$name.mapdiff"; then
        pass "$name-map-lines"
    else
        fail "$name-map-lines" "the change map's lines differ from the maps' own"
        show_log "$TMP/$name.mapdiff" 8
    fi
}
blocks_match sim-first-last "$REC" 0 3
blocks_match sim-neighbours "$REC" 1 2
blocks_match unix-two-dumps "$FIX/meminfo/unix_unknown-2024-09_2.txt" 0 1
blocks_match leaking-first-last "$L" 0 19

# @last is the file's last dump
expect_status 0 at-last -- "$BIN" diff --json - "$REC@0" "$REC@last" &&
    jq_check at-last-is-3 "$TMP/at-last.out" "@last is not dump #3" '.b.seq == 3 and .b.dumps == 4'

# ---- 4. different heaps: said, figures still compared, no block map
ESP=$FIX/meminfo/esp32_v1.23plus_3.txt
RP2=$FIX/meminfo/rp2_v1.23plus_4.txt
if expect_status 0 different-heaps -- "$BIN" diff "$ESP@0" "$RP2@0"; then
    out=$TMP/different-heaps.out
    grep -q '^blocks: different heaps: ' "$out" && ! grep -qE '^[0-9a-f]{8}: ' "$out" &&
        grep -qE '^  used ' "$out" && pass different-heaps-said ||
        { fail different-heaps-said "want 'blocks: different heaps: ...' and no map"; show_log "$out"; }
fi
expect_status 0 different-heaps-json -- "$BIN" diff --json - "$ESP@0" "$RP2@0" &&
    jq_check different-heaps-json-null "$TMP/different-heaps-json.out" "blocks compared across heaps" \
        '.same_heap == false and .blocks == null and (.blocks_skipped | startswith("different heaps"))'
TRZ=$FIX/meminfo/trezor_unknown-2025-03_1.txt
expect_status 0 cut-dump -- "$BIN" diff --json - "$TRZ@0" "$TRZ@0" &&
    jq_check cut-dump-not-compared "$TMP/cut-dump.out" "a cut map was compared block by block" \
        '.blocks == null and (.blocks_skipped | test("incomplete")) and .metrics.allocations.a == null'

# ---- 5. bad command lines: one line, and the status that says whose fault
usage() {
    local name=$1
    shift
    if expect_status 2 "$name" -- "$BIN" "$@"; then
        [ "$(tail -n 1 "$TMP/$name.err")" = "Try 'heapwatch --help'." ] && [ ! -s "$TMP/$name.out" ] &&
            pass "$name-message" || fail "$name-message" "want 'heapwatch: ...' then the hint line only"
    fi
}
usage no-operand diff
usage one-operand diff "$REC"
usage three-operands diff "$REC" "$REC" "$REC"
usage capture-and-dump diff "$REC" "$REC@1"
usage both-stdin diff - -
usage diff-takes-no-dumps diff -d "$REC" "$REC"
grep -q 'diff takes two captures or two dumps, A and B (1 given)' "$TMP/one-operand.err" &&
    pass one-operand-says-why || fail one-operand-says-why "the message does not say two are needed"
expect_status 1 bad-seq -- "$BIN" diff "$REC@0" "$REC@99" &&
    one_error bad-seq-message "$TMP/bad-seq.err" 'sim-fragmenting\.rec has no dump #99 \(it has 4: #0 to #3\)$'
expect_status 1 missing-file -- "$BIN" diff "$TMP/nope.rec" "$REC" &&
    one_error missing-file-message "$TMP/missing-file.err" "^heapwatch: cannot open $TMP/nope.rec: No such file or directory$"
expect_status 1 missing-file-dump -- "$BIN" diff "$REC@0" "$TMP/nope.rec@1" &&
    one_error missing-file-dump-message "$TMP/missing-file-dump.err" "cannot open $TMP/nope.rec: No such"
expect_status 2 json-over-input -- "$BIN" diff --json "$REC" "$S" "$L"
# standard input as one side ("-@1" after "--", or it reads as an option)
expect_status 0 stdin-side-dump -- sh -c "\"$BIN\" diff --json - -- -@1 \"$REC@1\" <\"$REC\""
jq_check stdin-side-dump-zero "$TMP/stdin-side-dump.out" "standard input's dump #1 is not the file's" \
    '.a.name == "(stdin)" and ([.metrics[] | .delta] | all(. == 0)) and .blocks.changed == 0'

# ---- delta checks: the leak fails a bound on peak_used's growth (exit 3,
# one line with the delta and both sides), the same capture twice passes
expect_status 3 delta-check-fails -- "$BIN" diff -q --check 'delta.peak_used<=2K' \
    --check 'delta.min_free>=-1M' "$S" "$L"
if [ ! -s "$TMP/delta-check-fails.out" ] && [ "$(wc -l <"$TMP/delta-check-fails.err")" -eq 1 ] &&
    grep -qE '^heapwatch: check failed: delta.peak_used<=2K: \+[0-9.]+K \(A [0-9.]+K, B [0-9.]+K\)$' \
        "$TMP/delta-check-fails.err"; then
    pass delta-check-line
else
    fail delta-check-line "want one 'check failed: delta.peak_used<=2K: +N (A x, B y)' line and no text (-q)"
    show_log "$TMP/delta-check-fails.err"
fi
expect_status 0 delta-check-passes -- "$BIN" diff --check 'delta.peak_used<=0' --check 'delta.samples==0' "$L" "$L"
assert delta-check-passes-lines [ "$(grep -c '^heapwatch: check passed: ' "$TMP/delta-check-passes.err")" -eq 2 ]
expect_status 2 delta-check-plain-metric -- "$BIN" diff --check 'peak_used<=2K' "$S" "$L"
expect_status 2 delta-check-leak -- "$BIN" diff --check 'delta.leak<1/min' "$S" "$L"

# ---- the delta checks for CI, as analyze writes its own: JUnit valid by
# tests/schema/junit.xsd, a case per check in suite "diff", the failure's
# message its line; an ::error annotation per failed check, pointing at B
expect_status 3 delta-junit-exit-3 -- "$BIN" diff -q --junit "$TMP/dj.xml" --annotate \
    --check 'delta.peak_used<=2K' --check 'delta.samples==0' "$S" "$L"
if xmllint --noout --schema "$ROOT/tests/schema/junit.xsd" "$TMP/dj.xml" >"$TMP/dj.log" 2>&1; then
    pass delta-junit-valid
else
    fail delta-junit-valid "diff's JUnit XML does not validate against tests/schema/junit.xsd"
    show_log "$TMP/dj.log"
fi
line=$(grep '^heapwatch: check failed: delta.peak_used' "$TMP/delta-junit-exit-3.err" | sed 's/^heapwatch: //')
if [ "$(xmllint --xpath 'count(//testsuite[@name="diff"]/testcase[@classname="heapwatch.diff"])' "$TMP/dj.xml")" = 2 ] &&
    [ "$(xmllint --xpath 'string(/testsuites/@failures)' "$TMP/dj.xml")" = 1 ] &&
    [ -n "$line" ] &&
    [ "$(xmllint --xpath 'string(//testcase[@name="delta.peak_used<=2K"]/failure/@message)' "$TMP/dj.xml")" = "$line" ] &&
    [ "$(xmllint --xpath 'count(//testcase[@name="delta.samples==0"]/failure)' "$TMP/dj.xml")" = 0 ]; then
    pass delta-junit-cases
else
    fail delta-junit-cases "want 2 cases in suite diff, the peak_used one failed with the line on stderr ($line)"
    show_log "$TMP/dj.xml" 20
fi
if [ "$(grep -c '^::error ' "$TMP/delta-junit-exit-3.out")" -eq 1 ] &&
    grep -qxF "::error file=${L//:/%3A},title=heapwatch check delta.peak_used<=2K::$line" "$TMP/delta-junit-exit-3.out"; then
    pass delta-annotate
else
    fail delta-annotate "want one ::error line for the failed check, at file=$L"
    show_log "$TMP/delta-junit-exit-3.out"
fi
# with the document on stdout, the annotations go to stderr; B from a pipe has no file=
expect_status 3 delta-annotate-json -- sh -c 'GITHUB_ACTIONS=true "$1" diff --json - --check "delta.peak_used<=2K" "$2" - <"$3"' \
    _ "$BIN" "$S" "$L"
if jq -e '.diff == "captures"' "$TMP/delta-annotate-json.out" >/dev/null 2>&1 &&
    grep -q '^::error title=heapwatch check delta.peak_used<=2K::check failed: ' "$TMP/delta-annotate-json.err"; then
    pass delta-annotate-json-stderr
else
    fail delta-annotate-json-stderr "the JSON broke, or the annotation (without file=) is not on stderr"
    show_log "$TMP/delta-annotate-json.err"
fi
# the document carries the checks: each delta the metric's own, the
# verdict and line those of stderr
expect_status 3 delta-json -- "$BIN" diff -q --json "$TMP/delta.json" --check 'delta.peak_used<=2K' \
    --check 'delta.min_free>=-1M' "$S" "$L"
jq_check delta-json-checks "$TMP/delta.json" "checks do not match the metrics or the lines on stderr" '
    [.checks[] | .expr] == ["delta.peak_used<=2K", "delta.min_free>=-1M"] and
    .checks[0].verdict == "fail" and .checks[0].delta == .metrics.peak_used.delta and
    .checks[0].a == .metrics.peak_used.a and .checks[0].text == $line and
    .checks[1].verdict == "pass" and .checks[1].delta == .metrics.min_free.delta' \
    --arg line "$(sed -n 's/^heapwatch: //p' "$TMP/delta-json.err")"
"$BIN" diff --json "$TMP/schema-nochecks.json" "$S" "$L" >/dev/null
jq_check delta-json-no-checks "$TMP/schema-nochecks.json" "a document without --check has a checks key" 'has("checks") | not'
expect_status 2 delta-junit-without-check -- "$BIN" diff --junit "$TMP/none.xml" "$S" "$L"
assert delta-junit-without-check-says grep -q '^heapwatch: --junit judges checks: give at least one --check$' \
    "$TMP/delta-junit-without-check.err"

# ---- every diff document validates against tests/schema/diff.schema.json:
# two captures, two dumps of one heap, two dumps of different heaps
"$BIN" diff --json "$TMP/schema-dumps.json" "$REC@0" "$REC@last" >/dev/null
"$BIN" diff --json "$TMP/schema-other.json" "$FIX/meminfo/trezor_unknown-2025-03_1.txt@0" "$REC@0" >/dev/null
if python3 "$ROOT/tests/schema/validate.py" "$ROOT/tests/schema/diff.schema.json" "$CJ" \
    "$TMP/schema-dumps.json" "$TMP/schema-other.json" "$TMP/delta.json" >"$TMP/schema.log" 2>&1; then
    pass diff-json-schema
else
    fail diff-json-schema "a diff document does not match tests/schema/diff.schema.json"
    show_log "$TMP/schema.log"
fi

hw_finish
