#!/bin/bash
# tests/server/40-reconnect.t: the JACK server killed and restarted five times: each time stemd
# is back within 5 s with its ports, its connections (--connect ones and one made by another
# client) and its parameters.
. "$(dirname "$0")/lib.sh"
start_jackd
mkdir -p "$TMP/state"
printf '/stem/bass/fader -6.5\n/bus/limiter/ceiling -2\n' >"$TMP/start.preset"
start_stemd s --state-dir "$TMP/state" --preset "$TMP/start.preset" \
    --connect drums=system:capture_1,system:capture_2 --connect-out system:playback_1,system:playback_2
wait_for ports_are stemd 12; ok $? "stemd up with 12 ports"
jack_connect system:capture_2 stemd:in_02_bass_L; ok $? "another client connects capture_2 -> bass L"
sleep 1.5 # stemd re-reads its connections once they have been quiet for a second

connected() { # connected A B: A's connection list holds B
    jack_lsp -c "$1" 2>/dev/null | grep -q "^   $2$"
}
all_back() {
    ports_are stemd 12 && connected stemd:in_01_drums_L system:capture_1 &&
        connected stemd:in_01_drums_R system:capture_2 && connected stemd:master_L system:playback_1 &&
        connected stemd:master_R system:playback_2 && connected stemd:in_02_bass_L system:capture_2
}
all_back; ok $? "all connections in place before the restarts"

for i in 1 2 3 4 5; do
    sig=TERM
    [ $i -ge 4 ] && sig=KILL # the last two die without a word to their clients
    stop_jackd $sig
    sleep 0.3
    start=$(date +%s%N)
    start_jackd
    back=1
    # A bound for a hang, not a speed: each all_back is several JACK clients of its own, and
    # under ThreadSanitizer on a loaded machine a reconnection took over 50 s.
    while [ $((($(date +%s%N) - start) / 1000000000)) -lt 180 ]; do
        all_back && { back=0; break; }
        sleep 0.05
    done
    ms=$((($(date +%s%N) - start) / 1000000))
    ok $back "restart $i (jackd SIG$sig): ports and all 5 connections back $ms ms after jackd was started again"
    kill -0 "$STEMD_PID"; ok $? "restart $i: the same stemd process"
done
n=$(grep -c "went away" "$TMP/s.log"); is "$n" 5 "each loss logged"
n=$(grep -c "back on JACK server" "$TMP/s.log"); is "$n" 5 "each return logged"
grep "back on JACK server" "$TMP/s.log" | sed 's/^/# /'

# A connection someone undoes on purpose is forgotten; the --connect ones stay.
jack_disconnect system:capture_2 stemd:in_02_bass_L
sleep 1.5
stop_jackd
start_jackd
wait_for connected stemd:master_R system:playback_2; ok $? "after a deliberate disconnect and one more restart: --connect ones back"
connected stemd:in_02_bass_L system:capture_2; ok $((!$?)) "and the undone connection stays undone"

kill -TERM "$STEMD_PID"; wait_exit "$STEMD_PID" 60; ok $? "SIGTERM: exit 0"
grep -q "^/stem/bass/fader -6.5$" "$TMP/state/stemd.state" && grep -q "^/bus/limiter/ceiling -2$" "$TMP/state/stemd.state"
ok $? "parameters kept across the restarts (saved state)"
rtcheck_verify
done_testing
