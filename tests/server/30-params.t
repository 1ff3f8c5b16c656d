#!/bin/bash
# tests/server/30-params.t: parameters through the C API while audio runs: a change lands
# within one period and ramps without a click; bad values change nothing; presets are atomic;
# a storm of 1000 changes a second and preset loads; the state file follows.
. "$(dirname "$0")/lib.sh"
start_jackd
mkdir -p "$TMP/state"
start_driver drv --stems drums,bass,music,vocals --state-dir "$TMP/state"
is "$(drv wait-running)" ok "driver: engine running on JACK"
is "$(drv probe)" ok "probe clients: DC 0.25 into drums, recorder on the master"

for v in -90 0 -6; do
    r=$(drv step /stem/drums/fader $v)
    diag "$r"
    late=$(field cycle_late "$r"); as=$(field after_seen "$r"); dl=$(field dsp_limit "$r")
    # Scheduling-independent: which cycle first used the change, counted in cycles.
    [ "$late" -le 1 ] 2>/dev/null; ok $? "fader $v dB: used by the first cycle that started after the set (cycle offset $late <= 1)"
    # Sample-exact within that cycle: the mix's latency plus one sub-block of ramp start.
    # (Measurable only from a recording JACK fed in step with stemd's callbacks: when all ten
    # tries were out of step, on a machine loaded past that, it says so instead.)
    if [ "$as" = -1 ] && [ "$(field tries "$r")" = 10 ]; then
        skip "the recorder ran out of step with stemd in all 10 tries (a loaded machine)" "fader $v dB: sample position in the first cycle"
    else
        [ "$as" -ge 0 ] && [ "$as" -le "$dl" ] 2>/dev/null; ok $? "fader $v dB: the master moved $as frames into that cycle's output (<= latency + two 32-frame sub-blocks = $dl: the ramp starts at the next sub-block)"
    fi
    # By JACK's clock (jack_frame_time's estimate of the wall clock): a figure, not a test; on a
    # busy machine it holds the scheduling jitter of everything else.
    diag "fader $v dB: the master moved $(field delay "$r") frames after the set by JACK's clock (period + latency + sub-block: $(field limit "$r"))"
    awk -v m="$(field maxstep "$r")" 'BEGIN { exit !(m < 0.01) }'; ok $? "fader $v dB: no click: largest sample step $(field maxstep "$r") < 0.01 on a 0.25 signal"
done

is "$(drv set /stem/drums/fader nan)" "error value must be a finite number" "NaN refused"
is "$(drv set /stem/drums/fader inf)" "error value must be a finite number" "inf refused"
is "$(drv get /stem/drums/fader)" "value -6" "and nothing changed"
is "$(drv set /stem/drums/fader 100)" "applied 12" "out of range: clamped, the applied value returned"
r=$(drv set /stem/vox/fader 0); grep -q "unknown stem 'vox' (stems: 1=drums, 2=bass" <<<"$r"; ok $? "unknown stem: $r"
r=$(drv set /bus/eq/7/gain 0); grep -q "^error .*1-6" <<<"$r"; ok $? "unknown band: $r"
is "$(drv set /stem/2/eq/1/type lowshelf)" "applied 1" "enum by name, stem by index"
is "$(drv get /stem/bass/eq/1/type)" "value 1" "get by name"

printf '# test preset\n/bus/input -3\n/stem/bass/comp/on on\n/stem/music/pan -0.5\n' >"$TMP/good.preset"
is "$(drv preset "$TMP/good.preset")" ok "preset applied"
is "$(drv get /bus/input) $(drv get /stem/bass/comp/on) $(drv get /stem/music/pan)" "value -3 value 1 value -0.5" "every preset value landed"
printf '/bus/input 0\n/stem/bass/comp/on 0\n/stem/nosuch/fader 0\n' >"$TMP/bad.preset"
r=$(drv preset "$TMP/bad.preset"); grep -q "bad.preset:3: unknown stem 'nosuch'" <<<"$r"; ok $? "bad preset refused: $r"
is "$(drv get /bus/input) $(drv get /stem/bass/comp/on)" "value -3 value 1" "a bad preset changes nothing"

# The storm: what is judged is what a busy machine cannot change (every change applied, in
# order, and the audio on the newest snapshot); xruns and DSP load are the machine's figures
# (tests/server/80-stress.t bounds the callback's own CPU time; make bench the wall clock).
before=$(drv status)
r=$(drv storm 1000 10); diag "storm: $r"
after=$(drv status); diag "$after"
is "$(field bad "$r")" 0 "storm: 10 000 changes at 1000/s and 100 preset loads, all applied"
is "$(field lost "$r")" 0 "storm: every parameter it touched reads back as its last change"
is "$(field rtseen "$r")" 1 "storm: the process callback uses the last snapshot published"
x=$(($(field xruns "$after") - $(field xruns "$before")))
g=$(($(field grace "$after") - $(field grace "$before")))
u=$(($(field reused "$after") - $(field reused "$before")))
diag "xruns during the storm: $x; grace periods: $g; snapshots reused at once (between callbacks): $u; DSP load after: $(field load "$after") %"
[ "$g" -le 1200 ]; ok $? "storm: grace periods batched ($g for 10 100 snapshots)"
r=$(drv get /stem/1/fader); is "${r%% *}" value "still answering after the storm"
r=$(drv meters); diag "$r"
awk -v p="$(field peak "$r")" 'BEGIN { exit !(p > 0.01) }'; ok $? "meters: the master peak is there"

# The state file follows the changes a second later, atomically, in the preset format.
drv set /stem/vocals/width 150 >/dev/null
wait_for grep -q "^/stem/vocals/width 150$" "$TMP/state/stemd.state"; ok $? "state saved a second after a change"
grep -q "^/stem/bass/comp/on 1$" "$TMP/state/stemd.state"; ok $? "state holds the preset's values"
ls -a "$TMP/state" | grep -q "tmp"; ok $((!$?)) "no temporary file left"
stop_driver; ok $? "driver exits cleanly"
rtcheck_verify
done_testing
