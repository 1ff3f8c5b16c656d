#!/bin/bash
# tests/osc/17-mcu.t: the Mackie Control profile (tests/control/test_mcu.c: faders through the
# taper, banking, V-Pots and rings, buttons and LEDs, touch, scribble strip, meters, junk input)
# on a server that needs no JACK, with the surface's bytes fed in and its output captured.
B=${STEMD_BUILD:-build}
[ -x "$B/tests/control/test_mcu" ] || { echo "1..0 # SKIP $B/tests/control/test_mcu not built (make osc)"; exit 0; }
exec "$B/tests/control/test_mcu"
