#!/bin/bash
# tests/osc/95-oscquery.t: OSCQuery on a live stemd, checked by an independent client
# (tests/osc/oscquery.py: http.client, python3-websockets, OSC by struct): HOST_INFO; the
# namespace against /list and /get over OSC (FULL_PATH, TYPE, RANGE, VALS, VALUE); LISTEN
# delivering a change made over OSC as a binary OSC frame, IGNORE stopping it; meters as
# read-only nodes; 404/400/204/405; /status.json's OSC clients following /subscribe, /meters and
# /unsubscribe; the options (--http-port 0 and bad values, a port in use) and
# OSC's --bind/--allow rules on HTTP (and a SIGHUP's new allow list); the process callback free of forbidden calls throughout.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
Q="$(dirname "$0")/oscquery.py"
HP=$((PORT + 1)) # TCP: beside the UDP port
q() { "$PY" "$Q" "$@"; }
start_jackd
"${RT_ENV[@]}" "$B/stemd" --jack-server "$JACK" --jack-name stemdq --stems drums,bass,keys \
    --osc-port "$PORT" --http-port "$HP" --no-mdns --state-dir "$TMP" >"$TMP/stemd.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 100); do c -w 200 ping >/dev/null 2>&1 && break; sleep 0.05; done
out=$(q wait "$HP"); ok $? "stemd answers HTTP on port $HP"; [ -n "$out" ] && echo "$out"

out=$(q hostinfo "$HP" "$PORT"); ok $? "?HOST_INFO: NAME, OSC_PORT $PORT, OSC_TRANSPORT UDP, EXTENSIONS"
echo "$out"
# A few values away from the defaults first, so VALUE is not merely the table's default.
c send /stem/bass/eq/3/gain f -4.5 >/dev/null
c send /stem/keys/comp/sidechain s drums >/dev/null
c send /bus/eq/2/type s highshelf >/dev/null
c send /stem/drums/mute T >/dev/null
out=$(q namespace "$HP" "$PORT"); ok $? "GET /: FULL_PATH is every node's position; TYPE, RANGE, VALS as /list; VALUE as /get"
echo "$out" | head -40

out=$(q listen "$HP" "$PORT" /bus/limiter/ceiling -2.5 -3.5); ok $? "LISTEN a float: the change over OSC arrives as a binary OSC frame; IGNORE stops it"
echo "$out"
out=$(q listen "$HP" "$PORT" /stem/keys/eq/4/type 2 3); ok $? "LISTEN an enum: the frame carries its name"
echo "$out"
out=$(q listen "$HP" "$PORT" /stem/bass/hpf/on 1 0); ok $? "LISTEN a switch: the frame is T"
echo "$out"
out=$(q meters "$HP"); ok $? "LISTEN a meter: a float frame at the meter rate"
echo "$out"
out=$(q errors "$HP"); ok $? "404 unknown node, 400 bad attribute, 204 attribute the node lacks, .. stays inside, POST refused"
echo "$out"
out=$(q clients "$HP" "$PORT"); ok $? "/status.json lists an OSC sender by address:port; /subscribe, /meters and /unsubscribe show there"
echo "$out"
kill -0 "$SPID"; ok $? "stemd still runs"
is "$(c send /ping)" "/pong ," "and answers OSC"

# Options: the same rules as OSC's.
"$B/stemd" --http-port 70000 --stems a >"$TMP/bad.log" 2>&1
is "$?" 2 "--http-port 70000 is refused at start (exit 2)"
grep -q "http-port '70000': give a whole number, 0 to 65535" "$TMP/bad.log"; ok $? "with a reason"
"$B/stemd" --jack-server "$JACK" --jack-name stemdq2 --stems a --osc-port $((PORT + 2)) \
    --http-port "$HP" --no-mdns --no-wait >"$TMP/busy.log" 2>&1
ok $(($? == 0)) "a second stemd on the same HTTP port does not start"
grep -q "HTTP: cannot listen on 127.0.0.1 port $HP" "$TMP/busy.log"; ok $? "and says why"
kill -TERM "$SPID"
wait "$SPID"; ok $? "stemd exits cleanly"

HP2=$((PORT + 3))
conf() { printf 'stems = drums\njack-name = stemdq3\nosc-port = %s\nhttp-port = %s\nno-mdns\nbind = 0.0.0.0\nallow = %s\n' "$PORT" "$HP2" "$1" >"$TMP/q.conf"; }
conf 127.0.0.2/32
"${RT_ENV[@]}" "$B/stemd" --jack-server "$JACK" --config "$TMP/q.conf" >"$TMP/allow.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 100); do c -b 127.0.0.2 -w 200 ping >/dev/null 2>&1 && break; sleep 0.05; done
out=$(q from "$HP2" 127.0.0.2); ok $? "--bind 0.0.0.0 --allow 127.0.0.2/32: HTTP from 127.0.0.2 is answered"
out=$(q from "$HP2" 127.0.0.1); ok $(($? == 0)) "and from 127.0.0.1 refused"
grep -q "HTTP: refused connections from outside --allow" "$TMP/allow.log"; ok $? "and logged"
conf 127.0.0.1/32
kill -HUP "$SPID"
for _ in $(seq 100); do grep -q "HTTP takes the new allow list" "$TMP/allow.log" && break; sleep 0.05; done
out=$(q from "$HP2" 127.0.0.1); ok $? "SIGHUP with allow = 127.0.0.1/32: HTTP from 127.0.0.1 is answered"
out=$(q from "$HP2" 127.0.0.2); ok $(($? == 0)) "and from 127.0.0.2 refused"
kill -TERM "$SPID"
wait "$SPID"; ok $? "stemd exits cleanly"

"${RT_ENV[@]}" "$B/stemd" --jack-server "$JACK" --jack-name stemdq4 --stems drums \
    --osc-port "$PORT" --http-port 0 >"$TMP/off.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 100); do c -w 200 ping >/dev/null 2>&1 && break; sleep 0.05; done
! grep -q "HTTP:\|mDNS" "$TMP/off.log"; ok $? "--http-port 0: no HTTP, no mDNS"
kill -TERM "$SPID"
wait "$SPID"; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
