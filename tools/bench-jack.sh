#!/bin/bash
# tools/bench-jack.sh: JACK's DSP load with stemd running N busy stems (every module on), on a
# private dummy jackd at 48 kHz / 64 frames, stems fed a programme through stemd-jackio.
# Usage: tools/bench-jack.sh [BUILD-DIR] [N...]   (default 8 32 64, then the largest under 50 %)
set -u
B=${1:-build}
shift || true
counts=${*:-8 32 64}
name=stemd-bench-$$
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.5
    [ -n "${jackd_pid:-}" ] && kill -TERM "$jackd_pid" 2>/dev/null && wait "$jackd_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

export JACK_NO_AUDIO_RESERVATION=1
rt=""
chrt -f 10 true 2>/dev/null && rt="-R"
jackd -n "$name" $rt -d dummy -r 48000 -p 64 >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
if ! timeout 10 jack_wait -s "$name" -w >/dev/null 2>&1; then
    echo "bench-jack: jackd did not start:"; cat "$tmp/jackd.log"; exit 1
fi
"$B/stemd-synth" -d 30 "$tmp/stems" >/dev/null || exit 1

# One preset for every stem: all modules on (the benchmark's "busy" strip), busy master.
busy() {
    local n=$1 k
    for k in $(seq 1 "$n"); do
        sed "s|%s|$k|g" <<'P'
/stem/%s/trim 3
/stem/%s/hpf/on 1
/stem/%s/hpf/slope 24dB
/stem/%s/lpf/on 1
/stem/%s/eq/1/on 1
/stem/%s/eq/1/gain 3
/stem/%s/eq/2/on 1
/stem/%s/eq/2/gain -3
/stem/%s/eq/3/on 1
/stem/%s/eq/3/gain 2
/stem/%s/eq/4/on 1
/stem/%s/eq/4/gain -2
/stem/%s/eq/5/on 1
/stem/%s/eq/5/gain 1
/stem/%s/eq/6/on 1
/stem/%s/eq/6/gain -1
/stem/%s/comp/on 1
/stem/%s/comp/threshold -30
/stem/%s/comp/sc_hpf/on 1
/stem/%s/width 120
/stem/%s/pan 0.1
/stem/%s/fader -20
P
    done
    printf '/bus/eq/1/on 1\n/bus/eq/1/gain 1\n/bus/mb/on 1\n/bus/imager/bassmono/on 1\n/bus/limiter/drive 3\n'
}

measure() {
    local n=$1 out
    busy "$n" >"$tmp/busy$n.preset"
    "$B/stemd" --osc-port 0 --http-port 0 --stems "$n" --jack-server "$name" --jack-name sb --preset "$tmp/busy$n.preset" \
        --no-wait --log-level warning >"$tmp/stemd$n.log" 2>&1 &
    local sp=$!
    pids+=("$sp")
    for _ in $(seq 1 100); do
        jack_lsp -s "$name" 2>/dev/null | grep -q "^sb:" && break
        sleep 0.1
    done
    # one player, fanned out to every stem
    "$B/stemd-jackio" --server "$name" --name bp --play "$tmp/stems/drums.wav" \
        >"$tmp/play$n.log" 2>&1 &
    local jp=$!
    pids+=("$jp")
    sleep 1
    local ins=($(jack_lsp -s "$name" 2>/dev/null | grep '^sb:' | grep -v -i 'master\|out'))
    local outs=($(jack_lsp -s "$name" 2>/dev/null | grep '^bp-play:'))
    local i=0
    for p in "${ins[@]}"; do
        jack_connect -s "$name" "${outs[$((i % 2))]}" "$p" >/dev/null 2>&1
        i=$((i + 1))
    done
    out=$("$B/stemd-jackload" --server "$name" --seconds 8 --warmup 2)
    kill -TERM "$jp" "$sp" 2>/dev/null
    wait "$jp" "$sp" 2>/dev/null
    echo "$out"
}

echo "JACK DSP load, 48 kHz, 64-frame periods, dummy backend${rt:+ (real-time)}; every stem busy:"
best=0
for n in $counts; do
    r=$(measure "$n")
    printf '  %4d stems: %s\n' "$n" "$r"
    load=$(sed -n 's/.*dsp_load_median \([0-9.]*\).*/\1/p' <<<"$r")
    [ -n "$load" ] && awk -v l="$load" 'BEGIN{exit !(l < 50)}' && best=$n
done
# Then double until the load passes 50 % or the stem limit (256) is reached.
n=$best
while [ "$n" -gt 0 ] && [ "$n" -lt 256 ]; do
    next=$((n * 2))
    [ "$next" -gt 256 ] && next=256
    r=$(measure "$next")
    load=$(sed -n 's/.*dsp_load_median \([0-9.]*\).*/\1/p' <<<"$r")
    printf '  %4d stems: %s\n' "$next" "$r"
    if [ -n "$load" ] && awk -v l="$load" 'BEGIN{exit !(l < 50)}'; then n=$next; else break; fi
    [ "$next" -eq 256 ] && break
done
echo "largest stem count measured under 50 % DSP load: $n"
