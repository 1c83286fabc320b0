#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/newuser.sh BIN - what a new user ran into, each as a check that
# failed before its fix (issue "Defects found tried as a new user would"):
# outputs that overwrote inputs, pipes that never ended, an endless retry on
# firmware without mem_info, board bytes reaching the terminal raw, figures
# dropped after a long line, wrong exit statuses, options of another mode
# accepted silently, --listen saying nothing, "analyse"/"help" taken for
# ports, UTF-16 captures. The screen's defects are in ui.sh.
# Runs against the simulated board (exec:) and the fixtures.

. "$(dirname "$0")/lib.sh"
hw_suite newuser "$@"
need jq node timeout iconv
HW_TIMEOUT=30
hw_sim_deps

FIX=$ROOT/tests/fixtures/meminfo
DEV="node $ROOT/tests/sim/device.mjs"
ESC=$'\x1b'

# no_raw_control NAME FILE: FILE has no ESC or BEL byte (what retitles a
# window or hides a cursor), and says something.
no_raw_control() {
    if [ -s "$2" ] && ! grep -q $'[\x1b\x07]' "$2"; then
        pass "$1"
    else
        fail "$1" "raw control bytes (or nothing) in $2"
        show_log "$2" 5
    fi
}

# ==== 1. an output never overwrites an input, two outputs never share a file
cp "$FIX/esp32_v1.23plus_3.txt" "$TMP/a.log"
cp "$FIX/rp2_v1.23plus_4.txt" "$TMP/b.log"
cp "$TMP/a.log" "$TMP/a.orig"
cp "$TMP/b.log" "$TMP/b.orig"
# the README's "analyze --json - *.log" without its "-": --json takes a.log
expect_status 2 json-glob-refused -- env -C "$TMP" "$BIN" analyze --json a.log b.log
assert json-glob-input-kept cmp -s "$TMP/a.log" "$TMP/a.orig"
grep -q 'not a heapwatch JSON file' "$TMP/json-glob-refused.err" && grep -q 'json -' "$TMP/json-glob-refused.err" &&
    pass json-glob-says-why || { fail json-glob-says-why "want the reason and the '--json -' hint"; show_log "$TMP/json-glob-refused.err"; }
expect_status 2 json-is-input-refused -- env -C "$TMP" "$BIN" analyze -j b.log b.log
assert json-is-input-kept cmp -s "$TMP/b.log" "$TMP/b.orig"
grep -q 'b.log is also an input' "$TMP/json-is-input-refused.err" && pass json-is-input-says-why ||
    fail json-is-input-says-why "want 'b.log is also an input'"
expect_status 2 json-is-input-other-name -- env -C "$TMP" "$BIN" analyze -j ./b.log "$TMP/b.log"
assert json-is-input-other-name-kept cmp -s "$TMP/b.log" "$TMP/b.orig"
expect_status 2 json-and-record-same-file -- "$BIN" --no-tui -n 1 -j "$TMP/same.out" -r "$TMP/same.out" "exec:$DEV"
assert json-and-record-nothing-written test ! -e "$TMP/same.out"
# heapwatch's own JSON may be replaced, run after run
expect_status 0 json-replaces-own-1 -- "$BIN" analyze -q -j "$TMP/own.json" "$TMP/a.log"
expect_status 0 json-replaces-own-2 -- "$BIN" analyze -q -j "$TMP/own.json" "$TMP/b.log"
jq_check json-replaces-own-content "$TMP/own.json" "want the second run's one dump" '.summary.snapshots == 1'

