#!/bin/bash
# tools/bench-storm.sh: the wall-clock figures of a parameter storm, which the tests do not judge
# (a shared machine moves them, stemd or not): xruns, JACK's DSP load, stemd's longest callback
# by the clock and the callbacks that overran their period, idle and during 1000 changes a second
# (and a preset every 100 ms), 8 busy stems at 48 kHz / 64 frames. The callback's CPU time comes
# from tests/rtcheck.so when it is built (make server).
# Usage: tools/bench-storm.sh [BUILD-DIR] [SECONDS]   (default build 20)
set -u
B=${1:-build}
secs=${2:-20}
name=stemd-bstorm-$$
tmp=$(mktemp -d)
export JACK_NO_AUDIO_RESERVATION=1
cleanup() {
    [ -n "${drv_pid:-}" ] && kill -TERM "$drv_pid" 2>/dev/null && wait "$drv_pid" 2>/dev/null
    [ -n "${jackd_pid:-}" ] && kill -TERM "$jackd_pid" 2>/dev/null && wait "$jackd_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
rt=""
chrt -f 10 true 2>/dev/null && rt="-R"
jackd -n "$name" ${rt:--r} -d dummy -r 48000 -p 64 >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
timeout 10 jack_wait -s "$name" -w >/dev/null 2>&1 || { echo "bench-storm: jackd did not start"; exit 1; }
for k in $(seq 1 8); do
    printf '/stem/%d/hpf/on 1\n/stem/%d/lpf/on 1\n/stem/%d/comp/on 1\n/stem/%d/comp/threshold -30\n/stem/%d/width 120\n' \
        "$k" "$k" "$k" "$k" "$k"
    for b in 1 2 3 4 5 6; do printf '/stem/%d/eq/%d/on 1\n/stem/%d/eq/%d/gain 2\n' "$k" $b "$k" $b; done
done >"$tmp/busy.preset"
printf '/bus/eq/1/on 1\n/bus/mb/on 1\n/bus/imager/bassmono/on 1\n/bus/limiter/drive 3\n' >>"$tmp/busy.preset"
pre=()
[ -f "$B/tests/rtcheck.so" ] && pre=(env LD_PRELOAD="$(readlink -f "$B/tests/rtcheck.so")")
coproc DRV ("${pre[@]}" "$B/tests/server/stemd-driver" --osc-port 0 --jack-server "$name" --stems 8 \
    --preset "$tmp/busy.preset" 2>"$tmp/drv.log")
drv_pid=$DRV_PID
drv() { echo "$*" >&"${DRV[1]}"; local l; IFS= read -r -t 300 l <&"${DRV[0]}"; echo "$l"; }
field() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"; }
[ "$(drv wait-running)" = ok ] || { echo "bench-storm: the driver did not start"; cat "$tmp/drv.log"; exit 1; }
drv probe >/dev/null
sleep 2
row() { # row LABEL STATUS-BEFORE STATUS-AFTER CPU
    printf '  %-6s %6d xruns  DSP load %6.2f %%  longest callback so far %5d us (clock)  over period %4d of %6d  CPU %s\n' \
        "$1" $(($(field xruns "$3") - $(field xruns "$2"))) "$(field load "$3")" "$(field cbmax "$3")" \
        $(($(field cbover "$3") - $(field cbover "$2"))) $(($(field cycles "$3") - $(field cycles "$2"))) "${4#cpu }"
}
echo "Parameter storm, 8 busy stems, 48 kHz / 64 frames (period 1333 us), dummy backend${rt:+ (real-time)}, $secs s each:"
a=$(drv status); drv cpu-mark >/dev/null; sleep "$secs"; b=$(drv status); c=$(drv cpu)
row idle "$a" "$b" "$c"
drv cpu-mark >/dev/null
r=$(drv storm 1000 "$secs"); d=$(drv status); e=$(drv cpu)
row storm "$b" "$d" "$e"
echo "  storm: $r (bad: refused, lost: read back otherwise)"
drv quit >/dev/null 2>&1
