#!/usr/bin/env bash
# tests/demo/30-stemd.t: the demo's path through the real daemon: stemd-jackio plays the four
# synthesised stems into stemd (with tools/demo.preset) and records its master; after the
# capture latency JACK reports for stemd's outputs, the recording equals stemd-render's output
# for the same stems and preset, sample for sample, at periods 64, 256 and 1024.
# shellcheck source=tests/demo/lib.sh
. "$(dirname "$0")/lib.sh"
need_bin stemd-synth stemd-jackio stemd-render tests/demo/wavcmp
if [ ! -x "$B/stemd" ]; then
    echo "1..0 # skip $B/stemd is not built (make $B/stemd)"
    exit 0
fi
io="io$$"
stems=(drums bass keys vocal)

"$B/stemd-synth" -d 3 "$T/s" >/dev/null
files=()
for s in "${stems[@]}"; do files+=("$T/s/$s.wav"); done
"$B/stemd-render" -q --float --no-dither -p tools/demo.preset -o "$T/offline.wav" "${files[@]}" \
    >/dev/null 2>"$T/render.err"
ok $? "stemd-render masters the stems with tools/demo.preset" || diag_file "$T/render.err"

for period in 64 256 1024; do
    start_jackd "$period" || { ok 1 "jackd at period $period"; diag_file "$T/jackd.log"; continue; }
    "$B/stemd" --osc-port 0 --http-port 0 --stems drums,bass,keys,vocal --jack-server "$JACK_DEFAULT_SERVER" \
        --preset tools/demo.preset --no-wait >"$T/stemd.log" 2>&1 &
    stemd_pid=$!
    pids+=("$stemd_pid")
    up=1
    for _ in $(seq 100); do
        timeout -k 2 15 jack_lsp 2>/dev/null | grep -qx "stemd:master_R" && { up=0; break; }
        kill -0 "$stemd_pid" 2>/dev/null || break
        sleep 0.1
    done
    ok $up "period $period: stemd is up with its ports" || { diag_file "$T/stemd.log"; }
    play=()
    for k in "${!stems[@]}"; do
        p=$(printf 'stemd:in_%02d_%s' $((k + 1)) "${stems[$k]}")
        play+=(-p "$T/s/${stems[$k]}.wav=${p}_L,${p}_R")
    done
    timeout -k 10 40 "$B/stemd-jackio" -n "$io" -S "${play[@]}" -r "$T/live$period.wav" \
        -f stemd:master_L,stemd:master_R >/dev/null 2>"$T/err"
    ok $? "period $period: stemd-jackio plays the stems into stemd and records the master" ||
        diag_file "$T/err"
    lat=$(sed -n 's/.*capture latency of the recorded ports: [0-9]*\.\.\([0-9]*\) frames.*/\1/p' "$T/err")
    [ "$lat" = 96 ]
    ok $? "period $period: the capture latency JACK reports is stemd's 2 ms lookahead (got '$lat' frames)"
    "$B/tests/demo/wavcmp" --offset "${lat:-0}" "$T/offline.wav" "$T/live$period.wav" >"$T/cmp" 2>&1
    ok $? "period $period: live equals offline after the reported latency: $(cat "$T/cmp")" ||
        dsp_skew_hint
    stop_pid "$stemd_pid"
    stop_pid "$jackd_pid"
    jackd_pid=""
done

done_testing
