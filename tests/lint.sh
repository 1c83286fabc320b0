#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/lint.sh BIN - the man page is documentation that is tested:
#  - groff -man -ww -z, mandoc -Tlint and man --warnings print nothing;
#  - every option of `BIN --help` is in man/heapwatch.1 (escaped as \-\-name),
#    with the same short form and argument, and the same default; and every
#    option the OPTIONS section documents is in --help;
#  - every JSON key src/out/export_json.c, src/out/json_text.c and src/out/diff_json.c write, every problem/check name of
#    src/model/snapshot.c and every exit status of src/base/hw.h is documented;
#  - make headercheck passes.
# Prints PASS/FAIL lines and "N passed, M failed"; exit 1 if anything failed.

. "$(dirname "$0")/e2e/lib.sh"
hw_suite lint "$@"
need groff mandoc awk sed sort

MAN=$ROOT/man/heapwatch.1
cd "$ROOT" || exit 2

if [ ! -f "$MAN" ]; then
    fail man-exists "$MAN is missing"
    hw_finish
fi
pass man-exists

# Text of the man source with font escapes, \- and \& resolved; macro names
# and quotes dropped. Good enough to search for words and phrases.
man_text() {
    sed -e '/^\.\\"/d' -e 's/^\.[A-Za-z]*[[:space:]]*//' -e 's/"//g' \
        -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\&//g' -e "s/\\\\(aq/'/g" \
        -e 's/\\(bu//g' -e 's/\\(dq/"/g'
}

