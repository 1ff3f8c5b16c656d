#!/bin/bash
# tests/server/20-ports.t: ports (names, order, metadata, latency), connections at start, the
# config file, and a second instance with the same name refused.
. "$(dirname "$0")/lib.sh"
start_jackd

names_of() { jack_lsp -s "$JACK" 2>/dev/null | grep "^$1:" | LC_ALL=C sort; }
names_are() { [ "$(names_of "$1")" = "$2" ]; }
latency_of() { jack_lsp -s "$JACK" -l "$1" 2>/dev/null | grep "$2 latency"; } # PORT capture|playback
latency_is() { grep -q "\[ 96 96 \]" <<<"$(latency_of "$1" "$2")"; }
props_have() { # props_have PORT TEXT...: the port's metadata holds every TEXT
    local props; props=$(jack_property --port -l "$1" 2>&1); shift
    for t in "$@"; do grep -q "$t" <<<"$props" || return 1; done
}
check_stems() { # check_stems SPEC NAME1 NAME2 ...
    local spec=$1; shift
    local n=$# name=st$RANDOM
    start_stemd "$name" --jack-name "$name" --stems "$spec"
    # No JACK client may close while stemd broadcasts its port metadata: jack2 1.9.21 then
    # deadlocks (the server blocks notifying the closing client). Wait for stemd's word first.
    wait_for grep -q "running on JACK server" "$TMP/$name.log"
    # 2 per stem, the master pair, midi_in and midi_out.
    wait_for ports_are "$name" $((2 * n + 4)); ok $? "--stems $spec: $((2 * n + 4)) ports"
    local want="" k=1 w=2
    [ "$n" -gt 99 ] && w=3
    for s in "$@"; do
        want="$want$(printf "%s:in_%0${w}d_%s_L\n%s:in_%0${w}d_%s_R" "$name" $k "$s" "$name" $k "$s")"$'\n'
        k=$((k + 1))
    done
    want="$want$name:master_L"$'\n'"$name:master_R"$'\n'"$name:midi_in"$'\n'"$name:midi_out"
    wait_for names_are "$name" "$want"
    is "$(names_of "$name")" "$want" "--stems $spec: names in stem order when sorted"
    local first; first=$(jack_lsp -s "$JACK" | grep "^$name:in_" | LC_ALL=C sort | head -1)
    # jack2 keeps one metadata store for all the user's servers, keyed by port index: while
    # another JACK server runs on this machine its clients can overwrite ours. Checked when
    # ours is the only one (as in CI); said so otherwise.
    local others; others=$(pgrep -x jackd | grep -vxc "$JACKD_PID")
    if [ "${META:-1}" = 1 ] && [ "$others" -gt 0 ]; then
        skip "$others other JACK server(s) on this machine share jack2's metadata store" "--stems $spec: metadata of the first input"
        skip "$others other JACK server(s) on this machine share jack2's metadata store" "--stems $spec: master_R metadata"
    elif [ "${META:-1}" = 1 ]; then
    local cap; cap=$(tr '[:lower:]' '[:upper:]' <<<"${1:0:1}")${1:1}
    # jack2 keeps metadata in a Berkeley DB that every client opens; on a loaded machine a read
    # can come back empty while another client holds its lock: read again until it answers.
    wait_for props_have "$first" "pretty-name value: $cap L" "port-group value: $cap" "order value: 1"
    ok $? "--stems $spec: metadata of $first (pretty '$cap L', group, order)" ||
        diag "$(jack_property --port -l "$first" 2>&1 | head -5)"
    wait_for props_have "$name:master_R" "pretty-name value: Master R" "order value: 2"
    ok $? "--stems $spec: master_R metadata"
    fi
    # (Each jack_lsp is a JACK client of its own: on a loaded machine one may fail to open, so
    # ask again until one answers.)
    wait_for latency_is "$name:master_L" capture; ok $? "--stems $spec: master capture latency is the mix's 96 frames ($(latency_of "$name:master_L" capture))"
    wait_for latency_is "$name:in_$(printf "%0${w}d" 1)_${1}_L" playback
    ok $? "--stems $spec: input playback latency 96 frames ($(latency_of "$name:in_$(printf "%0${w}d" 1)_${1}_L" playback))"
    kill -TERM "$STEMD_PID"; wait_exit "$STEMD_PID" 60; ok $? "--stems $spec: SIGTERM exit 0"
}
check_stems drums,bass,music,vocals drums bass music vocals
check_stems 3 stem1 stem2 stem3
check_stems kick-in,Snare_2 kick-in Snare_2
check_stems 12 stem1 stem2 stem3 stem4 stem5 stem6 stem7 stem8 stem9 stem10 stem11 stem12
# 66 ports: jack_client_close used to deadlock jack2 here (see engine_close).
# (Metadata not checked here: jack2 keeps one metadata store for every server of the user,
# keyed by port index, so other servers' clients on this machine can overwrite or delete it.)
META=0 check_stems 32 $(seq -f 'stem%g' 32)

# Latency is added to what flows through: feed capture (64 frames) in, expect 64 + 96 out.
start_stemd conn --connect drums=system:capture_1,system:capture_2 --connect-out system:playback_1,system:playback_2
wait_for ports_are stemd 12
c=$(jack_lsp -s "$JACK" -c)
grep -A2 "^stemd:in_01_drums_L" <<<"$c" | grep -q "system:capture_1" \
    && grep -A2 "^stemd:master_R" <<<"$c" | grep -q "system:playback_2"; ok $? "--connect and --connect-out made at start"
# The range spans every input: unconnected ones add 0 + 96, the one fed by capture 64 + 96.
wait_for sh -c "timeout -k 2 15 jack_lsp -s $JACK -l stemd:master_L | grep -q 'capture latency = \[ 96 160 \]'"; ok $? "master capture latency range [96, 160]: capture's 64 + the mix's 96"
wait_for sh -c "timeout -k 2 15 jack_lsp -s $JACK -l stemd:in_01_drums_L | grep -q 'playback latency = \[ 224 224 \]'"; ok $? "input playback latency = playback's 128 + 96"

# A second stemd with the same JACK name is refused with a clear error.
out=$(rt_env timeout -k 10 10 "$STEMD" --jack-server "$JACK" 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "already on server" <<<"$out"; ok $? "second instance refused (exit $rc): $(grep already <<<"$out" | head -1)"
kill -0 "$STEMD_PID"; ok $? "the first instance still runs"
kill -TERM "$STEMD_PID"; wait_exit "$STEMD_PID" 60

# Config file, and the command line wins over it.
printf '# test\nstems = alpha, beta\n' >"$TMP/a.conf"
printf 'stems = alpha,beta\njack-name = fromfile\nlog-level = debug\n' >"$TMP/a.conf"
start_stemd cfg --config "$TMP/a.conf" --jack-name fromcli
wait_for ports_are fromcli 8; ok $? "--config stems = alpha,beta with --jack-name from the command line: 8 ports of 'fromcli'"
is "$(port_count fromfile)" 0 "the file's jack-name lost to the command line"
grep -q "^<7>" "$TMP/cfg.log"; ok $? "log-level = debug from the file"
kill -TERM "$STEMD_PID"; wait_exit "$STEMD_PID" 60

rtcheck_verify
done_testing
