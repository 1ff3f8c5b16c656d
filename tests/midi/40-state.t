#!/bin/bash
# tests/midi/40-state.t: mappings live in the state file as /midi/map lines and survive a
# restart; a state file or preset with a bad /midi/map line is refused with file:line and
# nothing of it is applied; --connect-midi-in/out connect the ports.
. "$(dirname "$0")/lib.sh"
start_jackd -S # synchronous: see lib.sh
SD=$TMP/state
mkdir -p "$SD"
start_stemd --state-dir "$SD"
cmd /midi/map /stem/drums/width cc14 7 ch 1 >/dev/null
cmd /midi/map /stem/bass/pan "enc 16 mackie step 0.05 accel 0.5" >/dev/null
cmd /midi/map /stem/vocals/width "cc 10 ch 3 pickup min 50 max 150 invert" >/dev/null
stop_stemd; ok $? "stemd saves and exits"
grep -q '^/midi/map /stem/drums/width cc14 7 ch 1 jump$' "$SD/stemd.state"; ok $? "the state file holds /midi/map /stem/drums/width cc14 7 ch 1 jump" || diag "$(cat "$SD/stemd.state")"
grep -q '^/midi/map /stem/bass/pan enc 16 ch 1 mackie step 0.05 accel 0.5$' "$SD/stemd.state"; ok $? "... and the encoder with its encoding, step and acceleration"
grep -q '^/midi/map /stem/vocals/width cc 10 ch 3 pickup invert min 50 max 150$' "$SD/stemd.state"; ok $? "... and pickup, invert, min and max"

start_stemd --state-dir "$SD"
is "$(cmd /midi/list | tail -1)" "/midi/list/end ,s 3" "after a restart the three mappings are back"
midi b0077f b0277f >/dev/null
is "$(get /stem/drums/width)" "200" "... and work: CC 7/39 = 16383 sets width 200"
stop_stemd

# A bad mapping line: the whole file is refused (moved aside), nothing of it applied.
printf '/stem/drums/width 42\n# a comment\n/midi/map /stem/drums/pan cc 200\n' >"$SD/stemd.state"
start_stemd --state-dir "$SD"
grep -q "$SD/stemd.state:3: /stem/drums/pan: cc needs its number, a whole number 0-119" "$TMP/stemd.log"; ok $? "a bad /midi/map line is reported as file:line: reason" || diag "$(tail -5 "$TMP/stemd.log")"
is "$(get /stem/drums/width)" "100" "... and nothing of that file is applied (width stays at its default)"
is "$(cmd /midi/list | tail -1)" "/midi/list/end ,s 0" "... no mapping either"
[ -e "$SD/stemd.state.rejected" ]; ok $? "... the file is kept as stemd.state.rejected"
stop_stemd

printf '/stem/drums/width 42\n/midi/map /stem/nosuch/pan cc 7\n' >"$TMP/bad.preset"
"$B/stemd" --jack-server "$JACK" --osc-port 0 --http-port 0 --preset "$TMP/bad.preset" --no-wait >"$TMP/p.log" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "$TMP/bad.preset:2: unknown stem 'nosuch'" "$TMP/p.log"; ok $? "--preset with a bad /midi/map line: stemd refuses it, naming file:line (rc $rc)" || diag "$(cat "$TMP/p.log")"
printf '/midi/mapx /stem/drums/pan cc 7\n' >"$TMP/bad2.preset"
"$B/stemd" --jack-server "$JACK" --osc-port 0 --http-port 0 --preset "$TMP/bad2.preset" --no-wait >"$TMP/p2.log" 2>&1
grep -q "bad2.preset:1: unknown line '/midi/mapx" "$TMP/p2.log"; ok $? "an unknown /midi/ line is refused too"

# --connect-midi-in/out: connected at start (a JACK MIDI port of another client).
surface() {
    /usr/bin/python3 -c '
import jack, sys, time
c = jack.Client("surface", servername=sys.argv[1], no_start_server=True)
c.midi_outports.register("out"); c.midi_inports.register("in")
c.activate(); time.sleep(60)' "$JACK"
}
surface &
SURF=$!
PIDS="$PIDS $SURF"
for _ in $(seq 100); do jack_lsp -s "$JACK" 2>/dev/null | grep -q '^surface:in$' && break; sleep 0.05; done
start_stemd --connect-midi-in surface:out --connect-midi-out surface:in
conn() { jack_lsp -s "$JACK" -c "$1" 2>/dev/null | grep -q "^   $2$"; }
for _ in $(seq 200); do conn stemd:midi_in surface:out && conn stemd:midi_out surface:in && break; sleep 0.1; done
conn stemd:midi_in surface:out; ok $? "--connect-midi-in connects midi_in"
conn stemd:midi_out surface:in; ok $? "--connect-midi-out connects midi_out"
# A JACK restart: stemd comes back and connects the surface again once its ports are there.
kill $SURF 2>/dev/null; wait $SURF 2>/dev/null
stop_jackd
start_jackd -S
surface &
SURF=$!
PIDS="$PIDS $SURF"
for _ in $(seq 300); do conn stemd:midi_in surface:out && conn stemd:midi_out surface:in && break; sleep 0.1; done
conn stemd:midi_in surface:out && conn stemd:midi_out surface:in; ok $? "after a JACK restart both MIDI connections are restored"
stop_stemd
kill $SURF 2>/dev/null; wait $SURF 2>/dev/null
# --midi-profile: mcu needs midi/mcu.c in the build; anything else is refused by name.
if [ -e "$(dirname "$0")/../../midi/mcu.c" ]; then
    skip "midi/mcu.c is built in (its own tests cover the profile)" "--midi-profile mcu without the profile"
else
    "$B/stemd" --midi-profile mcu --osc-port 0 --http-port 0 >"$TMP/mcu.log" 2>&1
    rc=$?
    [ $rc = 2 ] && grep -q "stemd was built without the MCU profile" "$TMP/mcu.log"; ok $? "--midi-profile mcu without midi/mcu.c: says so, exit 2"
fi
"$B/stemd" --midi-profile banana --osc-port 0 --http-port 0 >"$TMP/mp.log" 2>&1
[ $? = 2 ] && grep -q "midi-profile banana: use none or mcu" "$TMP/mp.log"; ok $? "--midi-profile banana is refused"
rtcheck_verify
done_testing
