#!/bin/bash
# tests/osc/60-stemctl.t: stemctl set/get/list/dump/load/status (watch by a short run), and its
# exit status: 0 on success, 1 with the reason on stderr on /error or no answer.
. "$(dirname "$0")/lib.sh"
start_jackd
start_host --meter-rate 10
S() { "$STEMCTL" --port "$PORT" --timeout 1000 "$@"; }

S set /stem/1/fader -3; ok $? "set: exit 0"
is "$(S get /stem/1/fader)" "/stem/1/fader -3" "get prints 'path value'"
S set /stem/drums/eq/1/type lowshelf /bus/limiter/ceiling -2; ok $? "set of two: one bundle, exit 0"
is "$(S get /stem/1/eq/1/type/text)" "/stem/1/eq/1/type/text lowshelf" "get of a /text twin"
is "$(S set /stem/1/trim 99)" "/stem/1/trim 24 (clamped)" "set out of range: the clamped value shown"
err=$(S set /stem/9/fader 0 2>&1 >/dev/null); rc=$?
is "$rc" 1 "set of an unknown stem: exit 1"
grep -q "unknown stem '9'" <<<"$err"; ok $? "... the reason on stderr ($err)"
S set /stem/1/pan 0.5 /stem/2/pan nan 2>/dev/null; is "$?" 1 "a set bundle with NaN: exit 1"
is "$(S get /stem/1/pan)" "/stem/1/pan 0" "... and nothing of it applied"
S list >"$TMP/list.txt"; ok $? "list: exit 0"
n=$(($(wc -l <"$TMP/list.txt") - 1))
is "$n" "$(c -w 300 send /list | grep -c '^/list/reply')" "list: one row per parameter ($n)"
grep -q '^/bus/limiter/ceiling *float *dBTP *-12..0 *-1 ' "$TMP/list.txt"; ok $? "list: type, unit, range, default"
is "$(S list /stem/bass/comp/ratio | tail -1 | awk '{print $1, $2, $3, $4}')" "/stem/bass/comp/ratio float :1 1..20" "list PREFIX"
S dump >"$TMP/a.preset"; ok $? "dump: exit 0"
is "$(grep -vc '^#' "$TMP/a.preset")" "$n" "dump: every parameter"
grep -q '^/stem/drums/eq/1/type lowshelf$' "$TMP/a.preset"; ok $? "dump: choices by name"
S set /stem/1/fader -20 /bus/input 4 /stem/1/eq/1/type bell >/dev/null
S load "$TMP/a.preset"; ok $? "load of the dump: exit 0"
S dump >"$TMP/b.preset"
diff -q "$TMP/a.preset" "$TMP/b.preset" >/dev/null; ok $? "dump, change, load, dump: the same state"
printf '/stem/1/fader -1\n/stem/1/nothing 3\n' >"$TMP/bad.preset"
S load "$TMP/bad.preset" 2>/dev/null; is "$?" 1 "load of a bad preset: exit 1"
is "$(S get /stem/1/fader)" "/stem/1/fader -3" "... nothing of it applied"
S status >"$TMP/status.txt"; ok $? "status: exit 0"

grep -q '^latency 96 frames' "$TMP/status.txt"; ok $? "status shows the latency"
# Ctrl-C as a terminal sends it: one SIGINT. Not `timeout -s INT`: GNU timeout follows its signal
# with a SIGCONT, which can cancel the SIGSTOP by which LeakSanitizer's exit check stops the
# process; both then wait for ever (seen once under load, the suite hung).
"$STEMCTL" --port "$PORT" watch >"$TMP/watch.txt" &
wpid=$!
PIDS="$PIDS $wpid"
# Its first screen first: watch sets its SIGINT handler once stemd has answered, and until then
# the signal is ignored (bash starts a background job with SIGINT ignored). Then a few meters.
for _ in $(seq 300); do grep -q 'LUFS M' "$TMP/watch.txt" && break; sleep 0.1; done
sleep 0.5
kill -INT "$wpid"
wait_exit "$wpid" 30; is "$?" 0 "watch ends on Ctrl-C (SIGINT) with exit 0"
grep -q 'LUFS M' "$TMP/watch.txt" && grep -q 'vocals' "$TMP/watch.txt"; ok $? "watch draws the stems and the loudness"
# A rig too large for one datagram: 64 stems' preset (~130 kB) goes in parts, applied whole.
stop_host
start_host --meter-rate 0 --stems 64
# No meters yet (this host sends none): watch draws them empty, never a full-scale 0.0 dBFS.
# (--timeout: how long /info may take, and how long watch waits for meters before it gives up.)
"$STEMCTL" --port "$PORT" --timeout 4000 watch >"$TMP/watch0.txt" 2>&1
# A stem's line: the peak bar, then rms, compressor, de-esser and the 4 dynamic EQ bands.
grep -q '^LUFS M  *-  S  *-  I  *-  LRA  *- LU' "$TMP/watch0.txt" &&
    grep -q '^stem64  *\.\{30\}\(  *-\)\{7\}' "$TMP/watch0.txt" && grep -q 'deess  *dynamic EQ' "$TMP/watch0.txt" &&
    ! grep -q '[0-9]\.[0-9]' "$TMP/watch0.txt" && ! grep -q '#' "$TMP/watch0.txt"
