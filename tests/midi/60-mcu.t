#!/bin/bash
# tests/midi/60-mcu.t: --midi-profile mcu end to end through stemd's JACK MIDI ports, with no
# mapping and no OSC set-up: the bank buttons move the 8 strips over 10 stems and the scribble
# strip follows with the stem names, a strip's pitch bend moves its stem's fader through the
# taper, a mute button mutes and lights, an OSC change moves the motor. (tests/control/test_mcu.c
# checks every message of the profile on a JACK-less server; this is the transport and the
# profile together.)
. "$(dirname "$0")/lib.sh"
start_jackd -S # synchronous: see lib.sh
start_stemd --stems kick,snare,hats,bass,gtr,keys,pad,vox,bvox,fx --midi-profile mcu
hex() { printf '%02x' "$@"; }
ascii_hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
normof() { c -w 500 -n 1 send /get s "$1/norm" | awk '{print $3}'; }
# top_row: the hex of the last top-row scribble SysEx (F0 00 00 66 14 12 00 ...) recorded.
top_row() { grep '^f0000066141200' "$TMP/rec.txt" | tail -1; }
play() { $MIDI -s "$JACK" -c stemd -r 0 "$@" >/dev/null; }

# Bank right (note 47), then left (46): 10 stems, so the 8 strips move to stems 3-10 (the window
# stays full) and back; the top row is redrawn each time, 7 characters a strip.
record
play 902f7f 902f00
record_end
grep -q "^f0000066141200$(ascii_hex hats)" "$TMP/rec.txt"
ok $? "bank right: the scribble strip's top row (SysEx F0 00 00 66 14 12, offset 0) starts with hats" ||
    grep '^f0' "$TMP/rec.txt" | head -3 | sed 's/^/# /'
record
play 902e7f 902e00
record_end
top_row | grep -q "^f0000066141200$(ascii_hex kick)" && top_row | grep -q "$(ascii_hex vox)"
ok $? "bank left: back to kick ... vox on strips 1-8"

# Strip 1's fader: pitch bend channel 1 = 8192 is the taper's middle.
play e00040
n=$(normof /stem/kick/fader)
near "$n" "$(awk 'BEGIN { print 8192 / 16383 }')" 0.0001
ok $? "pitch bend 8192 on strip 1 puts kick's fader at norm 8192/16383 ($n)"

# Strip 2's mute button (note 17): muted, and its LED lit on the way back.
record
play 90117f 901100
record_end
is "$(get /stem/snare/mute)" 1 "the mute button of strip 2 mutes snare"
grep -q '^90117f$' "$TMP/rec.txt"; ok $? "... and lights its LED (note 17 on, velocity 127)"

# An OSC change moves strip 3's motor (pitch bend channel 3) to the new value's position.
record
c -w 100 send /stem/hats/fader f -12 >/dev/null
record_end
v=$(awk -v n="$(normof /stem/hats/fader)" 'BEGIN { printf "%d", int(n * 16383 + 0.5) }')
is "$(grep '^e2' "$TMP/rec.txt" | tail -1)" "e2$(hex $((v & 127)))$(hex $((v >> 7)))" \
    "an OSC change of hats' fader to -12 dB moves strip 3's motor to $v (pitch bend ch 3)"

# Banked right, strip 1 is stem 3: its pitch bend moves hats, and kick stays where it was.
play 902f7f 902f00
play e07f7f
is "$(get /stem/hats/fader)" 12 "banked right, strip 1's pitch bend 16383 puts hats' fader at the top (+12 dB)"
near "$(normof /stem/kick/fader)" "$n" 0.0001
ok $? "... and kick's fader stays where strip 1 put it before (norm $n)"

stop_stemd; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
