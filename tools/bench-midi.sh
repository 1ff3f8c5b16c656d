#!/bin/bash
# tools/bench-midi.sh: the MIDI control path's figures (tools/bench-midi.py): a CC's latency to
# the audio in process cycles, and the MIDI thread's CPU at 10 000 events a second. A private
# jackd (dummy backend, synchronous, 48 kHz / 64 frames) and stemd with two stems.
# Usage: tools/bench-midi.sh [BUILD-DIR] [SECONDS]   (default build 5)
set -u
B=${1:-build}
secs=${2:-5}
name=stemd-bmidi-$$
port=$((20000 + $$ % 10000)) # below the ephemeral range (32768 up)
tmp=$(mktemp -d)
export JACK_NO_AUDIO_RESERVATION=1
cleanup() {
    [ -n "${stemd_pid:-}" ] && kill -TERM "$stemd_pid" 2>/dev/null && wait "$stemd_pid" 2>/dev/null
    [ -n "${jackd_pid:-}" ] && kill -TERM "$jackd_pid" 2>/dev/null && wait "$jackd_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
/usr/bin/python3 -c 'import jack' 2>/dev/null ||
    { echo "bench-midi: python3-jack-client is missing (tools/install-deps test)"; exit 1; }
rt=""
chrt -f 10 true 2>/dev/null && rt="-R"
jackd -n "$name" -S ${rt:--r} -d dummy -r 48000 -p 64 >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
timeout 10 jack_wait -s "$name" -w >/dev/null 2>&1 || { echo "bench-midi: jackd did not start"; exit 1; }
"$B/stemd" --jack-server "$name" --stems a,b --osc-port "$port" --http-port 0 --no-mdns \
    >"$tmp/stemd.log" 2>&1 &
stemd_pid=$!
osc() { "$B/tests/osc/osc-client" -p "$port" -w 300 "$@" >/dev/null 2>&1; }
for _ in $(seq 100); do osc ping && break; sleep 0.1; done
osc send /midi/map sssss /stem/1/mute cc 20 ch 1 &&
    osc send /midi/map sssss /stem/2/fader cc 21 ch 1 ||
    { echo "bench-midi: stemd did not take the mappings"; cat "$tmp/stemd.log"; exit 1; }
echo "MIDI control path, stemd with 2 stems, 48 kHz / 64 frames, dummy backend (synchronous${rt:+, real-time}):"
/usr/bin/python3 tools/bench-midi.py "$name" "$stemd_pid" "$secs" | sed 's/^/  /'
