#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/e2e/net.sh BIN - the network ports users name: rfc2217://HOST:PORT
# through a real RFC 2217 server (pyserial's PortManager, Debian's
# python3-serial, in tests/e2e/rfc2217_server.py) in front of the simulated
# board's pty link and of the real micro:bit firmware under QEMU behind a
# socat pty; socket://HOST:PORT through socat TCP-LISTEN; port:PATH and
# id:SERIAL; and the errors (refused, unknown host, bad names).
#
# Covered: 5 complete, consistent snapshots over rfc2217:// with the server's
# own log showing the --baud went out as SET-BAUDRATE (so a raw socket
# cannot pass); the server restarted mid-session: a gap with the reason, a
# resume, the settings negotiated again, sampling goes on to -n; the same
# over socket:// and from the micro:bit firmware; refused connections, an
# unknown host, malformed names as usage errors, an id: nobody has.
# Every server, socat, QEMU and heapwatch started here is stopped on exit.

. "$(dirname "$0")/lib.sh"
hw_suite net "$@"
need jq socat node timeout setsid qemu-system-arm
HW_TIMEOUT=90

SIM=$ROOT/tests/sim/sim.sh
SERVER=$ROOT/tests/e2e/rfc2217_server.py
FIRMWARE=/usr/share/firmware-microbit-micropython/firmware.hex
# pyserial is Debian's python3-serial: the system python, not whatever
# python3 comes first on PATH (a pyenv shim has no such module)
PY=${HW_PYTHON:-/usr/bin/python3}
export SIM_WAIT_S=30
if ! "$PY" -c 'import serial.rfc2217' 2>/dev/null; then
    fail tools "$PY cannot import serial.rfc2217 (apt-get install -y python3-serial)"
    hw_finish
fi

