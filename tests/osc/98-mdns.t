#!/bin/bash
# tests/osc/98-mdns.t: discovery as Chataigne or ossia score do it. Without avahi-daemon stemd
# serves the same and says once that it does not advertise; with one (the system's, else a
# private one on a private D-Bus, when this machine lets it run), python3-zeroconf finds the
# _oscjson._tcp record on the HTTP port and _osc._udp on the OSC port, HOST_INFO there names the
# OSC port, the namespace answers; at exit the records are withdrawn; --no-mdns advertises nothing.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
Q="$(dirname "$0")/oscquery.py"
q() { "$PY" "$Q" "$@"; }
HP=$((PORT + 1))
NAME=stemdmdns$$
start_jackd
run() { # run LOG ARGS...: stemd in the background, waits for /ping; sets SPID
    local log=$1
    shift
    "${RT_ENV[@]}" "$B/stemd" --jack-server "$JACK" --stems drums,bass --osc-port "$PORT" \
        --http-port "$HP" "$@" >"$TMP/$log.log" 2>&1 &
    SPID=$!
    PIDS="$PIDS $SPID"
    for _ in $(seq 100); do c -w 200 ping >/dev/null 2>&1 && break; sleep 0.05; done
    kill -0 "$SPID" 2>/dev/null || diag "stemd exited at start: $(tail -3 "$TMP/$log.log")"
}
finish() { kill -TERM "$SPID"; wait "$SPID"; ok $? "stemd exits cleanly"; }

# A system bus nobody listens on: no daemon, whatever the machine runs.
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TMP/no-bus
run none --jack-name "$NAME"
out=$(q hostinfo "$HP" "$PORT"); ok $? "without avahi-daemon stemd serves OSCQuery all the same"
is "$(grep -c "mDNS: not advertising" "$TMP/none.log")" 1 "and says once that it does not advertise"
finish

have_daemon=0
if avahi-daemon --check 2>/dev/null; then
    unset DBUS_SYSTEM_BUS_ADDRESS
    have_daemon=1
    diag "the system's avahi-daemon"
elif [ "$(id -u)" = 0 ] && command -v dbus-daemon >/dev/null && command -v avahi-daemon >/dev/null &&
    [ ! -e /run/avahi-daemon/pid ]; then
    cat >"$TMP/dbus.conf" <<DBUS
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=$TMP/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/>
<allow send_type="method_call"/><allow send_type="signal"/><allow send_type="method_return"/>
<allow send_type="error"/><allow receive_type="method_call"/><allow receive_type="signal"/>
<allow receive_type="method_return"/><allow receive_type="error"/></policy></busconfig>
DBUS
    printf '[server]\nuse-ipv6=no\nenable-dbus=yes\n[wide-area]\nenable-wide-area=no\n[publish]\npublish-hinfo=no\npublish-workstation=no\n' >"$TMP/avahi.conf"
    dbus-daemon --config-file="$TMP/dbus.conf" --nofork >"$TMP/dbus.log" 2>&1 &
    PIDS="$PIDS $!"
    for _ in $(seq 50); do [ -S "$TMP/bus" ] && break; sleep 0.1; done
    export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TMP/bus
    avahi-daemon --no-drop-root --no-chroot --no-rlimits -f "$TMP/avahi.conf" >"$TMP/avahi.log" 2>&1 &
    AVAHI_PID=$!
    PIDS="$PIDS $AVAHI_PID"
    for _ in $(seq 100); do grep -q "Server startup complete" "$TMP/avahi.log" && break; sleep 0.1; done
    grep -q "Server startup complete" "$TMP/avahi.log" && have_daemon=1
    [ "$have_daemon" = 1 ] && diag "a private avahi-daemon on a private D-Bus" ||
        diag "avahi-daemon did not start: $(tail -3 "$TMP/avahi.log")"
fi

if [ "$have_daemon" = 1 ]; then
    run adv --jack-name "$NAME"
    for _ in $(seq 100); do grep -q "mDNS: advertising" "$TMP/adv.log" && break; sleep 0.1; done
    grep -q "mDNS: advertising '$NAME' as _oscjson._tcp port $HP and _osc._udp port $PORT" "$TMP/adv.log"
    ok $? "stemd says what it advertises"
    out=$(q mdns "$NAME" "$HP" "$PORT"); ok $? "python3-zeroconf finds _oscjson._tcp on port $HP and _osc._udp on port $PORT"
    echo "$out"
    out=$(q hostinfo "$HP" "$PORT"); ok $? "the HOST_INFO found there names the OSC port"
    out=$(q listen "$HP" "$PORT" /bus/output -1.5 -2.5); ok $? "and LISTEN works: discovery end to end"
    finish
    out=$(q mdns "$NAME" "$HP" "$PORT" gone); ok $? "at exit the records are withdrawn"
    run quiet --jack-name "$NAME" --no-mdns
    ! grep -q "mDNS" "$TMP/quiet.log"; ok $? "--no-mdns: no word of mDNS"
    out=$(q mdns "$NAME" "$HP" "$PORT" gone); ok $? "and nothing advertised"
    finish
else
    skip "no avahi-daemon can run here (not root, no dbus-daemon/avahi-daemon, or one holds /run/avahi-daemon)" \
        "mDNS records found by python3-zeroconf"
fi
rtcheck_verify
done_testing
