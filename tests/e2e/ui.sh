#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/ui.sh BIN - the full-screen UI as a person sees it: heapwatch runs
# in tmux panes (a private server, killed on exit) against the simulated
# board (tests/sim, exec:) and on replayed fixtures, keys go in through
# send-keys, and every check reads the pane's text. The capture is taken
# with its attributes (-e) and turned into what the terminal shows: colour
# codes dropped, DEC line-drawing characters (curses' ACS lines, which tmux
# keeps as q/x/w... in the alternate charset) drawn as the box characters
# they stand for. Screens are polled (bounded) until what is awaited shows,
# never read after a fixed sleep.
#
# Covered: live at 80x24 (status, legend, stats, trends, probe) and its
# numbers against the JSON of the same run; the heatmap at 80x24 and 200x60;
# v through the four views; g; the help overlay (and ? h F1 open it); zoom,
# scrolling, export and recording; a resize and back; the terminal after q,
# SIGTERM, SIGHUP and Ctrl-C (stty, alternate screen, cursor, keypad, prompt,
# messages repeated on stderr); NO_COLOR, --no-color (type letters at the fit
# zoom) and LANG=C; replay stepping and speed (1/64x to 64x), its numbers
# against `heapwatch analyze --json`, and replay without a terminal; stats
# rows whole from 80x24 to 250x60; the too-small notice down to 10x3; dumps
# without a block map, replayed and live (--no-map).

. "$(dirname "$0")/lib.sh"
hw_suite ui "$@"
need tmux jq node perl awk timeout stty
HW_TIMEOUT=60

SIMDIR=$ROOT/tests/sim
FIX=$ROOT/tests/fixtures/meminfo
DEVICE="node $SIMDIR/device.mjs --workload fragmenting"
UTF=C.UTF-8
unset TMUX

# The device needs its npm package; exec: does not install it.
if [ ! -d "$SIMDIR/node_modules/@micropython/micropython-webassembly-pyscript" ]; then
    run_to 300 npm ci --prefix "$SIMDIR" --no-audit --no-fund --loglevel=error >"$TMP/npm.log" 2>&1 ||
        { fail sim-deps "npm ci --prefix tests/sim failed"; show_log "$TMP/npm.log"; hw_finish; }
fi

# ---- tmux: one private server for the suite, gone on any exit
SOCK=hw-$$
tm() { LC_ALL=$UTF timeout 20 tmux -u -L "$SOCK" -f /dev/null "$@"; }
TM_SOCKET=
# tmux leaves its socket file behind when the server ends: remove it too
tm_stop() {
    tm kill-server >/dev/null 2>&1
    [ -n "$TM_SOCKET" ] && rm -f "$TM_SOCKET"
}
# shellcheck disable=SC2154 # hw_rc is assigned inside the trap
trap 'hw_rc=$?; tm_stop; (exit $hw_rc); hw_cleanup' EXIT
# A session that holds the server up between tests, and the options every
# pane gets: it stays (dead) after its command ends, so its last screen can
# be read.
if ! tm new-session -d -s hw-keep -x 80 -y 24 -- sleep 3600 >"$TMP/tmux.log" 2>&1; then
    fail tmux-server "cannot start a tmux server"
    show_log "$TMP/tmux.log"
    hw_finish
fi
TM_SOCKET=$(tm display-message -p '#{socket_path}')
tm set-option -g remain-on-exit on >/dev/null
tm set-option -g default-terminal xterm-256color >/dev/null

# The environment of a pane (tmux would pass on lib.sh's LC_ALL=C).
PANE_ENV=(env -u NO_COLOR -u LC_ALL -u LANGUAGE TERM=xterm-256color "LANG=$UTF" "LC_ALL=$UTF")

# ui_start NAME COLS ROWS DIR ENV... -- ARGS...: heapwatch ARGS in a new
# session NAME of COLS x ROWS, working directory DIR, extra environment ENV.
# Its exit status goes to $TMP/NAME.status (tmux 3.3 may take seconds to
# reap a pane's process, or leave #{pane_dead_status} empty).
ui_start() {
    local name=$1 cols=$2 rows=$3 dir=$4 envs=()
    shift 4
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    shift
    rm -f "$TMP/$name.status"
    tm new-session -d -s "$name" -x "$cols" -y "$rows" -c "$dir" -- \
        sh -c '"$@"; echo "$?" >"$0"' "$TMP/$name.status" "${PANE_ENV[@]}" "${envs[@]}" "$BIN" "$@"
}

# raw NAME: the pane's text with tmux's attribute codes and charset switches.
raw() { tm capture-pane -p -e -t "$1" 2>/dev/null; }

# screen NAME: what the terminal shows: SGR codes dropped, the alternate
# charset's line-drawing letters (between SO and SI) drawn as box characters.
ACS_PERL='BEGIN { %a = (j => "\xe2\x94\x98", k => "\xe2\x94\x90", l => "\xe2\x94\x8c",
    m => "\xe2\x94\x94", n => "\xe2\x94\xbc", q => "\xe2\x94\x80", t => "\xe2\x94\x9c",
    u => "\xe2\x94\xa4", v => "\xe2\x94\xb4", w => "\xe2\x94\xac", x => "\xe2\x94\x82",
    "~" => "\xc2\xb7", a => "\xe2\x96\x92") }