ok $? "before any meters arrive, watch shows every meter empty ('-'), none at 0.0" || sed -n '1,3p;$p' "$TMP/watch0.txt" | sed 's/^/# /' >&2
S dump >"$TMP/big.preset"
# Every path of the table for 64 stems (stemd-params reads the same table the server does).
is "$(grep -vc '^#' "$TMP/big.preset")" "$("$B/stemd-params" --paths 64 | wc -l)" "64 stems: dump of every parameter"
sed -e 's|^/stem/stem64/fader .*|/stem/stem64/fader -7|' -e 's|^/stem/stem1/trim .*|/stem/stem1/trim 2|' \
    "$TMP/big.preset" >"$TMP/big2.preset"
S load "$TMP/big2.preset"; ok $? "load of $(wc -c <"$TMP/big2.preset") bytes in parts: exit 0"
is "$(S get /stem/64/fader; S get /stem/1/trim)" $'/stem/64/fader -7\n/stem/1/trim 2' "... first and last lines applied"
S dump >"$TMP/big3.preset"
diff -q "$TMP/big2.preset" "$TMP/big3.preset" >/dev/null; ok $? "... and dump gives the loaded state back"
{ sed 's|^/stem/stem1/trim .*|/stem/stem1/trim 5|' "$TMP/big.preset"; echo "/stem/stem64/nothing 1"; } >"$TMP/big4.preset"
err=$(S load "$TMP/big4.preset" 2>&1); is "$?" 1 "a large preset with a bad last line: exit 1"
grep -q "preset:$(($(wc -l <"$TMP/big4.preset"))): .*nothing" <<<"$err"; ok $? "... the line named ($err)"
is "$(S get /stem/1/trim)" "/stem/1/trim 2" "... and nothing of it applied"
# The protocol itself: a part out of order drops the transfer; a repeated part is acknowledged
# again, not taken twice. (Parts must come from one address: P keeps one source port.)
P() { c -l $((PORT + 7)) "$@"; }
is "$(P send /preset/part iiis 7 1 2 "/stem/1/trim 1")" \
   "/error ,ss /preset/part part 1 of 2 out of order (expected 0): transfer dropped; send it again from part 0" "a part out of order: an error"
is "$(P send /preset/part iiis 8 0 2 "/stem/1/trim 3
")" "/preset/part/ok ,ii 8 0" "part 0: acknowledged"
is "$(P send /preset/part iiis 8 0 2 "/stem/1/trim 3
")" "/preset/part/ok ,ii 8 0" "part 0 again: acknowledged again"
is "$(P send /preset/part iiis 8 1 2 "/stem/1/pan 0.25" | tr '\n' ' ')" "/preset/part/ok ,ii 8 1 /preset/applied ,i 8 " "the last part: applied"
is "$(S get /stem/1/trim; S get /stem/1/pan)" $'/stem/1/trim 3\n/stem/1/pan 0.25' "... once, both parts"
is "$(P send /preset/part iiis 8 1 2 "/stem/1/pan 0.25" | tr '\n' ' ')" "/preset/part/ok ,ii 8 1 /preset/applied ,i 8 " \
   "the last part again (its reply lost): the verdict again, nothing applied twice"
P send /preset/part iiis 9 0 1 "/stem/1/pan 0.5
/stem/1/nothing 2" >/dev/null
is "$(P send /preset/part iiis 9 0 1 "/stem/1/pan 0.5" | tail -1 | cut -c1-40)" "/error ,ss /preset/part preset:2: no par" \
   "... and a refusal is repeated as a refusal"
is "$(S get /stem/1/pan)" "/stem/1/pan 0.25" "... nothing of the refused preset applied"
"$STEMCTL" --port $((PORT + 3)) --timeout 300 get /stem/1/fader 2>"$TMP/e.txt"; is "$?" 1 "no stemd there: exit 1"
grep -q 'no answer' "$TMP/e.txt"; ok $? "... with 'no answer' on stderr"
"$STEMCTL" bogus 2>/dev/null; is "$?" 2 "unknown command: exit 2"
stop_host; ok $? "the host stops cleanly"
rtcheck_verify
done_testing
