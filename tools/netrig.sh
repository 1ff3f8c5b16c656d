#!/usr/bin/env bash
# tools/netrig.sh: two "computers" on one Linux machine, for trying and testing stemd across a
# network: a DAW and a rack PC, each a network namespace with its own /dev/shm (so each has its
# own JACK server registry and metadata database, as two machines would, and nothing is shared
# with JACK servers running on the host), joined by a veth pair: the "cable". Nothing leaves the
# machine. Needs root (ip netns, unshare, mount).
#
#   netrig.sh up [options]      build the rig and start its JACK servers, print its state file
#     -e, --engine E            netjack2 (default): the DAW runs jackd on the dummy backend with
#                               the netmanager (netjack2 master) loaded; the rack runs `jackd -d
#                               net` (a netjack2 slave, clocked by the master).
#                               zita: each side runs its own dummy-clocked jackd, bridged by
#                               zita-j2n/zita-n2j in both directions (resampled at the receiver)
#     -p, --period N            frames per JACK period on both sides [256]
#     -l, --latency N           netjack2's network latency in periods (-l of the slave) [2]
#     -b, --buffer MS           zita-n2j's added buffering in ms (--buff) [10]
#     -c, --channels N          audio channels DAW -> rack [8]; rack -> DAW is always 2
#     -r, --no-rt               jackd without real-time scheduling (by default -R -P 70 when the
#                               machine allows it: chrt works); zita-njbridge's clock recovery
#                               needs steady cycles, which a loaded machine gives only to RT
#   netrig.sh run daw|rack CMD...   run CMD on that computer (JACK_DEFAULT_SERVER is set)
#   netrig.sh cable down|up     pull the cable (the rack's end of the veth goes down) or plug it in
#   netrig.sh master -p N [-s RATE]   (netjack2) restart the DAW's jackd with another period
#                               and/or sample rate [48000]: the slave rejoins with them
#   netrig.sh rejoin            (netjack2) reload the DAW's netmanager, its jackd and clients
#                               untouched: the remedy for a handshake that does not settle after
#                               a cable pull (see cmd_rejoin); waits for the slave to join
#   netrig.sh status            the state file, the servers' ports
#   netrig.sh down              stop everything it started (by PID, SIGTERM) and remove the
#                               namespaces; safe to run twice
# The rig is named by NETRIG_NAME (default netrig; at most 8 characters, it names the namespaces
# NAME-daw/NAME-rack and the veth NAME-d/NAME-r) and keeps its state in NETRIG_DIR (default
# /run/stemd-netrig/NAME): state (shell variables), pids, *.log. Addresses 10.77.0.1 (daw) and
# 10.77.0.2 (rack), changeable with NETRIG_NET (the first three octets, default 10.77.0).
#
# The ports, netjack2: on the DAW the rack is the client "rack": rack:to_slave_1..N feed the
# rack's system:capture_1..N, and the rack's system:playback_1,2 come back as
# rack:from_slave_1,2. zita: on the DAW to-rack:in_1..N (zita-j2n) and from-rack:out_1,2
# (zita-n2j); on the rack from-daw:out_1..N (zita-n2j) and to-daw:in_1,2 (zita-j2n). DAW -> rack
# is UDP port 30000, rack -> DAW 30001. `netrig.sh status` lists them all.
set -u

NAME=${NETRIG_NAME:-netrig}
DIR=${NETRIG_DIR:-/run/stemd-netrig/$NAME}
NET=${NETRIG_NET:-10.77.0}
DAW_IP=$NET.1
RACK_IP=$NET.2

die() { echo "netrig: $*" >&2; exit 1; }

# Stop one process we started: SIGTERM, up to 10 s (a jackd's clean stop frees its slot in
# JACK's server registry), then say so and SIGKILL. Never by name.
stop_pid() {
    local pid=$1 what=$2
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    echo "netrig: $what (pid $pid) ignored SIGTERM for 10 s: killing it" >&2
    kill -KILL "$pid" 2>/dev/null
}