s/\e\[[0-9;:]*m//g;
s{\x0e([^\x0f]*)\x0f?}{ my $r = $1; $r =~ s/([jklmnqtuvwx~a])/$a{$1}/g; $r }ge;
s/[\x0e\x0f]//g;'
screen() { raw "$1" | perl -0777 -pe "$ACS_PERL"; }

SCREEN=
on_screen() { grep -Eq -- "$1" <<<"$SCREEN"; }

# wait_for NAME SECS REGEX...: poll the pane (every 0.1 s, at most SECS
# seconds) until one capture matches every REGEX; the capture is in SCREEN.
wait_for() {
    local name=$1 secs=$2 re ok end
    shift 2
    end=$((${EPOCHREALTIME/./} + secs * 1000000))
    while :; do
        SCREEN=$(screen "$name")
        ok=1
        for re in "$@"; do
            on_screen "$re" || { ok=0; break; }
        done
        [ "$ok" = 1 ] && return 0
        [ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
        sleep 0.1
    done
}

# wait_gone NAME SECS REGEX: poll until REGEX no longer matches.
wait_gone() {
    local name=$1 secs=$2 re=$3 end
    end=$((${EPOCHREALTIME/./} + secs * 1000000))
    while :; do
        SCREEN=$(screen "$name")
        on_screen "$re" || return 0
        [ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
        sleep 0.1
    done
}

# wait_cols NAME SECS COLS REGEX...: as wait_for, and the status line is
# COLS wide (the frame after a resize, not the one before it).
wait_cols() {
    local name=$1 secs=$2 cols=$3 end
    shift 3
    end=$((${EPOCHREALTIME/./} + secs * 1000000))
    while :; do
        if wait_for "$name" 1 "$@" && [ "$(width_of '\? help  q quit$')" = $((cols - 1)) ]; then
            return 0
        fi
        [ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
    done
}
# keep_screen CHECK: the screen under a failure line, and in $TMP.
keep_screen() {
    printf '%s\n' "$SCREEN" >"$TMP/$1.screen"
    show_log "$TMP/$1.screen" "${2:-26}"
}

# see CHECK NAME SECS REGEX...: pass when the pane shows every REGEX in time.
see() {
    local check=$1 name=$2 secs=$3
    shift 3
    if wait_for "$name" "$secs" "$@"; then
        pass "$check"
        return 0
    fi
    local re missing=
    for re in "$@"; do
        on_screen "$re" || missing="$missing '$re'"
    done
    fail "$check" "after ${secs}s the screen still lacks:$missing"
    keep_screen "$check"
    return 1
}

# see_gone CHECK NAME SECS REGEX: pass when REGEX leaves the screen in time.
see_gone() {
    if wait_gone "$2" "$3" "$4"; then
        pass "$1"
        return 0
    fi
    fail "$1" "after ${3}s the screen still shows '$4'"
    keep_screen "$1"
    return 1
}

keys() {
    local name=$1
    shift
    tm send-keys -t "$name" "$@"
}

# sync_ui NAME: open and close the help, so that every key sent before has
# been handled (for keys whose effect is to change nothing).
sync_ui() {
    keys "$1" '?'
    wait_for "$1" 5 'heapwatch keys' || true
    keys "$1" '?'
    wait_gone "$1" 5 'heapwatch keys' || true
}

# pane NAME FORMAT: a tmux format of the pane (#{pane_dead}, #{alternate_on}...)
pane() { tm display-message -p -t "$1" "$2" 2>/dev/null; }

# quit_ok CHECK NAME: press q; pass when heapwatch ends with status 0.
quit_ok() {
    local f=$TMP/$2.status end=$((${EPOCHREALTIME/./} + 10000000))
    keys "$2" q
    until [ -s "$f" ] || [ "${EPOCHREALTIME/./}" -ge "$end" ]; do
        sleep 0.1
    done
    if [ ! -s "$f" ]; then
        SCREEN=$(screen "$2")
        fail "$1" "q: heapwatch still running after 10 s"
        keep_screen "$1"
    elif [ "$(cat "$f")" = 0 ]; then
        pass "$1"
    else
        fail "$1" "q: heapwatch exited $(cat "$f"), want 0"
        SCREEN=$(screen "$2")
        keep_screen "$1"
    fi
    tm kill-session -t "$2" >/dev/null 2>&1
}

# ---- reading the screen

# fmt_bytes N: as src/base/fmt.c's fmt_bytes (1024-based, 3 significant digits).
fmt_bytes() {
    awk -v n="$1" 'BEGIN {
        if (n == "" || n == "null") { print "-"; exit }
        if (n < 1024) { printf "%d\n", n; exit }
        v = n / 1024; u = 1; split("K M G T", U, " ")
        while (v >= 1023.95 && u < 4) { v /= 1024; u++ }
        f = v < 9.995 ? "%.2f%s\n" : v < 99.95 ? "%.1f%s\n" : "%.0f%s\n"
        printf f, v, U[u] }'
}

# stat LABEL: the first word of the stats panel's row LABEL in SCREEN.
stat() { grep -oE -- "│ $1 +[^ ]+" <<<"$SCREEN" | head -n 1 | awk '{ print $NF }'; }

# stats_seen: "total=.. used=.. free=.. largest=.. blk=.. frag=.." from SCREEN.
stats_seen() {
    local blk
    blk=$(grep -oE -- "│ largest +[^ ]+ [0-9]+ blk" <<<"$SCREEN" | head -n 1 | awk '{ print $(NF - 1) }')
    echo "total=$(stat total) used=$(stat used) free=$(stat free) largest=$(stat largest) blk=$blk frag=$(stat frag)"
}

# stats_want FILE JQPATH: the same line from one snapshot of a JSON document:
# its "figures", the one rule every output follows (src/model/snapshot.c).
stats_want() {
    local t u f l blk fr
    read -r t u f l blk fr < <(jq -r "$2"' | .figures | [.total_bytes, .used_bytes, .free_bytes,
        .largest_free_bytes, .largest_free_blocks, .fragmentation] | map(tostring) | join(" ")' "$1")
    local frag
    frag=$(awk -v f="$fr" 'BEGIN { if (f == "null") print "-"; else printf "%.3f", f }')
    [ "$blk" = null ] && blk=
    echo "total=$(fmt_bytes "$t") used=$(fmt_bytes "$u") free=$(fmt_bytes "$f") largest=$(fmt_bytes "$l") blk=$blk frag=$frag"
}

# same_stats NAME JSON JQPATH: the stats panel shows that snapshot's figures.
same_stats() {
    local seen want
    seen=$(stats_seen)
    want=$(stats_want "$2" "$3")
    # the JSON keeps 4 decimals of the fragmentation, the panel shows 3: one
    # rounding apart at most
    if [ "${seen% frag=*}" = "${want% frag=*}" ] &&
        awk -v a="${seen##*frag=}" -v b="${want##*frag=}" 'BEGIN {
            if (a == b) exit 0; d = a - b; exit !(a != "-" && b != "-" && d < 0.0011 && d > -0.0011) }'; then
        pass "$1"
    else
        fail "$1" "screen: $seen; JSON $3: $want"
        keep_screen "$1"
    fi
}

# grid [CLASS]: the heatmap cells of SCREEN (left of the panel separator,
# address gutter dropped), one line per row; with CLASS (a Perl character
# class body), only the characters outside it.
grid() {
    perl -CSD -ne 'if (/^(?:[0-9a-f]{8} )?([^\x{2502}\x{250c}\x{2514}]{8,})\x{2502}(?: |$)/) {
        my $r = $1; $r =~ s/\s+$//;
        if (defined $ENV{GRID_CLASS}) { $r =~ s/[$ENV{GRID_CLASS}]//g; print "$r\n" if length $r }
        elsif (length $r) { print "$r\n" } }' <<<"$SCREEN"
}
grid_rows() { grid | grep -c .; }
# grid_foreign CLASS: characters of the grid outside CLASS (empty: all inside)
grid_foreign() { GRID_CLASS=$1 grid | head -n 3; }
# grid_has CLASS: some cell is in CLASS
grid_has() { GRID_CLASS="^$1" grid | grep -q .; }

# scale: N of the heatmap title's "1 cell = N block(s)" in SCREEN.
scale() { grep -oE '1 cell = [0-9]+ blocks?' <<<"$SCREEN" | head -n 1 | awk '{ print $4 }'; }
# trend_n: N of the trends title "last N samples".
trend_n() { grep -oE 'trends: last [0-9]+ samples?' <<<"$SCREEN" | head -n 1 | awk '{ print $3 }'; }
# col_of TEXT: the column (in characters) where TEXT starts on its first line.
col_of() {
    T=$1 perl -CSD -ne 'BEGIN { $t = $ENV{T}; utf8::decode($t) } my $i = index($_, $t);
        if ($i >= 0) { print "$i\n"; exit }' <<<"$SCREEN"
}
# width_of REGEX: the length in characters of the first line matching REGEX.
width_of() { grep -E -m 1 -- "$1" <<<"$SCREEN" | perl -CSD -ne 'chomp; print length($_), "\n"'; }
# has_colour NAME: the pane shows some foreground or background colour.
has_colour() {
    raw "$1" | perl -ne 'while (/\e\[([0-9;:]*)m/g) { for (split /[;:]/, $1) {
        $c = 1 if /^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$/ } } END { exit($c ? 0 : 1) }'
}

# Cell characters per view (Perl class bodies), UTF-8 and ASCII.
TYPE_CELLS='TLDSAFBMh=?\x{b7}\x{2591}\x{2592}\x{2593}\x{2588} '
TYPE_CELLS_ASCII='TLDSAFBMh=?.:+*# '
FRAG_CELLS='xo\-?\x{b7}\x{2591} '
FRAG_CELLS_ASCII='xo\-?.: '

