#!/bin/bash
# tests/osc/97-http-bad-input.t: bad input on the HTTP port leaves stemd serving audio, OSC and
# HTTP, with bounded memory: malformed requests, a burst of 10^4 requests from 8 threads, a
# WebSocket that never reads (closed once its queue is full), a 1 MB WebSocket message (closed),
# 1000 idle sockets at once. The process callback stays free of forbidden calls throughout, and
# it keeps running (cycles go on).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
Q="$(dirname "$0")/oscquery.py"
q() { "$PY" "$Q" "$@"; }
HP=$((PORT + 1))
start_jackd
"${RT_ENV[@]}" "$B/stemd" --jack-server "$JACK" --jack-name stemdbad --stems drums,bass,keys \
    --osc-port "$PORT" --http-port "$HP" --no-mdns --rate-limit 1000000 >"$TMP/stemd.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 100); do c -w 200 ping >/dev/null 2>&1 && break; sleep 0.05; done
out=$(q wait "$HP"); ok $? "stemd answers HTTP"
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$SPID/status"; }
cycles() { "$PY" -c "import json,sys,urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$HP/status.json'))['cycles'])"; }
q burst "$HP" "$PORT" 800 >/dev/null # warm up: the allocator's arenas, lws's pools
rss0=$(rss)

out=$(q malformed "$HP" "$PORT"); ok $? "malformed requests: refused, stemd serves on"
echo "$out"
out=$(q burst "$HP" "$PORT" 10000); ok $? "10^4 requests from 8 threads: all answered, OSC answers meanwhile"
echo "$out"
out=$(q nonreader "$HP" "$PORT" "$TMP/stemd.log"); ok $? "a WebSocket that does not read is closed at its queue limit"
echo "$out"
out=$(q bigframe "$HP" "$PORT"); ok $? "a 1 MB WebSocket message closes that socket"
echo "$out"
out=$(q manysockets "$HP" "$PORT" 1000); ok $? "1000 idle sockets: OSC answers, HTTP again once they close"
echo "$out"
rss1=$(rss)
diag "RSS ${rss0} kB after warm-up, ${rss1} kB after the abuse"
[ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -lt 65536 ]; ok $? "memory stays bounded (RSS grew $(((rss1 - rss0) / 1024)) MB, under 64)"
# Audio still flows: the process callback's counter moves.
n1=$(cycles)
for _ in $(seq 100); do n2=$(cycles); [ "$n2" -gt "$n1" ] 2>/dev/null && break; sleep 0.1; done
[ "$n2" -gt "$n1" ] 2>/dev/null; ok $? "the process callback runs on ($n1, then $n2 cycles)"
kill -TERM "$SPID"
wait "$SPID"; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
