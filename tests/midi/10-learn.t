#!/bin/bash
# tests/midi/10-learn.t: learn binds the next control moved (a 7-bit CC, a 14-bit pair, an NRPN,
# pitch bend, a note) and says so to every subscriber; /midi/list, /midi/unmap, /midi/clear;
# the bound control then drives its parameter; bad verbs are refused and change nothing.
. "$(dirname "$0")/lib.sh"
start_jackd -S # synchronous: see lib.sh
start_stemd

# A subscriber sees /midi/learned (started first, listening on its own port).
LP=$((PORT + 1))
# (stdbuf: line by line; it preloads a library, which an ASan build must be told is fine)
ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 stdbuf -oL "$CLIENT" -p "$PORT" -w 120000 -l "$LP" listen 120000 >"$TMP/sub.txt" &
L=$!
PIDS="$PIDS $L"
sleep 0.2
c -w 200 send /subscribe i "$LP" >/dev/null
is "$(cmd /midi/learn /stem/bass/width)" "/midi/learn/armed ,s /stem/bass/width" "/midi/learn arms for a path"
midi b0075a >/dev/null
out=$(cmd /midi/list)
grep -q "^/midi/map ,sss /stem/bass/width cc 7 ch 1 jump CC 7 ch 1$" <<<"$out"; ok $? "a 7-bit CC is learned as cc 7 ch 1" || diag "$out"
is "$(get /stem/bass/width)" "100" "the learning move itself changes nothing"
midi b00740 >/dev/null
v=$(get /stem/bass/width)
near "$v" "$(awk 'BEGIN { print 200 * 64 / 127 }')" 0.01; ok $? "then CC 7 = 64 sets width to 200*64/127 ($v)"

cmd /midi/learn /stem/drums/width >/dev/null
midi b00701 b02702 >/dev/null
out=$(cmd /midi/list)
grep -q '^/midi/map ,sss /stem/drums/width cc14 7 ch 1 jump CC 7 ch 1, 14-bit with CC 39$' <<<"$out"; ok $? "CC 7 then CC 39 is learned as a 14-bit pair, replacing the 7-bit mapping of CC 7" || diag "$out"
grep -q '/stem/bass/width' <<<"$out"; ok $((! $?)) "... the control drives one parameter: the old mapping of CC 7 went"

cmd /midi/learn /stem/music/pan >/dev/null
midi b16301 b16202 b10640 b12600 >/dev/null
grep -q '^/midi/map ,sss /stem/music/pan nrpn 130 ch 2 jump NRPN 130 ch 2, 14-bit$' <<<"$(cmd /midi/list)"; ok $? "CC 99/98 then data: NRPN 130 on channel 2"

cmd /midi/learn /stem/vocals/fader >/dev/null
midi e80040 >/dev/null
grep -q '^/midi/map ,sss /stem/vocals/fader pb ch 9 jump pitch bend ch 9, 14-bit$' <<<"$(cmd /midi/list)"; ok $? "pitch bend on channel 9"

cmd /midi/learn /stem/1/mute >/dev/null
midi 903c7f 803c00 >/dev/null
grep -q '^/midi/map ,sss /stem/drums/mute note 60 ch 1 toggle note 60 ch 1, toggle$' <<<"$(cmd /midi/list)"; ok $? "a note is learned as a toggle"
midi 903c7f 803c00 >/dev/null
is "$(get /stem/drums/mute)" "1" "a press toggles mute on"
midi 903c7f 803c00 >/dev/null
is "$(get /stem/drums/mute)" "0" "... and the next one off"

# (the listener prints line by line: wait for the fifth, then stop it)
for _ in $(seq 400); do [ "$(grep -c '^/midi/learned' "$TMP/sub.txt")" -ge 5 ] && break; sleep 0.05; done
kill $L 2>/dev/null; wait $L 2>/dev/null
grep -q '^/midi/learned ,ss /stem/drums/width CC 7 ch 1, 14-bit with CC 39$' "$TMP/sub.txt"; ok $? "a subscriber hears /midi/learned PATH DESCRIPTION"
is "$(grep -c '^/midi/learned' "$TMP/sub.txt")" 5 "... once for each of the five learns"

is "$(cmd /midi/learn /nope)" "/error ,ss /midi/learn a path starts with /bus/ or /stem/" "learn of an unknown path is refused" ||
    diag "$(cmd /midi/learn /nope)"
cmd /midi/learn /stem/bass/pan >/dev/null
is "$(cmd /midi/learn/cancel)" "/midi/learn/cancelled ,s armed" "/midi/learn/cancel disarms"
midi b01510 >/dev/null
is "$(cmd /midi/list | tail -1)" "/midi/list/end ,s 4" "a control moved after cancel binds nothing"
is "$(cmd /midi/unmap /stem/music/pan)" "/midi/unmapped ,ss /stem/music/pan 1" "/midi/unmap removes a path's mapping"
grep -q '^/error' <<<"$(cmd /midi/unmap /stem/music/pan)"; ok $? "... a second unmap is an error"
is "$(cmd /midi/clear)" "/midi/cleared ,s 3" "/midi/clear removes them all"
grep -q '^/error ,ss /midi/map .*unknown control' <<<"$(cmd /midi/map /stem/1/pan xx 7)"; ok $? "/midi/map with a bad control is refused"
grep -q '^/error ,ss /midi/map .*outside the parameter' <<<"$(cmd /midi/map /stem/1/pan cc 7 min -5)"; ok $? "... and a min outside the range"
is "$(cmd /midi/list)" "/midi/list/end ,s 0" "... and nothing was mapped"
# stemctl midi: learn waits for the move and prints what was bound; map, list, unmap.
STEMCTL="$B/stemctl --port $PORT"
$STEMCTL midi learn /stem/bass/pan >"$TMP/learn.txt" 2>/dev/null &
SL=$!
sleep 0.5
midi e30000 >/dev/null
wait_exit $SL 20; ok $? "stemctl midi learn exits 0 once a control moved"
is "$(cat "$TMP/learn.txt")" "/stem/bass/pan <- pitch bend ch 4, 14-bit" "... and prints what it bound"
is "$($STEMCTL midi map /stem/music/width nrpn 5 ch 2 pickup)" "/midi/map /stem/music/width nrpn 5 ch 2 pickup  # NRPN 5 ch 2, 14-bit" "stemctl midi map"
is "$($STEMCTL midi list | wc -l)" 2 "stemctl midi list: one line per mapping"
$STEMCTL midi list | grep -qx '/midi/map /stem/bass/pan pb ch 4 jump  # pitch bend ch 4, 14-bit'; ok $? "... as state-file lines with the description"
is "$($STEMCTL midi unmap /stem/bass/pan)" "unmapped /stem/bass/pan 1" "stemctl midi unmap"
$STEMCTL midi unmap /stem/bass/pan 2>/dev/null; is $? 1 "... again: exit status 1"
stop_stemd; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
