# tests/lib.sh: what the server and OSC integration suites share: TAP output, a private jackd on
# the dummy backend, the RT-check interposer and its reports, cleanup. Sourced by
# tests/server/lib.sh and tests/osc/lib.sh after they set SUITE (a short word: it names the
# temporary directory and the JACK server). Environment:
#   STEMD_BUILD    build directory (build or build/san); default build
#   STEMD_RTCHECK  path of rtcheck.so: the programs under test run under it, and rtcheck_verify
#                  checks their reports
#   STEMD_TSAN     1 for a ThreadSanitizer build (build/tsan): the script re-runs itself without
#                  address-space randomisation, every program it starts reports races to
#                  $TMP/tsan.<pid>, and done_testing fails the script on any report
set -u
# Older TSan runtimes cannot place their shadow memory when the kernel randomises mmap with many
# bits (vm.mmap_rnd_bits=32) and crash at start-up; setarch -R turns randomisation off for this
# process and everything it starts, nothing system-wide.
if [ "${STEMD_TSAN:-0}" = 1 ] && [ -z "${STEMD_TSAN_NORAND-}" ]; then
    # And a bound: a hang (TSan's runtime has deadlocked on jack2's asynchronous cancellation of
    # the process thread) fails this script instead of stalling the suite.
    STEMD_TSAN_NORAND=1 exec timeout -k 10 600 setarch "$(uname -m)" -R bash "$0" "$@"
fi
B=${STEMD_BUILD:-build}
RTCHECK=${STEMD_RTCHECK-}
export JACK_NO_AUDIO_RESERVATION=1
TMP=$(mktemp -d "/tmp/stemd-$SUITE.XXXXXX")

# test_port K: this script's base port (its tests use up to 10 above it), below the kernel's
# ephemeral range (32768 up here): a port in that range may be held by another program's
# outgoing connection, or by its TIME_WAIT for 60 s after (97-http-bad-input.t makes 10^4), and
# stemd could not bind it (a CI run lost 98-mdns.t so). K spreads the suites apart.
test_port() {
    local lo
    lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
    lo=${lo:-32768}
    local span=$((lo - 10000 - 16))
    [ "$span" -ge 1000 ] || span=1000
    echo $((10000 + ($$ * $1) % span))
}
JACK=stemd$SUITE$$
export JACK_DEFAULT_SERVER=$JACK
TAP_N=0
TAP_FAIL=0
# halt_on_error: a race ends the program (its exit status and the test's next checks fail too);
# log_path: the reports are files, so done_testing sees every program's, even a daemon's whose
# stderr no test reads. jackd and the JACK tools are not instrumented and ignore it.
TSAN=${STEMD_TSAN:-0}
[ "$TSAN" = 1 ] && export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 \
log_path=$TMP/tsan suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tsan.supp${TSAN_OPTIONS:+ $TSAN_OPTIONS}"
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
# tsan_verify: one test point, no ThreadSanitizer report from any program the script started.
tsan_verify() {
    local f n=0
    for f in "$TMP"/tsan.*; do
        [ -e "$f" ] || continue
        # On stderr too: prove shows it without -v, so a CI log keeps the report.
        n=$((n + 1)); diag "ThreadSanitizer report $f:"; sed 's/^/#   /' "$f" | tee /dev/stderr
    done
    ok $((n != 0)) "ThreadSanitizer: no report from the programs under test ($n)"
    TSAN_CHECKED=$n
}
TSAN_CHECKED=""
done_testing() {
    [ "$TSAN" = 1 ] && tsan_verify
    echo "1..$TAP_N"
    [ "$TAP_FAIL" -eq 0 ]
}
bail() { echo "Bail out! $*"; exit 255; }

# rt_sched: the jackd options for real-time scheduling when the machine allows it (chrt works),
# else nothing. With it, CPU load from other processes cannot starve the process callbacks.
# Every JACK tool a test runs is a JACK client of its own, and jack2 can wedge on one: a jack_lsp
# that closes while the server is still pushing it notifications (stemd registering ports and
# their metadata) stops reading them, the server's thread blocks writing to its full socket, and
# jack_lsp waits for the server's answer: both hang for good, and stemd with them (seen in a
# loaded CI run, 40-reconnect.t, 18 minutes until killed; killing the tool frees the server). So
# the tools run under a bound: a hung one is killed and the caller's retry loop goes on.
jack_lsp() { timeout -k 2 15 /usr/bin/jack_lsp "$@"; }
jack_connect() { timeout -k 2 15 /usr/bin/jack_connect "$@"; }
jack_disconnect() { timeout -k 2 15 /usr/bin/jack_disconnect "$@"; }

rt_sched() { chrt -f 10 true 2>/dev/null && echo "-R -P 70"; }

# start_jackd [JACKD-OPTIONS] [PERIOD]: jackd on the dummy backend under our private name
# (options e.g. -S, or "$(rt_sched)"; without -R it runs with -r). Sets JACKD_RT to 1 or 0.
start_jackd() {
    local opts=${1:-} period=${2:-64}
    case " $opts " in *" -R "*) JACKD_RT=1 ;; *) JACKD_RT=0; opts="$opts -r" ;; esac
    # shellcheck disable=SC2086 # the options are words
    jackd $opts -n "$JACK" -d dummy -r 48000 -p "$period" >>"$TMP/jackd.log" 2>&1 &
    JACKD_PID=$!
    timeout -k 10 5 jack_wait -s "$JACK" -w >/dev/null 2>&1 || bail "jackd $JACK did not start (see $TMP/jackd.log)"
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

# Check every RT-check report written so far: zero forbidden calls in the process callback.
# Each report is also appended to $STEMD_RTCHECK_SUMMARY for the suite's total.
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
    ok $((bad || n == 0)) "RT check: 0 forbidden calls in $cycles process callbacks of $n processes"
}

# field KEY "TEXT": the value of KEY=VALUE in a line of such words.
field() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# rtcheck_cpu: the CPU-time line of the newest RT-check report ("n=.. median=.. p99=.. p999=..
# max=.." in us), empty without the interposer.
rtcheck_cpu() {
    [ -n "$RTCHECK" ] || return 0
    local f; f=$(ls -t "$TMP"/rtcheck.* 2>/dev/null | head -1)
    [ -n "$f" ] && sed -n 's/^cpu_us //p' "$f"
}

# wait_exit PID SECONDS: PID's exit status once it ends; 124 (and PID killed) when it is still
# running after SECONDS: a hang fails the one check, it does not hang the suite.
wait_exit() {
    local pid=$1 i
    for ((i = 0; i < $2 * 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        diag "pid $pid still running after $2 s: killed"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 124
    fi
    wait "$pid"
}

cleanup() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.2
    for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
    stop_jackd
    # Programs stopped here, after the plan, may report on their way out: fail the script.
    local rc=0 f
    if [ "$TSAN" = 1 ]; then
        for f in "$TMP"/tsan.*; do
            [ -e "$f" ] || continue
            rc=1; [ -n "$TSAN_CHECKED" ] && [ "$TSAN_CHECKED" != 0 ] && continue
            echo "ThreadSanitizer report $f (at cleanup):" >&2; cat "$f" >&2
        done
    fi
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
    [ "$rc" = 0 ] || exit 1
}
trap cleanup EXIT