# ==== 1. live at 80x24, with --json of the same run
WD=$TMP/wd
mkdir -p "$WD"
LJSON=$TMP/live.json
ui_start live 80 24 "$WD" -- --json "$LJSON" "exec:$DEVICE"
see live-ready live 20 '● ready' '│ total ' || true
see live-status-keys live 5 '^ heapwatch .* \? help  q quit$'
see live-legend live 5 'T tuple +L list +D dict +S str/bytes +A array +F float +B function +M module' \
    ' = tail .* free .* unknown'
for label in total used free largest frag; do
    case $label in
    frag) want='[0-9]\.[0-9]{3}' ;;
    largest) want='[0-9.]+[KMGT]? [0-9]+ blk' ;;
    total) want='[0-9.]+[KMGT]?$' ;;
    *) want='[0-9.]+[KMGT]? [0-9.]+%' ;;
    esac
    see "live-stats-$label" live 5 "│ $label +$want"
done
see live-trends live 5 '─ trends: last [0-9]+ samples?' '^used +[^ ]+ [0-9.]+[KMGT]? ' \
    '^free +[^ ]+ [0-9.]+[KMGT]? ' '^large +[^ ]+ [0-9.]+[KMGT]? ' '^frag +[^ ]+ [0-9]\.[0-9]{3} '
see live-probe live 5 '│ probe +[0-9]+ B/sample'
see live-message live 5 '^sampling exec:node .*device\.mjs'
if has_colour live; then
    pass live-has-colours
else
    fail live-has-colours "no colour codes in the capture of a 256-colour terminal"
fi

# ==== 2. the heatmap at 80x24 (200x60 further down)
wait_for live 5 '─ type +1 cell = [0-9]+ blocks?' || true
K80=$(scale)
TOTAL80=$(stat total)
if [ -n "$K80" ] && [ "$K80" -gt 1 ]; then
    pass heatmap-80x24-scale
else
    fail heatmap-80x24-scale "want '1 cell = N blocks' with N > 1 for 4000 blocks in 56x11 cells, got '${K80:-none}'"
    keep_screen heatmap-80x24-scale
fi
rows=$(grid_rows)
foreign=$(grid_foreign "$TYPE_CELLS")
if [ "$rows" -ge 8 ] && [ -z "$foreign" ] && grid_has '\x{2588}\x{2593}\x{2592}\x{2591}TLDSAFBMh='; then
    pass heatmap-80x24-grid
else
    fail heatmap-80x24-grid "want >= 8 rows of type-view cells, got $rows rows; foreign characters: '$foreign'"
    keep_screen heatmap-80x24-grid
fi

# ==== 3. v cycles the views, the legend with them
view_check() { # view_check CHECK TITLE LEGEND-REGEX GONE-REGEX
    keys live v
    if wait_for live 5 "─ $2 " "$3" && ! on_screen "$4"; then
        pass "$1"
    else
        fail "$1" "want title '$2' with legend '$3' (and no '$4')"
        keep_screen "$1"
    fi
}
view_check view-fragmentation fragmentation 'x hole 1-2 blocks +o 3-15 +- 16-255' 'T tuple'
if grid_has 'xo\-' && [ -z "$(grid_foreign "$FRAG_CELLS")" ]; then
    pass view-fragmentation-cells
else
    fail view-fragmentation-cells "want hole characters x/o/- among the cells, nothing else: '$(grid_foreign "$FRAG_CELLS")'"
    keep_screen view-fragmentation-cells
fi
view_check view-changes changes '\+ allocated since last sample +- freed' 'hole 1-2 blocks'
view_check view-age age '1 new +3 (>=|≥)4 samples .*leak suspects' 'allocated since last sample'
view_check view-type type 'T tuple +L list' 'leak suspects'

# ==== 5. the help overlay
keys live '?'
see help-keys live 5 'heapwatch keys' '  q +quit ' 'p  space +pause / resume' '\+  - +zoom in / out' \
    'e +export the current snapshot' 'r +start / stop recording' 'g +gc\.collect\(\)' 'v +next view'
keys live '?'
see_gone help-closes live 5 'heapwatch keys'
# h and F1 open the help too, so the help says so; each also closes it
keys live '?'
see help-lists-h-f1 live 5 'heapwatch keys' '  \?  h  F1 +show / hide this help'
keys live '?'
wait_gone live 5 'heapwatch keys' || true
for k in h F1; do
    keys live "$k"
    see "help-opens-$k" live 5 'heapwatch keys' '  q +quit '
    keys live "$k"
    see_gone "help-closes-$k" live 5 'heapwatch keys'
done
if on_screen '│ total '; then
    pass help-closed-stats-back
else
    fail help-closed-stats-back "the stats panel is not drawn again after the help closes"
    keep_screen help-closed-stats-back
fi

# ==== 6. zoom, scroll, export, record
zoom_check() { # zoom_check CHECK KEY WANT
    keys live "$2"
    if wait_for live 5 "─ [a-z]+ +1 cell = $3 blocks?( |\$)"; then
        pass "$1"
    else
        fail "$1" "after '$2' want '1 cell = $3 block(s)', got '$(scale)'"
        keep_screen "$1"
    fi
}
# zoom_steps KEY FROM TO: press KEY until the scale has gone from FROM to TO
# (halving with +, doubling with -), each step awaited.
zoom_steps() {
    local cur=$2
    while [ "$cur" != "$3" ]; do
        keys live "$1"
        if [ "$1" = + ]; then cur=$((cur / 2)); else cur=$((cur * 2)); fi
        wait_for live 5 "1 cell = $cur blocks?( |\$)" || return 1
    done
}
if [ -n "$K80" ] && [ "$K80" -ge 4 ]; then
    zoom_check zoom-in + $((K80 / 2))
    zoom_check zoom-in-again + $((K80 / 4))
    zoom_check zoom-out - $((K80 / 2))
    zoom_check zoom-out-to-fit - "$K80"
    keys live -
    sync_ui live
    if [ "$(scale)" = "$K80" ]; then
        pass zoom-out-stays-fit
    else
        fail zoom-out-stays-fit "'-' at the fit scale ($K80) gave '$(scale)'"
        keep_screen zoom-out-stays-fit
    fi
    # one block per cell: more rows than fit, and they scroll
    zoom_steps + "$K80" 1 || true
    if on_screen '─ type +1 cell = 1 block = 16 B +rows 1-[0-9]+/[0-9]+'; then
        pass zoom-one-block
        keys live Down
        see scroll-down live 5 ' rows 2-[0-9]+/[0-9]+'
        keys live Up
        see scroll-up live 5 ' rows 1-[0-9]+/[0-9]+'
    else
        fail zoom-one-block "want '1 cell = 1 block = 16 B  rows 1-N/M' after zooming in"
        keep_screen zoom-one-block
    fi
    zoom_steps - "$(scale)" "$K80" || true
else
    fail zoom "the fit scale at 80x24 is '${K80:-unknown}', too fine to zoom in twice"
fi

