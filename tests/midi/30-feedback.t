#!/bin/bash
# tests/midi/30-feedback.t: a change from OSC reaches midi_out in each control's own form (a
# 14-bit pair MSB then LSB, pitch bend for a motor fader, the LED ring CC of an encoder); a
# control's own move is not echoed to it, while another control of the same parameter follows;
# a preset load, an undo and an A/B recall move the motor fader too; a dense burst of changes
# is coalesced (at most one message per control per 10 ms) and ends on the last value.
. "$(dirname "$0")/lib.sh"
start_jackd -S # synchronous: see lib.sh
start_stemd --preset-dir "$TMP/presets"
hex() { printf '%02x' "$@"; }
# v14 NORM: the 14-bit value of a 0..1 position.
v14() { awk -v n="$1" 'BEGIN { printf "%d", int(n * 16383 + 0.5) }'; }
normof() { c -w 500 -n 1 send /get s "$1/norm" | awk '{print $3}'; }

cmd /midi/map /stem/bass/width cc14 7 ch 1 >/dev/null
cmd /midi/map /stem/drums/fader pb ch 1 >/dev/null
cmd /midi/map /stem/drums/fader cc 11 ch 2 >/dev/null
cmd /midi/map /stem/music/pan enc 16 twos >/dev/null
midi -r 200 >/dev/null # what a new mapping sends (the current value) is not this test's

record
c -w 100 send /stem/bass/width f 50 >/dev/null
c -w 100 send /stem/drums/fader f -6 >/dev/null
c -w 100 send /stem/music/pan f 0.5 >/dev/null
record_end
n=$(normof /stem/drums/fader)
v=$(v14 "$n")
is "$(grep '^b0\(07\|27\)' "$TMP/rec.txt" | tr '\n' ' ')" "b00720 b02700 " "width 50 of 0..200 goes out as CC 7 = 32 then CC 39 = 0 (14-bit 4096, MSB first)"
is "$(grep '^e0' "$TMP/rec.txt" | tail -1)" "e0$(hex $((v & 127)))$(hex $((v >> 7)))" "fader -6 dB goes out as pitch bend $v (its norm $n)"
is "$(grep '^b10b' "$TMP/rec.txt" | tail -1)" "b10b$(hex $(awk -v n="$n" 'BEGIN { printf "%d", int(n * 127 + 0.5) }'))" "... and to the other control of the fader as CC 11 ch 2"
is "$(grep '^b010' "$TMP/rec.txt" | tail -1)" "b0105f" "pan 0.5 lights the encoder's ring: CC 16 = 95 (0.75 of 127)"

# The fader moved by its own pitch bend: nothing back to it; CC 11 ch 2 follows.
record
$MIDI -s "$JACK" -r 0 e00040 e00050 e07f7f >/dev/null
record_end
is "$(grep -c '^e0' "$TMP/rec.txt")" 0 "a motor fader's own moves are never echoed to it"
is "$(grep '^b10b' "$TMP/rec.txt" | tail -1)" "b10b7f" "... the other control of the same parameter follows (CC 11 ch 2 = 127)"
is "$(get /stem/drums/fader)" "12" "and the fader is at the top (pitch bend 16383 = +12 dB)"

# A burst of changes: the last value wins on the control.
record
for x in 10 20 30 40 60 80 120 150; do c -w 0 send /stem/bass/width f $x >/dev/null; done
record_end
last=$(v14 "$(awk 'BEGIN { print 150 / 200 }')")
is "$(grep '^b0\(07\|27\)' "$TMP/rec.txt" | tail -2 | tr '\n' ' ')" "b007$(hex $((last >> 7))) b027$(hex $((last & 127))) " "after a burst the control shows the last value (150)"
pairs=$(grep -c '^b007' "$TMP/rec.txt")
[ "$pairs" -ge 1 ] && [ "$pairs" -le 8 ]; ok $? "... in at most one pair per change ($pairs pairs for 8 changes)"

# Not only OSC moves the motors: a preset load, an undo and an A/B recall do (the server's
# listener sees every change, whatever made it).
fader_pb() { local v; v=$(v14 "$(normof /stem/drums/fader)"); echo "e0$(hex $((v & 127)))$(hex $((v >> 7)))"; }
c -w 100 send /stem/drums/fader f -9 >/dev/null
want_m9=$(fader_pb)
c -w 300 send /preset/save s motors >/dev/null
c -w 100 send /stem/drums/fader f -3 >/dev/null
cmd /midi/unmap /stem/music/pan >/dev/null
record
out=$(c -w 300 send /preset/load s motors)
record_end
grep -q '^/preset/loaded ,si motors ' <<<"$out"; ok $? "a preset saved with MIDI mappings loads ($out)"
is "$(get /stem/drums/fader)" "-9" "... it sets the fader back to -9 dB"
grep -q '^/midi/map ,sss /stem/music/pan enc 16 ' <<<"$(cmd /midi/list)"
ok $? "... and its /midi/map lines replace the mappings (the encoder unmapped since is back)"
is "$(grep '^e0' "$TMP/rec.txt" | tail -1)" "$want_m9" "... and the motor fader follows ($want_m9)"
record
c -w 300 send /undo >/dev/null
record_end
is "$(get /stem/drums/fader)" "-3" "/undo takes the preset load back (-3 dB)"
is "$(grep '^e0' "$TMP/rec.txt" | tail -1)" "$(fader_pb)" "... and the motor fader follows"
c -w 300 send /ab/copy s 'A>B' >/dev/null
c -w 100 send /stem/drums/fader f -15 >/dev/null
want_a=$(fader_pb)
record
c -w 300 send /ab/select s B >/dev/null
record_end
is "$(get /stem/drums/fader)" "-3" "/ab/select B recalls B's fader (-3 dB)"
is "$(grep '^e0' "$TMP/rec.txt" | tail -1)" "$(fader_pb)" "... and the motor fader follows"
record
c -w 300 send /ab/select s A >/dev/null
record_end
is "$(grep '^e0' "$TMP/rec.txt" | tail -1)" "$want_a" "... and back to A's -15 dB"

# A dense burst from one surface: 300 changes 1 ms apart. Coalesced to one message per control
# per 10 ms, the pairs on midi_out are at most (the burst's span + 200 ms of the MIDI thread's
# lag on a busy machine) / 10 ms + 1; uncoalesced they would be 300. The last value wins.
record
span=$(/usr/bin/python3 - "$PORT" <<'PYEOF'
import socket, struct, sys, time
def osc(addr, v):
    pad = lambda b: b + b"\0" * (4 - len(b) % 4)
    return pad(addr.encode()) + pad(b",f") + struct.pack(">f", v)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.monotonic()
for i in range(300):
    s.sendto(osc("/stem/bass/width", 10 + (i * 37) % 180), ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.001)
s.sendto(osc("/stem/bass/width", 150), ("127.0.0.1", int(sys.argv[1])))
print(int((time.monotonic() - t0) * 1000))
PYEOF
)
record_end
pairs=$(grep -c '^b007' "$TMP/rec.txt")
bound=$(((span + 200) / 10 + 1))
diag "the burst: 301 changes in $span ms, $pairs CC 7/39 pairs on midi_out"
[ "$pairs" -ge 1 ] && [ "$pairs" -le "$bound" ]
ok $? "a 1 ms burst is coalesced: $pairs pairs for 301 changes (at most $bound in $span ms)"
is "$(grep '^b0\(07\|27\)' "$TMP/rec.txt" | tail -2 | tr '\n' ' ')" "b007$(hex $((last >> 7))) b027$(hex $((last & 127))) " "... and the control ends on the last value (150)"

stop_stemd; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
