# tests/server/lib.sh: helpers of the stemd integration tests: stemd and the test driver, on
# top of tests/lib.sh (TAP, jackd, the RT check, cleanup). Source it from a tests/server/*.t
# bash script.
SUITE=test
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
DRIVER=$B/tests/server/stemd-driver
# These tests run several stemd at once and beside other suites: OSC and HTTP off (tests/osc/
# covers them), so no two fight over UDP port 7770 or TCP port 7771. exec keeps the PID the tests
# track.
STEMD=$TMP/stemd
printf '#!/bin/sh\nexec "%s" --osc-port 0 --http-port 0 "$@"\n' "$(cd "$(dirname "$B/stemd")" && pwd)/stemd" >"$STEMD"
chmod +x "$STEMD"

# start_stemd LOGNAME ARGS...: stemd in the background; sets STEMD_PID.
start_stemd() {
    local log=$1; shift
    "${RT_ENV[@]}" "$STEMD" --jack-server "$JACK" "$@" >"$TMP/$log.log" 2>&1 &
    STEMD_PID=$!
    PIDS="$PIDS $STEMD_PID"
}
# wait_for CMD...: retry for 20 s (it returns as soon as CMD succeeds: the bound is only for a
# loaded machine, where a start-up under ASan can take seconds).
wait_for() {
    for _ in $(seq 400); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
    return 1
}
port_count() { jack_lsp -s "$JACK" 2>/dev/null | grep -c "^${1:-stemd}:"; }
ports_are() { [ "$(port_count "$1")" -eq "$2" ]; } # ports_are CLIENT N

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
