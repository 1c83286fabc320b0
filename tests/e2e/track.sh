#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/track.sh BIN - figures for dashboards and CI systems, end to
# end: --metrics read back by the Prometheus project's own OpenMetrics
# parser (python3-prometheus-client) with every value equal to
# `analyze --json`'s, per area for heaps of several areas; --bench-smaller
# and --bench-bigger validated against github-action-benchmark's custom
# format (tests/schema/bench.schema.json) and equal to the same figures;
# live mode on the simulated board; JUnit test cases unique by classname
# and name even for a file or a check given twice (GitLab drops
# repeats); GitHub annotations capped at the 10 a step shows; and the
# user's mistakes (an output over an input, over a file heapwatch did not
# write, in a missing directory).

. "$(dirname "$0")/lib.sh"
hw_suite track "$@"
need jq xmllint python3 node
hw_sim_deps
HW_TIMEOUT=90
OM=$ROOT/tests/schema/openmetrics.py
BENCH=$ROOT/tests/schema/bench.schema.json
F=$ROOT/tests/fixtures/meminfo
DEV="node $ROOT/tests/sim/device.mjs"
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null ||
    fail openmetrics-parser "Debian's python3-prometheus-client is missing (scripts/deps.sh installs it)"

# om FILE OUT: the samples of FILE, one JSON object a line; fails NAME-parse
om() { /usr/bin/python3 "$OM" "$1" >"$2" 2>"$2.err"; }

# ==== 1. OpenMetrics from analyze: parsed, and the same numbers as --json
SPLIT=$F/unix_v1.29.0-preview-splitheap-generated_1.txt
ESP=$F/esp32_v1.23plus_3.txt
RP2=$F/rp2_v1.23plus_4.txt
expect_status 3 analyze-metrics -- "$BIN" analyze -q --metrics "$TMP/a.om" --json "$TMP/a.json" \
    --check 'min_free>20K' --check 'fragmentation<50%' "$SPLIT" "$ESP" "$RP2"
if om "$TMP/a.om" "$TMP/a.samples"; then
    pass analyze-metrics-parse
else
    fail analyze-metrics-parse "the OpenMetrics parser refused the file"
    show_log "$TMP/a.samples.err"
fi
# every source's heap figures equal its summary in the JSON (one source
# per file: the summary of each file alone)
for f in "$SPLIT" "$ESP" "$RP2"; do
    "$BIN" analyze --json - "$f" | jq -c '.summary' >"$TMP/sum.$(basename "$f").json"
