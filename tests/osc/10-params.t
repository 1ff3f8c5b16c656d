#!/bin/bash
# tests/osc/10-params.t: the address space from the table: every /list parameter round-trips in
# units and /norm, /text reads back; clamping with echo; enum names; patterns; /get; atomic
# bundles; introspection; liblo's oscsend and oscdump as independent clients.
. "$(dirname "$0")/lib.sh"
start_jackd
start_host

out=$(c -w 2000 roundtrip 7)
echo "$out" | grep '^#' | head -20
rt=$(echo "$out" | tail -1)
n=$(awk '{print $2}' <<<"$rt"); bad=$(awk '{print $4}' <<<"$rt")
is "$bad" 0 "every /list parameter ($n) round-trips a random value in units and /norm; /text reads"
nlist=$(c -w 500 send /list | grep -c '^/list/reply')
is "$(c -w 500 send /list | tail -1)" "/list/end ,i $nlist" "/list ends with /list/end i:COUNT ($nlist)"
is "$nlist" "$n" "the round trip covered every listed parameter"
is "$(c send /list s /bus/limiter/ceiling)" $'/list/reply ,sssfffs /bus/limiter/ceiling float dBTP -12 0 -1 Limiter ceiling, in true peak (ITU-R BS.1770-4)\n/list/end ,i 1' \
   "/list PREFIX: one row with type, unit, min, max, default, description"
c send /stem/2/eq/1/type s notch >/dev/null
is "$(c send /stem/bass/eq/1/type)" "/stem/bass/eq/1/type ,f 3" "an enum set by name, read by number; stem by name"
is "$(c send /stem/2/eq/1/type/text)" "/stem/2/eq/1/type/text ,s notch" "/text gives the enum's name"
is "$(c send /stem/2/eq/1/type i 1)" "" "an enum set by number: no echo (applied as sent)"
is "$(c send /stem/2/eq/1/on T; c send /stem/2/eq/1/on)" "/stem/2/eq/1/on ,f 1" "T sets a switch"
is "$(c send /stem/2/eq/1/on F; c send /stem/2/eq/1/on h 1; c send /stem/2/eq/1/on)" "/stem/2/eq/1/on ,f 1" "F and h set a switch"
is "$(c send /stem/1/trim d 30)" "/stem/1/trim ,f 24" "out of range (d): clamped and the applied value echoed"
is "$(c send /stem/1/trim/norm f 1.5)" "/stem/1/trim/norm ,f 1" "/norm out of range: clamped and echoed"
is "$(c send /stem/1/fader/norm f 1; c send /stem/1/fader)" "/stem/1/fader ,f 12" "/norm 1 is the top of the range"
# A stem selector's /norm spans the stems this server has (0 = own key, 1..4), not the table's 256.
is "$(c send /stem/1/comp/sidechain/norm f 0.37)" "/stem/1/comp/sidechain/norm ,f 0.25" "sidechain /norm 0.37 with 4 stems selects stem 1, echoed as 0.25"
is "$(c send /stem/1/comp/sidechain/norm)" "/stem/1/comp/sidechain/norm ,f 0.25" "and reads back 0.25"
is "$(c send /stem/1/comp/sidechain/norm f 1; c send /stem/1/comp/sidechain)" "/stem/1/comp/sidechain ,f 4" "sidechain /norm 1 is the last stem"
c send /stem/1/comp/sidechain i 0 >/dev/null
is "$(c send /stem/1/hpf/freq/norm f 0.5; c send /stem/1/hpf/freq)" "/stem/1/hpf/freq ,f 141.421356" "/norm 0.5 on a log taper is the geometric middle (10..2000 Hz)"
is "$(c send /stem/1/fader/text)" "/stem/1/fader/text ,s 12.0 dB" "/text label"
is "$(c send /get s /stem/1/trim)" "/stem/1/trim ,f 24" "/get s:PATH answers on PATH"
c send '/stem/*/mute' T >/dev/null
is "$(c send /get s '/stem/*/mute' | sort | tr '\n' ' ')" \
   "/stem/bass/mute ,f 1 /stem/drums/mute ,f 1 /stem/music/mute ,f 1 /stem/vocals/mute ,f 1 " \
   "a pattern sets every stem (/stem/*/mute 1) and queries them all"
