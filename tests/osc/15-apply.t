#!/bin/bash
# tests/osc/15-apply.t: the typed change API under every OSC surface (tests/control/test_apply.c:
# one snapshot a call, all or nothing, clamping, listeners and batches); no JACK server needed.
B=${STEMD_BUILD:-build}
[ -x "$B/tests/control/test_apply" ] || { echo "1..0 # SKIP $B/tests/control/test_apply not built (make osc)"; exit 0; }
exec "$B/tests/control/test_apply"
