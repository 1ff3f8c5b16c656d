#!/bin/bash
# tests/midi/20-scale.t: end to end through a live stemd: 14-bit CC pairs, NRPN and pitch bend
# scale exactly (16383 steps over the range), min/max/invert, each relative encoding steps by
# its step (and accelerates), pickup ignores a control until it crosses the value, jump does not.
. "$(dirname "$0")/lib.sh"
start_jackd -S # synchronous: see lib.sh
start_stemd
hex() { printf '%02x' "$@"; }
# width is 0..200 %, linear: a 14-bit value v must give 200*v/16383.
want14() { awk -v v="$1" 'BEGIN { printf "%.6f", 200 * v / 16383 }'; }

cmd /midi/map /stem/drums/width cc14 7 ch 1 >/dev/null
cmd /midi/map /stem/bass/width "nrpn 300 ch 3" >/dev/null
cmd /midi/map /stem/music/width pb ch 16 >/dev/null
is "$(cmd /midi/list | tail -1)" "/midi/list/end ,s 3" "three mappings made by /midi/map"
for v in 0 1 8191 8192 16382 16383 12345; do
    msb=$((v >> 7)) lsb=$((v & 127))
    midi "b007$(hex $msb)" "b027$(hex $lsb)" \
        b26302 b2622c "b206$(hex $msb)" "b226$(hex $lsb)" \
        "ef$(hex $lsb)$(hex $msb)" >/dev/null
    w=$(want14 "$v")
    g1=$(get /stem/drums/width) g2=$(get /stem/bass/width) g3=$(get /stem/music/width)
    near "$g1" "$w" 0.00002; ok $? "CC 7/39 = $v: width $g1 (200*$v/16383 = $w)"
    near "$g2" "$w" 0.00002; ok $? "NRPN 300 ch 3 = $v: width $g2"
    near "$g3" "$w" 0.00002; ok $? "pitch bend ch 16 = $v: width $g3"
done

cmd /midi/map /stem/vocals/width cc 10 min 50 max 150 invert >/dev/null
midi b00a00 >/dev/null
is "$(get /stem/vocals/width)" "150" "min 50 max 150 invert: CC 10 = 0 gives 150"
midi b00a7f >/dev/null
is "$(get /stem/vocals/width)" "50" "... and 127 gives 50"

# Encoders: pan is -1..1, step 0.01 of the travel = 0.02 of pan per tick.
n=1
for e in twos:01:7f:03 offset:41:3f:43 signed:41:01:43 mackie:01:41:03; do
    IFS=: read -r name up down three <<<"$e"
    cc=$(hex $((15 + n)))
    cmd /midi/map "/stem/$n/pan" enc $((15 + n)) "$name" step 0.01 >/dev/null
    midi "b0$cc$up" >/dev/null
    near "$(get /stem/$n/pan)" 0.02 0.00001; ok $? "encoder $name: +1 moves pan one step (0.02)"
    midi "b0$cc$down" >/dev/null
    near "$(get /stem/$n/pan)" 0 0.00001; ok $? "encoder $name: -1 moves it back"
    midi "b0$cc$three" >/dev/null
    near "$(get /stem/$n/pan)" 0.06 0.00001; ok $? "encoder $name: +3 moves three steps"
    n=$((n + 1))
done
cmd /midi/map /stem/vocals/width enc 30 twos step 0.01 accel 1 >/dev/null
c -w 200 send /stem/vocals/width f 100 >/dev/null
midi b01e03 >/dev/null
near "$(get /stem/vocals/width)" 118 0.0001; ok $? "accel 1: 3 ticks move 3*(1+2) = 9 steps (width 100 -> 118)"

# Pickup: the control does nothing until it crosses (or comes near) the current value.
cmd /midi/map /stem/music/pan cc 21 pickup >/dev/null
c -w 200 send /stem/music/pan f 0.5 >/dev/null
midi b01514 b01528 >/dev/null
is "$(get /stem/music/pan)" "0.5" "pickup: CC 21 at 20 and 40 (below 0.5's position) is ignored"
midi b0156e >/dev/null
v=$(get /stem/music/pan)
near "$v" "$(awk 'BEGIN { print -1 + 2 * 110 / 127 }')" 0.0001; ok $? "... 110 crosses it: caught and followed ($v)"
midi b0151e >/dev/null
near "$(get /stem/music/pan)" "$(awk 'BEGIN { print -1 + 2 * 30 / 127 }')" 0.0001; ok $? "... and then followed down to 30"
c -w 200 send /stem/music/pan f 0 >/dev/null
midi b01578 b01564 >/dev/null
is "$(get /stem/music/pan)" "0" "a change from OSC drops the pickup: 120 and 100 are ignored"
midi b0153f >/dev/null
near "$(get /stem/music/pan)" "$(awk 'BEGIN { print -1 + 2 * 63 / 127 }')" 0.0001; ok $? "... 63, within 2% of it, catches it again"
cmd /midi/map /stem/vocals/pan cc 22 >/dev/null
c -w 200 send /stem/vocals/pan f 0.5 >/dev/null
midi b01600 >/dev/null
is "$(get /stem/vocals/pan)" "-1" "jump (the default): the first message sets the value at once"

stop_stemd; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
