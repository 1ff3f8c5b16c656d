#!/usr/bin/env bash
# tests/net/30-cablepull.t: the network cable between the DAW and the rack PC is pulled for 3 s
# (the rack's end of the veth goes down) and plugged in again, with stemd running on the rack
# on a netjack2 slave. The slave loses its master, restarts its driver and joins again (its
# log shows the second join); stemd is the same process, its parameters are those set before
# the pull (stemctl dump, byte for byte), its connections are made again, and the audio that
# follows is the offline render of the same stems and parameters, sample for sample, after the
# same round trip as before the pull.
# shellcheck source=tests/net/lib.sh
. "$(dirname "$0")/lib.sh"
need_rig
[ -x "$B/stemctl" ] || bail "$B/stemctl is missing: make $B/stemctl"
period=256 lat=2
make_stems 2

"$RIG" up -e netjack2 -p $period -l $lat >/dev/null 2>"$T/up.err"
ok $? "the netjack2 rig is up" || { diag_file "$T/up.err"; done_testing; exit; }
# OSC on the rack's own loopback (its network namespace: no clash with the host's port 7770).
start_stemd_rack system:capture_ system:playback_1,system:playback_2 --osc-port 7770
ok $? "stemd runs on the rack with OSC on its loopback"
stemd_pid=$STEMD_PID
on rack "$B/stemctl" set /stem/vocal/trim -4.5 /bus/input -3 >"$T/set.out" 2>&1
ok $? "stemctl changes two parameters before the pull" || diag_file "$T/set.out"
on rack "$B/stemctl" dump >"$T/before.preset" 2>"$T/dump.err"
grep -q '^/stem/vocal/trim -4.5' "$T/before.preset"
ok $? "the dump holds the change" || diag_file "$T/before.preset"
files=()
for s in "${STEMS[@]}"; do files+=("$T/s/$s.wav"); done
"$B/stemd-render" -q --float --no-dither -p "$T/before.preset" -o "$T/offline2.wav" "${files[@]}" \
    >/dev/null 2>"$T/render.err"
ok $? "stemd-render masters the stems with the dumped parameters" || diag_file "$T/render.err"

# A connection on the DAW's side, to see (and tell the README) whether it outlives the pull.
on daw jack_connect system:capture_1 rack:to_slave_1 2>/dev/null
"$RIG" cable down
sleep 3
"$RIG" cable up
t_up=$(date +%s.%N)
# Back: the slave has joined the master again (the DAW sees the rack's ports) and stemd's
# connections on the rack are made (the slave's driver registers its ports anew on a join).
slave_back() { on daw timeout -k 2 15 jack_lsp 2>/dev/null | grep -qx rack:from_slave_2; }
stemd_back() {
    local c
    c=$(on rack timeout -k 2 15 jack_lsp -c 2>/dev/null)
    grep -A1 -x 'stemd:master_R' <<<"$c" | grep -qx '   system:playback_2' &&
        grep -A1 -x 'system:capture_8' <<<"$c" | grep -qx '   stemd:in_04_vocal_R'
}
how="by itself"
if ! until_for 60 slave_back; then
    # netjack2's handshake did not settle (tools/netrig.sh, cmd_rejoin): that is JACK's, not
    # stemd's; an admin's remedy, said on stderr with the servers' logs. Only the slave's return
    # calls for it: stemd's connections are judged after, with no second chance.
    echo "# the rack's ports are not back on the DAW 60 s after the cable: the DAW's netmanager is reloaded" >&2
    diag_file "$NETRIG_DIR/daw-jackd.log" 30
    diag_file "$NETRIG_DIR/rack-jackd.log" 30
    "$RIG" rejoin 2>"$T/rejoin.err" || diag_file "$T/rejoin.err"
    how="after the DAW's netmanager was reloaded"
fi
until_for 60 slave_back
ok $? "after the pull the rack is a slave of the DAW again ($how)"
until_for 60 stemd_back
ok $? "stemd's connections on the rack are made again" || diag_file "$T/stemd.log"
# Figures for the README, not judged: how long the rejoin took; the DAW-side connection.
diag "back $(awk -v a="$t_up" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the cable was plugged in"
if on daw timeout -k 2 15 jack_lsp -c 2>/dev/null | grep -A1 -x system:capture_1 | grep -qx '   rack:to_slave_1'; then
    diag "the DAW's connection system:capture_1 -> rack:to_slave_1 survived the pull"
else
    diag "the DAW's connection system:capture_1 -> rack:to_slave_1 is gone after the pull (the DAW must reconnect)"
fi
joins=$(grep -c 'Initializing connection with' "$NETRIG_DIR/rack-jackd.log")
[ "$joins" -ge 2 ]
ok $? "the pull was seen: the slave lost its master and joined again ($joins joins)" ||
    diag_file "$NETRIG_DIR/rack-jackd.log"
kill -0 "$stemd_pid" 2>/dev/null
ok $? "stemd kept running through the pull (pid $stemd_pid)" || diag_file "$T/stemd.log"
on rack "$B/stemctl" dump >"$T/after.preset" 2>"$T/dump.err"
cmp -s "$T/before.preset" "$T/after.preset"
ok $? "stemd's parameters are those set before the pull" || diff "$T/before.preset" "$T/after.preset" | head | sed 's/^/# /'

net_take "$T/after.wav" "$T/offline2.wav" $((96 + lat * period))
ok $take_io "the DAW plays the stems to the rack again and records its master" || diag_file "$T/io.err"
ok_take "the audio after the pull is the offline render after the same round trip"
grep '' "$T/stemd.log" | grep -E '^<[0-4]>' | sed 's/^/# stemd: /'

done_testing
