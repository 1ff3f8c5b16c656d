# shellcheck shell=bash
# tests/demo/lib.sh: TAP output, a private jackd and process clean-up for tests/demo/*.t.
# Sourced; the binaries are found in ${STEMD_BUILD:-build}.

cd "$(dirname "$0")/../.." || exit 2
B=${STEMD_BUILD:-build}
T=$(mktemp -d "${TMPDIR:-/tmp}/stemd-demo-test.XXXXXX")
tap_n=0
tap_failed=0
pids=()        # processes this test started, stopped in reverse order
jackd_pid=""   # stopped last

ok() { # ok CONDITION-STATUS DESCRIPTION: one test point; returns the status (for "|| diag_file")
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $tap_n - $2"
    else
        echo "not ok $tap_n - $2"
        tap_failed=$((tap_failed + 1))
    fi
    return "$1"
}
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - # skip $1"; }
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
diag_file() { [ -f "$1" ] && sed 's/^/# /' "$1" | tail -n 20; }

stop_pid() { # SIGTERM, then SIGKILL after 5 s; never by name
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
finish() {
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[$i]}"; done
    [ -n "$jackd_pid" ] && stop_pid "$jackd_pid"
    rm -rf "$T"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

need_bin() { # need_bin NAME...: bail out (TAP) when a binary is missing
    local b
    for b in "$@"; do
        if [ ! -x "$B/$b" ]; then
            echo "Bail out! $B/$b is missing: make $B/$b"
            exit 1
        fi
    done
}

# start_jackd [PERIOD]: a private synchronous server (-S: clients run in graph order within the
# cycle, so captures are sample-exact) on the dummy backend; sets JACK_DEFAULT_SERVER.
start_jackd() {
    JACK_DEFAULT_SERVER="stemd-demo-t$$"
    export JACK_DEFAULT_SERVER
    JACK_NO_AUDIO_RESERVATION=1 jackd -n "$JACK_DEFAULT_SERVER" -r -S -d dummy -r 48000 \
        -p "${1:-256}" >"$T/jackd.log" 2>&1 &
    jackd_pid=$!
    jack_wait -s "$JACK_DEFAULT_SERVER" -w -t 10 >/dev/null 2>&1
}

# dsp_skew_hint: live and offline also differ when stemd and stemd-render were linked against
# different builds of the DSP library (dsp/ changed and was rebuilt in between); say so.
dsp_skew_hint() {
    diag "if dsp/ changed between the builds of $B/stemd and $B/stemd-render, they differ by" \
        "design: rebuild both (make $B/stemd $B/stemd-render) and run again"
}

done_testing() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}
