#!/usr/bin/env bash
# tools/demo.sh: `make demo`: synthesised stems played live through stemd on JACK, with meters,
# recorded, and reported next to the offline render of the same stems and preset.
#
# Uses the running JACK server if there is one ($JACK_DEFAULT_SERVER or the default); otherwise
# starts a private jackd on the dummy backend. Cleans up every process it started (stemd, then
# jackd last), on success, failure or Ctrl-C. Environment:
#   STEMD_BUILD  build directory (default build)     DEMO_SECONDS  stem length (default 20)
#   DEMO_KEEP=1  keep the work directory (stems, logs) instead of removing it
#   DEMO_NO_BUILD=1  use the binaries already in STEMD_BUILD (the tests do)
#   DEMO_NO_STEMD=1  leave the daemon out: the offline master is played through JACK instead
set -euo pipefail
cd "$(dirname "$0")/.."

B=${STEMD_BUILD:-build}
SECONDS_LONG=${DEMO_SECONDS:-20}
PRESET=tools/demo.preset
STEMS=(drums bass keys vocal)
OUT=$B/demo # the recordings stay here for listening

bold=""
plain=""
if [ -t 1 ]; then
    bold=$'\033[1m'
    plain=$'\033[0m'
fi
say() { printf '%s==> %s%s\n' "$bold" "$*" "$plain"; }
die() {
    printf 'demo: %s\n' "$*" >&2
    exit 1
}

