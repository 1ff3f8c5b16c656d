#!/bin/bash
# tests/osc/17-session-unit.t: preset names and the undo history in C
# (tests/control/test_session.c); no JACK needed.
B=${STEMD_BUILD:-build}
[ -x "$B/tests/control/test_session" ] || { echo "1..0 # SKIP $B/tests/control/test_session not built (make osc)"; exit 0; }
exec "$B/tests/control/test_session"
