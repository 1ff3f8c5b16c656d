# tests/midi/lib.sh: helpers of the MIDI tests: stemd on a private jackd (tests/lib.sh), the OSC
# test client (tests/osc) and the Python JACK MIDI client (midiclient.py). Source it from a
# tests/midi/*.t script.
SUITE=midi
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
CLIENT=$B/tests/osc/osc-client
MIDI="timeout -k 5 150 /usr/bin/python3 $(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/midiclient.py"
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=8:detect_leaks=1}
PORT=$(test_port 7)
STEMD_PID=""
/usr/bin/python3 -c 'import jack' 2>/dev/null ||
    bail "python3-jack-client is missing (tools/install-deps test installs it)"

# The tests run jackd in synchronous mode (start_jackd -S): the server waits for every client
# each cycle, so an event of a late client (the Python one, on a loaded machine) arrives late,
# never lost (in jack2's asynchronous mode a late client's output of that cycle is dropped).

# start_stemd ARGS...: stemd on $PORT (HTTP off), logging to $TMP/stemd.log; waits for /ping.
start_stemd() {
    "${RT_ENV[@]}" "$B/stemd" --jack-server "$JACK" --osc-port "$PORT" --http-port 0 "$@" \
        >>"$TMP/stemd.log" 2>&1 &
    STEMD_PID=$!
    PIDS="$PIDS $STEMD_PID"
    for _ in $(seq 200); do
        if "$CLIENT" -p "$PORT" -w 200 ping >/dev/null 2>&1 &&
            jack_lsp -s "$JACK" 2>/dev/null | grep -q '^stemd:midi_out$'; then return 0; fi
        sleep 0.05
    done
    cat "$TMP/stemd.log" >&2
    bail "stemd did not come up on port $PORT"
}
stop_stemd() {
    [ -n "$STEMD_PID" ] || return 0
    kill -TERM "$STEMD_PID" 2>/dev/null
    wait_exit "$STEMD_PID" 30
    local rc=$?
    STEMD_PID=""
    return $rc
}
c() { "$CLIENT" -p "$PORT" "$@"; }
# get PATH: the current value, as /get answers it.
get() { c -w 500 -n 1 send /get s "$1" | awk '{print $3}'; }
# midi ACTION...: play into midi_in, print what midi_out sent meanwhile (hex, one a line).
midi() { $MIDI -s "$JACK" "$@"; }
# cmd ADDR [STRINGS...]: a /midi/ verb, its answers.
cmd() {
    local addr=$1; shift
    if [ $# -eq 0 ]; then c -w 300 send "$addr"; return; fi
    local types; types=$(printf 's%.0s' "$@")
    c -w 300 send "$addr" "$types" "$@"
}
# near A B [TOL]: |A-B| <= TOL (default 0.0005)
near() { awk -v a="$1" -v b="$2" -v t="${3:-0.0005}" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# record: midi_out in the background, into $TMP/rec.txt, from when the recorder is connected (it
# says so with a file) until record_end (0.5 s after it: the feedback of what came before).
record() {
    rm -f "$TMP/ready" "$TMP/stop"
    midi --ready "$TMP/ready" --until "$TMP/stop" -r 60000 >"$TMP/rec.txt" 2>"$TMP/rec.err" &
    REC=$!
    for _ in $(seq 1200); do
        [ -e "$TMP/ready" ] && return 0
        kill -0 $REC 2>/dev/null || break
        sleep 0.05
    done
    diag "$(tail -5 "$TMP/rec.err")"
    bail "the MIDI recorder did not connect: $(tail -1 "$TMP/rec.err")"
}
record_end() { sleep 0.5; touch "$TMP/stop"; wait $REC; }