load_state() { [ -f "$DIR/state" ] || die "no rig '$NAME' (no $DIR/state): netrig.sh up first"; . "$DIR/state"; }

# in_ns daw|rack CMD...: nsenter the computer's network and mount namespaces (those of its
# holder process, a sleep that keeps the private /dev/shm mounted).
in_ns() {
    local who=$1; shift
    local h
    case "$who" in daw) h=$HOLD_DAW ;; rack) h=$HOLD_RACK ;; *) die "no computer '$who' (daw or rack)" ;; esac
    JACK_NO_AUDIO_RESERVATION=1 JACK_DEFAULT_SERVER=$who nsenter -t "$h" -m -n --wd="$PWD" "$@"
}
# bg WHO LOG CMD...: start CMD in the background on WHO, record its pid (stopped by down in
# reverse order).
bg() {
    local who=$1 log=$2 h; shift 2
    case "$who" in daw) h=$HOLD_DAW ;; rack) h=$HOLD_RACK ;; esac
    # nsenter itself in the background, not a shell function (whose subshell's pid would be
    # recorded, and stopping it would leave the program running).
    JACK_NO_AUDIO_RESERVATION=1 JACK_DEFAULT_SERVER=$who nsenter -t "$h" -m -n --wd="$PWD" "$@" \
        >>"$DIR/$log.log" 2>&1 &
    echo "$! $log" >>"$DIR/pids"
}
wait_server() { # wait_server WHO: its JACK server answers (10 s at most)
    in_ns "$1" jack_wait -s "$1" -w -t 10 >/dev/null 2>&1 || die "the $1 jackd did not start (see $DIR/$1-jackd.log)"
}
wait_port() { # wait_port WHO PORT: PORT exists on WHO's server (20 s at most, by the clock)
    local end=$((SECONDS + 20))
    until in_ns "$1" timeout -k 2 15 jack_lsp 2>/dev/null | grep -qx "$2"; do
        [ $SECONDS -lt $end ] || return 1
        sleep 0.1
    done
}

# A computer: a namespace and its holder, unshared from the host's mounts with a tmpfs on
# /dev/shm (mode 1777 like the host's), so JACK there is private to it.
make_computer() {
    local who=$1 ns=$2
    ip netns exec "$ns" unshare -m --propagation private sh -c \
        "mount -t tmpfs -o mode=1777 netrig-$who /dev/shm && touch '$DIR/$who.ready' && exec sleep infinity" \
        >>"$DIR/$who-holder.log" 2>&1 &
    echo "$! $who-holder" >>"$DIR/pids"
    for _ in $(seq 100); do [ -e "$DIR/$who.ready" ] && break; kill -0 $! 2>/dev/null || break; sleep 0.05; done
    [ -e "$DIR/$who.ready" ] || die "cannot make the $who computer (see $DIR/$who-holder.log)"
    echo "HOLD_${who^^}=$!" >>"$DIR/state"
}

