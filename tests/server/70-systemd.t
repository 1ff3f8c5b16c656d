#!/bin/bash
# tests/server/70-systemd.t: the unit file passes systemd-analyze verify without a message.
. "$(dirname "$0")/lib.sh"
if ! command -v systemd-analyze >/dev/null; then
    echo "1..0 # SKIP systemd-analyze not installed"
    exit 0
fi
out=$("$(dirname "$0")/systemd-verify.sh" systemd/stemd.service 2>&1); rc=$?
ok $rc "systemd-analyze verify systemd/stemd.service prints nothing on stderr"
[ $rc -eq 0 ] || diag "$out"
u=systemd/stemd.service
for k in "Type=notify" "WatchdogSec=" "LimitRTPRIO=" "LimitMEMLOCK=" "User=stemd" "StateDirectory=stemd" "/etc/stemd/stemd.conf"; do
    grep -q "$k" "$u"; ok $? "unit has $k"
done
done_testing
