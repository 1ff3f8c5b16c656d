#!/bin/bash
# tests/server/systemd-verify.sh UNIT: systemd-analyze verify must print nothing on stderr
# (it exits 0 even on errors). The unit's binary path is pointed at the build for the check.
set -u
unit=$1
bin=$(cd "$(dirname "$0")/../.." && pwd)/${STEMD_BUILD:-build}/stemd
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/local/bin/stemd|$bin|" "$unit" >"$dir/stemd.service"
err=$(systemd-analyze verify "$dir/stemd.service" 2>&1 >/dev/null | grep -v "^$")
if [ -n "$err" ]; then
    echo "systemd-analyze verify $unit:"
    echo "$err"
    exit 1
fi
echo "systemd-analyze verify $unit: clean"
