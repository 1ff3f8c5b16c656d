# tests/osc/lib.sh: helpers of the OSC tests: the OSC test host (stemd's
# engine + the OSC layer) and the test client, on top of tests/lib.sh (TAP, jackd, the RT check,
# cleanup). Source it from a tests/osc/*.t script.
SUITE=osc
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
HOST=$B/tests/osc/osc-host
CLIENT=$B/tests/osc/osc-client
STEMCTL=$B/stemctl
# Under ASan, freed memory waits in a quarantine (256 MB by default) and would read as growth in
# the RSS checks: keep it small. No effect on builds without ASan.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=8:detect_leaks=1}
PORT=$(test_port 1)
HOST_PID=""

# start_host ARGS...: the host on $PORT with stdin from a FIFO ($TMP/host.in, write with
# host_cmd); waits until it answers /ping.
start_host() {
    mkfifo "$TMP/host.in"
    "${RT_ENV[@]}" "$HOST" --jack-server "$JACK" --osc-port "$PORT" "$@" <"$TMP/host.in" \
        >"$TMP/host.log" 2>&1 &
    HOST_PID=$!
    PIDS="$PIDS $HOST_PID"
    exec 7>"$TMP/host.in"
    for _ in $(seq 100); do
        "$CLIENT" -p "$PORT" -w 200 ${PING_FROM:+-b "$PING_FROM"} ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    cat "$TMP/host.log" >&2
    bail "the OSC test host did not answer /ping on port $PORT"
}
host_cmd() { echo "$*" >&7; }
stop_host() {
    [ -n "$HOST_PID" ] || return 0
    kill -TERM "$HOST_PID" 2>/dev/null
    wait "$HOST_PID"
    local rc=$?
    HOST_PID=""
    exec 7>&-
    rm -f "$TMP/host.in"
    return $rc
}
host_alive() { kill -0 "$HOST_PID" 2>/dev/null; }
c() { "$CLIENT" -p "$PORT" "$@"; } # the test client on our port
