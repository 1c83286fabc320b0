#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/package.sh BIN - the Debian package, built and installed as a user
# would: dpkg-buildpackage -us -uc -b on a clean export of the tracked files,
# lintian on the .deb (no error, warning or info), hardening-check on the
# packaged binary, a real dpkg install into a scratch root (its own dpkg
# database) and removal from it, the installed binary, man page and bash
# completion used from there. BIN is the tree's own build, whose --version
# the packaged one must print.

. "$(dirname "$0")/e2e/lib.sh"
hw_suite package "$@"
need dpkg-buildpackage dh lintian hardening-check dpkg git man bash cc readelf
HW_TIMEOUT=600

cd "$ROOT" || exit 2
ver=$(dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
src=$TMP/src/heapwatch-$ver
mkdir -p "$src"
# what is tracked, as it is in the working tree: the package is built from
# the sources under test, never from build outputs or node_modules
if git ls-files -z | xargs -0 cp --parents -t "$src" 2>"$TMP/export.err"; then
    pass export
else
    fail export "could not export the tracked files"
    show_log "$TMP/export.err"
    hw_finish
fi

deb=$TMP/src/heapwatch_${ver}_$arch.deb
# a make that runs this (make package, make -s) must not pass its flags on:
# the package build's compile lines are checked below
unset MAKEFLAGS MAKELEVEL MFLAGS
if (cd "$src" && run_to "$HW_TIMEOUT" dpkg-buildpackage -us -uc -b) >"$TMP/build.log" 2>&1 && [ -f "$deb" ]; then
    pass dpkg-buildpackage
else
    fail dpkg-buildpackage "no $deb"
    show_log "$TMP/build.log"
    hw_finish
fi
# the package build compiled with Debian's flags, not the Makefile's defaults
if grep -q -- '-D_FORTIFY_SOURCE=2' "$TMP/build.log" && grep -q -- '-fstack-protector-strong' "$TMP/build.log" &&
    grep -q -- '-z,now' "$TMP/build.log"; then
    pass build-flags
else
    fail build-flags "the compile and link lines lack dpkg-buildflags' CPPFLAGS, CFLAGS or LDFLAGS"
fi

# lintian: nothing at all, not even an informational tag
if run_to 300 lintian --info --display-info --fail-on error,warning,info "$deb" >"$TMP/lintian.out" 2>&1 &&
    ! grep -qE '^[EWI]: ' "$TMP/lintian.out"; then
    pass lintian-clean
else
    fail lintian-clean "lintian has something to say"
    show_log "$TMP/lintian.out"
fi

# a scratch root with a dpkg database of its own: dpkg installs there as it
# would on a machine, records the files and removes them again
root=$TMP/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
if dpkg --root="$root" --force-depends --force-script-chrootless -i "$deb" >"$TMP/install.log" 2>&1 &&
    dpkg --root="$root" -s heapwatch 2>/dev/null | grep -q '^Status: install ok installed'; then
    pass dpkg-install
else
    fail dpkg-install "dpkg could not install the package into a scratch root"
    show_log "$TMP/install.log"
fi
exe=$root/usr/bin/heapwatch
page=$root/usr/share/man/man1/heapwatch.1.gz
comp=$root/usr/share/bash-completion/completions/heapwatch
missing=
for f in "$exe" "$page" "$comp" "$root/usr/share/doc/heapwatch/copyright"; do
    [ -e "$f" ] || missing="$missing ${f#"$root"}"
done
[ -z "$missing" ] && pass installed-files || fail installed-files "missing:$missing"

# Control-flow protection (IBT/SHSTK) is compiled in (-fcf-protection), but
# the linker keeps the property only when every object has it, and
# bookworm's own crt1.o does not: no binary linked there has it, not even
# "int main(void){return 0;}". Required as soon as the platform allows it.
cfp=
printf 'int main(void){return 0;}\n' >"$TMP/h.c"
if cc -fcf-protection -o "$TMP/h" "$TMP/h.c" 2>/dev/null && ! readelf -n "$TMP/h" | grep -q IBT; then
    cfp=--nocfprotection
    echo "NOTE package/hardening-check: this toolchain links no binary with IBT (its crt1.o lacks it): not required"
fi
if hardening-check $cfp "$exe" >"$TMP/hardening.out" 2>&1; then
    pass hardening-check
else
    fail hardening-check "not every hardening feature is on"
    show_log "$TMP/hardening.out"
fi

if [ "$("$exe" --version 2>&1)" = "$("$BIN" --version 2>&1)" ] && "$exe" --version | grep -q "$ver"; then
    pass installed-version
else
    fail installed-version "the packaged binary says '$("$exe" --version 2>&1)', the tree's '$("$BIN" --version 2>&1)' (want $ver)"
fi
if MANWIDTH=80 man -l "$page" 2>"$TMP/man.err" | grep -q 'watch and analyse the heap' && [ ! -s "$TMP/man.err" ]; then
    pass installed-man-page
else
    fail installed-man-page "man -l of the installed page failed or warned"
    show_log "$TMP/man.err"
fi

# the installed completion, in bash with bash-completion as a user's shell
# loads it: options from --help, subcommands, ports from `heapwatch list`,
# values of options
comp_words() {
    PATH=$root/usr/bin:$PATH bash -c '
        . /usr/share/bash-completion/bash_completion || exit 1
        . "$1" || exit 1
        COMP_LINE=$2 COMP_POINT=${#2}
        read -ra COMP_WORDS <<<"$2"
        [[ $2 == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _heapwatch
        printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$1" 2>&1
}
has_words() { # NAME LINE WORD... : every WORD is offered for LINE
    local name=$1 line=$2 out w
    shift 2
    out=$(comp_words "$line")
    for w in "$@"; do
        if ! grep -qxF -- "$w" <<<"$out"; then
            fail "$name" "'$line<TAB>' does not offer '$w'; it offers: $(tr '\n' ' ' <<<"$out")"
            return
        fi
    done
    pass "$name"
}
if [ -f /usr/share/bash-completion/bash_completion ]; then
    has_words complete-option "heapwatch --ba" --baud
    has_words complete-analyze-options "heapwatch analyze --j" --json --junit
    has_words complete-subcommands "heapwatch " analyze replay diff report list auto
    has_words complete-dtr "heapwatch --dtr " on off
    # shellcheck disable=SC2046 # one word per port
    has_words complete-ports "heapwatch " $("$exe" list 2>/dev/null | awk 'NR > 1 { print $1 }')
    # profiles of the config file are offered where a port goes
    printf '[default]\ninterval = 1\n[ pico ]\nport = /dev/ttyACM0\n[microbit]\n' >"$TMP/config"
    HEAPWATCH_CONFIG=$TMP/config has_words complete-profiles "heapwatch " pico microbit
    HEAPWATCH_CONFIG=$TMP/config comp_words "heapwatch " | grep -qx default &&
        fail complete-no-default "[default] is offered as a port" || pass complete-no-default
    # every option --help names is offered, none is invented
    want=$("$exe" --help | grep -oE '(^|[ ,])--[a-z][-a-z]*' | tr -d ' ,' | sort -u)
    got=$(comp_words "heapwatch --" | sort -u)
    [ "$want" = "$got" ] && pass complete-every-option ||
        fail complete-every-option "--help and the completion differ: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
    out=$(comp_words "heapwatch analyze tests/fixtures/meminfo/esp32_v1.23")
    grep -qx 'tests/fixtures/meminfo/esp32_v1.23plus_3.txt' <<<"$out" && pass complete-files ||
        fail complete-files "analyze does not complete file names: $out"
else
    fail completion "bash-completion is not installed (scripts/deps.sh installs it)"
fi

if dpkg --root="$root" --force-script-chrootless -r heapwatch >"$TMP/remove.log" 2>&1 && [ ! -e "$exe" ] &&
    [ ! -e "$page" ] && [ ! -e "$comp" ]; then
    pass dpkg-remove
else
    fail dpkg-remove "dpkg -r left files behind or failed"
    show_log "$TMP/remove.log"
fi

hw_finish