# ==== 2. a closed or full standard output ends the session: exit 1, one line
# pipe_run NAME CMD...: CMD | head -3, heapwatch's status in $TMP/NAME.rc
pipe_run() {
    local name=$1
    shift
    run_to 30 bash -c '"$@" 2>"$0.err" | head -n 3 >"$0.out"; echo "${PIPESTATUS[0]}" >"$0.rc"' \
        "$TMP/$name" "$@"
}
pipe_run head3 "$BIN" --no-tui -i 0.1 -r "$TMP/head3.rec" "exec:$DEV"
rc=$(cat "$TMP/head3.rc" 2>/dev/null)
[ "$rc" = 1 ] && pass pipe-head-exit-1 || fail pipe-head-exit-1 "heapwatch | head -3: exit '$rc', want 1 (and no hang)"
grep -v '^heapwatch: sampling ' "$TMP/head3.err" >"$TMP/head3.err2"
one_error pipe-head-one-line "$TMP/head3.err2" 'cannot write standard output: Broken pipe'
ends_at_prompt "$TMP/head3.rec" && pass pipe-head-board-at-prompt ||
    fail pipe-head-board-at-prompt "the record does not end with the board back at >>>"
pipe_run jsonpipe "$BIN" --no-tui -i 0.1 -j - "exec:$DEV"
rc=$(cat "$TMP/jsonpipe.rc" 2>/dev/null)
[ "$rc" = 1 ] && pass json-pipe-exit-1 || fail json-pipe-exit-1 "heapwatch -j - | head -3: exit '$rc', want 1"
[ "$(grep -c 'Broken pipe' "$TMP/jsonpipe.err")" -eq 1 ] && pass json-pipe-said-once ||
    { fail json-pipe-said-once "want 'Broken pipe' said exactly once"; show_log "$TMP/jsonpipe.err"; }
run_to 30 "$BIN" --no-tui -n 3 -i 0.1 "exec:$DEV" >/dev/full 2>"$TMP/full.err"
rc=$?
[ "$rc" = 1 ] && pass dev-full-exit-1 || fail dev-full-exit-1 "> /dev/full: exit $rc, want 1"
grep -q 'cannot write standard output: No space left on device' "$TMP/full.err" && pass dev-full-says-so ||
    { fail dev-full-says-so "want 'No space left on device'"; show_log "$TMP/full.err"; }

# ==== 3. firmware without mem_info: bounded retries, one clear error
# The real VM with micropython replaced in sys.modules, as a port built
# without MICROPY_PY_MICROPYTHON_MEM_INFO answers (AttributeError), or with
# a mem_info that prints something else.
cat >"$TMP/nomi.py" <<'EOF'
import sys
class _NoMemInfo:
    pass
sys.modules['micropython'] = _NoMemInfo()
EOF
cat >"$TMP/other.py" <<'EOF'
import sys
class _Other:
    def mem_info(self, *a):
        print("hello from a fork")
sys.modules['micropython'] = _Other()
EOF
start=$SECONDS
HW_TIMEOUT=20 expect_status 1 no-mem-info-exit-1 -- "$BIN" --no-tui -n 5 -j "$TMP/nomi.json" \
    -r "$TMP/nomi.rec" "exec:$DEV --verbose --workload $TMP/nomi.py"
[ $((SECONDS - start)) -le 10 ] && pass no-mem-info-gives-up-soon ||
    fail no-mem-info-gives-up-soon "took $((SECONDS - start)) s"
grep -q "does not answer micropython.mem_info(): the board answered: AttributeError: '_NoMemInfo' object has no attribute 'mem_info'" \
    "$TMP/no-mem-info-exit-1.err" && pass no-mem-info-names-answer ||
    { fail no-mem-info-names-answer "want the board's answer in the error"; show_log "$TMP/no-mem-info-exit-1.err"; }
# the device logs each exec it runs (--verbose, on the captured stderr)
execs=$(grep -c '#stderr .*exec [0-9]*:' "$TMP/nomi.rec")
[ "$execs" -ge 2 ] && [ "$execs" -le 4 ] && pass no-mem-info-bounded-commands ||
    fail no-mem-info-bounded-commands "the board ran $execs commands, want 2 to 4"
jq_check no-mem-info-json-event "$TMP/nomi.json" "want the failure in the JSON events" \
    'any(.events[]; .kind == "error" and (.detail | test("does not answer")))'
