#!/usr/bin/env bash
# tests/demo/20-jackio.t: stemd-jackio on a private synchronous jackd: the capture is
# sample-exact (a file played into a port and recorded from it comes back identical after the
# reported offset and latency), the recording survives SIGTERM with a finalised header, and
# mistakes get clear errors.
# shellcheck source=tests/demo/lib.sh
. "$(dirname "$0")/lib.sh"
need_bin stemd-synth stemd-jackio tests/demo/wavcmp
io="io$$"

start_jackd 256
ok $? "a private synchronous jackd ($JACK_DEFAULT_SERVER) runs" || { diag_file "$T/jackd.log"; done_testing; exit 1; }
"$B/stemd-synth" -d 3 "$T/s" >/dev/null && "$B/stemd-synth" -d 20 --seed 2 "$T/long" >/dev/null

# 1. Play a file and record the ports it plays on (CLIENT-play -> CLIENT-rec, one cycle).
timeout -k 10 30 "$B/stemd-jackio" -n "$io" --sync-start -p "$T/s/drums.wav" -r "$T/loop.wav" \
    -f "$io-play:drums_L,$io-play:drums_R" >"$T/out" 2>"$T/err"
ok $? "play drums.wav and record its own ports: exit 0" || diag_file "$T/err"
grep -q "playback started 0 frames after the recording (same JACK cycle)" "$T/err"
ok $? "playback and recording start on the same cycle" || diag_file "$T/err"
lat=$(sed -n 's/.*capture latency of the recorded ports: [0-9]*\.\.\([0-9]*\) frames.*/\1/p' "$T/err")
[ "$lat" = 0 ]
ok $? "the reported capture latency of a direct connection is 0 (got '$lat')"
"$B/tests/demo/wavcmp" --offset "${lat:-0}" "$T/s/drums.wav" "$T/loop.wav" >"$T/cmp" 2>&1
ok $? "the recording equals the file, sample for sample: $(cat "$T/cmp")"
frames=$(sed -n 's/.*recorded \([0-9]*\) frames.*/\1/p' "$T/err")
hdr=$("$B/tests/demo/wavcmp" --header "$T/loop.wav")
[ "$hdr" = "frames=$frames" ] && [ "$frames" -ge 144000 ]
ok $? "the header is finalised and holds all $frames frames ($hdr)"
strings "$T/loop.wav" | grep -q "stemd-jackio: frames=$frames rate=48000 period=256 play_offset=0 capture_latency=0..0"
ok $? "the recording's comment holds the offset and the latency"
grep -q "integrated:" "$T/out"
ok $? "the loudness report is printed"

# Mono: record one port of a stereo file (a mono WAV), then play that mono file and record it.
timeout -k 10 30 "$B/stemd-jackio" -n "$io" -S -p "$T/s/vocal.wav" -r "$T/mono.wav" \
    -f "$io-play:vocal_L" >/dev/null 2>"$T/err" &&
    timeout -k 10 30 "$B/stemd-jackio" -n "$io" -S -p "$T/mono.wav" -r "$T/mono2.wav" \
        -f "$io-play:mono_R" >/dev/null 2>"$T/err" &&
    "$B/tests/demo/wavcmp" --peak "$T/mono.wav" | grep -q "channels=1" &&
    "$B/tests/demo/wavcmp" "$T/mono.wav" "$T/mono2.wav" >"$T/cmp"
ok $? "mono: one port records a mono WAV; a mono file plays on both ports, sample-exact" ||
    diag_file "$T/err"

# Real-time safety of both process callbacks, under the daemon's interposer when it is built
# (mk/server.mk: $B/tests/rtcheck.so; not in sanitizer builds, where ASan owns malloc): no
# allocation, lock, sleep or I/O inside them.
rtcheck="$B/tests/rtcheck.so"
if [ -f "$rtcheck" ]; then
    timeout -k 10 30 env LD_PRELOAD="$(readlink -f "$rtcheck")" STEMD_RTCHECK_REPORT="$T/rtcheck.%p" \
        "$B/stemd-jackio" -n "$io" -S -p "$T/s/keys.wav" -r "$T/rt.wav" \
        -f "$io-play:keys_L,$io-play:keys_R" >/dev/null 2>"$T/err"
    report=$(cat "$T"/rtcheck.* 2>/dev/null)
    grep -q "^total 0$" <<<"$report" && ! grep -q "callbacks observed 0 " <<<"$report"
    ok $? "rtcheck: no forbidden call from the process callbacks ($(head -1 <<<"$report"))" ||
        diag "$report"
else
    skip "no $rtcheck (make $rtcheck)"
fi

# 2. SIGTERM in the middle of a 20 s file: everything up to then is kept, header correct.
"$B/stemd-jackio" -n "$io" -S --meters -p "$T/long/bass.wav" -r "$T/term.wav" \
    -f "$io-play:bass_L,$io-play:bass_R" >"$T/out2" 2>"$T/err2" &
