#!/bin/sh
# tools/under-load.sh COMMAND...: run COMMAND while one busy loop per core competes with it for
# the CPU (at the same priority as everything else), the way a browser or a compile would; the
# loops end with the command, whatever its outcome. `make test-under-load` runs `make test` so:
# the suite must pass on a loaded machine, since none of its tests judges the wall clock.
set -u
n=$(nproc 2>/dev/null || echo 2)
pids=""
stop() {
    # shellcheck disable=SC2086 # a list of pids
    [ -n "$pids" ] && kill $pids 2>/dev/null
    pids=""
}
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
i=0
while [ "$i" -lt "$n" ]; do
    sh -c 'while :; do :; done' &
    pids="$pids $!"
    i=$((i + 1))
done
echo "under-load: $n busy loops (pids$pids) while: $*" >&2
"$@"
rc=$?
stop
echo "under-load: '$*' exited $rc" >&2
exit "$rc"
