#!/bin/bash
# tests/server/99-rtcheck-summary.t: the RT check's totals over the whole server suite (every
# report the earlier tests collected into $STEMD_RTCHECK_SUMMARY): zero forbidden calls.
. "$(dirname "$0")/lib.sh"
sum=${STEMD_RTCHECK_SUMMARY:-}
if [ -z "$RTCHECK" ]; then
    echo "1..0 # SKIP RT check off (sanitizer build: ASan owns malloc)"
    exit 0
fi
if [ -z "$sum" ] || [ ! -s "$sum" ]; then
    echo "1..0 # SKIP no RT-check summary (run the suite through make server-tests)"
    exit 0
fi
procs=$(grep -c "^rtcheck:" "$sum")
cycles=$(sed -n 's/.*process callbacks observed \([0-9]*\).*/\1/p' "$sum" | awk '{s += $1} END {print s}')
totals=$(grep -E "^[a-z_0-9()]+ [0-9]+$" "$sum" | awk '{s[$1] += $2} END {for (k in s) print k, s[k]}' | sort)
echo "$totals" | grep -v " 0$" | sed 's/^/# non-zero: /'
diag "suite: $procs stemd processes, $cycles process callbacks; futex syscalls: $(grep '^syscall(futex) ' <<<"$totals" | cut -d' ' -f2)"
[ "$cycles" -gt 10000 ]; ok $? "the check saw $cycles process callbacks"
is "$(grep '^total ' <<<"$totals")" "total 0" "zero forbidden calls in the process callback across the suite"
done_testing