# e: the current snapshot as JSON in the working directory
keys live e
if see export-message live 5 '^snapshot #[0-9]+ written to heapwatch-snapshot-[0-9]+\.json'; then
    n=$(grep -oE '^snapshot #[0-9]+' <<<"$SCREEN" | tr -dc 0-9)
    f=$WD/heapwatch-snapshot-$n.json
    if [ -f "$f" ] && jq -e --argjson n "$n" '(.metrics | type == "object") and .seq == $n and
            (.areas | length) >= 1' "$f" >/dev/null 2>&1; then
        pass export-file
    else
        fail export-file "$f missing, not JSON, or without a metrics object / seq $n"
    fi
    # the export is one snapshot object of the --json schema
    if python3 "$ROOT/tests/schema/validate.py" "$ROOT/tests/schema/heapwatch.schema.json#/\$defs/snapshot" \
        "$f" >"$TMP/export-schema.log" 2>&1; then
        pass export-schema
    else
        fail export-schema "the exported snapshot does not match the schema's snapshot object"
        show_log "$TMP/export-schema.log"
    fi
fi

# r: a recording starts, holds dumps, stops; its header's start= is the
# session's, so start= plus a line's stamp is when the line came
t_r=$EPOCHREALTIME
keys live r
rec=
if see record-message live 5 '^recording to heapwatch-[0-9]{8}-[0-9]{6}\.rec'; then
    rec=$(grep -oE '^recording to heapwatch-[0-9-]+\.rec' <<<"$SCREEN" | awk '{ print $3 }')
    # the status line says so too, as long as the recording runs
    if wait_for live 2 ' REC heapwatch-'; then
        pass record-shown-80x24
    else
        fail record-shown-80x24 "recording, but the 80-column status line shows no REC (clipped after the rate and age)"
        keep_screen record-shown-80x24 0
        head -n 1 <<<"$SCREEN" | sed 's/^/    | /'
    fi
    n0=$(trend_n)
    wait_for live 10 "trends: last $((n0 + 2)) samples" || true
fi
keys live r
if see record-stopped live 5 '^recording stopped'; then
    if on_screen ' REC '; then
        fail record-stopped-status "the status line still says REC"
        keep_screen record-stopped-status
    else
        pass record-stopped-status
    fi
fi
if [ -n "$rec" ] && [ -f "$WD/$rec" ]; then
    start=$(head -n 1 "$WD/$rec" | grep -oE 'start=[0-9T:.-]+Z' | cut -d= -f2)
    first=$(sed -n '2p' "$WD/$rec" | grep -oE '^\+[0-9.]+' | tr -d +)
    start_s=$(date -u -d "$(sed 's/T/ /; s/Z$//' <<<"$start")" +%s.%N 2>/dev/null)
    if [ -n "$start_s" ] && [ -n "$first" ] &&
        awk -v s="$start_s" -v f="$first" -v r="$t_r" 'BEGIN { exit !(s < r && (s + f - r) < 3 && (s + f - r) > -1) }'; then
        pass record-start-matches-offsets
    else
        fail record-start-matches-offsets "start=$start + first stamp $first is not when r was pressed ($t_r)"
    fi
    dumps=$(run_to 30 "$BIN" analyze --json - "$WD/$rec" 2>/dev/null | jq '.snapshots | length' 2>/dev/null)
    if [ "${dumps:-0}" -ge 1 ]; then
        pass record-file-dumps
    else
        fail record-file-dumps "heapwatch analyze finds ${dumps:-no} dumps in $rec"
    fi
else
    fail record-file-dumps "no recording named on screen, or '$WD/$rec' does not exist"
fi

# ==== 4. g: gc.collect() and what it gave back. The collection runs in an
# exec of its own between two samples (the simulator's VM, like some ports,
# collects only once a command has returned): on a fragmenting program
# something always comes back, and the message and the gc row agree.
keys live g
if see gc-message live 10 '^gc\.collect\(\) gave back ([0-9.]+[KMGT]?|nothing): used [0-9.]+[KMGT]? -> [0-9.]+[KMGT]?' \
    '│ gc +[0-9.]+[KMGT]? back' \
    '│ gc used +[0-9.]+[KMGT]?→[0-9.]+[KMGT]?' '│ gc big +[0-9.]+[KMGT]?→[0-9.]+[KMGT]?'; then
    back=$(grep -oE '^gc\.collect\(\) gave back [^:]+' <<<"$SCREEN" | awk '{ print $4 }')
    # the sample before the collection may follow one of the VM's own
    # collections by a hair (a slow build, a loaded machine): then there is
    # no garbage yet; the program makes more, so ask twice more at most
    for _ in 1 2; do
        [ "$back" = nothing ] || break
        sleep 1.5
        keys live g
        wait_for live 8 '^gc\.collect\(\) gave back [0-9.]+[KMGT]?: ' &&
            back=$(grep -oE '^gc\.collect\(\) gave back [^:]+' <<<"$SCREEN" | awk '{ print $4 }')
    done
    if [ "$back" != nothing ]; then
        pass gc-gives-back-something
    else
        fail gc-gives-back-something "gc.collect() on a fragmenting program gave back nothing"
        keep_screen gc-gives-back-something
    fi
    want=$([ "$back" = nothing ] && echo 0 || echo "$back")
    if [ "$(stat gc)" = "$want" ]; then
        pass gc-row-matches-message
    else
        fail gc-row-matches-message "message says $back, the gc row says $(stat gc)"
        keep_screen gc-row-matches-message
    fi
fi

# ==== 7. resize to 120x40 and back
SEP80=$(col_of '┬─ stats')
tm resize-window -t live -x 120 -y 40
if wait_for live 10 'free runs: by size in blocks' '│ total +[^ ]+ +[0-9]+ x [0-9]+ B'; then
    sep=$(col_of '┬─ stats')
    w=$(width_of '\? help  q quit')
    lines=$(grep -c . <<<"$SCREEN")
    if [ "${sep:-0}" -gt "${SEP80:-999}" ] && [ "${w:-0}" -ge 118 ] && [ "$lines" -ge 36 ]; then
        pass resize-120x40
    else
        fail resize-120x40 "stats panel at column ${sep:-?} (was ${SEP80:-?}), status line ${w:-?} wide, $lines lines"
        keep_screen resize-120x40 42
    fi
else
    fail resize-120x40 "the wide stats panel (free runs, blocks x size) never showed"
    keep_screen resize-120x40 42
fi
tm resize-window -t live -x 80 -y 24
if wait_gone live 10 'free runs: by size' && wait_for live 5 '│ total ' '\? help  q quit$'; then
    sep=$(col_of '┬─ stats')
    w=$(width_of '\? help  q quit')
    if [ "$sep" = "$SEP80" ] && [ "${w:-0}" -le 80 ] && [ "$(wc -l <<<"$SCREEN")" -le 24 ]; then
        pass resize-back-80x24
    else
        fail resize-back-80x24 "stats panel at column ${sep:-?} (want $SEP80), status line ${w:-?} wide"
        keep_screen resize-back-80x24
    fi
else
    fail resize-back-80x24 "the 80x24 layout did not come back"
    keep_screen resize-back-80x24
fi

# ==== 1 (end). pause, and the numbers on screen are the JSON's last sample
keys live p
if wait_for live 5 ' PAUSED '; then
    pass pause-shown-80x24
else
    fail pause-shown-80x24 "p paused sampling, but the 80-column status line shows no PAUSED (clipped after the rate and age)"
    keep_screen pause-shown-80x24 0
    head -n 1 <<<"$SCREEN" | sed 's/^/    | /'
fi
# no sample while paused: the sample count stays for 2.5 s (samples are 1 s apart)
stable=0
end=$((${EPOCHREALTIME/./} + 10000000))
last=
since=${EPOCHREALTIME/./}
while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
    SCREEN=$(screen live)
    n=$(trend_n)
    if [ "$n" != "$last" ]; then
        last=$n
        since=${EPOCHREALTIME/./}
    elif [ $((${EPOCHREALTIME/./} - since)) -ge 2500000 ]; then
        stable=1
        break
    fi
    sleep 0.2
