#!/bin/bash
# tests/osc/28-learn.t: the live loudness learn of a real stemd on a dummy jackd. Synthesised
# stems play in through stemd-jackio; /loudness/learn sets the limiter drive (and output gain)
# to numeric targets (-14 LUFS: output attenuation; -10, above the plain mix: into the limiter)
# and to a platform's (ebu-r128: -23 LUFS, ceiling -1 dBTP); then the master is recorded with stemd-jackio and measured by an independent meter,
# libebur128 (tests/osc/ebur128-wav): integrated within 0.3 LU of the target and true peak at
# or under the ceiling. A target out of reach says how far it got; bad input changes nothing;
# a learn while one runs is refused; cancel stops one; each correction is one undo step; the
# loudness-matched bypass (/bus/compare) plays the plain sum at the processed master's loudness;
# the process callback stays free of forbidden calls.
. "$(dirname "$0")/lib.sh"
start_jackd
# Test equipment, not the system under test: the plain build's when there is one (an ASan
# player on a loaded machine can fall behind JACK's deadlines and play silence).
EQ=${B%/*san}
[ -x "$EQ/stemd-jackio" ] || EQ=$B
# One second of the synthesised stems (two beats), looped for 160 s: every window of a few
# seconds then holds the same loudness, so what the learn measured is what a later recording
# measures (a whole arrangement's sections would differ by several LU between windows).
"$EQ/stemd-synth" -d 1 "$TMP/one" >/dev/null || bail "stemd-synth failed"
mkdir -p "$TMP/stems"
/usr/bin/python3 - "$TMP/one" "$TMP/stems" <<'PY' || bail "looping the stems failed"
import sys, wave
for s in ("drums", "bass", "keys", "vocal"):
    r = wave.open(f"{sys.argv[1]}/{s}.wav", "rb")
    w = wave.open(f"{sys.argv[2]}/{s}.wav", "wb")
    w.setparams(r.getparams())
    w.writeframes(r.readframes(r.getnframes()) * 160)
PY
METER=$EQ/tests/osc/ebur128-wav
[ -x "$METER" ] || METER=$B/tests/osc/ebur128-wav
[ -x "$METER" ] || bail "no $METER (make osc-tests builds it)"
printf 'stems = drums,bass,keys,vocal\njack-name = stemdlearn\nosc-port = %s\nhttp-port = 0\nmeter-rate = 0\n' "$PORT" >"$TMP/stemd.conf"
ctl() { "$B/stemctl" --port "$PORT" "$@"; }
"${RT_ENV[@]}" "$B/stemd" --jack-server "$JACK" --config "$TMP/stemd.conf" >"$TMP/stemd.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 100); do c -w 200 ping >/dev/null 2>&1 && break; sleep 0.05; done
for _ in $(seq 200); do grep -q "running on JACK" "$TMP/stemd.log" && break; sleep 0.05; done

get() { c send /get s "$1" | awk '{print $3}'; }
# Bad input before any audio: an /error each, nothing changes.
before=$(c send /dump | sort | md5sum)
for bad in "f nan" "f -71" "f 0.5" "s netflix" "ff -14 -1" "ff -14 601" "fff -14 1 1" "fs -14 x"; do
    out=$(c -w 300 send /loudness/learn $bad)
    grep -q "^/error ,ss /loudness/learn" <<<"$out"; ok $? "/loudness/learn $bad: refused (${out#/error ,ss /loudness/learn })"
done
c send /loudness/learn s netflix | grep -q "one of spotify, apple, youtube, amazon, ebu-r128, aes-streaming"
ok $? "an unknown platform's error names the platforms"
c send /loudness/learn f -14 | grep -q "nothing measured since /loudness/reset"
ok $? "without SECONDS and without audio: nothing to learn from"
c send /loudness/learn/cancel | grep -q "^/error ,ss /loudness/learn/cancel no learn is running"
ok $? "cancel without a learn: an error"
is "$(c send /dump | sort | md5sum)" "$before" "bad input changed nothing"

ports=()
i=0
for s in drums bass keys vocal; do
    i=$((i + 1))
    ports+=(-p "$TMP/stems/$s.wav=stemdlearn:in_0${i}_${s}_L,stemdlearn:in_0${i}_${s}_R")
done
"$EQ/stemd-jackio" -s "$JACK" -n play "${ports[@]}" -d 160 >"$TMP/play.log" 2>&1 &
PLAY=$!
PIDS="$PIDS $PLAY"
for _ in $(seq 200); do
    jack_lsp -s "$JACK" -c 2>/dev/null | grep -A1 "^stemdlearn:in_04_vocal_R" | grep -q "play" && break
    sleep 0.05
done
sleep 0.5
kill -0 "$PLAY" 2>/dev/null || diag "player: $(tail -5 "$TMP/play.log")"

# record SECONDS NAME: the master through stemd-jackio, measured by libebur128: "LUFS DBTP".
record() {
    "$EQ/stemd-jackio" -s "$JACK" -n "rec$2" -r "$TMP/$2.wav" -f stemdlearn:master_L,stemdlearn:master_R -d "$1" >"$TMP/$2.log" 2>&1 ||
        diag "recorder: $(tail -3 "$TMP/$2.log")"
    "$METER" "$TMP/$2.wav" 0.5
}
within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d <= t && d >= -t) }'; }

# A numeric target, measured for 4 s, through stemctl (its steps and result are printed).
undo_before=$(c send /undo/list | grep -c "^/undo/list/reply")
out=$(ctl loudness learn -14 4)
rc=$?
diag "$(tr '\n' '|' <<<"$out")"
[ $rc -eq 0 ] && grep -q "^learned -14.0 LUFS: measured" <<<"$out"; ok $? "stemctl loudness learn -14 4: learned"
steps=$(grep -c "^step " <<<"$out")
undo_after=$(c send /undo/list | grep -c "^/undo/list/reply")
[ $((undo_after - undo_before)) -eq "$steps" ]; ok $? "one undo step per correction ($steps corrections, $((undo_after - undo_before)) new undo steps)"
drive=$(get /bus/limiter/drive)
read -r lufs tp <<<"$(record 8 a)"
within "$lufs" -14 0.3; ok $? "libebur128 on the recorded master: $lufs LUFS (target -14 +- 0.3; drive $drive dB)"
awk -v p="$tp" 'BEGIN { exit !(p <= -1.0 + 0.05) }'; ok $? "true peak $tp dBTP <= the ceiling, -1 dBTP (libebur128's 4x estimate, 0.05 dB of slack)"

# The loudness-matched bypass, live, on this -14 LUFS master (the plain mix attenuated, so the
# bypass's limiter has nothing to do): the plain sum at the processed master's loudness, the
# gain shown by the compare_gain meter; off again afterwards.
processed=$lufs
c send /bus/compare s bypass >/dev/null
is "$(c send /get s /bus/compare/text | awk '{print $3}')" "bypass" "/bus/compare bypass"
sleep 1
read -r lufs tp <<<"$(record 6 d)"
within "$lufs" "$processed" 0.5; ok $? "libebur128: the bypass at $lufs LUFS, the processed master at $processed (within 0.5 LU)"
awk -v p="$tp" 'BEGIN { exit !(p <= -1.0 + 0.05) }'; ok $? "... its true peak $tp dBTP <= -1 dBTP"
LP=$((PORT + 8))
c -l "$LP" -w 200 send /subscribe >/dev/null
g=$(c -l "$LP" -w 2000 -n 100 send /meters i 10 | awk '$1 == "/bus/meter/compare_gain" {v = $3} END {print v}')
o=$(get /bus/output)
awk -v g="$g" 'BEGIN { exit !(g < -0.5 && g > -30) }'
ok $? "the compare_gain meter over OSC: $g dB (the plain mix is louder than this master; output $o dB)"
c -l "$LP" -w 200 send /unsubscribe >/dev/null
c send /bus/compare s off >/dev/null

# A platform: ebu-r128 is -23 LUFS at -1 dBTP; over OSC, its reply checked.
c send /bus/limiter/ceiling f -3 >/dev/null
out=$(c -w 30000 -n 30 send /loudness/learn sf ebu-r128 4 | grep -v "^/loudness/learn/step\|^/bus/" | head -2)
diag "$(tr '\n' '|' <<<"$out")"
grep -q "^/loudness/learn/started ,fff -23 -1 4" <<<"$out"; ok $? "ebu-r128: started at -23 LUFS, ceiling -1"
learned=$(grep "^/loudness/learned" <<<"$out")
[ -n "$learned" ]; ok $? "ebu-r128: $learned"
is "$(get /bus/limiter/ceiling)" "-1" "the platform set the ceiling to its -1 dBTP"
o=$(get /bus/output)
awk -v o="$o" 'BEGIN { exit !(o < 0) }'; ok $? "-23 LUFS is quieter than the plain mix: the output gain attenuates ($o dB)"
read -r lufs tp <<<"$(record 8 b)"
within "$lufs" -23 0.3; ok $? "libebur128 on the recorded master: $lufs LUFS (target -23 +- 0.3)"
awk -v p="$tp" 'BEGIN { exit !(p <= -1.0 + 0.05) }'; ok $? "true peak $tp dBTP <= -1 dBTP"

# Louder than the plain mix: into the limiter, which compresses (the secant steps).
out=$(ctl loudness learn -10 4 2>&1)
rc=$?
diag "$(tr '\n' '|' <<<"$out")"
[ $rc -eq 0 ] && grep -q "^learned -10.0 LUFS: measured" <<<"$out"; ok $? "stemctl loudness learn -10 4: learned"
drive=$(get /bus/limiter/drive)
awk -v d="$drive" 'BEGIN { exit !(d > 0) }'; ok $? "louder than the mix: the limiter drive rises ($drive dB), output $(get /bus/output) dB"
read -r lufs tp <<<"$(record 8 c)"
within "$lufs" -10 0.3; ok $? "libebur128 on the recorded master: $lufs LUFS (target -10 +- 0.3)"
awk -v p="$tp" 'BEGIN { exit !(p <= -1.0 + 0.05) }'; ok $? "true peak $tp dBTP <= -1 dBTP with the limiter working"

# The same bypass against this -10 LUFS master, whose plain mix peaks past the ceiling: the
# bypass's own limiter takes loudness the open-loop match does not see. A figure, not judged.
processed=$lufs
c send /bus/compare s bypass >/dev/null
sleep 1
read -r lufs tp <<<"$(record 6 e)"
diag "the bypass against the limited -10 LUFS master: $lufs LUFS against $processed (true peak $tp dBTP)"
c send /bus/compare s off >/dev/null


# Out of reach: -1 LUFS at a -6 dBTP ceiling; the error says how far the chain got.
c send /bus/limiter/ceiling f -6 >/dev/null
out=$(ctl loudness learn -1 3 2>&1)
rc=$?
diag "$(tr '\n' '|' <<<"$out")"
[ $rc -ne 0 ] && grep -q "the loudest this chain reaches on these stems at ceiling -6.0 dBTP is -[0-9.]* LUFS" <<<"$out"
ok $? "an unreachable target says how far it got"
is "$(get /bus/limiter/drive)" "24" "... with the drive at its maximum"

# A learn while one runs is refused; cancel stops it and keeps what it set.
c send /bus/limiter/ceiling f -1 >/dev/null
c send /bus/limiter/drive f 0 >/dev/null
c -w 500 send /loudness/learn ff -10 5 | grep -q "^/loudness/learn/started"; ok $? "a learn starts"
c -w 300 send /loudness/learn f -12 | grep -q "^/error ,ss /loudness/learn a learn is running"
ok $? "a second learn while one runs: refused"
c -w 300 send /loudness/learn/cancel | grep -q "^/loudness/learn/cancelled ,ff"; ok $? "cancel stops it"
sleep 6
is "$(get /bus/limiter/drive)" "0" "a learn cancelled in its first window changed nothing"
c -w 300 send /loudness/learn/cancel | grep -q "no learn is running"; ok $? "and it is no longer running"

kill -TERM "$PLAY" 2>/dev/null
wait "$PLAY" 2>/dev/null
kill -TERM "$SPID"
wait_exit "$SPID" 60; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