HW_TIMEOUT=20 expect_status 1 other-answer-exit-1 -- "$BIN" --no-tui -n 5 "exec:$DEV --workload $TMP/other.py"
grep -q 'the board answered: hello from a fork' "$TMP/other-answer-exit-1.err" && pass other-answer-named ||
    { fail other-answer-named "want 'the board answered: hello from a fork'"; show_log "$TMP/other-answer-exit-1.err"; }
# mem_info that breaks after 1.5 s, sampled back to back: later samples
# fail, and the failures must not turn into thousands of commands
cat >"$TMP/breaks.py" <<'EOF'
import sys, time
_t0 = time.ticks_ms()
class _Gone:
    pass
def step():
    if time.ticks_diff(time.ticks_ms(), _t0) > 1500:
        sys.modules['micropython'] = _Gone()
EOF
HW_TIMEOUT=20 expect_status 0 failing-samples-run -- "$BIN" --no-tui -i 0 --duration 5 -j "$TMP/breaks.json" \
    "exec:$DEV --workload $TMP/breaks.py --tick 100"
jq_check failing-samples-back-off "$TMP/breaks.json" \
    "want the failing samples slowed down (at most 30 error events in 3.5 s of -i 0)" \
    '(.snapshots | length) > 0 and ([.events[] | select(.kind == "error")] | length) >= 1 and
     ([.events[] | select(.kind == "error")] | length) <= 30'

# ==== 4. nothing the board sends reaches the terminal raw
HW_TIMEOUT=20 expect_status 0 exec-stderr-run -- "$BIN" --no-tui -n 2 -r "$TMP/stderr.rec" \
    "exec:printf '\\033]0;PWNED\\007oops\\n' >&2; exec $DEV"
no_raw_control exec-stderr-escaped "$TMP/exec-stderr-run.err"
grep -qF 'exec: \x1b]0;PWNED\x07oops' "$TMP/exec-stderr-run.err" && pass exec-stderr-shown ||
    { fail exec-stderr-shown "want the command's stderr shown escaped"; show_log "$TMP/exec-stderr-run.err"; }
grep -qF '#stderr \x1b]0;PWNED\x07oops' "$TMP/stderr.rec" && pass exec-stderr-recorded ||
    fail exec-stderr-recorded "want a #stderr event in the record"
cat >"$TMP/title.py" <<'EOF'
import sys
class _Rude:
    def mem_info(self, *a):
        raise ValueError("\x1b]0;PWNED\x07\x1b[?25l")
sys.modules['micropython'] = _Rude()
EOF
HW_TIMEOUT=20 expect_status 1 board-error-run -- "$BIN" --no-tui -n 1 "exec:$DEV --workload $TMP/title.py"
no_raw_control board-error-escaped "$TMP/board-error-run.err"
grep -qF 'ValueError: \x1b]0;PWNED\x07\x1b[?25l' "$TMP/board-error-run.err" && pass board-error-shown ||
    { fail board-error-shown "want the traceback shown escaped"; show_log "$TMP/board-error-run.err"; }

# ==== 5. a long line after a whole dump leaves it whole
{ cat "$FIX/esp32_v1.23plus_3.txt"; head -c 5000 /dev/zero | tr '\0' x; echo; } >"$TMP/long.log"
expect_status 0 long-line-analyze -- "$BIN" analyze --json "$TMP/long.json" "$TMP/long.log"
jq_check long-line-dump-complete "$TMP/long.json" "want the dump complete and its figures in the summary" \
    '.snapshots[0].complete and .summary.incomplete == 0 and .summary.min_largest_free_bytes != null and
     .summary.max_fragmentation != null'
# a long line inside a map still damages it
{ head -n 20 "$FIX/esp32_v1.23plus_3.txt"; head -c 5000 /dev/zero | tr '\0' x; echo; tail -n +21 "$FIX/esp32_v1.23plus_3.txt"; } >"$TMP/inside.log"
expect_status 0 long-line-inside -- "$BIN" analyze --json "$TMP/inside.json" "$TMP/inside.log"
jq_check long-line-inside-marked "$TMP/inside.json" "want a long line inside the map marked long_line" \
    'any(.snapshots[]; (.complete | not) and (.problems | index("long_line")))'

