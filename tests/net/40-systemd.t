#!/usr/bin/env bash
# tests/net/40-systemd.t: the rack PC's units: systemd/jackd-netslave.service, and stemd.service
# with the drop-in systemd/stemd-netslave.conf, pass systemd-analyze verify without a message
# (it exits 0 even on errors: its stderr is the verdict). Needs no root and no namespaces.
cd "$(dirname "$0")/../.." || exit 2
if ! command -v systemd-analyze >/dev/null; then
    echo "1..0 # skip systemd-analyze not installed"
    exit 0
fi
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bin=$(pwd)/${STEMD_BUILD:-build}/stemd
mkdir -p "$dir/stemd.service.d"
cp systemd/jackd-netslave.service "$dir/"
sed "s|/usr/local/bin/stemd|$bin|" systemd/stemd.service >"$dir/stemd.service"
cp systemd/stemd-netslave.conf "$dir/stemd.service.d/netslave.conf"
err=$(systemd-analyze verify "$dir/jackd-netslave.service" 2>&1 >/dev/null | grep -v '^$')
[ -z "$err" ]
ok $? "systemd-analyze verify systemd/jackd-netslave.service prints nothing on stderr"
[ -n "$err" ] && echo "$err" | sed 's/^/# /'
# The unit path makes systemd read the drop-in and find jackd-netslave.service.
err=$(SYSTEMD_UNIT_PATH="$dir:" systemd-analyze verify "$dir/stemd.service" 2>&1 >/dev/null | grep -v '^$')
[ -z "$err" ]
ok $? "stemd.service with the drop-in systemd/stemd-netslave.conf verifies clean"
[ -n "$err" ] && echo "$err" | sed 's/^/# /'
grep -q '^After=jackd-netslave.service' systemd/stemd-netslave.conf &&
    grep -q '^Wants=jackd-netslave.service' systemd/stemd-netslave.conf
ok $? "the drop-in orders stemd after the slave jackd and pulls it in (Wants, not Requires)"
grep -q '^ExecStart=/usr/bin/jackd .*-d net -a 225.3.19.154 \$JACK_NET_OPTS' systemd/jackd-netslave.service &&
    grep -q '^User=stemd' systemd/jackd-netslave.service
ok $? "the slave jackd is a netjack2 slave on netjack2's group and runs as stemd's user"
echo "1..$n"
[ "$failed" -eq 0 ]