done
if [ "$stable" = 1 ]; then
    pass pause-holds
else
    fail pause-holds "samples kept coming for 10 s after p"
    keep_screen pause-holds
fi
# s while paused: one sample, and still paused
n_paused=$(trend_n)
keys live s
if wait_for live 10 "trends: last $((n_paused + 1)) samples" ' PAUSED '; then
    pass sample-while-paused
    sleep 2.5
    SCREEN=$(screen live)
    [ "$(trend_n)" = $((n_paused + 1)) ] && on_screen ' PAUSED ' && pass sample-stays-paused ||
        { fail sample-stays-paused "after s, sampling went on ($(trend_n) samples)"; keep_screen sample-stays-paused; }
else
    fail sample-while-paused "s while paused took no sample, or resumed sampling"
    keep_screen sample-while-paused
fi
PAUSED_SCREEN=$SCREEN
quit_ok live-quit live
SCREEN=$PAUSED_SCREEN
if jq -e . "$LJSON" >/dev/null 2>&1; then
    njson=$(jq '.snapshots | length' "$LJSON")
    if [ "$njson" = "$(trend_n)" ]; then
        pass json-same-sample-count
    else
        fail json-same-sample-count "the screen says $(trend_n) samples, the JSON holds $njson"
    fi
    same_stats live-numbers-match-json "$LJSON" '.snapshots[-1]'
    if [ "$(stat total)" = 62.5K ]; then
        pass live-total-62.5K
    else
        fail live-total-62.5K "the simulator's 64000-byte heap shows as '$(stat total)', want 62.5K"
    fi
else
    fail json-same-sample-count "$LJSON is missing or not JSON"
fi

# ==== 2 (end). the same heap at 200x60: finer cells
ui_start wide 200 60 "$WD" -- "exec:$DEVICE"
# (the map's rows too: a capture can land between two parts of a redraw)
if see wide-ready wide 20 '● ready' '─ type +1 cell = [0-9]+ blocks?' '│ total ' '^00000[0-9a-f]{3} '; then
    K200=$(scale)
    if [ -n "$K80" ] && [ "$K200" -lt "$K80" ] && [ "$(stat total)" = "$TOTAL80" ]; then
        pass heatmap-200x60-finer
    else
        fail heatmap-200x60-finer "1 cell = $K200 at 200x60, $K80 at 80x24 (totals $(stat total), $TOTAL80)"
        keep_screen heatmap-200x60-finer 62
    fi
    rows=$(grid_rows)
    foreign=$(grid_foreign "$TYPE_CELLS")
    # 4000 blocks at 1 block per cell in 144 columns: 28 rows
    if [ "$rows" -ge 20 ] && [ -z "$foreign" ] && grid_has 'TLDSAFBMh' &&
        [ "$(grep -cE '^[0-9a-f]{8} ' <<<"$SCREEN")" -ge 20 ]; then
        pass heatmap-200x60-grid
    else
        fail heatmap-200x60-grid "want >= 20 addressed rows of cells with head letters, got $rows; foreign: '$foreign'"
        keep_screen heatmap-200x60-grid 62
    fi
fi
quit_ok wide-quit wide

# ==== 9. no colours, and ASCII
mono_check() { # mono_check PREFIX ENV... -- ARGS...
    local p=$1
    shift
    ui_start "$p" 80 24 "$WD" "$@" "exec:$DEVICE"
    see "$p-ready" "$p" 20 '● ready' '│ total ' '─ type ' || true
    if has_colour "$p"; then
        fail "$p-no-colours" "colour codes in the capture"
    else
        pass "$p-no-colours"
    fi
    if grid_has '\x{2588}\x{2593}\x{2592}\x{2591}TLDSAFBMh=' && grid_has '\x{b7}' &&
        [ -z "$(grid_foreign "$TYPE_CELLS")" ]; then
        pass "$p-type-characters"
    else
        fail "$p-type-characters" "the type view does not show used (letters, shades) and free (·) cells by character"
        keep_screen "$p-type-characters"
    fi
    # at the fit zoom (4 blocks a cell here) a shade alone says nothing about
    # the type without colour: the cells carry their main type's letter, and
    # the legend says so
    local letters shades
    wait_for "$p" 15 'trends: last ([4-9]|[1-9][0-9]+) samples' || true
    letters=$(GRID_CLASS='^TLDSAFBMh' grid | tr -d '\n' | wc -m)
    shades=$(GRID_CLASS='^\x{2591}\x{2592}\x{2593}\x{2588}' grid | head -n 3)
    if on_screen '─ type +1 cell = [0-9]+ blocks' && [ "$letters" -ge 20 ] && [ -z "$shades" ] &&
        on_screen 'a cell of many blocks shows its main type'; then
        pass "$p-type-letters-at-fit"
    else
        fail "$p-type-letters-at-fit" "want type letters in the cells at the fit zoom ($letters letters; shades: '$shades') and the legend to say so"
        keep_screen "$p-type-letters-at-fit"
    fi
    keys "$p" v
    if wait_for "$p" 5 '─ fragmentation ' && grid_has 'xo\-' && [ -z "$(grid_foreign "$FRAG_CELLS")" ]; then
        pass "$p-fragmentation-characters"
    else
        fail "$p-fragmentation-characters" "the fragmentation view does not show holes as x/o/-"
        keep_screen "$p-fragmentation-characters"
    fi
    quit_ok "$p-quit" "$p"
}
mono_check no-color-env NO_COLOR=1 --
mono_check no-color-opt -- --no-color

ui_start ascii 80 24 "$WD" LANG=C LC_ALL=C -- "exec:$DEVICE"
if see ascii-ready ascii 20 '│ total ' '─ type '; then
    see ascii-status ascii 5 ' \*ready '
    if tm capture-pane -p -t ascii | LC_ALL=C grep -q -P '[\x80-\xff]'; then
        fail ascii-only "bytes above ASCII on a LANG=C terminal"
        tm capture-pane -p -t ascii | LC_ALL=C grep -P '[\x80-\xff]' | head -n 3 | sed 's/^/    | /'
    else
        pass ascii-only
    fi
    if on_screen ' \. free ' && on_screen ': cell <=1/4 used' && grid_has '.:+*#' &&
        [ -z "$(grid_foreign "$TYPE_CELLS_ASCII")" ]; then
        pass ascii-type-characters
    else
        fail ascii-type-characters "want the ASCII shades . : + * # in the grid and legend"
        keep_screen ascii-type-characters
    fi
    keys ascii v
    if wait_for ascii 5 '─ fragmentation ' ' \. 256\+ free +: used' && grid_has 'xo\-' &&
        [ -z "$(grid_foreign "$FRAG_CELLS_ASCII")" ]; then
        pass ascii-fragmentation-characters
    else
        fail ascii-fragmentation-characters "want x o - . : cells and legend in ASCII"
        keep_screen ascii-fragmentation-characters
    fi
fi
quit_ok ascii-quit ascii

