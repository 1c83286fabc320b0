#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/durability.sh BIN - what a record file is worth when the
# session ends badly, against the simulated board (exec:, a fresh pty).
#
# kill -9 at random moments: heapwatch --record --json - is killed with
# SIGKILL K9_RUNS times (default 15) at a random moment (seeded by
# K9_SEED, printed): one run in five within 0.3 s of its start (before it
# has a record, or just after), the others between 0 and K9_MAX_MS
# (default 3400) after the record file appears: while it calibrates,
# while the board is sending a dump (paced at 115200 baud, -i 0: most of
# the time), between dumps. A run killed before it had a record file
# must not have streamed a sample. For each run, `heapwatch analyze
# --json` of the record exits 0, every snapshot heapwatch had streamed
# before the kill is in the record with the very same numbers, at most one
# more (synced, not yet streamed) follows, and only the last dump of the
# record may be cut. (live.sh has the single kill -9 after 8 samples and
# the one right after a line; this is the same promise at any moment.)
#
# A full disk under --record (a 256 KiB tmpfs filled to a few KiB): one
# message, sampling goes on to -n, the JSON has a record-incomplete event
# (schema-valid), the exit status is 1, the record is the unbroken first
# part of the session, and it does not grow again when space comes back.

. "$(dirname "$0")/lib.sh"
hw_suite durability "$@"
need jq node timeout setsid python3 mount umount dd
HW_TIMEOUT=60
DEV="node $ROOT/tests/sim/device.mjs"
SCHEMA=$ROOT/tests/schema/heapwatch.schema.json

BG_PIDS=()
MNT=
dur_cleanup() {
    local pid
    for pid in "${BG_PIDS[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    done
    if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
        umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
    fi
}
trap 'hw_rc=$?; dur_cleanup; (exit $hw_rc); hw_cleanup' EXIT
hw_sim_deps

# snapshots of a --json - stream cut anywhere: one per complete line
# "{...}" or "{...}," after the "snapshots":[ line, as a JSON array
streamed() {
    python3 - "$1" <<'EOF'
import json, sys
out = []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if not line.endswith("}") and not line.endswith("},"):
        continue  # the header, "]," or a line the kill cut
    try:
        o = json.loads(line.rstrip(","))
    except ValueError:
        continue
    if "seq" in o:
        out.append(o)
print(json.dumps(out))
EOF
}

# ==== 1. kill -9 at random moments
runs=${K9_RUNS:-15}
seed=${K9_SEED:-$(($(date +%s) % 100000))}
RANDOM=$seed
moments=()
before_first=0 cut=0 bad=0 streamed_total=0
for i in $(seq "$runs"); do
    rec=$TMP/k9-$i.rec out=$TMP/k9-$i.out
    setsid "$BIN" --no-tui -i 0 --record "$rec" --json - \
        "exec:$DEV --workload fragmenting --seed $i --baud 115200" >"$out" 2>"$TMP/k9-$i.err" </dev/null &
    pid=$!
    BG_PIDS+=("$pid")
    if [ $((i % 5)) -eq 1 ]; then
        ms=$((RANDOM % 300))
        moments+=("start+$ms")
    else
        ms=$((RANDOM % ${K9_MAX_MS:-3400}))
        moments+=("record+$ms")
        run_to 60 bash -c 'until [ -e "$1" ]; do sleep 0.01; done' _ "$rec"
    fi
    sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    kill -KILL -- "-$pid" 2>/dev/null # the device node, in its group
    BG_PIDS=() # one at a time
    streamed "$out" >"$TMP/k9-$i.live.json"
    printed=$(jq length "$TMP/k9-$i.live.json")
    streamed_total=$((streamed_total + printed))
    [ "$printed" -eq 0 ] && before_first=$((before_first + 1))
    if [ ! -e "$rec" ] && [ "$printed" -eq 0 ]; then
        pass "kill-9-run-$i" # killed before it had anything to record
        continue
    elif [ ! -e "$rec" ]; then
        fail "kill-9-run-$i" "no record file after kill -9 at ${moments[-1]} ms, but $printed samples streamed"
        bad=$((bad + 1))
        continue
    fi
    if ! run_to 30 "$BIN" analyze --json "$TMP/k9-$i.rec.json" "$rec" >/dev/null 2>"$TMP/k9-$i.an.err"; then
        fail "kill-9-run-$i" "heapwatch analyze of the record after kill -9 at ${moments[-1]} ms did not exit 0"
        show_log "$TMP/k9-$i.an.err"
        bad=$((bad + 1))
        continue
    fi
    # the record's dumps: the streamed ones, number for number, then at
    # most one more; only the very last may be cut
    verdict=$(jq -n -r --slurpfile live "$TMP/k9-$i.live.json" --slurpfile rec "$TMP/k9-$i.rec.json" '
        ($live[0]) as $l | ($rec[0].snapshots) as $r
        | def strip: del(.source, .probe_bytes);
        if ($r | length) < ($l | length) then "only \($r | length) dumps in the record, \($l | length) streamed"
        elif ($r | length) > ($l | length) + 1 then "\($r | length) dumps in the record, \($l | length) streamed"
        elif ([range(0; $l | length) | select(($r[.] | strip) != ($l[.] | strip))] | length) > 0
        then "streamed snapshot #\([range(0; $l | length) | select(($r[.] | strip) != ($l[.] | strip))][0]) differs in the record"
        elif ([$r[:-1][] | select(.complete | not)] | length) > 0 then "a cut dump before the last one"
        elif ($r | length) > 0 and ($r[-1].complete | not) then "ok cut"
        else "ok" end' 2>&1)
    case $verdict in
    ok) pass "kill-9-run-$i" ;;
    "ok cut")
        cut=$((cut + 1))
        pass "kill-9-run-$i"
        ;;
    *)
        fail "kill-9-run-$i" "kill -9 at ${moments[-1]} ms (K9_SEED=$seed): $verdict"
        bad=$((bad + 1))
        ;;
    esac