# ---- processes we start, stopped in reverse order (jackd last) ----
work=""
stemd_pid=""
jackd_pid=""
stop_pid() { # stop_pid PID NAME: SIGTERM, wait up to 5 s, then SIGKILL
    local pid=$1 name=$2
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "demo: $name (pid $pid) ignored SIGTERM for 5 s: killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [ -n "${watch_pid:-}" ] && { kill -INT "$watch_pid" 2>/dev/null || true; }
    [ -n "$stemd_pid" ] && stop_pid "$stemd_pid" stemd
    [ -n "$jackd_pid" ] && stop_pid "$jackd_pid" jackd
    if [ -n "$work" ]; then
        if [ "${DEMO_KEEP:-0}" = 1 ]; then
            echo "demo: kept $work"
        else
            rm -rf "$work"
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

show_log() { # show_log FILE TITLE
    echo "---- $2 ($1) ----" >&2
    tail -n 30 "$1" >&2 || true
    echo "----" >&2
}

# ---- 1. packages and build ----
say "Checking packages (tools/install-deps demo)"
tools/install-deps demo || die "install the packages above, then run make demo again"

have_stemd=0
if [ "${DEMO_NO_BUILD:-0}" = 1 ]; then
    for b in stemd-synth stemd-jackio stemd-render tests/demo/wavcmp; do
        [ -x "$B/$b" ] || die "$B/$b is missing (DEMO_NO_BUILD=1 uses what is built): make $B/$b"
    done
    [ -x "$B/stemd" ] && have_stemd=1
else
    say "Building"
    mkdir -p "$B" # the build log lives there, before make has made it
    make --no-print-directory B="$B" "$B/stemd-synth" "$B/stemd-jackio" "$B/stemd-render" \
        "$B/tests/demo/wavcmp" >"$B/demo-build.log" 2>&1 ||
        { show_log "$B/demo-build.log" "build log"; die "the build failed (log above)"; }
    if [ -f mk/server.mk ] && make --no-print-directory B="$B" "$B/stemd" "$B/stemctl" \
        >>"$B/demo-build.log" 2>&1; then
        have_stemd=1
    fi
fi
if [ "${DEMO_NO_STEMD:-0}" = 1 ]; then
    have_stemd=0
fi
if [ "$have_stemd" = 0 ]; then
    echo "demo: no $B/stemd (not built yet, see $B/demo-build.log, or DEMO_NO_STEMD=1): the" \
        "master comes from the offline renderer, stemd-render, instead" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/stemd-demo.XXXXXX")
mkdir -p "$OUT"

# ---- 2. JACK: the user's server if one runs, else a private one on the dummy backend ----
server=${JACK_DEFAULT_SERVER:-default}
if [ "$(jack_wait -c -s "$server" 2>/dev/null)" = running ]; then
    say "Using the running JACK server '$server'"
else
    server="stemd-demo-$$"
    say "No JACK server is running: starting a private one, '$server' (dummy backend, 48 kHz)"
    # No audio device is reserved (dbus), no real-time scheduling asked for: it runs anywhere.
    # Synchronous (-S): each cycle waits for every client, so even on a busy machine without
    # real-time priority no client misses a cycle and the capture stays sample-exact.
    JACK_NO_AUDIO_RESERVATION=1 jackd -n "$server" -r -S -d dummy -r 48000 -p 256 \
        >"$work/jackd.log" 2>&1 &
    jackd_pid=$!
    if ! jack_wait -s "$server" -w -t 10 >/dev/null 2>&1; then
        show_log "$work/jackd.log" "jackd log"
        die "jackd did not start within 10 s (log above)"
    fi
fi
export JACK_DEFAULT_SERVER=$server
rate=$(jack_samplerate 2>/dev/null || echo 48000)
period=$(jack_bufsize 2>/dev/null | awk '{print $1}' || echo "?")
echo "JACK: $rate Hz, $period frames a period"

# ---- 3. the stems ----
say "Synthesising ${SECONDS_LONG} s of demo stems at $rate Hz"
"$B/stemd-synth" -r "$rate" -d "$SECONDS_LONG" "$work/stems" || die "stemd-synth failed"
files=()
for s in "${STEMS[@]}"; do files+=("$work/stems/$s.wav"); done

# ---- 4. the offline master: what stemd-render makes of the same stems and preset ----
say "Offline master: stemd-render -p $PRESET"
"$B/stemd-render" -q --float --no-dither -p "$PRESET" -o "$OUT/offline-master.wav" "${files[@]}" \
    >"$work/offline-report.txt" 2>"$work/render.log" ||
    { show_log "$work/render.log" "stemd-render"; die "stemd-render failed"; }

# ---- 5. the live master through stemd ----
client="stemd-demo"
live="$OUT/live-master.wav"
if [ "$have_stemd" = 1 ]; then
    say "Starting stemd (4 stems, preset $PRESET) on JACK server '$server'"
    # OSC and HTTP on ports of their own, so a stemd already running for real (on 7770 and 7771)
    # is not disturbed.
    osc_port=$((17000 + $$ % 1000))
    "$B/stemd" --stems "$(
        IFS=,
        echo "${STEMS[*]}"
    )" --jack-server "$server" --jack-name "$client" --preset "$PRESET" --no-wait \
        --osc-port "$osc_port" --http-port "$((osc_port + 1000))" --record-dir "$OUT" \
        >"$work/stemd.log" 2>&1 &
    stemd_pid=$!
    up=0
    for _ in $(seq 100); do # ports within 10 s
        if ! kill -0 "$stemd_pid" 2>/dev/null; then break; fi
        if timeout -k 2 15 jack_lsp 2>/dev/null | grep -qx "$client:master_R"; then
            up=1
            break
        fi
        sleep 0.1
    done
    if [ "$up" != 1 ]; then
        show_log "$work/stemd.log" "stemd log"
        die "stemd did not come up with its ports within 10 s (log above)"
    fi
    play=()
    for k in "${!STEMS[@]}"; do
        s=${STEMS[$k]}
        p=$(printf '%s:in_%02d_%s' "$client" $((k + 1)) "$s")
        play+=(--play "$work/stems/$s.wav=${p}_L,${p}_R")
    done
    say "Playing the stems into stemd and recording its master; stemd's own meters over OSC"
    say "(and in a browser meanwhile: http://127.0.0.1:$((osc_port + 1000))/status.html)"
    say "(stemctl watch: per-stem peaks, compressor, de-esser and dynamic EQ gain, master LUFS, true peak, limiter and band gain reduction)"
    # The meters come from stemd itself, through OSC; the player records quietly.
    watch_pid=""
    if [ -x "$B/stemctl" ]; then
        "$B/stemctl" --port "$osc_port" watch &
        watch_pid=$!
    fi
    # stemd records its own master too (stemctl record): the file the service would keep.
    rm -f "$OUT/stemd-recorder.wav"
    "$B/stemctl" --port "$osc_port" record start stemd-recorder >/dev/null ||
        say "stemctl record start failed: stemd's own recording is left out"
    io_status=0
    "$B/stemd-jackio" --name stemd-demo-io --sync-start "${play[@]}" \
        --record "$live" --from "$client:master_L,$client:master_R" >"$work/live-report.txt" \
        2>"$work/jackio.log" || io_status=$?
    if [ -n "$watch_pid" ]; then
        kill -INT "$watch_pid" 2>/dev/null || true
        wait "$watch_pid" 2>/dev/null || true
        watch_pid=""
    fi
    rec_status=$("$B/stemctl" --port "$osc_port" record stop 2>&1) || true
    echo
    cat "$work/jackio.log" >&2
    say "stemd's own recorder (stemctl record stop): $rec_status"
    [ "$io_status" = 0 ] ||
        { show_log "$work/stemd.log" "stemd log"; die "stemd-jackio failed (above)"; }
    title="Live master (stemd on JACK, recorded by stemd-jackio)"
    label=live
