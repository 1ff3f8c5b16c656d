#!/bin/bash
# tests/server/45-pending.t: a remembered connection that JACK refuses to make again after a
# restart (a loaded server times a request out) stays remembered and is made as soon as JACK
# takes it, even though no new port appears and stemd re-reads its connections meanwhile. (On a
# loaded machine under ThreadSanitizer, 40-reconnect.t once lost such a connection for good:
# the re-read took "not connected, other port present" for a connection undone on purpose.)
. "$(dirname "$0")/lib.sh"
FAIL=$TMP/jack-connect-fails
SHIM=$(cd "$B/tests" && pwd)/jackfail.so
RT_ENV=(env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
    LD_PRELOAD="${RTCHECK:+$RTCHECK }$SHIM" STEMD_RTCHECK_REPORT="$TMP/rtcheck.%p"
    STEMD_JACKFAIL_FILE="$FAIL" STEMD_JACKFAIL_PORT=in_02_bass_L)
start_jackd
start_stemd s --connect drums=system:capture_1,system:capture_2
wait_for ports_are stemd 12; ok $? "stemd up with 12 ports"
connected() { jack_lsp -s "$JACK" -c "$1" 2>/dev/null | grep -q "^   $2$"; }
jack_connect -s "$JACK" system:capture_2 stemd:in_02_bass_L; ok $? "another client connects capture_2 -> bass L"
sleep 1.5 # stemd re-reads its connections once they have been quiet for a second

touch "$FAIL" # from now on JACK "refuses" stemd's connections of bass L
stop_jackd
sleep 0.3
start_jackd
wait_for connected stemd:in_01_drums_R system:capture_2; ok $? "after a restart: the --connect ones are back"
wait_for grep -q "cannot connect system:capture_2 -> stemd:in_02_bass_L yet" "$TMP/s.log"
ok $? "the refused one is logged as pending"
connected stemd:in_02_bass_L system:capture_2; ok $((!$?)) "and is not connected (the shim refused it)"
# The --connect ones changed the connections: 1 s later stemd re-reads them, and must keep the
# pending one (its other port is there, it is not connected, but it was never made on this server).
sleep 2.5
rm -f "$FAIL"
wait_for connected stemd:in_02_bass_L system:capture_2
ok $? "once JACK takes it, the pending connection is made again (no new port needed)"

kill -TERM "$STEMD_PID"; wait_exit "$STEMD_PID" 60; ok $? "SIGTERM: exit 0"
rtcheck_verify
done_testing