c send '/stem/*/eq/*/gain' f 0 >/dev/null
is "$(c send '/stem/{1,3}/eq/[1-2]/gain' f 3 ; c send '/stem/[!2-4]/eq/?/gain' | sort | tr '\n' ' ')" \
   "/stem/drums/eq/1/gain ,f 3 /stem/drums/eq/2/gain ,f 3 /stem/drums/eq/3/gain ,f 0 /stem/drums/eq/4/gain ,f 0 /stem/drums/eq/5/gain ,f 0 /stem/drums/eq/6/gain ,f 0 " \
   "{a,b}, [a-b], [!a] and ? patterns"

# Bundles: all or nothing, in one snapshot.
c send /stem/1/pan f 0 >/dev/null; c send /bus/input f 0 >/dev/null
is "$(c bundle /stem/1/pan f 0.5 -- /bus/input f 3)" "" "a good bundle: applied, no answer"
is "$(c send /stem/1/pan; c send /bus/input)" $'/stem/1/pan ,f 0.5\n/bus/input ,f 3' "both changes of the bundle applied"
out=$(c bundle /stem/1/pan f -0.5 -- /bus/input s loud)
grep -q '^/error ,ss /bus/input' <<<"$out"; ok $? "a bundle with a bad element: /error for it"
grep -q '^/error ,ss #bundle bundle not applied' <<<"$out"; ok $? "... and /error for the bundle"
is "$(c send /stem/1/pan; c send /bus/input)" $'/stem/1/pan ,f 0.5\n/bus/input ,f 3' "... and nothing changed (its valid first element not applied)"
c send /stem/2/pan f 0 >/dev/null
is "$(c bundle /stem/1/pan f 2 -- /stem/2/pan)" $'/stem/1/pan ,f 1\n/stem/2/pan ,f 0' "a bundle's clamp echo and query answers come back"

# Introspection.
is "$(c send /ping i 42)" "/pong ,i 42" "/ping answers /pong with the same arguments"
is "$(c send /info)" "/info ,ssiiissss stemd 0.1.0 48000 64 4 drums bass music vocals" "/info: name, version, rate, period, stems"
st=$(c send /status)
[[ "$st" =~ ^/status\ ,fiifiiii\ [0-9.e-]+\ [0-9]+\ 96\ [0-9.]+\ 0\ 1\ 48000\ 64$ ]]; ok $? "/status: load, xruns, latency 96, uptime, subscribers, connected ($st)"
c send /loudness/reset >/dev/null; ok $? "/loudness/reset accepted"

# liblo's own tools: oscsend sets, oscdump receives what a --feedback target gets.
oscsend 127.0.0.1 "$PORT" /stem/3/width f 150
is "$(c send /stem/3/width)" "/stem/3/width ,f 150" "oscsend sets a parameter"
oscsend 127.0.0.1 "$PORT" /stem/music/comp/ratio i 4
is "$(c send /stem/3/comp/ratio)" "/stem/3/comp/ratio ,f 4" "oscsend with an int, stem by name"
oscsend 127.0.0.1 "$PORT" /bus/dither s 16bit
is "$(c send /bus/dither/text)" "/bus/dither/text ,s 16bit" "oscsend with an enum name"
host_alive; ok $? "the host is still running"
stop_host; ok $? "the host stops cleanly (exit 0)"

# oscdump listening on a --feedback target port (it cannot send: that is what --feedback is for).
FB=$((PORT + 1))
oscdump -L "$FB" >"$TMP/oscdump.txt" 2>&1 &
DUMP=$!; PIDS="$PIDS $DUMP"
sleep 0.3
start_host --feedback "127.0.0.1:$FB" --meter-rate 0
oscsend 127.0.0.1 "$PORT" /stem/4/trim f -4.5
host_cmd "set /bus/output -2"
sleep 0.5
kill -TERM $DUMP; wait $DUMP 2>/dev/null
grep -q ' /stem/4/trim f -4.5' "$TMP/oscdump.txt"; ok $? "oscdump on a --feedback port gets an OSC change (/stem/4/trim f -4.5)"
grep -q ' /bus/output f -2' "$TMP/oscdump.txt"; ok $? "... and a change made through the C API"
[ -n "${VERBOSE:-}" ] && sed 's/^/# /' "$TMP/oscdump.txt"
stop_host; ok $? "the host stops cleanly"
rtcheck_verify
done_testing