pid=$!
pids+=("$pid")
sleep 2
kill -TERM "$pid"
# Bounded: a jackio that hangs fails this check (killed, 137), it does not hang the suite.
timeout -k 10 30 tail --pid="$pid" -f /dev/null || kill -KILL "$pid" 2>/dev/null
wait "$pid"
ok $? "SIGTERM mid-recording: exit 0" || diag_file "$T/err2"
frames=$(sed -n 's/.*recorded \([0-9]*\) frames.*/\1/p' "$T/err2")
hdr=$("$B/tests/demo/wavcmp" --header "$T/term.wav")
[ -n "$frames" ] && [ "$hdr" = "frames=$frames" ] && [ "$frames" -gt 24000 ] && [ "$frames" -lt 960000 ]
ok $? "after SIGTERM the header is finalised with all $frames frames ($hdr)" || diag_file "$T/err2"
"$B/tests/demo/wavcmp" "$T/term.wav" "$T/long/bass.wav" >"$T/cmp" 2>&1
ok $? "what was recorded is the file's beginning, sample for sample: $(cat "$T/cmp")"
grep -q "M .*LUFS.*S .*LUFS.*TP .*dBTP" "$T/err2"
ok $? "--meters shows momentary, short-term and true peak" || diag_file "$T/err2"

# 3. Without --sync-start the offset is measured and reported too.
timeout -k 10 30 "$B/stemd-jackio" -n "$io" -p "$T/s/keys.wav" -r "$T/nosync.wav" \
    -f "$io-play:keys_L,$io-play:keys_R" >/dev/null 2>"$T/err3"
off=$(sed -n 's/.*playback started \(-\{0,1\}[0-9]*\) frames after.*/\1/p' "$T/err3")
[ -n "$off" ] && "$B/tests/demo/wavcmp" --offset "$off" "$T/s/keys.wav" "$T/nosync.wav" >"$T/cmp" 2>&1
ok $? "without --sync-start the recording equals the file after the reported offset ($off)" || diag_file "$T/err3"

# 4. Mistakes.
timeout -k 10 30 "$B/stemd-jackio" -n "$io" -S -p "$T/s/drums.wav=nosuch:port_L,nosuch:port_R" \
    >/dev/null 2>"$T/err4"
rc=$?
[ $rc -ne 0 ] && grep -q "cannot connect .* nosuch:port_L.*jack_lsp" "$T/err4"
ok $? "a port that does not exist: non-zero exit, says so and points to jack_lsp" || diag_file "$T/err4"
"$B/stemd-synth" -r 44100 -d 1 "$T/r44" >/dev/null
timeout -k 10 30 "$B/stemd-jackio" -n "$io" -p "$T/r44/drums.wav" >/dev/null 2>"$T/err5"
rc=$?
[ $rc -ne 0 ] && grep -q "44100 Hz but JACK runs at 48000 Hz.*stemd-synth -r 48000" "$T/err5"
ok $? "a file at another rate: non-zero exit and how to fix it" || diag_file "$T/err5"
timeout -k 10 30 "$B/stemd-jackio" --server "nosuch-$$" -p "$T/s/drums.wav" >/dev/null 2>"$T/err6"
rc=$?
[ $rc -ne 0 ] && grep -q "cannot reach the JACK server 'nosuch-$$'" "$T/err6"
ok $? "no such JACK server: non-zero exit and how to start one" || diag_file "$T/err6"
"$B/stemd-jackio" -r "$T/x.wav" >/dev/null 2>"$T/err7"
[ $? -eq 2 ] && grep -q -- "--record and --from go together" "$T/err7"
ok $? "--record without --from: exit 2 and the right usage"
! timeout -k 2 15 jack_lsp 2>/dev/null | grep -q "^$io-"
ok $? "no stemd-jackio client is left on the server"

# 5. Record only, for an exact duration.
timeout -k 10 30 "$B/stemd-jackio" -n "$io" -r "$T/dur.wav" -f system:capture_1 --duration 1.5 \
    >/dev/null 2>"$T/err8"
ok $? "record-only --duration 1.5 from one port: exit 0" || diag_file "$T/err8"
"$B/tests/demo/wavcmp" --peak "$T/dur.wav" | grep -q "frames=72000 channels=1 rate=48000 bits=float"
ok $? "it holds exactly 72000 frames, mono, 32-bit float"

# 6. The JACK server goes away mid-recording: jackio notices, keeps what it has, exits 1.
"$B/stemd-jackio" -n "$io" -S -p "$T/long/vocal.wav" -r "$T/gone.wav" \
    -f "$io-play:vocal_L,$io-play:vocal_R" >/dev/null 2>"$T/err9" &
pid=$!
pids+=("$pid")
sleep 2
stop_pid "$jackd_pid"
jackd_pid=""
timeout -k 10 10 tail --pid="$pid" -f /dev/null || kill -KILL "$pid" 2>/dev/null
wait "$pid"
[ $? -eq 1 ] && grep -q "the JACK server went away" "$T/err9"
ok $? "when jackd stops, jackio says so and exits 1" || diag_file "$T/err9"
frames=$(sed -n 's/.*recorded \([0-9]*\) frames.*/\1/p' "$T/err9")
hdr=$("$B/tests/demo/wavcmp" --header "$T/gone.wav")
[ -n "$frames" ] && [ "$hdr" = "frames=$frames" ] && [ "$frames" -gt 24000 ]
ok $? "the recording is finalised with its $frames frames ($hdr)"

done_testing
