#!/bin/bash
# tests/server/80-stress.t: 60 s at 48 kHz, 64-frame periods, 8 stems with every module on,
# 1000 parameter changes a second (and preset loads) while audio runs: no xruns caused by stemd,
# and JACK's DSP load reported. jackd runs with real-time scheduling when the machine allows it
# (without it the dummy backend misses cycles on a busy machine whatever its clients do), and an
# idle window of the same engine is the control: the storm may not add xruns beyond it.
. "$(dirname "$0")/lib.sh"
start_jackd "$(rt_sched)" 64
N=8
{
    for k in $(seq 1 $N); do
        printf '/stem/%d/hpf/on 1\n/stem/%d/lpf/on 1\n' "$k" "$k"
        for b in 1 2 3 4 5 6; do printf '/stem/%d/eq/%d/on 1\n/stem/%d/eq/%d/gain 2\n' "$k" $b "$k" $b; done
        printf '/stem/%d/comp/on 1\n/stem/%d/comp/threshold -30\n/stem/%d/width 120\n' "$k" "$k" "$k"
    done
    printf '/bus/eq/1/on 1\n/bus/mb/on 1\n/bus/imager/bassmono/on 1\n/bus/limiter/drive 3\n'
} >"$TMP/busy.preset"
start_driver drv --stems $N --preset "$TMP/busy.preset"
is "$(drv wait-running)" ok "driver: engine running, 8 busy stems, jackd $([ "$JACKD_RT" = 1 ] && echo "real-time ")64 frames"
is "$(drv probe)" ok "probe clients: a signal into stem 1, recorder on the master"
sleep 2 # warm-up: the dummy backend reports a couple of xruns at start
s0=$(drv status); sleep 30; s1=$(drv status)
xi=$(($(field xruns "$s1") - $(field xruns "$s0")))
diag "idle 30 s: $xi xruns, DSP load $(field load "$s1") %"
before=$(drv status)
r=$(drv storm 1000 60); diag "storm: $r"
after=$(drv status)
x=$(($(field xruns "$after") - $(field xruns "$before")))
is "$(field bad "$r")" 0 "60 s storm: 60 000 random changes at 1000/s and a preset every 100 ms, all applied"
diag "storm 60 s: $x xruns; JACK DSP load after: $(field load "$after") %"
# An xrun stemd causes is a callback that overruns its period. The dummy backend on a shared
# machine also reports cycles its own timer thread woke late, stemd or not (the idle window
# shows how many), so the test is on stemd's own longest callback, measured inside it.
cb=$(field cbmax "$after"); per_us=$((64 * 1000000 / 48000))
diag "longest stemd process callback over idle and storm: $cb us (period $per_us us)"
if [ "$JACKD_RT" = 1 ] && [ "${B%san}" = "$B" ]; then
    # A virtual machine can still steal the CPU from a real-time thread now and then: allow one
    # overrun in 10 000 cycles (the storm alone is ~45 000), none systematic.
    ov=$(field cbover "$after"); cy=$(field cycles "$after")
    [ "$ov" -le $((cy / 10000)) ] 2>/dev/null; ok $? "no cycle overrun by stemd: $ov of $cy callbacks longer than the period $per_us us (longest $cb us; JACK counted $x xruns in the 60 s storm, $xi in 30 s idle: the machine's)"
else
    # Without real-time scheduling any task may preempt the callback; under ASan/UBSan it runs
    # several times slower: the timing is judged in the plain build on a real-time jackd.
    skip "sanitizer build or no real-time scheduling" "no cycle overrun by stemd ($cb us)"
fi
if [ "$TSAN" = 1 ]; then # the load is the plain build's figure; TSan's code runs 5-15x slower
    skip "ThreadSanitizer build: instrumented callbacks" "JACK DSP load $(field load "$after") % < 50 %"
else
    awk -v l="$(field load "$after")" 'BEGIN { exit !(l < 50) }'; ok $? "JACK DSP load $(field load "$after") % < 50 % with 8 busy stems under the storm"
fi
stop_driver; ok $? "driver exits cleanly"
rtcheck_verify
done_testing