# ==== 7. exit statuses and words
HW_TIMEOUT=20 expect_status 1 zero-samples-exit-1 -- "$BIN" --no-tui --duration 2 "exec:$DEV --deaf"
one_error zero-samples-message "$TMP/zero-samples-exit-1.err" 'no sample from exec:.* in 2\.0s'
if "$BIN" list 2>/dev/null | grep -q '(MicroPython)'; then
    fail no-board-exit-1 "a MicroPython board is plugged in: unplug it to run this check"
else
    expect_status 1 no-board-exit-1 -- "$BIN" --no-tui -n 1
    grep -q 'no MicroPython board found' "$TMP/no-board-exit-1.err" && pass no-board-says-so ||
        fail no-board-says-so "want 'no MicroPython board found'"
fi
# --listen: the header at once, and --timeout says when the board is quiet
HW_TIMEOUT=20 expect_status 1 listen-silent -- "$BIN" --no-tui --listen --timeout 1 --duration 2.5 "exec:$DEV"
grep -q '^# heapwatch .* listening to exec:' "$TMP/listen-silent.out" && pass listen-header-at-once ||
    fail listen-header-at-once "want the header before any dump"
grep -q 'nothing received for 1s; still listening' "$TMP/listen-silent.err" && pass listen-timeout-said ||
    { fail listen-timeout-said "want the silence reported after --timeout"; show_log "$TMP/listen-silent.err"; }
HW_TIMEOUT=20 expect_status 0 listen-dumps -- "$BIN" --no-tui --listen -n 2 "exec:$DEV --print-every 300"
[ "$(grep -c ' ok$' "$TMP/listen-dumps.out")" -eq 2 ] && pass listen-dumps-lines ||
    fail listen-dumps-lines "want 2 sample lines"
# the man page's spelling, and "help"
expect_status 0 analyse-spelling -- "$BIN" analyse "$FIX/rp2_v1.23plus_4.txt"
grep -q '1 dump, 1 with a block map' "$TMP/analyse-spelling.out" && pass analyse-analyses ||
    fail analyse-analyses "heapwatch analyse did not analyse"
expect_status 0 help-command -- "$BIN" help
grep -q '^Usage: heapwatch' "$TMP/help-command.out" && pass help-command-usage ||
    fail help-command-usage "heapwatch help printed no usage"
# UTF-16 (Windows PowerShell's "> log.txt"), with and without a BOM, and on stdin
"$BIN" analyze "$FIX/rp2_v1.23plus_4.txt" | tail -n +2 >"$TMP/u8.sum"
iconv -f UTF-8 -t UTF-16 "$FIX/rp2_v1.23plus_4.txt" >"$TMP/u16.txt"
iconv -f UTF-8 -t UTF-16BE "$FIX/rp2_v1.23plus_4.txt" >"$TMP/u16be.txt"
iconv -f UTF-8 -t UTF-16LE "$FIX/rp2_v1.23plus_4.txt" >"$TMP/u16le-nobom.txt"
for f in u16 u16be u16le-nobom; do
    expect_status 0 "utf16-$f" -- "$BIN" analyze "$TMP/$f.txt"
    tail -n +2 "$TMP/utf16-$f.out" | cmp -s - "$TMP/u8.sum" && pass "utf16-$f-same-as-utf8" ||
        { fail "utf16-$f-same-as-utf8" "the summary differs from the UTF-8 file's"; show_log "$TMP/utf16-$f.out"; }
done
run_to 10 "$BIN" analyze - <"$TMP/u16.txt" | tail -n +2 | cmp -s - "$TMP/u8.sum" && pass utf16-stdin ||
    fail utf16-stdin "UTF-16 on standard input reads differently"

hw_finish
