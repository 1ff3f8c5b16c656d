#!/bin/bash
# tests/server/50-signals.t: SIGTERM/SIGINT exit within 2 s with the state file intact; SIGHUP
# reloads the config file; waiting for a JACK server that comes later; sd_notify messages.
. "$(dirname "$0")/lib.sh"

# Started before any JACK server: it waits, says so, and connects when one appears. Under a
# fake systemd notify socket, it reports READY=1, STATUS=, WATCHDOG=1 and STOPPING=1.
mkdir -p "$TMP/state"
printf 'stems = kick,bass\nlog-level = info\n' >"$TMP/s.conf"
python3 - "$TMP/notify.sock" "$TMP/notify.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(30)
with open(sys.argv[2], "a", buffering=1) as f:
    try:
        while True:
            f.write(s.recv(4096).decode() + "\n")
    except Exception:
        pass
PY
NOTIFY_PID=$!
PIDS="$PIDS $NOTIFY_PID"
for _ in $(seq 50); do [ -S "$TMP/notify.sock" ] && break; sleep 0.05; done
NOTIFY_SOCKET=$TMP/notify.sock WATCHDOG_USEC=400000 start_stemd s --config "$TMP/s.conf" --state-dir "$TMP/state"
wait_for grep -q "no JACK server '$JACK' yet" "$TMP/s.log"; ok $? "no server: waits and says so"
sleep 1
start_jackd
wait_for ports_are stemd 8; ok $? "connects once the server appears (8 ports from the config file)"
wait_for grep -q "WATCHDOG=1" "$TMP/notify.log"; ok $? "sd_notify: WATCHDOG=1 sent"
grep -q "READY=1" "$TMP/notify.log" && grep -q "STATUS=waiting for JACK server" "$TMP/notify.log" \
    && grep -q "STATUS=running: 2 stems" "$TMP/notify.log"; ok $? "sd_notify: READY=1 and STATUS while waiting and running"

# SIGHUP: the config file is read again; a change of stems is refused until a restart.
printf 'stems = kick,bass,extra\nlog-level = debug\n' >"$TMP/s.conf"
kill -HUP "$STEMD_PID"
wait_for grep -q "configuration reloaded" "$TMP/s.log"; ok $? "SIGHUP: configuration reloaded"
grep -q "change only on a restart" "$TMP/s.log"; ok $? "SIGHUP: a new stem list is refused with a reason"
is "$(port_count stemd)" 8 "still 8 ports"

# SIGTERM: out promptly, exit 0, the state file complete and parseable.
start=$(date +%s%N)
kill -TERM "$STEMD_PID"; wait_exit "$STEMD_PID" 60; rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
ok $rc "SIGTERM: exit status 0"
# A hang check, not a speed test: 10 s is what a busy machine cannot excuse (systemd waits 90).
[ $ms -lt 10000 ]; ok $? "SIGTERM: out in $ms ms (< 10 s)"
grep -q "STOPPING=1" "$TMP/notify.log"; ok $? "sd_notify: STOPPING=1"
head -1 "$TMP/state/stemd.state" | grep -q "^# stemd .* preset"; ok $? "state file written at exit: $(head -1 "$TMP/state/stemd.state")"

# The saved state comes back; SIGINT stops as SIGTERM does.
printf '/stem/kick/pan 0.25\n' >>"$TMP/state/stemd.state"
start_stemd s2 --stems kick,bass --state-dir "$TMP/state"
wait_for grep -q "state loaded" "$TMP/s2.log"; ok $? "state loaded at start"
wait_for ports_are stemd 8
kill -INT "$STEMD_PID"; wait_exit "$STEMD_PID" 60; ok $? "SIGINT: exit status 0"
grep -q "^/stem/kick/pan 0.25$" "$TMP/state/stemd.state"; ok $? "loaded values saved again"

# A state file that no longer fits (other stems) is set aside, not overwritten.
start_stemd s3 --stems a,b --state-dir "$TMP/state"
wait_for grep -q "saved state rejected" "$TMP/s3.log"; ok $? "state for other stems rejected with a reason"
wait_for ports_are stemd 8
kill -TERM "$STEMD_PID"; wait_exit "$STEMD_PID" 60
[ -e "$TMP/state/stemd.state.rejected" ]; ok $? "the old state kept as stemd.state.rejected"

kill "$NOTIFY_PID" 2>/dev/null
rtcheck_verify
done_testing