done
# the kills must have landed while sampling, not all before it (at -i 0
# and 115200 baud the board is sending a dump nearly all the time, so a
# kill during sampling is a kill mid-dump, usually mid-line)
if [ $((runs - before_first)) -ge $((runs / 2)) ] && [ "$streamed_total" -ge "$runs" ]; then
    pass kill-9-moments-while-sampling
else
    fail kill-9-moments-while-sampling "of $runs kills (K9_SEED=$seed) $before_first came before the first sample, $streamed_total samples were streamed in all: too few kills while sampling"
fi
echo "NOTE durability: $runs kill -9 (K9_SEED=$seed, ms: ${moments[*]}): $before_first before the first sample, $((runs - before_first)) while sampling, $cut records ending in a cut dump, $streamed_total samples streamed, $((runs - bad)) of $runs records valid"

# ==== 2. a full disk under --record
MNT=$TMP/full
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=256k tmpfs "$MNT" 2>"$TMP/mount.err"; then
    MNT=
    fail full-disk-mount "cannot mount a 256 KiB tmpfs to fill (needs root): $(head -n 1 "$TMP/mount.err")"
    hw_finish
fi
# leave about 24 KiB: the header and a few dozen dumps, not 80
dd if=/dev/zero of="$MNT/fill" bs=1k count=232 2>/dev/null
n=80
setsid "$BIN" --no-tui -n "$n" -i 0.05 --record "$MNT/run.rec" --json "$TMP/full.json" \
    "exec:$DEV --workload fragmenting --seed 5" >"$TMP/full.out" 2>"$TMP/full.err" </dev/null &
pid=$!
BG_PIDS+=("$pid")
# when it has said so, give the space back: nothing more may be written
size_at=
if run_to 40 bash -c 'until grep -q "No space left" "$1"; do sleep 0.02; done' _ "$TMP/full.err"; then
    size_at=$(stat -c %s "$MNT/run.rec")
    rm -f "$MNT/fill"
fi
run_to 60 bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 0.05; done' _ "$pid"
wait "$pid"
rc=$?
BG_PIDS=()
if [ "$rc" -eq 1 ]; then pass full-disk-exit-1; else
    fail full-disk-exit-1 "exit $rc, want 1 (the record asked for is incomplete)"
    show_log "$TMP/full.err"
fi
grep -v '^heapwatch: sampling ' "$TMP/full.err" >"$TMP/full.err1"
one_error full-disk-one-message "$TMP/full.err1" \
    "^heapwatch: record $MNT/run.rec: No space left on device; recording stopped, sampling goes on$"
samples=$(grep -c ' ok$' "$TMP/full.out")
if [ "$samples" -eq "$n" ]; then pass full-disk-sampling-goes-on; else
    fail full-disk-sampling-goes-on "$samples sample lines, want -n $n"
fi
jq_check full-disk-json-says-incomplete "$TMP/full.json" \
    "want all $n snapshots and exactly one record-incomplete event naming the file and ENOSPC" \
    "(.snapshots | length) == $n and ([.events[] | select(.kind == \"record-incomplete\")] | length) == 1 and
     ([.events[] | select(.kind == \"record-incomplete\")][0].detail == \"$MNT/run.rec: No space left on device\")"
if python3 "$ROOT/tests/schema/validate.py" "$SCHEMA" "$TMP/full.json" >"$TMP/full.schema" 2>&1; then
    pass full-disk-json-schema
else
    fail full-disk-json-schema "the JSON with a record-incomplete event does not validate"
    show_log "$TMP/full.schema"
fi
if [ -n "$size_at" ] && [ "$(stat -c %s "$MNT/run.rec")" -eq "$size_at" ]; then
    pass full-disk-no-write-after
else
    fail full-disk-no-write-after "the record was ${size_at:-?} bytes when the message came and $(stat -c %s "$MNT/run.rec") at the end: written again after the failure (a hole)"
fi
# the record: the session's first dumps, unbroken, number for number
if run_to 30 "$BIN" analyze --json "$TMP/full.rec.json" "$MNT/run.rec" >/dev/null 2>"$TMP/full.an.err"; then
    pass full-disk-record-readable
    verdict=$(jq -n -r --slurpfile live "$TMP/full.json" --slurpfile rec "$TMP/full.rec.json" '
        ($live[0].snapshots) as $l | ([$rec[0].snapshots[] | select(.complete)]) as $r
        | if ($r | length) < 1 or ($r | length) >= ($l | length) then "\($r | length) complete dumps in the record of \($l | length)"
          elif ([range(0; $r | length) | select(($r[.] | del(.source, .probe_bytes)) != ($l[.] | del(.source, .probe_bytes)))] | length) > 0
          then "record dump #\([range(0; $r | length) | select(($r[.] | del(.source, .probe_bytes)) != ($l[.] | del(.source, .probe_bytes)))][0]) is not the live one"
          else "ok \($r | length)" end' 2>&1)
    if [[ $verdict == ok* ]]; then pass full-disk-record-is-first-part; else
        fail full-disk-record-is-first-part "$verdict"
    fi
else
    fail full-disk-record-readable "heapwatch analyze of the cut record did not exit 0"
    show_log "$TMP/full.an.err"
fi
umount "$MNT" && MNT=

hw_finish
