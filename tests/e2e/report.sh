#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/report.sh BIN - `heapwatch report` read back by a browser:
# Debian's headless Chromium loads each report and dumps its DOM, and the
# DOM must say what `analyze --json` says (every summary figure, from the
# data-metric/data-value attributes), cover every heatmap cell once for
# every drawn dump, reference nothing outside itself, and mark gaps and
# resets. A 10,000-dump capture of the simulated board gives a report
# under 2 MB that Chromium renders whole (its load time is measured by
# bench/report.sh). The screenshot is kept in
# build/test-artifacts/report.png. Bad input: exit statuses and messages.

. "$(dirname "$0")/lib.sh"
hw_suite report "$@"
need jq python3 chromium node
HW_TIMEOUT=120

FIX=$ROOT/tests/fixtures/meminfo
SIMREC=$ROOT/tests/fixtures/captures/sim-fragmenting.rec
ART=$ROOT/build/test-artifacts
mkdir -p "$ART"

# chromium_dom URL OUT: the DOM after loading, as Chromium serialises it.
chromium_dom() {
    run_to 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$TMP/chrome" \
        --dump-dom "$1" >"$2" 2>"$TMP/chromium.err"
}

# dom_json DOM OUT: what the DOM holds, as JSON: the overview rows, the
# drawn dumps with their maps and cell counts, the trend charts with their
# marks, the sections, and everything that could fetch or run something.
cat >"$TMP/dom.py" <<'PY'
import json, sys
from html.parser import HTMLParser

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.dumps, self.trends, self.parts, self.external = {}, [], [], [], []
        self.row = None; self.source = None; self.dump = None; self.map = None; self.trend = None
        self.stack = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "link", "iframe", "object", "embed", "img", "base", "meta") and \
                not (tag == "meta" and "http-equiv" not in a and "src" not in a):
            if tag != "meta" or a.get("http-equiv", "").lower() == "refresh":
                self.external.append(tag)
        for k, v in attrs:
            if k in ("src", "srcset", "href", "xlink:href", "action", "poster", "background") and \
                    not (v or "").startswith("#"):
                self.external.append("%s=%s" % (k, v))
            if k != "xmlns" and v and ("http:" in v or "https:" in v or "url(" in v):
                if not (tag == "meta" and k == "content"):
                    self.external.append("%s=%s" % (k, v))
        cls = a.get("class", "") or ""
        if tag == "tr" and "data-source" in a:
            self.row = {}; self.rows[a["data-source"]] = self.row
        if tag == "td" and self.row is not None and "data-metric" in a:
            self.row[a["data-metric"]] = a["data-value"]
            if "data-seq" in a: self.row["worst_seq"] = a["data-seq"]
            if "data-last-metric" in a: self.row[a["data-last-metric"]] = a["data-last-value"]
        if tag == "section" and "data-source" in a:
            self.source = int(a["data-source"])
        if tag == "div" and "data-part" in a:
            self.parts.append({"source": self.source, "part": a["data-part"], "count": int(a["data-count"])})
        if tag == "div" and "dump" in cls.split() and "data-seq" in a:
            self.dump = {"source": self.source, "seq": int(a["data-seq"]), "roles": a["data-roles"], "maps": []}
            self.dumps.append(self.dump)
        if tag == "svg" and "map" in cls.split():
            self.map = {"view": a["data-view"], "blocks": int(a["data-blocks"]), "k": int(a["data-k"]),
                        "cells": int(a["data-cells"]), "rects": 0, "covered": 0, "overlap": 0,
                        "seen": set()}
            self.dump["maps"].append(self.map)
        if tag == "rect" and self.map is not None:
            # a rect is a run of like cells in one row: count the cells it
            # covers, and any cell covered twice or outside the map
            m, x, y, w = self.map, int(a["x"]), int(a["y"]), int(a.get("width", "1"))
            m["rects"] += 1
            for c in range(y * 64 + x, y * 64 + x + w):
                if c in m["seen"] or x + w > 64 or c >= m["cells"]: m["overlap"] += 1
                m["seen"].add(c)
            m["covered"] = len(m["seen"])
        if tag == "svg" and "trend" in cls.split():
            self.trend = {"source": self.source, "metric": a["data-metric"], "buckets": int(a["data-buckets"]),
                          "samples": int(a["data-samples"]), "marks": []}
            self.trends.append(self.trend)
        if tag == "line" and self.trend is not None and "data-event" in a:
            self.trend["marks"].append(a["data-event"])
    def handle_endtag(self, tag):
        if tag == "svg":
            if self.map is not None: del self.map["seen"]
            self.map = None; self.trend = None
        if tag == "tr": self.row = None
    def handle_data(self, d):
        if "@import" in d or "url(" in d: self.external.append("css:" + d[:40])

