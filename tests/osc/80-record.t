#!/bin/bash
# tests/osc/80-record.t: the master recorder of a real stemd, over OSC and stemctl: off until
# --record-dir is given (a SIGHUP gives it here); a recording holds the samples stemd played
# (a -20 dBFS sine through the neutral chain reads -20 dBFS); names are checked and files never
# overwritten; SIGTERM finishes the file; a write that fails (ulimit -f, as a full disk would)
# stops the recording with the reason and keeps what was written; the process callback stays
# free of forbidden calls throughout.
. "$(dirname "$0")/lib.sh"
start_jackd
REC=$TMP/rec
mkdir -p "$REC"
/usr/bin/python3 - "$TMP/sine.wav" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(2); w.setsampwidth(2); w.setframerate(48000)
a = 0.1 * 32767  # -20 dBFS
w.writeframes(b"".join(struct.pack("<hh", int(round(a * math.sin(2 * math.pi * 1000 * i / 48000))), int(round(a * math.sin(2 * math.pi * 1000 * i / 48000)))) for i in range(48000 * 8)))
PY
conf() { printf 'stems = drums,bass\njack-name = stemdrec\nosc-port = %s\nhttp-port = 0\nmeter-rate = 0\n%s\n' "$PORT" "${1:-}" >"$TMP/stemd.conf"; }
ctl() { "$B/stemctl" --port "$PORT" "$@"; }
start() { # start LOG: stemd with the config file; waits for /ping
    "${RT_ENV[@]}" "$B/stemd" --jack-server "$JACK" --config "$TMP/stemd.conf" >"$TMP/$1.log" 2>&1 &
    SPID=$!
    PIDS="$PIDS $SPID"
    for _ in $(seq 100); do c -w 200 ping >/dev/null 2>&1 && break; sleep 0.05; done
    for _ in $(seq 100); do grep -q "running on JACK" "$TMP/$1.log" && break; sleep 0.05; done
}
# the size in frames of a finished float stereo WAV (its data chunk, 8 bytes a frame)
frames() { /usr/bin/python3 -c "
import struct,sys
d=open(sys.argv[1],'rb').read(); i=12
while i < len(d):
    cid, n = d[i:i+4], struct.unpack('<I', d[i+4:i+8])[0]
    if cid == b'data': print(n // 8); break
    i += 8 + n + (n & 1)
" "$1"; }
peak() {
    "$B/stemd-render" --analyze "$1" --json >"$TMP/analyze.txt" 2>&1 || diag "$(cat "$TMP/analyze.txt")"
    sed -n 's/.*"sample_peak_dbfs": *\([-0-9.]*\).*/\1/p' "$TMP/analyze.txt"
}

conf
start stemd
is "$(c send /record/status)" "/record/status ,ssfis idle  0 0 " "idle at start, no file yet"
c send /record/start | grep -q "recording is off: start stemd with --record-dir"
ok $? "without --record-dir: a clear error"
conf "record-dir = $REC"
kill -HUP "$SPID"
for _ in $(seq 200); do grep -q "configuration reloaded" "$TMP/stemd.log" && break; sleep 0.05; done
grep -q "configuration reloaded" "$TMP/stemd.log"; ok $? "SIGHUP gives it --record-dir"

# The player is test equipment, not the system under test: the plain build's when there is one
# (an ASan player on a loaded machine can fall behind JACK's deadlines and play silence).
PLAYER=$B/stemd-jackio
[ -x "${B%/*san}/stemd-jackio" ] && PLAYER=${B%/*san}/stemd-jackio
"$PLAYER" -s "$JACK" -n play -p "$TMP/sine.wav=stemdrec:in_01_drums_L,stemdrec:in_01_drums_R" -d 6 >"$TMP/play.log" 2>&1 &
PLAY=$!
PIDS="$PIDS $PLAY"
# Playing once the player's ports feed stemd (a loaded machine may take a while).
for _ in $(seq 100); do
    jack_lsp -s "$JACK" -c 2>/dev/null | grep -A1 "^stemdrec:in_01_drums_R" | grep -q "play" && break
    sleep 0.05
done
sleep 0.5
t0=$(date +%s%N) # before the start: the wall clock bounds what a recording can hold
is "$(ctl record start take1)" "recording to $REC/take1.wav" "stemctl record start NAME: the path"
is "$(c send /record/start s take1 | cut -c1-38)" "/error ,ss /record/start already recor" "a second start while recording: an error"
# Until the recorder says a second is in (a loaded machine's dummy backend runs slower than the
# clock: it drops cycles), then stop. A recording cannot hold more audio than the wall clock
# that passed since its start; the exact match of the file and the status is the test.
for _ in $(seq 400); do
    r=$(ctl record status | sed -n 's/^recording [^ ]* \([0-9.]*\) s,.*/\1/p')
    awk -v s="${r:-0}" 'BEGIN { exit !(s >= 1.0) }' && break
    sleep 0.05
done
out=$(ctl record stop)
ok $? "stemctl record stop: $out"
wall=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
secs=$(c send /record/status | awk '{print $5}') # the exact seconds (stemctl rounds to 0.1)
n=$(frames "$REC/take1.wav")
awk -v s="$secs" -v n="$n" -v w="$wall" \
    'BEGIN { exit !(s >= 0.95 && s <= w + 0.2 && (n / 48000 - s) ^ 2 < 0.02 ^ 2) }'
ok $? "the file holds what the status says: $n frames, $secs s (>= 0.95 s, <= the $wall s since the start)"
grep -q " 0 frames lost" <<<"$out"; ok $? "no frame lost"
p=$(peak "$REC/take1.wav")
awk -v p="$p" 'BEGIN { exit !(p > -20.1 && p < -19.9) }'
ok $? "the recording is the sine stemd played: sample peak $p dBFS (-20)" ||
    { echo "player: $(tail -3 "$TMP/play.log")"; echo "stemd: $(tail -5 "$TMP/stemd.log")"; } >&2
c send /record/start s take1 | grep -q "exists: recordings are never overwritten"
ok $? "an existing name is refused, not overwritten"
c send /record/start s ../etc/x | grep -q "is not a plain file name"
ok $? "a name with a path is refused"
c send /record/stop | grep -q "^/error ,ss /record/stop not recording"
ok $? "stop when not recording: an error"

# SIGTERM while recording: the file is finished.
c send /record/start s term | grep -q "^/record/started"
ok $? "a recording runs when SIGTERM comes"
# Until the recorder says half a second is in (stemctl's "recording PATH 0.5 s, ..."): on a loaded
# machine the dummy backend's half second of wall clock may hold far fewer frames.
secs=0
for _ in $(seq 400); do
    secs=$(ctl record status | sed -n 's/^recording [^ ]* \([0-9.]*\) s,.*/\1/p')
    awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 0.5) }' && break
    sleep 0.05
done
kill -TERM "$SPID"
wait_exit "$SPID" 60; ok $? "stemd exits cleanly"
grep -q "recording finished: $REC/term.wav" "$TMP/stemd.log"; ok $? "the recording was finished on SIGTERM"
n=$(frames "$REC/term.wav")
# What the recorder had before SIGTERM is in the file: 0.5 s as printed is at least 0.45 s.
[ "${n:-0}" -ge 21600 ]; ok $? "and its header says $n frames (>= the 0.45 s recorded before SIGTERM, status said ${secs:-?} s)"
wait "$PLAY" 2>/dev/null

# A write that fails: tests/enospc.so makes the disk full for full.wav after 200 kB (ulimit -f
# would do it for every file of the process, JACK's metadata database too).
ENOSPC=$(cd "$B/tests" && pwd)/enospc.so
{ [ -n "$RTCHECK" ] && echo "$RTCHECK "; echo "$ENOSPC"; } | tr -d '\n' >"$TMP/preload"
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD="$(cat "$TMP/preload")" \
    STEMD_RTCHECK_REPORT="$TMP/rtcheck.%p" STEMD_ENOSPC_PATH=/full.wav STEMD_ENOSPC_BYTES=204800 \
    "$B/stemd" --jack-server "$JACK" --config "$TMP/stemd.conf" >"$TMP/full.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 100); do grep -q "running on JACK" "$TMP/full.log" && break; sleep 0.05; done
c send /record/start s full | grep -q "^/record/started"
ok $? "recording onto a disk that fills after 200 kB"
for _ in $(seq 60); do ctl record status | grep -q "^failed" && break; sleep 0.05; done
st=$(ctl record status)
grep -q "^failed $REC/full.wav .*writing failed: .*No space left on device.*the file keeps what was written" <<<"$st"
ok $? "the write error stops the recording and says why: $st"
n=$(frames "$REC/full.wav")
[ "${n:-0}" -gt 8000 ]; ok $? "what was written stays readable: $n frames"
c send /record/start s after | grep -q "^/record/started"
ok $? "a new recording may start after a failed one"
sleep 0.3
is "$(ctl record stop | cut -d' ' -f1)" "idle" "... and finishes normally"
kill -TERM "$SPID"
wait "$SPID"; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