cmd_up() {
    local engine=netjack2 period=256 latency=2 buffer=10 chans=8 rt="-R -P 70"
    chrt -f 10 true 2>/dev/null || rt=-r
    while [ $# -gt 0 ]; do
        case "$1" in -e | --engine | -p | --period | -l | --latency | -b | --buffer | -c | --channels)
            [ $# -ge 2 ] || die "up: $1 needs a value" ;;
        esac
        case "$1" in
        -e | --engine) engine=$2; shift 2 ;;
        -p | --period) period=$2; shift 2 ;;
        -l | --latency) latency=$2; shift 2 ;;
        -b | --buffer) buffer=$2; shift 2 ;;
        -c | --channels) chans=$2; shift 2 ;;
        -r | --no-rt) rt=-r; shift ;;
        *) die "up: unknown option '$1' (see the head of $0)" ;;
        esac
    done
    case "$engine" in netjack2 | zita) ;; *) die "unknown engine '$engine' (netjack2 or zita)" ;; esac
    local v
    for v in "period:$period" "latency:$latency" "buffer:$buffer" "channels:$chans"; do
        [[ ${v#*:} =~ ^[1-9][0-9]{0,4}$ ]] || die "--${v%%:*} wants a positive whole number, not '${v#*:}'"
    done
    (( (period & (period - 1)) == 0 && period >= 16 )) || die "--period must be a power of 2 (16..), not $period"
    [ "$(id -u)" -eq 0 ] || die "needs root (ip netns, unshare, mount)"
    [ ${#NAME} -le 8 ] || die "NETRIG_NAME '$NAME' is longer than 8 characters (it names the veth)"
    [ -e "$DIR/state" ] && die "rig '$NAME' is up already ($DIR/state): netrig.sh down first"
    local p
    for p in jackd jack_load jack_wait jack_lsp nsenter unshare ip; do
        command -v "$p" >/dev/null || die "$p is missing (tools/install-deps test)"
    done
    [ "$engine" = zita ] && { command -v zita-j2n >/dev/null || die "zita-j2n is missing: apt-get install zita-njbridge"; }
    mkdir -p "$DIR" || die "cannot make $DIR"
    : >"$DIR/pids"
    local dns=$NAME-daw rns=$NAME-rack dv=$NAME-d rv=$NAME-r
    {
        echo "ENGINE=$engine PERIOD=$period LATENCY=$latency BUFFER=$buffer CHANNELS=$chans RT=\"$rt\""
        echo "DAW_NS=$dns RACK_NS=$rns DAW_VETH=$dv RACK_VETH=$rv DAW_IP=$DAW_IP RACK_IP=$RACK_IP"
    } >"$DIR/state"
    # From here on a failure takes down what was made.
    trap 'echo "netrig: up failed, taking the rig down" >&2; cmd_down' EXIT
    ip netns add "$dns" && ip netns add "$rns" || die "cannot make network namespaces"
    ip link add "$dv" type veth peer name "$rv" || die "cannot make the veth pair"
    ip link set "$dv" netns "$dns" && ip link set "$rv" netns "$rns" || die "cannot move the veth"
    ip -n "$dns" addr add "$DAW_IP/24" dev "$dv" && ip -n "$rns" addr add "$RACK_IP/24" dev "$rv" ||
        die "cannot address the veth"
    local ns v
    for ns in "$dns:$dv" "$rns:$rv"; do
        v=${ns#*:}; ns=${ns%%:*}
        ip -n "$ns" link set lo up && ip -n "$ns" link set "$v" up || die "cannot raise $v"
        # netjack2 finds its peers by multicast (225.3.19.154); a namespace has no default
        # route, so the group needs its own (on a LAN the default route serves).
        ip -n "$ns" route add 224.0.0.0/4 dev "$v" || die "cannot add the multicast route in $ns"
    done
    make_computer daw "$dns"
    make_computer rack "$rns"
    . "$DIR/state"

    start_daw "$period" 48000
    if [ "$engine" = netjack2 ]; then
        # The slave takes rate and period from the master; -C/-P its channel counts, -n the
        # name of its client on the master.
        bg rack rack-jackd jackd -n rack -S $rt -d net -a 225.3.19.154 -C "$chans" -P 2 -l "$latency" -n rack
        wait_server rack
        wait_port daw rack:from_slave_2 || die "the netjack2 slave did not join the master (see $DIR/*.log)"
    else
        bg rack rack-jackd jackd -n rack -S $rt -d dummy -r 48000 -p "$period"
        wait_server rack
        local list; list=$(seq -s, 1 "$chans")
        # The bridges' own threads (zita-n2j's network receiver above all) at real-time priority,
        # under jackd's: at normal priority a loaded machine left the receiver unscheduled, the
        # socket dropped packets, the queue ran dry and the clock recovery pegged its ratio at
        # 0.95 and gave up ("Waiting for 10.0 seconds..."), over and over (seen under two busy
        # loops). JACK still sets their process threads' priority itself.
        local zrt=""
        [ "$rt" != -r ] && zrt="chrt -f 60"
        # DAW -> rack on port 30000, rack -> DAW on 30001, unicast to the receiver's address.
        bg rack rack-n2j $zrt stdbuf -oL zita-n2j --info --jserv rack --jname from-daw --chan "$list" --buff "$buffer" "$RACK_IP" 30000
        bg daw daw-j2n $zrt zita-j2n --jserv daw --jname to-rack --chan "$chans" --float "$RACK_IP" 30000
        bg daw daw-n2j $zrt stdbuf -oL zita-n2j --info --jserv daw --jname from-rack --chan 1,2 --buff "$buffer" "$DAW_IP" 30001
        bg rack rack-j2n $zrt zita-j2n --jserv rack --jname to-daw --chan 2 --float "$DAW_IP" 30001
        wait_port rack from-daw:out_1 && wait_port daw from-rack:out_2 && wait_port daw to-rack:in_1 &&
            wait_port rack to-daw:in_2 || die "the zita bridges did not start (see $DIR/*.log)"
    fi
    trap - EXIT
    echo "$DIR/state"
}

cmd_down() {
    [ -f "$DIR/state" ] || [ -f "$DIR/pids" ] || return 0
    [ -f "$DIR/state" ] && . "$DIR/state"
    if [ -f "$DIR/pids" ]; then
        local pid what
        tac "$DIR/pids" | while read -r pid what; do stop_pid "$pid" "$what"; done
    fi
    # Anything still inside the rig's namespaces was started in them (by `netrig.sh run ... &`
    # and not stopped, say): stop it by pid too, or it would outlive the namespace's name.
    local ns left
    for ns in ${DAW_NS-} ${RACK_NS-}; do
        for left in $(ip netns pids "$ns" 2>/dev/null); do
            echo "netrig: stopping pid $left ($(tr '\0' ' ' </proc/"$left"/cmdline 2>/dev/null | cut -c1-60)), still running in $ns" >&2
            stop_pid "$left" "pid $left in $ns"
        done
    done
    [ -n "${DAW_NS-}" ] && ip netns del "$DAW_NS" 2>/dev/null
    [ -n "${RACK_NS-}" ] && ip netns del "$RACK_NS" 2>/dev/null
    rm -f "$DIR/state" "$DIR/pids" "$DIR"/*.ready
    return 0
}

# start_daw PERIOD RATE: the DAW's jackd and, for netjack2, its netmanager.
start_daw() {
    # Synchronous (-S: its clients run in graph order within the cycle, so a recording is
    # sample-exact against what was played).
    bg daw daw-jackd jackd -n daw -S $RT -d dummy -r "$2" -p "$1"
    wait_server daw
    if [ "$ENGINE" = netjack2 ]; then
        in_ns daw jack_load -s daw netmanager >>"$DIR/daw-jackd.log" 2>&1 ||
            die "cannot load netjack2's netmanager on the daw (see $DIR/daw-jackd.log)"
    fi
}

cmd_master() {
    load_state
    [ "$ENGINE" = netjack2 ] || die "master: only the netjack2 rig has a master"
    local period=$PERIOD rate=48000
    while [ $# -gt 0 ]; do
        [ $# -ge 2 ] || die "master: $1 needs a value"
        case "$1" in
        -p | --period) period=$2 ;;
        -s | --rate) rate=$2 ;;
        *) die "master: unknown option '$1' (-p N, -s RATE)" ;;
        esac
        shift 2
    done
    [[ $period =~ ^[1-9][0-9]{0,4}$ ]] && (( (period & (period - 1)) == 0 && period >= 16 )) ||
        die "master: -p must be a power of 2 (16..), not '$period'"
    [[ $rate =~ ^[1-9][0-9]{3,5}$ ]] || die "master: -s must be a sample rate in Hz, not '$rate'"
    # Stop the DAW's jackd and drop it from the pid list (a stale pid could be reused by then).
    local pid
    pid=$(awk '$2 == "daw-jackd" { p = $1 } END { print p }' "$DIR/pids")
    [ -n "$pid" ] && stop_pid "$pid" daw-jackd
    awk -v p="$pid" '$1 != p' "$DIR/pids" >"$DIR/pids.new" && mv "$DIR/pids.new" "$DIR/pids"
    start_daw "$period" "$rate"
    wait_port daw rack:from_slave_2 || die "the netjack2 slave did not join the new master (see $DIR/*.log)"
    sed -i "s/^ENGINE=.*/ENGINE=$ENGINE PERIOD=$period LATENCY=$LATENCY BUFFER=$BUFFER CHANNELS=$CHANNELS RT=\"$RT\"/" "$DIR/state"
}

# jack2 1.9.21's netmanager makes a new master for every announce of a slave (InitMaster never
# looks for one of that name): after a cable pull the slave's announces can outrun the answers,
# every further master's setup is refused by the slave's socket ("Connection refused", "Can't
# init new NetMaster"), and the handshake settles after some seconds (10 here) or, seen once in
# CI, not within 45 s. Reloading the netmanager drops its masters; the slave's next announce meets
# a fresh one (the slave back 1.2 s after the cable, 2.2 s from a steady rig). The DAW's jackd and
# its other clients stay. Each step is bounded: this runs when JACK misbehaves.
cmd_rejoin() {
    load_state
    [ "$ENGINE" = netjack2 ] || die "rejoin: only the netjack2 rig has a netmanager"
    in_ns daw timeout -k 2 15 jack_unload netmanager daw >>"$DIR/daw-jackd.log" 2>&1 ||
        die "cannot unload the daw's netmanager (see $DIR/daw-jackd.log)"
    in_ns daw timeout -k 2 15 jack_load -s daw netmanager >>"$DIR/daw-jackd.log" 2>&1 ||
        die "cannot load netjack2's netmanager on the daw (see $DIR/daw-jackd.log)"
    wait_port daw rack:from_slave_2 || die "the netjack2 slave did not join the reloaded netmanager (see $DIR/*.log)"
}

cmd_cable() {
    load_state
    case "${1-}" in
    down | up) ip -n "$RACK_NS" link set "$RACK_VETH" "$1" ;;
    *) die "cable down|up" ;;
    esac
    # The route goes with the link: put it back when the cable is plugged in.
    [ "$1" = up ] && { ip -n "$RACK_NS" route replace 224.0.0.0/4 dev "$RACK_VETH" || true; }
    return 0
}

cmd=${1-}
[ $# -gt 0 ] && shift
case "$cmd" in
up) cmd_up "$@" ;;
down) cmd_down ;;
run)
    load_state
    [ $# -ge 2 ] || die "run daw|rack CMD..."
    # exec all the way (this script, nsenter, CMD): `netrig.sh run rack stemd ... &` has
    # stemd's pid, so a caller can stop it by that pid.
    case "$1" in daw) h=$HOLD_DAW ;; rack) h=$HOLD_RACK ;; *) die "no computer '$1' (daw or rack)" ;; esac
    JACK_NO_AUDIO_RESERVATION=1 JACK_DEFAULT_SERVER=$1 exec nsenter -t "$h" -m -n --wd="$PWD" "${@:2}"
    ;;
cable) cmd_cable "$@" ;;
master) cmd_master "$@" ;;
rejoin) cmd_rejoin ;;
status)
    load_state
    cat "$DIR/state"
    for w in daw rack; do echo "--- $w:"; in_ns "$w" timeout -k 2 15 jack_lsp 2>/dev/null; done
    ;;
*) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; [ -z "$cmd" ] || [ "$cmd" = help ] || exit 2 ;;
esac