p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
json.dump({"rows": p.rows, "dumps": p.dumps, "trends": p.trends, "parts": p.parts,
           "external": p.external}, sys.stdout)
PY

# analyze_json OUT FILE...: analyze --json of the files.
analyze_json() {
    local out=$1
    shift
    run_to "$HW_TIMEOUT" "$BIN" analyze --json - "$@" >"$out" 2>/dev/null
}

# The summary figures of a row equal analyze --json's summary.
SUMKEYS='["snapshots","min_free","peak_used","min_largest_free_bytes","max_fragmentation","incomplete","inconsistent","first_time","last_time"]'
ROW_EQ='def num: if . == null or . == "null" then null else tonumber end;
        ($row[0]) as $r | . as $j | [$keys[] | ($j.summary[.] | num) == ($r[.] | num)] | all'

# A dump drawn is drawn whole: its maps are 2 per area (type and
# fragmentation), each of ceil(blocks / k) cells, every cell covered once
# by the rects (a rect is a run of like cells in a row), k the smallest
# power of two that fits the dump's blocks in 2048 cells.
CELLS_OK='def k(t): [range(0; 40) | pow(2; .) | select(((t + . - 1) / . | floor) <= 2048)][0];
          . as $j | [$dom[0].dumps[] | . as $d | $j.snapshots[$d.seq] as $s |
            ([$s.areas[].blocks] | add // 0) as $t |
            ($d.maps | length) == 2 * ($s.areas | length) and
            ([$d.maps[] | .k == k($t) and .covered == .cells and .overlap == 0 and
              .cells == ((.blocks + .k - 1) / .k | floor)] | all) and
            ([$d.maps[].blocks] == [$s.areas[] | .blocks, .blocks])] | all'

# ---- a report of every fixture, the simulator's capture, and one with a
# gap and a reset recorded before its third dump
fixtures=("$FIX"/*.txt)
awk '/OKstack/ && ++n == 3 { print "+0.300 #gap link lost"; print "+0.340 #resume";
     print "+0.341 #reset board clock went back" } { print }' "$SIMREC" >"$TMP/gap.rec"
inputs=("${fixtures[@]}" "$SIMREC" "$TMP/gap.rec")
n_in=${#inputs[@]}
AT=3
if expect_status 0 fixtures-exit-0 -- "$BIN" report -o "$TMP/all.html" --at "$AT" "${inputs[@]}"; then
    assert fixtures-quiet test ! -s "$TMP/fixtures-exit-0.err"
fi
if chromium_dom "file://$TMP/all.html" "$TMP/all.dom" && [ -s "$TMP/all.dom" ] &&
    python3 "$TMP/dom.py" "$TMP/all.dom" >"$TMP/all.domjson" 2>"$TMP/dom.err"; then
    pass fixtures-chromium-dom
else
    fail fixtures-chromium-dom "chromium --dump-dom or the DOM reader failed"
    show_log "$TMP/chromium.err"
    show_log "$TMP/dom.err"
fi

# each row: the figures of that file's own analyze --json
bad=
for i in $(seq 0 $((n_in - 1))); do
    analyze_json "$TMP/one.json" "${inputs[$i]}"
    jq -e --argjson keys "$SUMKEYS" --slurpfile row <(jq ".rows[\"$i\"]" "$TMP/all.domjson") \
        "$ROW_EQ" "$TMP/one.json" >/dev/null 2>&1 || bad="$bad $(basename "${inputs[$i]}")"
done
if [ -z "$bad" ] && [ "$(jq '.rows | length' "$TMP/all.domjson")" -eq $((n_in + 1)) ]; then
    pass rows-equal-analyze-json
else
    fail rows-equal-analyze-json "rows differ from analyze --json's summary:${bad:- (row count)}"
fi
analyze_json "$TMP/all.json" "${inputs[@]}"
jq_check all-row-equals-analyze-json "$TMP/all.json" "the 'all sources' row differs from analyze --json" \
    "$ROW_EQ" --argjson keys "$SUMKEYS" --slurpfile row <(jq '.rows.all' "$TMP/all.domjson")

# the dumps drawn: first, worst, last and --at of each source, whole
jq_check cells-per-map "$TMP/all.json" "a heatmap's cells are not ceil(blocks / k) <rect>s" \
    "$CELLS_OK" --slurpfile dom "$TMP/all.domjson"
jq_check dumps-drawn "$TMP/all.json" "want exactly the first, worst, last and --at dumps of each source" \
    '
    . as $j | $dom[0] as $d | [range(0; .sources | length) | . as $i |
      [$j.snapshots[] | select(.source == $i) | .seq] as $seqs |
      ($d.rows["\($i)"].worst_seq // null) as $w |
      ([$seqs[0], $seqs[-1], (if $w then ($w | tonumber) else empty end),
        (if ($seqs | index($at)) != null then $at else empty end)] | map(select(. != null)) | unique) as $want |
      ([$d.dumps[] | select(.source == $i) | .seq] == $want) and
      (if $w then $j.snapshots[$w | tonumber].figures.fragmentation ==
         ($d.rows["\($i)"].max_fragmentation | tonumber) else true end)] | all' \
    --argjson at "$AT" --slurpfile dom "$TMP/all.domjson"
jq_check at-dump-drawn "$TMP/all.domjson" "want dump #$AT drawn as asked for" \
    '[.dumps[] | select(.seq == $at and (.roles | test("asked")))] | length == 1' --argjson at "$AT"
jq_check no-external-references "$TMP/all.domjson" "the report references something outside itself" \
    '.external == []'
if grep -qiE '<script|<link|src=|@import|url\(|https?://[^"]*"' <(grep -v 'xmlns="http://www.w3.org/2000/svg"' "$TMP/all.html" | sed 's#xmlns="http://www.w3.org/2000/svg"##g'); then
    fail no-external-in-file "the file itself holds a script, a link, a src= or a URL"
else
    pass no-external-in-file
fi
jq_check checks-and-leak-places "$TMP/all.domjson" "want an empty Checks place and a Leak verdict per source" \
    '([.parts[] | select(.part == "checks" and .count == 0)] | length) == $n and
     ([.parts[] | select(.part == "leak" and .count >= 1)] | length) == $n' --argjson n "$n_in"
gap_src=$((n_in - 1))
jq_check gap-reset-marked "$TMP/all.domjson" "want a gap and a reset mark on each chart of the capture with them" \
    '[.trends[] | select(.source == $s)] | length == 4 and all(.marks == ["gap", "reset"])' \
    --argjson s "$gap_src"
jq_check no-marks-elsewhere "$TMP/all.domjson" "marks on a capture that has no gap or reset" \
    '[.trends[] | select(.source != $s) | .marks[]] == []' --argjson s "$gap_src"

# ---- the screenshot, kept as an artifact
rm -f "$ART/report.png"
run_to 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$TMP/chrome" \
    --screenshot="$ART/report.png" --window-size=1280,800 "file://$TMP/all.html" >/dev/null 2>&1
if python3 - "$ART/report.png" <<'PY'; then
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n"
w, h = struct.unpack(">II", d[16:24])
assert (w, h) == (1280, 800), (w, h)
# non-trivial: the pixels are not one colour (a blank page compresses to ~5 KB)
i, idat = 8, b""
while i < len(d):
    n, t = struct.unpack(">I4s", d[i:i + 8]); i += 8
    if t == b"IDAT": idat += d[i:i + n]
    i += n + 4
raw = zlib.decompress(idat)
assert len(d) > 20000 and len(set(raw)) > 32, (len(d), len(set(raw)))
PY
    pass screenshot-png
else
    fail screenshot-png "build/test-artifacts/report.png is no 1280x800 PNG with content"
fi

# ---- what comes from the files is escaped: a name and a frame label
evil="$TMP/a<b>&\"x'.txt"
sed '1a *** Memory info <script>alert(1)</script> ***' "$FIX/rp2_v1.23plus_4.txt" >"$evil"
if expect_status 0 evil-exit-0 -- "$BIN" report -o "$TMP/evil.html" "$evil"; then
    chromium_dom "file://$TMP/evil.html" "$TMP/evil.dom"
    if ! grep -q '<script' "$TMP/evil.html" && grep -q 'a&lt;b&gt;&amp;&quot;x&#39;.txt' "$TMP/evil.html" &&
        grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$TMP/evil.html" && ! grep -q '<script' "$TMP/evil.dom"; then
        pass evil-escaped
    else
        fail evil-escaped "a file name or frame label reached the HTML unescaped"
    fi
fi

# ---- 10,000 dumps from the simulated board: < 2 MB, rendered whole
hw_sim_deps
big=$TMP/big.rec
if run_to 300 "$BIN" --no-tui -n 10000 -i 0 --record "$big" \
    "exec:node $ROOT/tests/sim/device.mjs --workload fragmenting --seed 7" >"$TMP/big.out" 2>"$TMP/big.err"; then
    pass big-capture
else
    fail big-capture "recording 10,000 samples of the simulator failed"
    show_log "$TMP/big.err"
fi
expect_status 0 big-exit-0 -- "$BIN" report -o "$TMP/big.html" "$big"
size=$(stat -c %s "$TMP/big.html" 2>/dev/null || echo 0)
echo "NOTE report/big: 10,000 dumps ($(stat -c %s "$big") bytes) -> $size bytes"
assert big-under-2MB test "$size" -gt 0 -a "$size" -lt 2000000
# how long Chromium takes to load it is a figure of make bench
# (bench/report.sh), not a timed assertion on a shared machine
chromium_dom "file://$TMP/big.html" "$TMP/big.dom" && python3 "$TMP/dom.py" "$TMP/big.dom" >"$TMP/big.domjson"
analyze_json "$TMP/big.json" "$big"
jq_check big-row-equals-analyze-json "$TMP/big.json" "the 10,000-dump row differs from analyze --json" \
    "($ROW_EQ) and .summary.snapshots == 10000" --argjson keys "$SUMKEYS" \
    --slurpfile row <(jq '.rows["0"]' "$TMP/big.domjson")
jq_check big-trend-bounded "$TMP/big.domjson" "want 4 charts of at most 512 points over 10,000 dumps" \
    '[.trends[] | select(.samples == 10000 and .buckets <= 512 and .buckets >= 256)] | length == 4'
jq_check big-cells "$TMP/big.json" "a heatmap of the 10,000-dump report is not whole" \
    "$CELLS_OK" --slurpfile dom "$TMP/big.domjson"

# ---- bad input
missing=$TMP/missing.txt
if expect_status 1 missing-exit-1 -- "$BIN" report -o "$TMP/m.html" "$missing"; then
    one_error missing-one-line "$TMP/missing-exit-1.err" "^heapwatch: cannot open $missing: No such file or directory\$"
    assert missing-only-one-line test "$(wc -l <"$TMP/missing-exit-1.err")" -eq 1
fi
if expect_status 2 no-output-exit-2 -- "$BIN" report "$FIX/rp2_v1.23plus_4.txt"; then
    grep -q '^heapwatch: report needs -o' "$TMP/no-output-exit-2.err" &&
        [ "$(tail -n 1 "$TMP/no-output-exit-2.err")" = "Try 'heapwatch --help'." ] &&
        pass no-output-message || fail no-output-message "want 'heapwatch: report needs -o ...' and the --help line"
fi
cp "$FIX/rp2_v1.23plus_4.txt" "$TMP/in.txt"
expect_status 2 output-is-input -- "$BIN" report -o "$TMP/in.txt" "$TMP/in.txt" &&
    assert output-is-input-untouched cmp -s "$TMP/in.txt" "$FIX/rp2_v1.23plus_4.txt"
cp "$FIX/rp2_v1.23plus_4.txt" "$TMP/other.txt"
expect_status 2 output-foreign-refused -- "$BIN" report -o "$TMP/other.txt" "$TMP/in.txt" &&
    assert output-foreign-untouched cmp -s "$TMP/other.txt" "$FIX/rp2_v1.23plus_4.txt"
expect_status 0 output-own-replaced -- "$BIN" report -o "$TMP/all.html" "$TMP/in.txt"
expect_status 1 at-missing-exit-1 -- "$BIN" report -o "$TMP/at.html" --at 99 "$TMP/in.txt" &&
    one_error at-missing-message "$TMP/at-missing-exit-1.err" 'no dump #99'
expect_status 2 at-bad-exit-2 -- "$BIN" report -o "$TMP/at.html" --at x "$TMP/in.txt"
expect_status 2 output-not-for-analyze -- "$BIN" analyze -o "$TMP/x.html" "$TMP/in.txt"

# ---- the checks and the leak in the report: the same verdicts and words
# as the check lines and analyze --json, read back from Chromium's DOM
expect_status 3 leak-record -- "$BIN" --no-tui -n 30 -i 0.1 --gc --record "$TMP/leak.rec" \
    --check 'peak_used<1K' "exec:node $ROOT/tests/sim/device.mjs --workload leaking --seed 3"
expect_status 3 leak-report-exit-3 -- "$BIN" report -o "$TMP/leak.html" \
    --check 'leak<100/min' --check 'min_free>1K' "$TMP/leak.rec"
"$BIN" analyze -q --json "$TMP/leak.json" "$TMP/leak.rec"
chromium_dom "file://$TMP/leak.html" "$TMP/leak.dom"
cat >"$TMP/parts.py" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1]).read()
out = {}
for part in ("checks", "leak"):
    m = re.search(r'data-part="%s" data-count="(\d+)">(.*?)</div>' % part, dom, re.S)
    items = re.findall(r'<li><span class="badge">([^<]*)</span>([^<]*)</li>', m.group(2)) if m else []
    out[part] = {"count": int(m.group(1)) if m else -1,
                 "items": [[html.unescape(a), html.unescape(b)] for a, b in items]}
print(json.dumps(out))
PY
if python3 "$TMP/parts.py" "$TMP/leak.dom" >"$TMP/leak.parts" 2>"$TMP/parts.err" &&
    jq -e --slurpfile a "$TMP/leak.json" '
        .leak.items[0] == ["leak", $a[0].sources[0].leak.text]
        and ([.leak.items[1:][] | .[0]] | length >= 1 and all(. == "suspect"))
        and .checks.count == 2 and (.checks.items | map(.[0])) == ["fail", "ok"]
        and (.checks.items[0][1] | startswith("check failed: leak<100/min: leaks "))' \
        "$TMP/leak.parts" >/dev/null; then
    pass report-checks-and-leak
else
    fail report-checks-and-leak "the report's Checks and Leak parts do not say what analyze --json and the checks say"
    show_log "$TMP/leak.parts"
fi
# without checks: the Leak part is still there, the Checks part says none were run
expect_status 0 report-no-checks -- "$BIN" report -o "$TMP/nochk.html" "$TMP/leak.rec"
if grep -q 'data-part="checks" data-count="0"' "$TMP/nochk.html" &&
    grep -q 'data-part="leak" data-count="[1-9]' "$TMP/nochk.html"; then
    pass report-no-checks-parts
else
    fail report-no-checks-parts "want an empty Checks part and a filled Leak part"
fi

hw_finish
