# shellcheck shell=bash
# tests/net/lib.sh: the network-rig tests' helpers: TAP output, the rig (tools/netrig.sh: two
# network namespaces, each with its own /dev/shm and JACK server), stemd on the rack, the
# stems and their offline render, cleanup. Sourced by tests/net/*.t; binaries from
# ${STEMD_BUILD:-build}. A machine that cannot make namespaces (not root, no ip netns, no
# unshare) skips the whole script with the reason.
cd "$(dirname "$0")/../.." || exit 2
B=${STEMD_BUILD:-build}
T=$(mktemp -d "${TMPDIR:-/tmp}/stemd-net-test.XXXXXX")
# The rig's name: short (it names the veth), unique to this script run.
export NETRIG_NAME=n$$ NETRIG_DIR=$T/rig
RIG=tools/netrig.sh
tap_n=0
tap_failed=0
pids=() # processes this test started (besides the rig's), stopped in reverse order

ok() { # ok CONDITION-STATUS DESCRIPTION
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; tap_failed=$((tap_failed + 1)); return 1; fi
}
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
# diag_file FILE [LINES]: a failure's evidence, on stderr: prove shows a test's stderr, not its
# "#" lines on stdout, and CI keeps only what prove shows.
diag_file() { [ -f "$1" ] && tail -n "${2:-20}" "$1" | sed "s|^|# ${1##*/}: |" >&2; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
bail() { echo "Bail out! $*"; exit 255; }

stop_pid() { # SIGTERM, up to 10 s, then SIGKILL; never by name
    kill -0 "$1" 2>/dev/null || return 0
    kill -TERM "$1" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}
finish() {
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[$i]}"; done
    "$RIG" down
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# need_rig [zita]: skip the script (TAP plan 1..0) when the rig cannot be built here.
need_rig() {
    local why=""
    if [ "$(id -u)" -ne 0 ]; then why="not root: network namespaces need root (run as root)"
    elif ! command -v nsenter >/dev/null || ! command -v unshare >/dev/null; then why="no nsenter/unshare (util-linux)"
    elif ! ip netns add "n$$probe" 2>"$T/netns.err"; then why="cannot make a network namespace: $(cat "$T/netns.err")"
    else
        ip netns del "n$$probe"
        unshare -m true 2>"$T/netns.err" || why="cannot make a mount namespace: $(cat "$T/netns.err")"
    fi
    [ -z "$why" ] && [ "${1-}" = zita ] && ! command -v zita-j2n >/dev/null &&
        why="zita-njbridge is not installed (tools/install-deps test)"
    if [ -n "$why" ]; then echo "1..0 # skip $why"; exit 0; fi
    local b
    for b in stemd stemd-synth stemd-jackio stemd-render tests/demo/wavcmp; do
        [ -x "$B/$b" ] || bail "$B/$b is missing: make $B/$b"
    done
}

on() { "$RIG" run "$@"; } # on daw|rack CMD...

STEMS=(drums bass keys vocal)
# make_stems SECONDS: $T/s/*.wav and their offline master $T/offline.wav (float, no dither:
# what stemd sends).
make_stems() {
    "$B/stemd-synth" -d "$1" "$T/s" >/dev/null || bail "stemd-synth failed"
    local files=() s
    for s in "${STEMS[@]}"; do files+=("$T/s/$s.wav"); done
    "$B/stemd-render" -q --float --no-dither -p tools/demo.preset -o "$T/offline.wav" "${files[@]}" \
        >/dev/null 2>"$T/render.err" || { diag_file "$T/render.err"; bail "stemd-render failed"; }
}

# start_stemd_rack IN-PREFIX OUT-L,OUT-R [ARGS...]: stemd on the rack's server with the demo
# preset, stem k fed from IN-PREFIX(2k-1),IN-PREFIX(2k), the master to OUT; sets STEMD_PID and
# waits for its ports.
start_stemd_rack() {
    local in=$1 out=$2; shift 2
    local conn=() k
    for k in "${!STEMS[@]}"; do conn+=(--connect "${STEMS[$k]}=${in}$((2 * k + 1)),${in}$((2 * k + 2))"); done
    # "$RIG" run execs down to stemd (not the function on(), whose subshell's pid it would be).
    "$RIG" run rack "$B/stemd" --jack-server rack --stems "$(IFS=,; echo "${STEMS[*]}")" \
        --preset tools/demo.preset --connect-out "$out" "${conn[@]}" "$@" >>"$T/stemd.log" 2>&1 &
    STEMD_PID=$!
    pids+=("$STEMD_PID")
    for _ in $(seq 200); do
        on rack timeout -k 2 15 jack_lsp -c 2>/dev/null | grep -qx "   ${out#*,}" && return 0
        kill -0 "$STEMD_PID" 2>/dev/null || break
        sleep 0.1
    done
    diag_file "$T/stemd.log"
    return 1
}

# play_args PORT-PREFIX: stemd-jackio's --play arguments, stem k into PREFIX(2k-1),PREFIX(2k).
play_args() {
    local k
    for k in "${!STEMS[@]}"; do
        printf '%s\n' -p "$T/s/${STEMS[$k]}.wav=$1$((2 * k + 1)),$1$((2 * k + 2))"
    done
}

# until_for SECONDS CMD...: CMD succeeds within SECONDS (tried every 0.1 s). A bound on a wait,
# never a judgement of the machine's speed: a loaded machine is slower, not wrong.
until_for() {
    local end=$((SECONDS + $1)); shift
    until "$@"; do [ $SECONDS -lt "$end" ] || return 1; sleep 0.1; done
}

# zita-n2j --info prints "Syncing..." then "Receiving." when its clock recovery has locked, then
# one line a second: its state, the timing error, the resampling ratio and the queue fill. On a
# loaded machine it can lose lock and resync (seen: a silent take); a take is only judged on a
# locked path, and one spoilt by a lock loss is taken again (at most 3 times, each said).
zita_logs() { cat "$NETRIG_DIR"/rack-n2j.log "$NETRIG_DIR"/daw-n2j.log 2>/dev/null; }
# zita_upsets: lines of both receivers' logs that are not a locked status line (ratio within
# 3e-4 of 1: a 1e-3 drift still cost a second-long take 0.03 of correlation in CI): the start-up
# lines, then one more for every resync or jump.
zita_upsets() {
    zita_logs | awk '!(NF == 4 && $3 > 0.9997 && $3 < 1.0003) { n++ } END { print n + 0 }'
}
# wait_zita_locked SECONDS: both receivers say "Receiving." and their last 3 lines are locked.
wait_zita_locked() {
    local f ok_all
    for _ in $(seq $((${1:-60} * 2))); do
        ok_all=1
        for f in "$NETRIG_DIR"/rack-n2j.log "$NETRIG_DIR"/daw-n2j.log; do
            grep -q '^Receiving' "$f" 2>/dev/null &&
                tail -n 3 "$f" | awk 'NF == 4 && $3 > 0.9997 && $3 < 1.0003 { n++ } END { exit n < 3 }' ||
                ok_all=0
        done
        [ "$ok_all" -eq 1 ] && return 0
        sleep 0.5
    done
    return 1
}

# netjack2 is sample-exact only on cycles that came in time: a late cycle of either jackd (an
# "XRun" line) or a lost packet ("Packet(s) missing", "missing last data packet") on a loaded
# machine leaves a gap in the take, whatever stemd does. net_upsets counts those lines of both
# servers' logs; a take is judged only when none came during it, and taken again otherwise (at
# most 3 times, each said).
net_upsets() {
    cat "$NETRIG_DIR"/daw-jackd.log "$NETRIG_DIR"/rack-jackd.log 2>/dev/null | grep -ciE 'missing|xrun'
}

# net_take OUT REFERENCE OFFSET: (netjack2) the DAW plays the stems to the rack (rack:to_slave_)
# and records its master (rack:from_slave_1,2) into OUT, then compares OUT with REFERENCE after
# OFFSET frames. A take that differs with a late cycle or a lost packet during it is taken again
# (at most 3 times, each said). Sets take_io (stemd-jackio's status), take_same (wavcmp's) and
# take_clean (0: the last take had no upset or matched); $T/io.err, $T/cmp hold their words.
net_take() {
    local out=$1 ref=$2 offset=$3 upsets take play
    mapfile -t play < <(play_args rack:to_slave_)
    for take in 1 2 3; do
        upsets=$(net_upsets)
        on daw timeout -k 10 60 "$B/stemd-jackio" -n io -S "${play[@]}" -r "$out" \
            -f rack:from_slave_1,rack:from_slave_2 >/dev/null 2>"$T/io.err"
        # shellcheck disable=SC2034 # read by the test
        take_io=$?
        "$B/tests/demo/wavcmp" --offset "$offset" --tolerance-db -90 "$ref" "$out" >"$T/cmp" 2>&1
        take_same=$?
        take_clean=0
        [ $take_same -eq 0 ] || [ "$(net_upsets)" -eq "$upsets" ] && return 0 # judge a clean take
        take_clean=1
        diag "take $take had a late cycle or a lost packet ($(cat "$T/cmp")): taking it again"
    done
}
# ok_take DESCRIPTION: the TAP line for net_take's comparison; a skip, said, when no take was
# clean (netjack2 leaves a gap for a late cycle, whatever stemd does).
ok_take() {
    if [ "$take_clean" -ne 0 ]; then
        tap_n=$((tap_n + 1))
        echo "ok $tap_n - $1 # skip no take without a late cycle or a lost packet on this loaded machine"
    else
        ok "$take_same" "$1: $(cat "$T/cmp")"
    fi
}