# ==== 8. the terminal after each way out
# The pane runs an interactive shell; wrap.sh saves stty -g around heapwatch
# (whose pid it writes), and its exit status; stderr goes to a file.
WRAP=$TMP/wrap.sh
{
    echo '#!/bin/bash'
    echo 'tag=$1'
    echo 'trap : INT'
    echo 'stty -g >"$tag.before"'
    printf 'bash -c '\''echo $$ >"$0.pid"; exec "$@"'\'' "$tag" %q %q 2>"$tag.err"\n' "$BIN" "exec:$DEVICE"
    echo 'echo $? >"$tag.rc"'
    echo 'stty -g >"$tag.after"'
    echo 'echo "hw-done $tag"'
} >"$WRAP"
way_out() { # way_out TAG HOW
    local tag=$1 how=$2 s=sane-$1 pid st
    tm new-session -d -s "$s" -x 80 -y 24 -c "$TMP" -- env -i PATH="$PATH" HOME="$TMP" \
        TERM=xterm-256color LANG=$UTF LC_ALL=$UTF PS1='hw-prompt$ ' bash --norc --noprofile -i
    if ! wait_for "$s" 10 '^hw-prompt\$'; then
        fail "$tag-started" "no shell prompt in the pane"
        keep_screen "$tag-started"
        return
    fi
    keys "$s" "bash $WRAP $tag" Enter
    if ! wait_for "$s" 20 '● ready' '^sampling exec:'; then
        fail "$tag-started" "heapwatch never came up"
        keep_screen "$tag-started"
        return
    fi
    pid=$(cat "$TMP/$tag.pid" 2>/dev/null)
    case $how in
    q) keys "$s" q ;;
    C-c) keys "$s" C-c ;;
    *) kill "-$how" "$pid" ;;
    esac
    if ! wait_for "$s" 10 "^hw-done $tag\$"; then
        fail "$tag-exit" "heapwatch did not end after $how"
        keep_screen "$tag-exit"
        return
    fi
    wait_for "$s" 5 "^hw-done $tag\$" '^hw-prompt\$$' || true
    st=$(cat "$TMP/$tag.rc")
    if [ "$st" = 0 ] && cmp -s "$TMP/$tag.before" "$TMP/$tag.after" && ! kill -0 "$pid" 2>/dev/null; then
        pass "$tag-exit-stty"
    else
        fail "$tag-exit-stty" "exit $st (want 0); stty before: $(cat "$TMP/$tag.before"), after: $(cat "$TMP/$tag.after")"
    fi
    local flags last
    flags=$(pane "$s" 'alt=#{alternate_on} cursor=#{cursor_flag} keypad=#{keypad_cursor_flag}')
    last=$(grep . <<<"$SCREEN" | tail -n 1)
    if [ "$flags" = "alt=0 cursor=1 keypad=0" ] && [ "$last" = 'hw-prompt$' ] &&
        ! on_screen 'q quit|│ total|─ trends' && on_screen '^hw-prompt\$ bash ' ; then
        pass "$tag-screen-restored"
    else
        fail "$tag-screen-restored" "$flags (want alt=0 cursor=1 keypad=0), last line '$last' (want the prompt), UI gone, command line back"
        keep_screen "$tag-screen-restored"
    fi
    if grep -q "^heapwatch: sampling exec:node .*device\.mjs.* through the raw REPL\$" "$TMP/$tag.err"; then
        pass "$tag-messages-on-stderr"
    else
        fail "$tag-messages-on-stderr" "the session's messages are not repeated on stderr"
        show_log "$TMP/$tag.err"
    fi
    tm kill-session -t "$s" >/dev/null 2>&1
}
way_out quit q
way_out sigterm TERM
way_out sighup HUP
way_out sigint C-c

# ==== 10. replay
UNIX2=$FIX/unix_unknown-2024-09_2.txt
RP2=$FIX/rp2_v1.23plus_4.txt
if expect_status 2 replay-no-terminal -- "$BIN" replay "$UNIX2"; then
    if grep -q '^heapwatch: replay needs a terminal' "$TMP/replay-no-terminal.err" &&
        grep -q "heapwatch analyze -d $UNIX2" "$TMP/replay-no-terminal.err"; then
        pass replay-no-terminal-hint
    else
        fail replay-no-terminal-hint "want 'replay needs a terminal' and the hint 'heapwatch analyze -d FILE'"
        show_log "$TMP/replay-no-terminal.err"
    fi
fi
AJSON=$TMP/unix2.json
run_to 30 "$BIN" analyze --json "$AJSON" "$UNIX2" >/dev/null 2>&1
[ "$(jq '.snapshots | length' "$AJSON" 2>/dev/null)" = 2 ] || fail replay-fixture "analyze does not find 2 dumps in $UNIX2"

