#!/bin/bash
# tests/osc/16-metertap.t: the meters with several readers (tests/control/test_metertap.c: every
# reader sees every peak since its own last take; a lone reader reads as before); no JACK needed.
B=${STEMD_BUILD:-build}
[ -x "$B/tests/control/test_metertap" ] || { echo "1..0 # SKIP $B/tests/control/test_metertap not built (make osc)"; exit 0; }
exec "$B/tests/control/test_metertap"
