#!/usr/bin/env bash
# tests/net/50-master.t: the DAW's JACK server is restarted with another sample rate and period
# (48000/256 -> 44100/512) under a running stemd on the netjack2 slave. The slave rejoins with
# the master's new settings; stemd, the same process, rebuilds its mix at the new rate, makes its
# connections again, and the master it sends back equals stemd-render's of 44.1 kHz stems, sample
# for sample, after its lookahead at 44.1 kHz plus the -l periods of the new size.
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"
need_rig
lat=2

"$B/stemd-synth" -r 44100 -d 2 "$T/s" >/dev/null || bail "stemd-synth failed"
files=()
for s in "${STEMS[@]}"; do files+=("$T/s/$s.wav"); done
"$B/stemd-render" -q --float --no-dither -p tools/demo.preset -o "$T/offline.wav" "${files[@]}" \
    >/dev/null 2>"$T/render.err" || { diag_file "$T/render.err"; bail "stemd-render failed"; }

"$RIG" up -e netjack2 -p 256 -l $lat >/dev/null 2>"$T/up.err"
ok $? "the netjack2 rig is up at 48000 Hz, period 256" || { diag_file "$T/up.err"; done_testing; exit; }
start_stemd_rack system:capture_ system:playback_1,system:playback_2
ok $? "stemd runs on the rack"
stemd_pid=$STEMD_PID

"$RIG" master -p 512 -s 44100 2>"$T/master.err"
ok $? "the DAW's jackd restarts at 44100 Hz, period 512, and the slave joins it" || diag_file "$T/master.err"
rate=$(on rack jack_samplerate 2>/dev/null | tail -1)
size=$(on rack jack_bufsize 2>/dev/null | tail -1)
[ "$rate/$size" = 44100/512 ]
ok $? "the slave runs at the master's new rate and period (got $rate/$size)"
back=1
for _ in $(seq 300); do
    grep -q 'mix ready: 4 stems at 44100 Hz' "$T/stemd.log" &&
        on rack timeout -k 2 15 jack_lsp -c 2>/dev/null | grep -A1 -x 'stemd:master_R' | grep -qx '   system:playback_2' &&
        on rack timeout -k 2 15 jack_lsp -c 2>/dev/null | grep -A1 -x 'system:capture_8' | grep -qx '   stemd:in_04_vocal_R' &&
        { back=0; break; }
    sleep 0.1
done
ok $back "stemd rebuilt its mix at 44100 Hz and made its connections again" || diag_file "$T/stemd.log"
kill -0 "$stemd_pid" 2>/dev/null
ok $? "stemd is the same process (pid $stemd_pid)"
look=$(sed -n 's/.*mix ready: 4 stems at 44100 Hz, latency \([0-9]*\) frames.*/\1/p' "$T/stemd.log" | tail -1)

net_take "$T/live.wav" "$T/offline.wav" $((${look:-0} + lat * 512))
ok $take_io "the DAW plays 44.1 kHz stems to the rack and records its master" || diag_file "$T/io.err"
ok_take "the master equals the 44.1 kHz offline render after ${look:-?} + $lat x 512 frames"

done_testing
