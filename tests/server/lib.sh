# tests/server/lib.sh: shared helpers of the stemd integration tests (TAP, jackd, cleanup).
# Source it from a tests/server/*.t bash script. Environment:
#   STEMD_BUILD    build directory (build or build/san); default build
#   STEMD_RTCHECK  path of rtcheck.so: stemd runs under it and each test checks the reports
set -u
B=${STEMD_BUILD:-build}
DRIVER=$B/tests/server/stemd-driver
RTCHECK=${STEMD_RTCHECK-}
export JACK_NO_AUDIO_RESERVATION=1
TMP=$(mktemp -d /tmp/stemd-test.XXXXXX)
# These tests run several stemd at once and beside other suites: OSC off (tests/osc/ covers it),
# so no two fight over UDP port 7770. exec keeps the PID the tests track.
STEMD=$TMP/stemd
printf '#!/bin/sh\nexec "%s" --osc-port 0 "$@"\n' "$(cd "$(dirname "$B/stemd")" && pwd)/stemd" >"$STEMD"
chmod +x "$STEMD"
JACK=stemdt$$
export JACK_DEFAULT_SERVER=$JACK
TAP_N=0
TAP_FAIL=0
PIDS=""
JACKD_PID=""

ok() { # ok COND-EXIT-STATUS DESCRIPTION
    TAP_N=$((TAP_N + 1))
    if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAIL=$((TAP_FAIL + 1)); fi
}
is() { # is GOT WANT DESCRIPTION
    [ "$1" = "$2" ]; local r=$?
    ok $r "$3"
    [ $r -eq 0 ] || diag "got '$1', want '$2'"
}
diag() { echo "# $*"; }
skip() { # skip REASON DESCRIPTION: a test point that could not be measured
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $2 # SKIP $1"
}
done_testing() {
    echo "1..$TAP_N"
    [ "$TAP_FAIL" -eq 0 ]
}
bail() { echo "Bail out! $*"; exit 255; }

# jackd on the dummy backend under our private name. $1 extra jackd options (e.g. -S).
start_jackd() {
    local period=${2:-64}
    jackd ${1:-} -n "$JACK" -r -d dummy -r 48000 -p "$period" >>"$TMP/jackd.log" 2>&1 &
    JACKD_PID=$!
    timeout 5 jack_wait -s "$JACK" -w >/dev/null 2>&1 || bail "jackd $JACK did not start (see $TMP/jackd.log)"
}
stop_jackd() { # stop_jackd [SIGNAL]: TERM by default; after KILL, remove its /dev/shm files
    [ -n "$JACKD_PID" ] || return 0
    local sig=${1:-TERM}
    kill -"$sig" "$JACKD_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$JACKD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$JACKD_PID" 2>/dev/null && sig=KILL
    { wait "$JACKD_PID"; } 2>/dev/null # quiet: bash would report the killed job
    # A SIGKILLed jackd leaves its semaphores and socket behind (and its slot in JACK's server
    # registry until a server of the same name starts again or is stopped cleanly).
    [ "$sig" = KILL ] && rm -f /dev/shm/jack_sem.*_"${JACK}"_* /dev/shm/jack_"${JACK}"_* 2>/dev/null
    JACKD_PID=""
}

# Run a command with the RT-check interposer (when enabled); reports to $TMP/rtcheck.<pid>.
# env execs the command, so a background "rt_env ... &" started through RT_ENV keeps its pid.
RT_ENV=(env)
[ -n "$RTCHECK" ] && RT_ENV=(env LD_PRELOAD="$RTCHECK" STEMD_RTCHECK_REPORT="$TMP/rtcheck.%p")
rt_env() { "${RT_ENV[@]}" "$@"; }

# start_stemd LOGNAME ARGS...: stemd in the background; sets STEMD_PID.
start_stemd() {
    local log=$1; shift
    "${RT_ENV[@]}" "$STEMD" --jack-server "$JACK" "$@" >"$TMP/$log.log" 2>&1 &
    STEMD_PID=$!
    PIDS="$PIDS $STEMD_PID"
}
# wait_for CMD...: retry for 5 s.
wait_for() {
    for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
    return 1
}
port_count() { jack_lsp -s "$JACK" 2>/dev/null | grep -c "^${1:-stemd}:"; }
ports_are() { [ "$(port_count "$1")" -eq "$2" ]; } # ports_are CLIENT N

# Check every RT-check report written so far: zero forbidden calls in the process callback.
rtcheck_verify() {
    [ -n "$RTCHECK" ] || { diag "RT check off (sanitizer build)"; return 0; }
    local bad=0 n=0 cycles=0 f
    for f in "$TMP"/rtcheck.*; do
        [ -e "$f" ] || continue
        local c; c=$(sed -n 's/.*process callbacks observed \([0-9]*\).*/\1/p' "$f")
        [ "${c:-0}" -gt 0 ] || continue
        n=$((n + 1)); cycles=$((cycles + c))
        local t; t=$(sed -n 's/^total //p' "$f")
        if [ "$t" != 0 ]; then bad=1; diag "RT violations in $f:"; sed 's/^/#   /' "$f"; fi
        cat "$f" >>"${STEMD_RTCHECK_SUMMARY:-/dev/null}" 2>/dev/null
    done
    ok $((bad || n == 0)) "RT check: 0 forbidden calls in $cycles process callbacks of $n stemd processes"
}

cleanup() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.2
    for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
    stop_jackd
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

# The test driver (stemd-driver): the engine embedded through the C API, commands on stdin.
start_driver() { # start_driver LOGNAME ARGS...
    local log=$1; shift
    coproc DRV ("${RT_ENV[@]}" "$DRIVER" --jack-server "$JACK" "$@" 2>"$TMP/$log.log")
    DRV_PID=$DRV_PID
    PIDS="$PIDS $DRV_PID"
}
# drv COMMAND...: send one command, print its one-line answer (60 s at most).
drv() {
    echo "$*" >&"${DRV[1]}"
    local line
    IFS= read -r -t 120 line <&"${DRV[0]}" || line="error no answer from the driver"
    echo "$line"
}
stop_driver() {
    echo quit >&"${DRV[1]}"
    wait "$DRV_PID"
}
# field NAME LINE: the value of NAME=... in an answer line.
field() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"; }
