#!/bin/bash
# tests/server/65-rtsan.t: the same RT-safety property under clang's RealtimeSanitizer (an
# optional second opinion to the LD_PRELOAD check): a storm of changes and presets while audio
# runs, with no violation; and the self-test's malloc caught.
. "$(dirname "$0")/lib.sh"
RTSAN=$B/tests/server/stemd-driver-rtsan
if [ -n "${STEMD_RTCHECK-}" ] && [ -x "$RTSAN" ]; then :; else
    echo "1..0 # SKIP no RealtimeSanitizer build (needs libclang-rt-19-dev; not in sanitizer builds)"
    exit 0
fi
start_jackd
out=$(printf 'wait-running\nprobe\nstep /stem/1/fader -10\nstorm 1000 5\nstep /stem/1/fader 0\nquit\n' |
    "$RTSAN" --jack-server "$JACK" 2>&1); rc=$?
ok $rc "RTSan driver: steps and a 5 s storm at 1000 changes/s ran to a clean exit"
grep -q "Real-time violation" <<<"$out"; ok $((!$?)) "RTSan: no real-time violation"
grep -q "^ok 5000 bad=0" <<<"$out"; ok $? "RTSan: the storm ran ($(grep '^ok [0-9]' <<<"$out"))"
out=$(printf 'wait-running\nquit\n' | STEMD_RTCHECK_SELFTEST=1 timeout -k 10 20 "$RTSAN" --jack-server "$JACK" 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "intercepted call to real-time unsafe function \`malloc\`" <<<"$out"
ok $? "RTSan catches the self-test's malloc in the callback (exit $rc)"
grep -m1 "in on_process" <<<"$out" | sed 's/^/# /'
done_testing