# Lines of the source between `.SH NAME...` and the next .SH.
man_section() {
    awk -v want="$1" '
        /^\.SH / { s = $0; sub(/^\.SH[ \t]+/, "", s); gsub(/"/, "", s); on = (s == want); next }
        on { print }' "$MAN"
}

# ---- groff and man warnings
if groff -man -ww -z "$MAN" >"$TMP/groff.out" 2>&1 && [ ! -s "$TMP/groff.out" ]; then
    pass groff-ww
else
    fail groff-ww "groff -man -ww -z printed warnings"
    show_log "$TMP/groff.out"
fi

# mandoc is a second, stricter reader of man(7) (what lintian and the BSDs
# use): not even a style note
if mandoc -Tlint "$MAN" >"$TMP/mandoc.out" 2>&1 && [ ! -s "$TMP/mandoc.out" ]; then
    pass mandoc-lint
else
    fail mandoc-lint "mandoc -Tlint printed warnings"
    show_log "$TMP/mandoc.out"
fi

if man --version 2>/dev/null | grep -q '^man '; then
    if MANWIDTH=80 MAN_KEEP_FORMATTING= man --warnings -l "$MAN" >"$TMP/man.txt" 2>"$TMP/man.err" &&
        [ ! -s "$TMP/man.err" ] && [ -s "$TMP/man.txt" ]; then
        pass man-warnings
    else
        fail man-warnings "man --warnings -l printed warnings (MANWIDTH=80)"
        show_log "$TMP/man.err"
    fi
else
    echo "SKIP lint/man-warnings: man-db's man is not installed (apt-get install -y man-db)"
fi

# ---- structure
missing=
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS KEYS FILES 'INPUT FORMATS' 'JSON OUTPUT' \
    'EXIT STATUS' ENVIRONMENT EXAMPLES 'SEE ALSO'; do
    grep -Eq "^\.SH \"?$s\"?\$" "$MAN" || missing="$missing [$s]"
done
if [ -z "$missing" ]; then pass sections; else fail sections "missing:$missing"; fi

# The page carries the version itself, so "man -l man/heapwatch.1" in a
# clone shows the same as the installed page: it must be HW_VERSION.
hw_version=$(sed -n 's/^#define HW_VERSION "\(.*\)"/\1/p' "$ROOT/src/base/hw.h")
if grep -Eq "^\.TH HEAPWATCH 1 .*\"heapwatch $hw_version\"" "$MAN" && ! grep -q '@VERSION@' "$MAN"; then
    pass th-version
else
    fail th-version ".TH must say \"heapwatch $hw_version\" (src/base/hw.h) and no @VERSION@ may be left"
fi

# Options are escaped consistently: no raw "--" or " -x" outside comments.
if grep -v '^\.\\"' "$MAN" | grep -nE -- '(^|[^\\])--|(^|[ (|])-[A-Za-z]' >"$TMP/raw-hyphens.txt"; then
    fail escaped-hyphens "unescaped option hyphens (write \\- ):"
    show_log "$TMP/raw-hyphens.txt"
else
    pass escaped-hyphens
fi

# ---- --help versus OPTIONS
if ! run_to 10 "$BIN" --help >"$TMP/help.txt" 2>"$TMP/help.err" || [ ! -s "$TMP/help.txt" ]; then
    fail help-runs "$BIN --help failed or printed nothing"
    hw_finish
fi
pass help-runs

grep -oE -- '--[a-z][a-z-]*' "$TMP/help.txt" | sort -u >"$TMP/help.long"
[ -s "$TMP/help.long" ] || fail help-long "no --options found in --help"

bad=
while read -r opt; do
    esc=$(printf '%s' "$opt" | sed 's/-/\\-/g')
    grep -qF -- "\\fB$esc\\fR" "$MAN" || bad="$bad $opt"
done <"$TMP/help.long"
if [ -z "$bad" ]; then
    pass help-options-in-man
else
    fail help-options-in-man "not in the man page as \\fB\\-\\-name\\fR:$bad"
fi

man_section OPTIONS >"$TMP/options.roff"
grep -oE '\\-\\-[a-z](\\-|[a-z])*' "$TMP/options.roff" | sed 's/\\-/-/g' | sort -u >"$TMP/man.long"
bad=$(comm -23 "$TMP/man.long" "$TMP/help.long" | tr '\n' ' ')
if [ -s "$TMP/man.long" ] && [ -z "$bad" ]; then
    pass man-options-in-help
else
    fail man-options-in-help "documented in OPTIONS but not in --help: ${bad:-(no options found)}"
fi

# Option specs: "-i, --interval SECONDS" as --help prints it, and as the
# line after each .TP of OPTIONS reads once unescaped.
grep -E '^ +(-[A-Za-z], +)?--[a-z][a-z-]*' "$TMP/help.txt" |
    sed -E 's/^ +//; s/  +.*$//' | sort -u >"$TMP/help.specs"
awk 'prev == ".TP" { print } { prev = $0 }' "$TMP/options.roff" | man_text | sort -u >"$TMP/man.specs"
bad=$(comm -3 "$TMP/help.specs" "$TMP/man.specs" | sed 's/^\t/man: /; s/^\([^m]\)/help: \1/' | tr '\n' ';')
if [ -s "$TMP/help.specs" ] && [ -z "$bad" ]; then
    pass option-specs
else
    fail option-specs "tags differ (short form or argument): ${bad:-(none found)}"
fi

# Defaults: "(default: X" in --help needs "Default: X" in that option's
# paragraph (X up to ';' or ')').
awk '
    /^\.(TP|SS|SH|PP|IP)/ { if (tag != "") print tag "\t" para; tag = ""; para = ""; wanttag = ($0 == ".TP"); next }
    wanttag { tag = $0; wanttag = 0; next }
    tag != "" { para = para " " $0 }
    END { if (tag != "") print tag "\t" para }' "$TMP/options.roff" | man_text >"$TMP/man.paras"
bad=
n_def=0
while IFS= read -r line; do
    spec=$(printf '%s\n' "$line" | sed -E 's/^ +//; s/  +.*$//')
    def=$(printf '%s\n' "$line" | sed -n 's/.*(default: \([^;)]*\).*/\1/p')
    [ -n "$def" ] || continue
    n_def=$((n_def + 1))
    if ! awk -F '\t' -v spec="$spec" -v def="$def" '
        $1 == spec {
            p = tolower($2); gsub(/[ \t]+/, " ", p); d = "default: " tolower(def)
            i = index(p, d)
            if (i && (i + length(d) > length(p) || substr(p, i + length(d), 1) ~ /[ .,;()]/)) found = 1
        }
        END { exit !found }' "$TMP/man.paras"; then
        bad="$bad [$spec: default: $def]"
    fi
done <"$TMP/help.txt"
if [ "$n_def" -gt 0 ] && [ -z "$bad" ]; then
    pass option-defaults
else
    fail option-defaults "man paragraph lacks the --help default:${bad:- (no defaults found in --help)}"
fi

# ---- JSON schema, problem names, exit statuses
man_section 'JSON OUTPUT' | man_text >"$TMP/json.txt"
{
    grep -ohE '(Add[A-Za-z]*ToObject|add_[a-z0-9_]+)\([a-z_>-]+, "[a-z_]+"' src/out/export_json.c src/out/diff_json.c |
        sed -E 's/.*"([a-z_]+)"$/\1/'
    grep -ohE '\\"[a-z_]+\\":' src/out/export_json.c src/out/json_text.c | tr -d '\\":'
} | sort -u >"$TMP/json.keys"
bad=
while read -r k; do
    grep -qw -- "$k" "$TMP/json.txt" || bad="$bad $k"
done <"$TMP/json.keys"
if [ "$(wc -l <"$TMP/json.keys")" -ge 40 ] && [ -z "$bad" ]; then
    pass json-keys-documented
else
    fail json-keys-documented "keys of src/out/export_json.c or diff_json.c missing from JSON OUTPUT:${bad:- (found only $(wc -l <"$TMP/json.keys") keys)}"
fi

sed -n '/_names\[SNAP_N_/,/};/p' src/model/snapshot.c | grep -oE '"[a-z_]+"' | tr -d '"' | sort -u >"$TMP/names"
bad=
while read -r k; do
    grep -qw -- "$k" "$TMP/json.txt" || bad="$bad $k"
done <"$TMP/names"
if [ "$(wc -l <"$TMP/names")" -ge 10 ] && [ -z "$bad" ]; then
    pass problem-names-documented
else
    fail problem-names-documented "problem/check names missing from JSON OUTPUT:${bad:- (found too few names)}"
fi

man_section 'EXIT STATUS' >"$TMP/exit.roff"
bad=
n=0
for v in $(grep -oE 'HW_EXIT_[A-Z]+ = [0-9]+' src/base/hw.h | grep -oE '[0-9]+$' | sort -u); do
    n=$((n + 1))
    awk -v v="$v" 'prev == ".TP" && $0 == ".B " v { f = 1 } { prev = $0 } END { exit !f }' \
        "$TMP/exit.roff" || bad="$bad $v"
done
if [ "$n" -ge 4 ] && [ -z "$bad" ]; then
    pass exit-statuses-documented
else
    fail exit-statuses-documented "exit statuses of src/base/hw.h not in EXIT STATUS:${bad:- (found $n)}"
fi

# ---- headers
if make -s headercheck >"$TMP/headercheck.log" 2>&1; then
    pass headercheck
else
    fail headercheck "make headercheck failed"
    show_log "$TMP/headercheck.log"
fi

# ---- layers: a module includes only headers of its own layer or below,
# so dependencies point one way: base <- model <- parse, link, out <- ui
# <- session <- src/ (main, options, paths). Headers sit beside their .c.
declare -A level=([base]=0 [model]=1 [parse]=2 [link]=2 [out]=2 [ui]=3 [session]=4 [top]=5)
declare -A home
for h in src/*.h src/*/*.h; do
    d=$(dirname "$h"); d=${d#src}; d=${d#/}
    home[$(basename "$h")]=${d:-top}
done
: >"$TMP/layers.txt"
for f in src/*.[ch] src/*/*.[ch]; do
    d=$(dirname "$f"); d=${d#src}; d=${d#/}; d=${d:-top}
    for h in $(grep -oE '^#include "[a-z_0-9]+\.h"' "$f" | cut -d'"' -f2); do
        hd=${home[$h]:-}
        if [ -z "$hd" ]; then
            echo "$f includes $h, which is no header of src/" >>"$TMP/layers.txt"
        elif [ "${level[$hd]}" -gt "${level[$d]}" ]; then
            echo "$f ($d) includes $h ($hd, a layer above)" >>"$TMP/layers.txt"
        fi
    done
done
if [ ! -s "$TMP/layers.txt" ] && [ ! -d include ]; then
    pass layers
else
    fail layers "includes that point up the layers:"
    show_log "$TMP/layers.txt"
fi

# ---- formatting: the code is as .clang-format says
if make -s format-check >"$TMP/format.log" 2>&1; then
    pass clang-format
else
    fail clang-format "not formatted as .clang-format says (make format):"
    show_log "$TMP/format.log" 10
fi

hw_finish
