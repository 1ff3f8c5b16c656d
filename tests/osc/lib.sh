# tests/osc/lib.sh: helpers of the OSC tests: TAP, a private jackd, the OSC test host (stemd's
# engine + the OSC layer), the test client, cleanup. Source it from a tests/osc/*.t script.
#   STEMD_BUILD    build directory (build or build/san); default build
#   STEMD_RTCHECK  rtcheck.so: the host runs under it and rtcheck_verify checks the reports
set -u
B=${STEMD_BUILD:-build}
HOST=$B/tests/osc/osc-host
CLIENT=$B/tests/osc/osc-client
STEMCTL=$B/stemctl
RTCHECK=${STEMD_RTCHECK-}
export JACK_NO_AUDIO_RESERVATION=1
# Under ASan, freed memory waits in a quarantine (256 MB by default) and would read as growth in
# the RSS checks: keep it small. No effect on builds without ASan.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=8:detect_leaks=1}
TMP=$(mktemp -d /tmp/stemd-osc.XXXXXX)
JACK=stemdosc$$
export JACK_DEFAULT_SERVER=$JACK
PORT=$((20000 + $$ % 20000))
TAP_N=0
TAP_FAIL=0
PIDS=""
JACKD_PID=""
HOST_PID=""

ok() { # ok EXIT-STATUS DESCRIPTION
    TAP_N=$((TAP_N + 1))
    if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAIL=$((TAP_FAIL + 1)); fi
}
is() { # is GOT WANT DESCRIPTION
    [ "$1" = "$2" ]; local r=$?
    ok $r "$3"
    [ $r -eq 0 ] || diag "got '$1', want '$2'"
}
diag() { echo "# $*"; }
done_testing() { echo "1..$TAP_N"; [ "$TAP_FAIL" -eq 0 ]; }
bail() { echo "Bail out! $*"; exit 255; }

# start_jackd [PERIOD] [rt]: "rt" asks for real-time scheduling (-R), when the machine allows it
# (chrt works): then CPU load from other processes cannot starve the process callbacks.
start_jackd() {
    local sched=-r
    [ "${2:-}" = rt ] && chrt -f 10 true 2>/dev/null && sched="-R -P 70"
    JACKD_RT=$([ "$sched" = -r ] && echo 0 || echo 1)
    jackd -n "$JACK" $sched -d dummy -r 48000 -p "${1:-64}" >>"$TMP/jackd.log" 2>&1 &
    JACKD_PID=$!
    timeout 5 jack_wait -s "$JACK" -w >/dev/null 2>&1 || bail "jackd $JACK did not start (see $TMP/jackd.log)"
}
stop_jackd() {
    [ -n "$JACKD_PID" ] || return 0
    kill -TERM "$JACKD_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$JACKD_PID" 2>/dev/null || break; sleep 0.1; done
    wait "$JACKD_PID" 2>/dev/null
    JACKD_PID=""
}

RT_ENV=(env)
[ -n "$RTCHECK" ] && RT_ENV=(env LD_PRELOAD="$RTCHECK" STEMD_RTCHECK_REPORT="$TMP/rtcheck.%p")

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

rtcheck_verify() {
    [ -n "$RTCHECK" ] || { diag "RT check off (sanitizer build)"; return 0; }
    local bad=0 n=0 cycles=0 f
    for f in "$TMP"/rtcheck.*; do
        [ -e "$f" ] || continue
        local cy; cy=$(sed -n 's/.*process callbacks observed \([0-9]*\).*/\1/p' "$f")
        [ "${cy:-0}" -gt 0 ] || continue
        n=$((n + 1)); cycles=$((cycles + cy))
        local t; t=$(sed -n 's/^total //p' "$f")
        if [ "$t" != 0 ]; then bad=1; diag "RT violations in $f:"; sed 's/^/#   /' "$f"; fi
    done
    ok $((bad || n == 0)) "RT check: 0 forbidden calls in $cycles process callbacks"
}

cleanup() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.2
    for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
    stop_jackd
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
