#!/bin/bash
# tests/osc/26-undo.t: /undo, /redo and /undo/list over OSC on a live stemd: a set is one step,
# a bundle one step, a preset load one step (named "preset NAME (N changes)"), changes from
# another source (the C API) are steps too, 100+ steps undo in order, a new change clears the
# redo list, nothing to undo or redo is an /error; stemctl preset/undo/redo the same way.
. "$(dirname "$0")/lib.sh"
start_jackd
PD=$TMP/presets
start_host --stems drums,bass,vocals --preset-dir "$PD" --meter-rate 0
s() { c -w 300 send "$@"; }
val() { s "$1" | awk '{print $3}'; }
S() { "$STEMCTL" --port "$PORT" --timeout 1000 "$@"; }

is "$(s /undo)" "/error ,ss /undo nothing to undo" "nothing to undo: /error"
is "$(s /redo)" "/error ,ss /redo nothing to redo" "nothing to redo: /error"
is "$(s /undo/list)" "/undo/list/end ,ii 0 0" "an empty list: just the end marker"
is "$(s /undo i 1 | cut -d' ' -f1-2)" "/error ,ss" "/undo with an argument: /error"

s /stem/vocals/fader f -3 >/dev/null
is "$(s /undo/list)" "$(printf '/undo/list/reply ,iss 1 /stem/vocals/fader 0 -> -3 undo\n/undo/list/end ,ii 1 0')" \
    "a set is one step: path, old -> new"
is "$(s /undo)" "/undo/done ,s /stem/vocals/fader 0 -> -3" "/undo says what it undid"
is "$(val /stem/vocals/fader)" 0 "... and the fader is back"
is "$(s /redo)" "/redo/done ,s /stem/vocals/fader 0 -> -3" "/redo"
is "$(val /stem/vocals/fader)" -3 "... the fader is at -3 again"
is "$(s /undo/list | tail -1)" "/undo/list/end ,ii 1 0" "an undo's own apply is no new step"

# A bundle is one step.
c -w 300 bundle /stem/drums/fader f -1 -- /stem/bass/fader f -2 -- /bus/limiter/ceiling f -4 >/dev/null
is "$(s /undo/list | grep -c '^/undo/list/reply')" 2 "a bundle of three changes adds one step"
s /undo/list | grep -q '^/undo/list/reply ,iss 2 bundle of 3 changes: '; ok $? "... described as a bundle of 3"
s /undo >/dev/null
is "$(val /stem/drums/fader) $(val /stem/bass/fader) $(val /bus/limiter/ceiling)" "0 0 -1" "one /undo takes the whole bundle back"
is "$(val /stem/vocals/fader)" -3 "... and nothing before it"
s /redo >/dev/null
is "$(val /stem/drums/fader) $(val /stem/bass/fader) $(val /bus/limiter/ceiling)" "-1 -2 -4" "one /redo puts it all back"

# A preset load is one step.
s /preset/save s all >/dev/null
s /stem/vocals/fader f -10 >/dev/null
s /stem/drums/fader f -11 >/dev/null
s /bus/limiter/ceiling f -6 >/dev/null
s /preset/load s all >/dev/null
s /undo/list | grep -q '^/undo/list/reply ,iss 6 preset all (3 changes) undo$'; ok $? "a preset load is one step: 'preset all (3 changes)'"
s /undo >/dev/null
is "$(val /stem/vocals/fader) $(val /stem/drums/fader) $(val /bus/limiter/ceiling)" "-10 -11 -6" "one /undo takes the whole load back"

# Another source: the C API (the host's stdin) is recorded too.
host_cmd set /stem/bass/pan 0.5
for _ in $(seq 50); do [ "$(val /stem/bass/pan)" = 0.5 ] && break; sleep 0.05; done
s /undo/list | grep -q 'reply ,iss 6 /stem/bass/pan 0 -> 0.5 undo$'; ok $? "a change from the C API is a step (and the undone load's redo is gone)"
is "$(s /redo)" "/error ,ss /redo nothing to redo" "a new change cleared the redo list"
s /undo >/dev/null
is "$(val /stem/bass/pan)" 0 "undo across sources: the API's change is undone from OSC"

# 120 steps undo in order.
for i in $(seq 1 120); do echo "/stem/drums/trim f $(awk "BEGIN{print $i/10}")"; done >"$TMP/sets"
while read -r a t v; do c -w 0 -n 1 send "$a" "$t" "$v" >/dev/null; done <"$TMP/sets"
is "$(val /stem/drums/trim)" 12 "120 sets made"
n=$(s /undo/list | grep -c 'undo$')
[ "$n" -ge 120 ]; ok $? "... and 120+ steps can be undone ($n)"
for i in $(seq 1 110); do c -w 0 -n 1 send /undo >/dev/null; done
is "$(val /stem/drums/trim)" 1 "110 undos later the trim is at its 10th value"
for i in $(seq 1 10); do c -w 0 -n 1 send /undo >/dev/null; done
is "$(val /stem/drums/trim)" 0 "10 more: back to before the first"
is "$(s /undo/list | tail -1 | awk '{print $4}')" 120 "... with 120 steps to redo"
s /stem/drums/trim f 3 >/dev/null
is "$(s /undo/list | tail -1)" "/undo/list/end ,ii $((n - 119)) 0" "a new change after undos clears the redo list"

# stemctl.
S preset save viactl >/dev/null; ok $? "stemctl preset save: exit 0"
S preset list | grep -q '^viactl '; ok $? "stemctl preset list shows it"
S preset rename viactl viactl2 >/dev/null && [ -f "$PD/viactl2" ]; ok $? "stemctl preset rename"
S set /stem/vocals/fader -20 >/dev/null
S preset load viactl2 >/dev/null; ok $? "stemctl preset load: exit 0"
is "$(val /stem/vocals/fader)" -10 "... the value saved is back"
S preset load ../x 2>/dev/null; is "$?" 1 "stemctl preset load ../x: exit 1"
printf '/stem/vocals/fader -1\n/nope 1\n/bus/nothing 2\n' >"$PD/bad"
err=$(S preset load bad 2>&1 >/dev/null); rc=$?
is "$rc" 1 "stemctl preset load of a bad preset: exit 1"
is "$(grep -c 'bad:[23]: ' <<<"$err")" 2 "... every bad line on stderr"
S undo | grep -q '^undone: preset viactl2 (1 change)$'; ok $? "stemctl undo says what it undid"
is "$(val /stem/vocals/fader)" -20 "... and it is undone"
S redo >/dev/null && [ "$(val /stem/vocals/fader)" = -10 ]; ok $? "stemctl redo"
S undo list | tail -1 | grep -q ' undo preset viactl2 (1 change)$'; ok $? "stemctl undo list"
S preset delete viactl2 >/dev/null && [ ! -e "$PD/viactl2" ]; ok $? "stemctl preset delete"
S preset delete viactl2 2>/dev/null; is "$?" 1 "stemctl preset delete of a missing one: exit 1"
S preset frob 2>/dev/null; is "$?" 2 "stemctl preset with an unknown verb: usage, exit 2"
host_alive; ok $? "the host is still running"
stop_host; ok $? "the host stops cleanly"
rtcheck_verify
done_testing