done
ok=1
for f in "$SPLIT" "$ESP" "$RP2"; do
    want=$(jq -c '[.min_free, .peak_used, .min_largest_free_bytes, .max_fragmentation, .snapshots, .incomplete]' \
        "$TMP/sum.$(basename "$f").json")
    got=$(jq -sc --arg s "$f" '
        def v(n): [.[] | select(.name == n and .labels.source == $s and ((.labels.area // "heap") == "heap"))][0].value;
        [v("heapwatch_min_free_bytes"), v("heapwatch_peak_used_bytes"), v("heapwatch_min_largest_free_bytes"),
         (v("heapwatch_max_fragmentation_ratio") * 10000 | round / 10000), v("heapwatch_dumps"),
         v("heapwatch_incomplete_dumps")]' "$TMP/a.samples")
    [ "$want" = "$got" ] || { ok=0; echo "  $f: json $want, metrics $got"; }
done
[ $ok = 1 ] && pass metrics-equal-summary || fail metrics-equal-summary "OpenMetrics and analyze --json disagree"
# per area: each area's lowest free is its free blocks times the block
# size, over the dumps of that file (jq over the JSON's areas)
want=$(jq -c '[.snapshots[] | select(.complete and .block_size != null) | .block_size as $b |
        .areas[] | {base, free: (.free_blocks * $b)}] | group_by(.base) |
        map({key: ("0x" + .[0].base), value: (map(.free) | min)}) | from_entries' \
    <("$BIN" analyze --json - "$ESP"))
got=$(jq -sc --arg s "$ESP" '[.[] | select(.name == "heapwatch_min_free_bytes" and .labels.source == $s and
        .labels.area != "heap") | {key: .labels.area, value: .value}] | from_entries' "$TMP/a.samples")
[ "$want" = "$got" ] && [ "$want" != "{}" ] && pass metrics-per-area ||
    fail metrics-per-area "areas of $ESP: json $want, metrics $got"
# one area: no area labels but "heap"
n=$(jq -s --arg s "$RP2" '[.[] | select(.labels.source == $s and .labels.area != null and .labels.area != "heap")] | length' \
    "$TMP/a.samples")
[ "$n" = 0 ] && pass metrics-one-area || fail metrics-one-area "$n area samples for a heap of one area"
# checks: 0/1 as the check lines say
got=$(jq -sc '[.[] | select(.name == "heapwatch_check_passed") | select(.value == 0) | .labels.check] | sort' "$TMP/a.samples")
nfail=$(grep -c '^heapwatch: check failed: ' "$TMP/analyze-metrics.err")
[ "$(jq length <<<"$got")" = "$nfail" ] && [ "$nfail" -ge 1 ] && pass metrics-checks ||
    fail metrics-checks "$nfail failed check lines, metrics say $got"

# ==== 2. benchmark JSON: the action's format, the same numbers
expect_status 0 analyze-bench -- "$BIN" analyze -q --bench-smaller "$TMP/s.json" --bench-bigger "$TMP/b.json" "$ESP"
if python3 "$ROOT/tests/schema/validate.py" "$BENCH" "$TMP/s.json" "$TMP/b.json" >"$TMP/bench.schema" 2>&1; then
    pass bench-schema
else
    fail bench-schema "not github-action-benchmark's custom format"
    show_log "$TMP/bench.schema"
fi
S=$TMP/sum.$(basename "$ESP").json
jq_check bench-smaller-values "$TMP/s.json" "want peak used and fragmentation (%) of the summary" \
    '(map({(.name | sub(".*: "; "")): .value}) | add) as $v |
      $v["peak used"] == $s[0].peak_used and (($v["max fragmentation"] - 100 * $s[0].max_fragmentation) | fabs) < 0.01
      and all(.[]; .unit | length > 0)' --slurpfile s "$S"
jq_check bench-bigger-values "$TMP/b.json" "want min free and min largest free of the summary" \
    '(map({(.name | sub(".*: "; "")): .value}) | add) as $v |
      $v["min free"] == $s[0].min_free and $v["min largest free"] == $s[0].min_largest_free_bytes and length == 2' --slurpfile s "$S"

# ==== 3. live mode: a session on the simulated board, leak included
expect_status 0 live-metrics -- "$BIN" --no-tui -n 8 -i 0 --gc --json "$TMP/live.json" --metrics "$TMP/live.om" \
    --bench-smaller "$TMP/live-s.json" "exec:$DEV --workload steady --seed 2"
if om "$TMP/live.om" "$TMP/live.samples"; then
    pass live-metrics-parse
    got=$(jq -s '[.[] | select(.name == "heapwatch_dumps")][0].value' "$TMP/live.samples")
    minf=$(jq -s '[.[] | select(.name == "heapwatch_min_free_bytes" and .labels.area == "heap")][0].value' "$TMP/live.samples")
    want=$(jq '.summary.min_free' "$TMP/live.json")
    [ "$got" = 8 ] && [ "$minf" = "$want" ] && pass live-metrics-values ||
        fail live-metrics-values "dumps $got (want 8), min free $minf (JSON $want)"
    jq -se 'any(.[]; .name == "heapwatch_leak_bytes_per_minute")' "$TMP/live.samples" >/dev/null &&
        pass live-metrics-leak || fail live-metrics-leak "no leak rate for 8 collected samples"
else
    fail live-metrics-parse "the OpenMetrics parser refused the live file"
    show_log "$TMP/live.samples.err"
fi

# ==== 4. JUnit: unique classname + name, even for repeats
expect_status 3 junit-repeats -- "$BIN" analyze -q --junit "$TMP/r.xml" --check 'min_free>1M' --check 'min_free > 1M' \
    --check 'peak_used<1K' "$ESP" "$ESP"
cases=$(xmllint --xpath 'count(//testcase)' "$TMP/r.xml" 2>/dev/null)
uniq=$(xmllint --xpath '//testcase/@classname | //testcase/@name' "$TMP/r.xml" 2>/dev/null |
    paste - - | sort -u | wc -l)
[ "$cases" = 4 ] && [ "$uniq" = 4 ] && pass junit-unique-cases ||
    fail junit-unique-cases "$cases test cases, $uniq unique classname+name (want 4 and 4)"
assert junit-repeat-one-line [ "$(grep -c '^heapwatch: check failed: min_free>1M' "$TMP/junit-repeats.err")" -eq 2 ]

# ==== 5. GitHub annotations: at most 10, the tenth names the rest
expect_status 3 many-failures -- "$BIN" analyze -q --annotate --check 'min_free>20M' --check 'peak_used<1K' \
    --check 'samples>100' "$F"/*.txt
n=$(grep -c '^::error ' "$TMP/many-failures.out")
nfail=$(grep -c '^heapwatch: check failed: ' "$TMP/many-failures.err")
rest=$(tail -n 1 "$TMP/many-failures.out" | sed -n 's/^::error title=heapwatch checks::\([0-9]*\) more checks failed:.*/\1/p')
words=$(tail -n 1 "$TMP/many-failures.out" | grep -o ' ([^)]*)' | wc -l)
if [ "$nfail" -gt 10 ] && [ "$n" = 10 ] && [ "$rest" = $((nfail - 9)) ] && [ "$words" = "$rest" ]; then
    pass annotations-capped
else
    fail annotations-capped "$nfail failures: $n ::error lines (want 10), the last names '$rest' more in $words entries (want $((nfail - 9)))"
fi
expect_status 3 few-failures -- "$BIN" analyze -q --annotate --check 'min_free>20M' "$ESP" "$RP2"
assert annotations-each-when-few [ "$(grep -c '^::error file=' "$TMP/few-failures.out")" -eq 2 ]

# ==== 6. mistakes: one line, the documented status, nothing overwritten
expect_status 2 metrics-over-input -- "$BIN" analyze --metrics "$ESP" "$ESP"
one_error metrics-over-input-line "$TMP/metrics-over-input.err" 'is also an input'
printf 'precious\n' >"$TMP/notes.txt"
expect_status 2 metrics-over-other-file -- "$BIN" analyze --metrics "$TMP/notes.txt" "$ESP"
assert metrics-other-file-kept grep -qx precious "$TMP/notes.txt"
expect_status 2 bench-over-other-file -- "$BIN" analyze --bench-bigger "$TMP/notes.txt" "$ESP"
# a file heapwatch wrote may be replaced
"$BIN" analyze -q --metrics "$TMP/again.om" "$ESP" && expect_status 0 metrics-rewrite -- "$BIN" analyze -q --metrics "$TMP/again.om" "$RP2"
expect_status 1 metrics-no-dir -- "$BIN" analyze -q --metrics "$TMP/none/x.om" "$ESP"
one_error metrics-no-dir-line "$TMP/metrics-no-dir.err" "cannot create .*none/x.om: No such file or directory"
expect_status 2 metrics-not-for-diff -- "$BIN" diff --metrics "$TMP/d.om" "$ESP" "$RP2"

hw_finish