# ---- processes this suite starts (each under setsid: its group goes too)
bg() {
    setsid "$@" &
    BG_PIDS+=($!)
}
# stop_pid PID: TERM its group, KILL after 5 s, reap it.
stop_pid() {
    local pid=$1 i
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
hw_sim_deps

# free_port: a TCP port nobody listens on now (the kernel's pick).
free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# server_start NAME SERIALPORT [PORT]: an RFC 2217 server for SERIALPORT on
# PORT (default: a free one), log in $TMP/NAME.srv.log; sets SRV_PID and
# SRV_PORT. Fails check NAME-server when it does not come up.
SRV_PID= SRV_PORT=
server_start() {
    local name=$1 dev=$2 port=${3:-0} i
    rm -f "$TMP/$name.port"
    bg "$PY" "$SERVER" --port "$port" --port-file "$TMP/$name.port" "$dev" 2>"$TMP/$name.srv.log"
    SRV_PID=$!
    for i in $(seq 100); do
        [ -s "$TMP/$name.port" ] && break
        kill -0 "$SRV_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -s "$TMP/$name.port" ]; then
        SRV_PORT=$(cat "$TMP/$name.port")
        return 0
    fi
    fail "$name-server" "the RFC 2217 server did not start on $dev"
    show_log "$TMP/$name.srv.log"
    return 1
}

# restart_check NAME DEV URL N: sample URL (-n N, every 0.5 s) while the
# RFC 2217 server (SRV_PID, on SRV_PORT, serving DEV) is stopped after 3
# samples and started again 1.5 s later on the same port: heapwatch shows a
# gap and a resume, goes on to N complete snapshots, and the new server is
# set up again. Leaves the new server in SRV_PID.
restart_check() {
    local name=$1 dev=$2 url=$3 n=$4 hw end rc
    bg "$BIN" --no-tui -n "$n" -i 0.5 --timeout 10 --json "$TMP/$name.json" --record "$TMP/$name.rec" \
        "$url" >"$TMP/$name.out" 2>"$TMP/$name.err"
    hw=$!
    if wait_lines "$TMP/$name.out" 3 60; then
        pass "$name-sampling-before"
    else
        fail "$name-sampling-before" "no 3 samples within 60 s"
    fi
    stop_pid "$SRV_PID"
    sleep 1.5 # heapwatch retries every 0.5 s: it meets a refused port first
    server_start "$name-srv2" "$dev" "$SRV_PORT"
    end=$((SECONDS + 90))
    while kill -0 "$hw" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.2; done
    if kill -0 "$hw" 2>/dev/null; then
        fail "$name-exit-0" "heapwatch did not finish within 90 s of the restart"
        stop_pid "$hw"
    else
        wait "$hw"
        rc=$?
        if [ "$rc" -eq 0 ]; then
            pass "$name-exit-0"
        else
            fail "$name-exit-0" "exit $rc"
            show_log "$TMP/$name.err"
        fi
    fi
    jq_check "$name-$n-snapshots" "$TMP/$name.json" "want $n complete, consistent snapshots" \
        "(.snapshots | length) == $n and $ALL_OK"
    jq_check "$name-gap-resume" "$TMP/$name.json" \
        "want a gap (the server closed the connection), then a resume on the same URL, snapshots on both sides" \
        '([.events[] | select(.kind == "gap")][0]) as $g | ([.events[] | select(.kind == "resume")][0]) as $r |
         $g != null and $r != null and $g.time < $r.time and
         $g.detail == "cannot read \($url): connection closed by the server" and
         $r.detail == $url and
         ([.snapshots[] | select(.time < $g.time)] | length) >= 3 and
         ([.snapshots[] | select(.time > $r.time)] | length) >= 1' --arg url "$url"
    if grep -qE "^\+[0-9.]+ #gap cannot read $url: " "$TMP/$name.rec" &&
        grep -qE "^\+[0-9.]+ #resume $url\$" "$TMP/$name.rec"; then
        pass "$name-record-events"
    else
        fail "$name-record-events" "want #gap and #resume lines in the record file"
    fi
    if grep -q 'still waiting' "$TMP/$name.err" && grep -q "reconnected to $url" "$TMP/$name.err"; then
        pass "$name-messages"
    else
        fail "$name-messages" "want 'still waiting' (refused while down) and 'reconnected to $url'"
        show_log "$TMP/$name.err"
    fi
    # the settings went out again on the new connection
    if grep -q 'rfc2217.server: set baud rate: 115200$' "$TMP/$name-srv2.srv.log"; then
        pass "$name-renegotiated"
    else
        fail "$name-renegotiated" "want SET-BAUDRATE 115200 in the restarted server's log"
        show_log "$TMP/$name-srv2.srv.log"
    fi
}

ALL_OK='all(.snapshots[]; .complete and .consistent == true)'

# ==== 1. the simulator through a real RFC 2217 server
LINK=$TMP/sim
SIM_LINKS+=("$LINK")
if ! run_to 60 "$SIM" "$LINK" --workload fragmenting --seed 5 >"$TMP/sim.out" 2>&1; then
    fail sim-link "sim.sh did not bring up $LINK"
    show_log "$TMP/sim.out"
    hw_finish
fi
if server_start rfc "$LINK"; then
    URL=rfc2217://127.0.0.1:$SRV_PORT
    expect_status 0 rfc2217-exit-0 -- "$BIN" --no-tui -n 5 -b 57600 --json "$TMP/rfc.json" "$URL"
    jq_check rfc2217-5-snapshots "$TMP/rfc.json" "want 5 complete, consistent snapshots" \
        "(.snapshots | length) == 5 and $ALL_OK"
    # the server's own log: the --baud went out as SET-BAUDRATE, with 8N1 and
    # no flow control, so this cannot pass over a socket that ignores telnet
    if grep -q 'rfc2217.server: client accepts RFC 2217' "$TMP/rfc.srv.log" &&
        grep -q 'rfc2217.server: set baud rate: 57600$' "$TMP/rfc.srv.log" &&
        grep -q 'rfc2217.server: set data size: 8$' "$TMP/rfc.srv.log" &&
        grep -q 'rfc2217.server: set parity: N$' "$TMP/rfc.srv.log" &&
        grep -q 'rfc2217.server: set stop bits: 1$' "$TMP/rfc.srv.log" &&
        grep -q 'rfc2217.server: changed flow control to None$' "$TMP/rfc.srv.log"; then
        pass rfc2217-server-saw-settings
    else
        fail rfc2217-server-saw-settings "want SET-BAUDRATE 57600, 8N1, no flow control in the server's log"
        show_log "$TMP/rfc.srv.log"
    fi
    # --dtr/--rts go out as SET-CONTROL, RTS first; with a line raised,
    # closing clears RTS then DTR (as on a serial port)
    expect_status 0 rfc2217-lines-exit-0 -- "$BIN" --no-tui -n 1 --dtr 1 --rts 0 "$URL"
    # the server reads what heapwatch sent before it closed in its own time:
    # wait until it has seen this client go
    for i in $(seq 50); do
        [ "$(grep -c 'root: connected by' "$TMP/rfc.srv.log")" = "$(grep -c 'root: disconnected' "$TMP/rfc.srv.log")" ] && break
        sleep 0.1
    done
    lines=$(awk '/connected by/ { s = "" } /changed (RTS|DTR) to/ { s = s $NF "-" $4 " " } END { print s }' \
        "$TMP/rfc.srv.log")
    if [ "$lines" = "inactive-RTS active-DTR inactive-RTS inactive-DTR " ]; then
        pass rfc2217-lines-rts-then-dtr
    else
        fail rfc2217-lines-rts-then-dtr "want RTS off, DTR on, then RTS off, DTR off at close; got '$lines'"
        show_log "$TMP/rfc.srv.log"
    fi

    # ==== 2. the server restarts mid-session: a gap, a resume, on to -n
    restart_check restart "$LINK" "$URL" 10
    stop_pid "$SRV_PID"
fi

# ==== 3. socket:// through socat TCP-LISTEN on the same link (the RFC 2217
# server is gone, so nothing else reads the pty)
PORT=$(free_port)
# socat says when it listens; a probe connection would fork a child that
# keeps reading the pty for its 0.5 s linger, stealing the board's answers
bg socat -d -d TCP-LISTEN:"$PORT",bind=127.0.0.1,reuseaddr,fork FILE:"$LINK",raw,echo=0 \
    2>"$TMP/socat.log"
SOCAT_PID=$!
for i in $(seq 100); do
    grep -q 'listening on' "$TMP/socat.log" 2>/dev/null && break
    sleep 0.1
done
expect_status 0 socket-exit-0 -- "$BIN" --no-tui -n 5 --json "$TMP/sock.json" "socket://127.0.0.1:$PORT"
jq_check socket-5-snapshots "$TMP/sock.json" "want 5 complete, consistent snapshots over socket://" \
    "(.snapshots | length) == 5 and $ALL_OK"
stop_pid "$SOCAT_PID"

# port:PATH is the path itself
expect_status 0 port-path-exit-0 -- "$BIN" --no-tui -n 2 --json "$TMP/port.json" "port:$LINK"
jq_check port-path-snapshots "$TMP/port.json" "want 2 complete snapshots over port:PATH" \
    "(.snapshots | length) == 2 and $ALL_OK"
kill "$(cat "$LINK.pid")" 2>/dev/null

# ==== 4. the real micro:bit firmware under QEMU, behind a socat pty, through
# the RFC 2217 server, named as Wokwi users write it: localhost (which
# resolves to ::1 first here, where nothing listens: the next address is
# tried)
if [ -f "$FIRMWARE" ]; then
    MB=$TMP/microbit
    # socat's EXEC splits its options at commas: the command goes in a script
    printf '#!/bin/sh\nexec qemu-system-arm -M microbit -nographic -monitor null -serial stdio -device loader,file=%s\n' \
        "$FIRMWARE" >"$TMP/qemu.sh"
    chmod +x "$TMP/qemu.sh"
    bg socat PTY,link="$MB",raw,echo=0 EXEC:"$TMP/qemu.sh" 2>"$TMP/qemu.log"
    for i in $(seq 100); do [ -e "$MB" ] && break; sleep 0.1; done
    if server_start mb "$MB"; then
        expect_status 0 microbit-rfc2217-exit-0 -- "$BIN" --no-tui -n 5 --timeout 10 \
            --json "$TMP/mb.json" "rfc2217://localhost:$SRV_PORT"
        jq_check microbit-rfc2217-snapshots "$TMP/mb.json" \
            "want 5 complete, consistent snapshots of the micro:bit's heap" \
            "(.snapshots | length) == 5 and $ALL_OK and all(.snapshots[]; .gc.total > 0)"
        if grep -q 'rfc2217.server: set baud rate: 115200$' "$TMP/mb.srv.log"; then
            pass microbit-rfc2217-negotiated
        else
            fail microbit-rfc2217-negotiated "want SET-BAUDRATE 115200 in the server's log"
        fi
        restart_check microbit-restart "$MB" "rfc2217://localhost:$SRV_PORT" 6
        stop_pid "$SRV_PID"
    fi
else
    fail microbit "$FIRMWARE missing (scripts/deps.sh installs firmware-microbit-micropython)"
fi

# ==== 5. errors: one line (and a hint), the right exit status
PORT=$(free_port)
if expect_status 1 refused-exit-1 -- "$BIN" --no-tui -n 1 "rfc2217://127.0.0.1:$PORT"; then
    one_error refused-message "$TMP/refused-exit-1.err" \
        "^heapwatch: cannot connect to rfc2217://127\\.0\\.0\\.1:$PORT: Connection refused\$" \
        'RFC 2217 server running.*wokwi\.toml'
fi
if expect_status 1 refused-socket-exit-1 -- "$BIN" --no-tui -n 1 "socket://[::1]:$PORT"; then
    one_error refused-socket-message "$TMP/refused-socket-exit-1.err" \
        "^heapwatch: cannot connect to socket://\\[::1\\]:$PORT: Connection refused\$"
fi
if expect_status 1 unknown-host-exit-1 -- "$BIN" --no-tui -n 1 "rfc2217://no-such-host.invalid:4000"; then
    one_error unknown-host-message "$TMP/unknown-host-exit-1.err" \
        '^heapwatch: cannot connect to rfc2217://no-such-host\.invalid:4000: ' 'host name'
fi
if expect_status 1 id-unknown-exit-1 -- "$BIN" --no-tui -n 1 "id:NO-SUCH-BOARD-0"; then
    one_error id-unknown-message "$TMP/id-unknown-exit-1.err" \
        '^heapwatch: cannot find board NO-SUCH-BOARD-0: not connected$' 'heapwatch list'
fi
# malformed names are the user's to fix: exit 2, before anything is opened
bad_name() {
    local name=$1 spec=$2 pat=$3
    if expect_status 2 "$name-exit-2" -- "$BIN" --no-tui -n 1 "$spec"; then
        if [ "$(wc -l <"$TMP/$name-exit-2.err")" -eq 2 ] &&
            head -n 1 "$TMP/$name-exit-2.err" | grep -qE -- "$pat" &&
            [ "$(tail -n 1 "$TMP/$name-exit-2.err")" = "Try 'heapwatch --help'." ]; then
            pass "$name-message"
        else
            fail "$name-message" "want '$pat' and the --help line"
            show_log "$TMP/$name-exit-2.err"
        fi
    fi
}
bad_name no-port rfc2217://nohost '^heapwatch: cannot open rfc2217://nohost: no port$'
bad_name no-host socket://:0 '^heapwatch: cannot open socket://:0: no host$'
bad_name port-zero rfc2217://localhost:0 '^heapwatch: cannot open rfc2217://localhost:0: port 0$'
bad_name bare-ipv6 'socket://::1:4000' 'an IPv6 address goes in brackets$'
bad_name empty-id id: "nothing after 'id:'\$"

hw_finish