else
    say "FALLBACK: stemd is not available; playing the offline master through JACK to meter it"
    "$B/stemd-jackio" --name stemd-demo-io --sync-start --meters \
        --play "$OUT/offline-master.wav" --record "$live" \
        --from stemd-demo-io-play:offline-master_L,stemd-demo-io-play:offline-master_R \
        >"$work/live-report.txt" || die "stemd-jackio failed (above)"
    title="Offline master played through JACK (FALLBACK: stemd was not available)"
    label="via JACK"
fi

# ---- 6. the reports ----
echo
say "$title"
cat "$work/live-report.txt"
echo
say "Offline master (stemd-render, the same stems and preset)"
cat "$work/offline-report.txt"

# Side by side, from both files' JSON reports.
json() { "$B/stemd-render" --analyze "$1" --json; }
field() { sed -n "s/.*\"$2\": \\([^,}]*\\).*/\\1/p" <<<"$1"; }
lj=$(json "$live")
oj=$(json "$OUT/offline-master.wav")
rec="$OUT/stemd-recorder.wav"
rj=""
[ "$have_stemd" = 1 ] && [ -s "$rec" ] && rj=$(json "$rec")
echo
printf '%-22s %12s %12s %12s\n' "" "$label" "offline" "${rj:+stemd rec}"
for k in integrated_lufs:LUFS lra_lu:LU true_peak_dbtp:dBTP sample_peak_dbfs:dBFS \
    momentary_max_lufs:LUFS short_term_max_lufs:LUFS; do
    printf '%-22s %12s %12s %12s  %s\n' "${k%%:*}" "$(field "$lj" "${k%%:*}")" \
        "$(field "$oj" "${k%%:*}")" "${rj:+$(field "$rj" "${k%%:*}")}" "${k##*:}"
done
[ -n "$rj" ] && echo "(stemd rec: stemd's own recorder, started before the stems and stopped after)"

# Sample for sample: the recording lags the stems by the capture latency stemd reports.
lat=$(sed -n 's/.*capture_latency=[0-9]*\.\.\([0-9]*\).*/\1/p' <<<"$(strings "$live" | grep 'stemd-jackio: frames=')")
if [ "$have_stemd" = 1 ] && [ -n "$lat" ]; then
    echo
    echo "live vs offline, the live recording read from frame $lat (stemd's reported latency):"
    "$B/tests/demo/wavcmp" --offset "$lat" "$OUT/offline-master.wav" "$live" || true
fi
echo
echo "Recordings: $live${rj:+, $rec} and $OUT/offline-master.wav"
