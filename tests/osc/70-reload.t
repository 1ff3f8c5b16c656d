#!/bin/bash
# tests/osc/70-reload.t: SIGHUP re-reads stemd's config file and hands the running OSC layer what
# can change live: a new allow list and a new --feedback target take effect at once; a new
# osc-port is refused with a warning (the socket stays) rather than half-applied.
. "$(dirname "$0")/lib.sh"
start_jackd
FB=$((PORT + 2))
conf() { # conf ALLOW [EXTRA-LINE]
    printf 'stems = drums,bass\njack-name = stemdreload\nstate-dir = %s\nosc-port = %s\nhttp-port = 0\nbind = 0.0.0.0\nallow = %s\nmeter-rate = 0\n%s\n' \
        "$TMP" "$OSC_PORT" "$1" "${2:-}" >"$TMP/stemd.conf"
}
OSC_PORT=$PORT conf 127.0.0.1/32
"${RT_ENV[@]}" "$B/stemd" --jack-server "$JACK" --config "$TMP/stemd.conf" >"$TMP/stemd.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 100); do c -w 200 ping >/dev/null 2>&1 && break; sleep 0.05; done
is "$(c send /ping)" "/pong ," "stemd answers on the configured port"
is "$(c -b 127.0.0.2 -w 400 send /ping)" "" "127.0.0.2 is outside the allow list"

# The new file: another network, a feedback target, and another port.
OSC_PORT=$((PORT + 1)) conf 127.0.0.2/32 "feedback = 127.0.0.1:$FB"
kill -HUP "$SPID"
for _ in $(seq 100); do grep -q "OSC settings reloaded" "$TMP/stemd.log" && break; sleep 0.05; done
grep -q "OSC settings reloaded: 1 networks allowed.* 1 feedback targets" "$TMP/stemd.log"
ok $? "SIGHUP: the OSC layer says what it took"
is "$(c -b 127.0.0.2 send /ping)" "/pong ," "the new allow list lets 127.0.0.2 in"
is "$(c -b 127.0.0.1 -w 400 send /ping)" "" "and 127.0.0.1, no longer listed, is dropped"
grep -q "osc-port and bind change only on a restart of stemd; keeping udp 0.0.0.0 port $PORT" "$TMP/stemd.log"
ok $? "the port change is refused with a warning; the old port still serves (above)"
"$CLIENT" -H 127.0.0.1 -p "$PORT" -b 127.0.0.1 -l "$FB" -w 1500 listen 1500 >"$TMP/fb.txt" 2>/dev/null &
LPID=$!
sleep 0.3
c -b 127.0.0.2 -w 200 send /stem/2/fader f -3 >/dev/null
wait "$LPID"
grep -q "^/stem/2/fader ,f -3" "$TMP/fb.txt"
ok $? "the new --feedback target hears a change made by another client"

# A bad file changes nothing.
printf 'allow = not-a-network\n' >"$TMP/stemd.conf"
kill -HUP "$SPID"
for _ in $(seq 100); do grep -q "config not reloaded" "$TMP/stemd.log" && break; sleep 0.05; done
grep -q "config not reloaded" "$TMP/stemd.log"; ok $? "a broken config on SIGHUP is refused"
is "$(c -b 127.0.0.2 send /ping)" "/pong ," "and the running settings stay"
kill -TERM "$SPID"
wait "$SPID"; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
