#!/usr/bin/env bash
# tests/net/10-netjack2.t: the DAW plays four stems over netjack2 (float, the default encoding)
# into stemd on the rack PC and records the master that comes back. The recording equals
# stemd-render's master of the same stems and preset, delayed by the round trip, within
# -90 dBFS (float over the wire: in practice identical). The round trip is measured (the one
# offset at which the two match) and must be stemd's 2 ms lookahead plus whole periods; it is
# printed with JACK's own report of the latency, for the README.
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"
need_rig
period=256
make_stems 3

for lat in 2 5; do
    "$RIG" up -e netjack2 -p $period -l $lat >/dev/null 2>"$T/up.err"
    ok $? "netjack2 -l $lat: the rig is up: the rack's jackd is a slave of the DAW's netmanager" ||
        { diag_file "$T/up.err"; continue; }
    start_stemd_rack system:capture_ system:playback_1,system:playback_2
    ok $? "netjack2 -l $lat: stemd runs on the rack, fed by the slave's capture ports"
    mapfile -t play < <(play_args rack:to_slave_)
    for take in 1 2 3; do
        upsets=$(net_upsets)
        on daw timeout -k 10 60 "$B/stemd-jackio" -n io -S "${play[@]}" -r "$T/live$lat.wav" \
            -f rack:from_slave_1,rack:from_slave_2 >/dev/null 2>"$T/io.err"
        io=$?
        found=""
        for k in $(seq 0 $((2 * lat + 8))); do
            off=$((96 + k * period))
            if "$B/tests/demo/wavcmp" --offset $off --tolerance-db -90 "$T/offline.wav" "$T/live$lat.wav" \
                >"$T/cmp" 2>&1; then
                found=$off; break
            fi
        done
        [ -n "$found" ] || [ "$(net_upsets)" -eq "$upsets" ] && break # judge a clean take
        diag "netjack2 -l $lat: take $take had a late cycle or a lost packet: taking it again"
    done
    ok $io "netjack2 -l $lat: the DAW plays the stems to the rack and records its master" ||
        diag_file "$T/io.err"
    reported=$(sed -n 's/.*capture latency of the recorded ports: \([0-9.]*\) frames.*/\1/p' "$T/io.err")
    if [ -z "$found" ] && [ "$(net_upsets)" -ne "$upsets" ]; then
        for what in "the master equals the offline render" "the round trip is stemd's 96 frames + $lat periods"; do
            tap_n=$((tap_n + 1))
            echo "ok $tap_n - netjack2 -l $lat: $what # skip no take without a late cycle or a lost packet on this loaded machine"
        done
    else
        [ -n "$found" ]
        ok $? "netjack2 -l $lat: the master equals the offline render delayed by the round trip: $(cat "$T/cmp")"
        # What the README states: netjack2 adds exactly -l periods to the round trip.
        [ "$found" = $((96 + lat * period)) ]
        ok $? "netjack2 -l $lat: the round trip is stemd's 96 frames + $lat periods (got '$found')"
    fi
    diag "netjack2 -l $lat, period $period: round trip DAW->stemd->DAW = $found frames" \
        "= 96 (stemd's lookahead) + $(((${found:-96} - 96) / period)) periods; JACK reports ${reported:-?} frames"
    stop_pid "$STEMD_PID"
    "$RIG" down
done

done_testing
