#!/bin/bash
# tests/osc/40-allow.t: the allow list: a client outside it (127.0.0.2) gets nothing and changes
# nothing, and the drop is logged; IPv6 (::1) and a dual-stack bind; an explicit --allow
# replaces the loopback default.
. "$(dirname "$0")/lib.sh"
start_jackd
start_host --meter-rate 0

is "$(c -b 127.0.0.2 -w 500 send /ping)" "" "an outsider (127.0.0.2) gets no /pong"
is "$(c -b 127.0.0.2 -w 300 send /stem/1/fader f 99)" "" "... no clamp echo"
is "$(c -b 127.0.0.2 -w 300 send /stem/1/fader f nan)" "" "... no /error"
c -b 127.0.0.2 -w 300 send /stem/1/trim f -7 >/dev/null
c -b 127.0.0.2 -w 300 bundle /stem/1/pan f 1 -- /bus/input f 5 >/dev/null
is "$(c -w 300 send /stem/1/trim; c send /stem/1/pan; c send /bus/input)" \
   $'/stem/1/trim ,f 0\n/stem/1/pan ,f 0\n/bus/input ,f 0' "... and changes nothing"
is "$(c -b 127.0.0.2 -w 500 send /subscribe)" "" "... and cannot subscribe"
host_cmd "set /stem/1/fader -5"
sleep 0.2
is "$(c send /status | awk '{print $7}')" "0" "no subscriber was registered"
grep -q 'dropped .* from outside --allow (latest from 127.0.0.2' "$TMP/host.log"; ok $? "the drop is logged"
is "$(c -b 127.0.0.1 send /ping)" "/pong ," "127.0.0.1 is allowed"
stop_host; ok $? "the host stops cleanly"

# Dual stack: bound to ::, IPv6 ::1 and IPv4 (as mapped addresses) go through the same list.
start_host --meter-rate 0 --bind :: --allow 127.0.0.1/32,::1
is "$(c -H ::1 send /ping)" "/pong ," "IPv6 ::1 allowed on a :: bind"
is "$(c -H 127.0.0.1 send /ping)" "/pong ," "IPv4 127.0.0.1 allowed on a :: bind"
is "$(c -H 127.0.0.1 -b 127.0.0.2 -w 400 send /ping)" "" "127.0.0.2 still dropped"
stop_host; ok $? "the host stops cleanly"

PING_FROM=127.0.0.2 start_host --meter-rate 0 --bind 0.0.0.0 --allow 127.0.0.2/32
is "$(c -b 127.0.0.2 send /stem/2/fader f 50)" "/stem/2/fader ,f 12" "--allow 127.0.0.2/32 lets it in"
is "$(c -b 127.0.0.1 -w 400 send /ping)" "" "... and the default (127.0.0.1) is replaced"
stop_host; ok $? "the host stops cleanly"
rtcheck_verify
done_testing
