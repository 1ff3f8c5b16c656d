#!/bin/bash
# tests/server/60-rtcheck.t: the RT-safety check can fail: with STEMD_RTCHECK_SELFTEST=1 the
# process callback calls malloc once, and the interposer's report must show it.
. "$(dirname "$0")/lib.sh"
if [ -z "$RTCHECK" ]; then
    echo "1..0 # SKIP RT check off (sanitizer build: ASan owns malloc)"
    exit 0
fi
start_jackd
STEMD_RTCHECK_SELFTEST=1 start_stemd self
wait_for ports_are stemd 12; ok $? "stemd running with the self-test"
# Running, then a second of callbacks: the first one makes the forbidden calls, however late a
# loaded machine lets it run.
wait_for grep -q "running on JACK server" "$TMP/self.log"
sleep 1
kill -TERM "$STEMD_PID"; wait_exit "$STEMD_PID" 60
rep=$(ls "$TMP"/rtcheck.* 2>/dev/null | head -1)
[ -n "$rep" ] && grep -q "^malloc 1$" "$rep" && grep -q "^free 1$" "$rep" && grep -q "^total 2$" "$rep"
ok $? "the report caught the callback's malloc and free"
grep -A4 "^first malloc from:" "$rep" | grep -q "stemd"; ok $? "with a backtrace into stemd"
sed -n '/^first malloc/,+4p' "$rep" | sed 's/^/# /'
rm -f "$TMP"/rtcheck.*
done_testing