# pos CHECK KEY... -- WANT-POS [SPEED] [DUMP]: press KEY(s), then the bar shows WANT-POS
# (and SPEED), and the stats show dump DUMP (0-based) of $AJSON.
pos() {
    local check=$1 k=()
    shift
    while [ "$1" != -- ]; do
        k+=("$1")
        shift
    done
    shift
    local want=$1 speed=${2:-} dump=${3:-}
    [ ${#k[@]} -gt 0 ] && tm send-keys -t rp "${k[@]}"
    if wait_for rp 5 " $want  t=" ${speed:+"paused ${speed}x "}; then
        pass "$check"
        [ -n "$dump" ] && same_stats "$check-numbers" "$AJSON" ".snapshots[$dump]"
    else
        fail "$check" "want '$want'${speed:+ at ${speed}x} on the replay bar"
        keep_screen "$check"
    fi
}
HOME_KEY=$'\eOH' # what xterm sends for Home/End with the keypad on (curses' smkx);
END_KEY=$'\eOF'  # tmux would send \e[1~ and \e[4~, not in xterm-256color's terminfo
ui_start rp 80 24 "$TMP" -- replay "$UNIX2"
if see replay-up rp 10 '● replay' '‖ paused 1x \[' '│ total '; then
    pos replay-first -- 1/2 1 0
    pos replay-right Right -- 2/2 1 1
    keys rp Right
    sync_ui rp
    pos replay-right-at-end -- 2/2
    pos replay-left Left -- 1/2 1 0
    keys rp Left
    sync_ui rp
    pos replay-left-at-start -- 1/2
    tm send-keys -t rp -l "$END_KEY"
    pos replay-end -- 2/2 1 1
    tm send-keys -t rp -l "$HOME_KEY"
    pos replay-home -- 1/2 1 0
    pos replay-faster ']' -- 1/2 2
    pos replay-faster-again ']' -- 1/2 4
    pos replay-slower '[' '[' '[' -- 1/2 1/2
    pos replay-faster-back ']' -- 1/2 1
    # the slowest speed reads as a fraction, not 0.015625x; 1/64x is the floor
    pos replay-slowest '[' '[' '[' '[' '[' '[' '[' '[' -- 1/2 1/64
    pos replay-slower-fraction ']' ']' -- 1/2 1/16
    pos replay-speed-back-1x ']' ']' ']' ']' -- 1/2 1
    # Home as tmux, screen, PuTTY or the Linux console send it (\e[1~) while
    # TERM says xterm: curses cannot decode it, so it must do nothing (its
    # '[' must not be taken for "slower"); Right after it shows it was read
    tm send-keys -t rp Home Right
    if wait_for rp 5 ' 2/2  t=' && on_screen 'paused 1x '; then
        pass replay-undecoded-home-no-speed-change
    else
        fail replay-undecoded-home-no-speed-change "Home sent as \\e[1~ (undecodable with TERM=xterm-256color) changed the speed: $(grep -oE 'paused [0-9.]+x' <<<"$SCREEN"), want 1x: its '[' was read as 'slower'"
        keep_screen replay-undecoded-home-no-speed-change
    fi
    # a resize redraws at once (nothing else would: replay is paused)
    SEP=$(col_of '┬─ stats')
    tm resize-window -t rp -x 100 -y 30
    # the hint line only has room for "< > trend  ? help" at 100 columns
    if wait_for rp 5 ' 2/2  t=[^ ]+$' '< > trend +\? help$' && [ "$(col_of '┬─ stats')" != "$SEP" ] &&
        [ "$(width_of ' 2/2  t=')" -ge 95 ] && [ "$(grep -c . <<<"$SCREEN")" -ge 28 ]; then
        pass replay-resize
    else
        fail replay-resize "at 100x30 the layout did not follow (stats panel at column $(col_of '┬─ stats'), was $SEP)"
        keep_screen replay-resize 32
    fi
    tm resize-window -t rp -x 80 -y 24
    wait_gone rp 5 '< > trend +\? help$' || true
    # replay's own keys are in its help; keys that do nothing in replay
    # (g, s, r) are not offered on its hint line
    keys rp '?'
    see replay-help rp 5 'heapwatch replay keys' 'Left Right +step one sample' 'Home End +first / last' '\[  \] +slower / faster'
    if on_screen 'take a sample now|gc.collect\(\) on the board|start / stop recording'; then
        fail replay-help-live-keys "the replay help lists keys that only work live (s, g, r)"
    else
        pass replay-help-live-keys
    fi
    keys rp '?'
    # wait for the hint line itself: a capture can fall between the help
    # box going and the bottom line being redrawn
    if wait_gone rp 5 'heapwatch replay keys' && wait_for rp 5 '^ v view ' &&
        ! on_screen ' g gc | s sample | r record '; then
        pass replay-hints-working-keys
    else
        fail replay-hints-working-keys "the replay's hint line offers g gc / s sample / r record, which do nothing in replay"
        grep -E '^ v view ' <<<"$SCREEN" | sed 's/^/    | /'
    fi
fi
quit_ok replay-quit rp

run_to 30 "$BIN" analyze --json "$TMP/rp2.json" "$RP2" >/dev/null 2>&1
ui_start rp 80 24 "$TMP" -- replay "$RP2"
if see replay-one-dump rp 10 ' 1/1  t=' '│ total '; then
    same_stats replay-one-dump-numbers "$TMP/rp2.json" '.snapshots[0]'
fi
quit_ok replay-one-dump-quit rp

# ==== 11. every stats row whole, at every size
# stats_cut: the stats rows of SCREEN that do not read whole: each row (the
# text right of the panel's rule) must be one of the shapes the panel draws,
# to its last word, so a row clipped at the right edge ("complete, consiste",
# "1.0/s, last sample") shows up here.
stats_cut() {
    perl -CSD -ne '
        BEGIN {
            my $bar = qr/[\x{2588}-\x{258f}#+]*/; my $sz = qr/[0-9.]+[KMGT]?/;
            my $dur = qr/[0-9][0-9.hms]*/;
            @ok = (
                qr/^total +$sz( +[0-9]+ x [0-9]+ B)?$/,
                qr/^(used|free) +$sz [0-9.]+%( $bar)?$/,
                qr/^largest +($sz [0-9]+ blk( \(device\))?|$sz|unknown|- \((no map|map incomplete)\))$/,
                qr/^frag +[0-9]\.[0-9]{3}( \(device\))?( $bar)?$/,
                qr/^allocs +[0-9]+(, max [0-9]+ blk| +1-blk [0-9]+, 2-blk [0-9]+, max [0-9]+ blk)?$/,
                qr/^map +(complete(, ok|, consistent)?|none( \(GC totals only\))?)$/,
                qr/^stack +$sz( of $sz)?( $bar)?$/,
                qr/^probe +-?[0-9]+ B\/sample$/,
                qr/^leak +(\?( \([0-9]+ of 4 collections\))?|none( \(-?[0-9]+ (\x{b1}|\+-) [0-9]+ B\/(min|sample)\))?|leaks -?[0-9]+ (\x{b1}|\+-) [0-9]+ B\/(min|sample)|\+[0-9]+ B\/(min|sample))$/,
                qr/^suspect +[0-9]+ \($sz\)(, oldest 0x[0-9a-f]+ [A-Za-z] $sz)?$/,
                qr/^areas +1 @[0-9a-f]+$/,
                qr/^link +(ready|replay)$/,
                qr/^rate +([0-9.]+\/s|1 per $dur|-)(, ($dur|-) ago|, last sample ($dur|-) ago)?$/,
                qr/^runs +[\x{2581}-\x{2588} ]+( <[0-9]+[KM]?)?$/,
                qr/^([TLDSAFBMh][0-9]+ ?)+$/,
                qr/^[0-9]+[KM]?(-[0-9]+[KM]?)? +[0-9]+( $bar)?$/,
                qr/^[TLDSAFBMh] (tuple|list|dict|str|array|float|func|module|other) +[0-9]+( $bar)?$/,
                qr/^\x{2500} (free runs|allocations)(: (by size in blocks|in blocks|by type))?( \x{2500}*)?$/,
            );
        }
        next unless /\x{2502} (.*)$/;
        my $r = $1; $r =~ s/\s+$//;
        next if $r eq "";
        print "$r\n" unless grep { $r =~ $_ } @ok;' <<<"$SCREEN"
}
# stats_whole_at COLS ROWS: resize the sweep pane, wait for the new frame,
# pass when every stats row reads whole.
stats_whole_at() {
    local c=$1 r=$2 cut
    tm resize-window -t sweep -x "$c" -y "$r"
    if ! wait_cols sweep 10 "$c" '│ total ' '│ map '; then
        fail "stats-whole-${c}x$r" "no ${c}-column frame with the total and map rows"
        keep_screen "stats-whole-${c}x$r" "$r"
        return
    fi
    # tmux may show a frame half written (a full repaint at this size is
    # several writes): a row really cut stays cut in every later frame
    local try
    for try in 1 2 3 4 5; do
        cut=$(stats_cut)
        [ -z "$cut" ] && break
        sleep 0.3
        SCREEN=$(screen sweep)
    done
    if [ -z "$cut" ] && on_screen '│ map +complete, (ok|consistent)$'; then
        pass "stats-whole-${c}x$r"
    else
        fail "stats-whole-${c}x$r" "stats rows cut at ${c}x$r: $(head -n 3 <<<"$cut" | paste -sd '|')"
        keep_screen "stats-whole-${c}x$r" "$r"
    fi
}
ui_start sweep 80 24 "$WD" -- "exec:$DEVICE"
if see sweep-ready sweep 20 '● ready' '│ total ' '│ map '; then
    for size in 80x24 100x30 110x40 120x40 150x40 180x50 250x60; do
        stats_whole_at "${size%x*}" "${size#*x}"
    done
fi
quit_ok sweep-quit sweep

# ==== 12. a terminal too small for the UI: the notice itself fits
# words_of: the words of SCREEN on one line, in reading order.
words_of() { tr -s ' \n' '  ' <<<"$SCREEN" | sed 's/^ //; s/ $//'; }
ui_start small 30 8 "$TMP" -- replay "$UNIX2"
for size in 30x8 20x5 10x3; do
    tm resize-window -t small -x "${size%x*}" -y "${size#*x}"
    if wait_for small 5 '40x12' && words_of | grep -qE '(^| )too small:? .*needs 40x12'; then
        pass "too-small-$size"
    else
        fail "too-small-$size" "the notice does not fit at $size: '$(words_of)'"
        keep_screen "too-small-$size" 8
    fi
done
tm resize-window -t small -x 80 -y 24
see too-small-then-80x24 small 5 '│ total ' '● replay'
quit_ok too-small-quit small

# ==== 13. a dump without a block map says so, and only that
# no_map_check CHECK NAME: the screen says "no map" and never "complete"
# or "incomplete" about the map, in stats rows that read whole.
no_map_check() {
    if wait_for "$2" 10 '│ total ' '│ map +none' && on_screen 'no block map in this sample' &&
        ! on_screen '[Cc]omplete|COMPLETE' && [ -z "$(stats_cut)" ]; then
        pass "$1"
    else
        fail "$1" "want 'map none', no 'complete'/'incomplete' anywhere, rows whole: $(grep -oiE '(map|largest) +[^│]*(complete|none)[^│]*' <<<"$SCREEN" | paste -sd '|') $(stats_cut | paste -sd '|')"
        keep_screen "$1"
    fi
}
ui_start nomap 80 24 "$TMP" -- replay "$FIX/stm32_v1.6_1.txt"
no_map_check no-map-replay-80x24 nomap
tm resize-window -t nomap -x 120 -y 40
wait_cols nomap 5 120 '│ total ' || true
no_map_check no-map-replay-120x40 nomap
quit_ok no-map-replay-quit nomap
ui_start nomap 120 40 "$WD" -- --no-map "exec:$DEVICE"
see no-map-live-ready nomap 20 '● ready' '│ total ' || true
no_map_check no-map-live-120x40 nomap
tm resize-window -t nomap -x 80 -y 24
wait_cols nomap 5 80 '│ total ' || true
no_map_check no-map-live-80x24 nomap
quit_ok no-map-live-quit nomap

# ==== 14. terminals that cannot show the UI, replay from a pipe, a
# command's stderr, and a capture far larger than the UI keeps
for term in dumb nosuchterminal; do
    ui_start "term-$term" 80 24 "$WD" TERM=$term -- -n 3 "exec:$DEVICE"
    if wait_for "term-$term" 20 "TERM=$term .*(cannot move the cursor|not a terminal type)" ' ok$'; then
        pass "term-$term-falls-back-to-lines"
    else
        fail "term-$term-falls-back-to-lines" "want one line saying why, then sample lines"
        SCREEN=$(screen "term-$term")
        keep_screen "term-$term-falls-back-to-lines"
    fi
    tm kill-session -t "term-$term" >/dev/null 2>&1
done

# replay -: the capture on standard input, the keys from the terminal
tm new-session -d -s rpipe -x 100 -y 30 -c "$TMP" -- sh -c 'exec "$@" <"$0"' \
    "$FIX/unix_unknown-2024-09_2.txt" "${PANE_ENV[@]}" "$BIN" replay -
see replay-stdin rpipe 10 '● replay' ' 1/2  t='
keys rpipe Right
see replay-stdin-keys rpipe 5 ' 2/2  t='
keys rpipe q
tm kill-session -t rpipe >/dev/null 2>&1

# an exec: command that talks on stderr: never over the screen, only as
# the message line's "exec: ..."
NOISY="sh -c 'while :; do echo NOISE-ON-STDERR >&2; sleep 0.5; done & exec $DEVICE'"
ui_start noisy 80 24 "$WD" -- "exec:$NOISY"
if wait_for noisy 20 '● ready' '^exec: NOISE-ON-STDERR'; then
    sleep 1.5
    SCREEN=$(screen noisy)
    if grep 'NOISE-ON-STDERR' <<<"$SCREEN" | grep -qv '^exec: NOISE-ON-STDERR'; then
        fail exec-stderr-not-on-screen "the command's stderr is drawn over the UI"
        keep_screen exec-stderr-not-on-screen
    else
        pass exec-stderr-not-on-screen
    fi
else
    fail exec-stderr-not-on-screen "no 'exec: NOISE-ON-STDERR' message line"
    SCREEN=$(screen noisy)
    keep_screen exec-stderr-not-on-screen
fi
quit_ok noisy-quit noisy

# A capture of ~30 MB (a simulator recording, repeated): replay indexes it
# once and parses a dump when it is shown. End goes to the last dump at
# once, its numbers are analyze's, and memory stays far below the file.
# It begins with a real board's dumps, far less free than the simulator's:
# a dip long before the ring of 4096 points the trends keep at full detail.
"$BIN" --no-tui -n 300 -i 0 -r "$TMP/unit.rec" "exec:$DEVICE" >/dev/null 2>&1
DIP=$ROOT/tests/fixtures/meminfo/esp32_v1.23plus_3.txt
{ cat "$DIP"; for _ in $(seq 40); do cat "$TMP/unit.rec"; done; } >"$TMP/big.rec"
"$BIN" analyze --json "$TMP/big.json" "$TMP/big.rec" >/dev/null 2>&1
nbig=$(jq '.snapshots | length' "$TMP/big.json" 2>/dev/null)
ui_start big 100 30 "$TMP" -- replay "$TMP/big.rec"
if see replay-big-opens big 20 "● replay" " 1/$nbig  t="; then
    keys big End
    if see replay-big-end big 5 " $nbig/$nbig  t="; then
        same_stats replay-big-end-numbers "$TMP/big.json" '.snapshots[-1]'
    fi
    # the widest window is the whole capture: its lowest free and highest
    # used are the capture's (analyze's), the dip included; one step back
    # is the ring's 4096 samples, where the dip is not
    min_free=$(fmt_bytes "$(jq '[.snapshots[].figures.free_bytes // empty] | min' "$TMP/big.json")")
    peak=$(fmt_bytes "$(jq '[.snapshots[].figures.used_bytes // empty] | max' "$TMP/big.json")")
    ring_min=$(fmt_bytes "$(jq '[.snapshots[-4096:][].figures.free_bytes // empty] | min' "$TMP/big.json")")
    for _ in 1 2 3 4 5 6 7 8; do keys big '>'; done
    see trends-all big 5 "trends: all $nbig samples" "^free .* ▲[^ ]+ ▼${min_free//./\\.}\$" \
        "^used .* ▲${peak//./\\.} ▼"
    keys big '<'
    see trends-all-back-to-ring big 5 "trends: last 4096 samples" "^free .* ▼${ring_min//./\\.}\$"
    assert trends-dip-only-in-all [ "$min_free" != "$ring_min" ]
    pid=$(pgrep -f "heapwatch replay $TMP/big.rec" | head -n 1)
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    size=$(($(stat -c %s "$TMP/big.rec") / 1024))
    # the index and the dumps around the position, not the capture: far
    # below the file (a replay that loads every dump holds about as much)
    if [ -n "$hwm" ] && [ "$hwm" -lt 65536 ] && [ "$hwm" -lt $((size / 3)) ]; then
        pass replay-big-memory
    else
        fail replay-big-memory "peak RSS ${hwm:-?} KB for a ${size} KB capture, want < 64 MB and under a third of the file"
    fi
fi
quit_ok replay-big-quit big
# the same from a pipe: a window of the last dumps, and it says so
tm new-session -d -s bigpipe -x 100 -y 30 -c "$TMP" -- sh -c 'exec "$@" <"$0"' \
    "$TMP/big.rec" "${PANE_ENV[@]}" "$BIN" replay -
see replay-pipe-window bigpipe 30 'cannot be read twice: showing its last [0-9]+ dumps of '"$nbig"
keys bigpipe q
tm kill-session -t bigpipe >/dev/null 2>&1

hw_finish
