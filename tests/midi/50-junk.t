#!/bin/bash
# tests/midi/50-junk.t: junk MIDI (random bytes in random events, then a flood of 10^5 events/s
# for 2 s, every one accounted for) changes no parameter, does not crash stemd, is counted as
# such, and the process callback stays clean (the RT check: zero forbidden calls, zero system
# calls, with MIDI traffic in both directions).
. "$(dirname "$0")/lib.sh"
start_jackd -S # synchronous: see lib.sh
start_stemd
dump() { c -w 500 send /dump | grep -v '^/dump/end' | LC_ALL=C sort; }
dump >"$TMP/before.txt"
[ "$(wc -l <"$TMP/before.txt")" -gt 100 ]; ok $? "the state dump lists every parameter ($(wc -l <"$TMP/before.txt"))"
midi -r 100 junk:20000:1 junk:20000:2 >/dev/null
# A figure, not a test: the MIDI thread's CPU time over the flood (utime + stime, in ticks).
midi_cpu() {
    local t
    for t in /proc/"$STEMD_PID"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = stemd-midi ] && awk '{print $14 + $15}' "$t/stat"
    done
}
c0=$(midi_cpu)
# rx + rx_dropped: every event midi_in took, copied to the MIDI thread or counted as lost.
taken() { cmd /midi/stats | sed -n 's/.* rx=\([0-9]*\) rx_dropped=\([0-9]*\) .*/\1 \2/p' | awk '{print $1 + $2}'; }
s0=$(taken)
# 10^5 random events a second for 2 s (the client paces itself by the clock: a busy machine
# offers less, and the figure says how much it did).
midi -r 100 flood:2:100000:3 2>"$TMP/flood.txt" >/dev/null
c1=$(midi_cpu)
s1=$(taken)
sent=$(sed -n 's/^# flood sent \([0-9]*\) .*/\1/p' "$TMP/flood.txt")
diag "$(cat "$TMP/flood.txt"); MIDI thread CPU over it: $(( (${c1:-0} - ${c0:-0}) * 1000 / $(getconf CLK_TCK) )) ms for $(( ${s1:-0} - ${s0:-0} )) events"
[ -n "$sent" ] && [ "$((s1 - s0))" = "$sent" ]
ok $? "every flood event reached midi_in and was copied or counted ($((s1 - s0)) of $sent)"
kill -0 "$STEMD_PID"; ok $? "stemd is still running after 40000 random bytes and a flood"
dump >"$TMP/after.txt"
cmp -s "$TMP/before.txt" "$TMP/after.txt"; ok $? "no parameter changed (no mapping: junk maps to nothing)" ||
    diag "$(diff "$TMP/before.txt" "$TMP/after.txt" | head -5)"
st=$(cmd /midi/stats)
diag "$st"
rx=$(field rx "x $(sed 's/^[^ ]* ,s //' <<<"$st")")
stray=$(field stray "x $(sed 's/^[^ ]* ,s //' <<<"$st")")
[ "${rx:-0}" -gt 10000 ]; ok $? "the events reached the MIDI thread ($rx)"
[ "${stray:-0}" -gt 0 ]; ok $? "stray data bytes were counted ($stray)"
# Mapped and flooded: the one mapped parameter moves, the others stay.
cmd /midi/map /stem/drums/width cc14 7 ch 1 >/dev/null
midi -r 100 junk:20000:4 b0077f b0277f >/dev/null
# (the MIDI thread may still be working through the junk: ask until it has, 20 s at most)
for _ in $(seq 100); do [ "$(get /stem/drums/width)" = 200 ] && break; sleep 0.2; done
is "$(get /stem/drums/width)" "200" "after the junk a mapped control still works (the parser resynchronises)"
stop_stemd; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
