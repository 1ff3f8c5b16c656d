#!/bin/bash
# tests/osc/29-scenes.t: the scene slots on a live stemd: /scene/store keeps every live value
# under a name, /scene/recall brings them back in one undo step, at once or morphing (the
# process thread reports the morph running, then done, and its first JACK frame), /scene/list
# lists the slots; bad input (slots out of range, wrong types, bad names, empty slots, morph
# times out of 0..10 s) is refused with /error and changes nothing; the slots survive a restart
# through --state-dir as preset files stemd-render --scene reads; a slot file of other stems is
# set aside. stemctl scene does the same.
. "$(dirname "$0")/lib.sh"
start_jackd
SD=$TMP/state
start_host --stems drums,vocals --state-dir "$SD" --meter-rate 0
s() { c -w 300 send "$@"; }
val() { s "$1" | awk '{print $3}'; }
S() { "$STEMCTL" --port "$PORT" --timeout 1000 "$@"; }
end() { s /scene/list | grep '^/scene/list/end' | cut -d' ' -f3-; }

is "$(s /scene/list | grep -c '^/scene/list/reply ,iiss [1-8] 0 ')" 8 "/scene/list: 8 slots, all empty"
is "$(end)" "0 0 none 0" "... and no recall yet"

s /stem/vocals/fader f -6 >/dev/null
s /stem/drums/eq/2/freq f 2000 >/dev/null
is "$(s /scene/store is 1 verse)" "/scene/stored ,is 1 verse" "/scene/store 1 verse"
s /stem/vocals/fader f -20 >/dev/null
s /stem/drums/eq/2/freq f 150 >/dev/null
s /stem/drums/eq/2/on i 1 >/dev/null
is "$(s /scene/store i 2)" "/scene/stored ,is 2 scene 2" "/scene/store 2: named 'scene 2'"
s /scene/list | grep -q '^/scene/list/reply ,iiss 1 1 verse 20[0-9-]*T'; ok $? "/scene/list: slot 1 'verse' with the time of its store"

is "$(s /scene/recall i 1)" "/scene/recalled ,if 1 0" "/scene/recall 1 (at once)"
is "$(val /stem/vocals/fader) $(val /stem/drums/eq/2/freq) $(val /stem/drums/eq/2/on)" "-6 2000 0" "... every value is the scene's"
s /undo/list | tail -n 2 | grep -q 'scene recall 1 (verse) (3 changes) undo$'; ok $? "a recall is one undo step, named"
s /undo >/dev/null
is "$(val /stem/vocals/fader)" -20 "/undo takes the recall back"

# A morph: the live values are the scene's at once (what surfaces show); the process thread
# runs the morph from its next sub-block and reports it.
is "$(s /scene/recall if 1 1.5)" "/scene/recalled ,if 1 1.5" "/scene/recall 1 over 1.5 s"
is "$(val /stem/vocals/fader)" -6 "... the live value is the target"
st=$(end); diag "at once: $st"
case "$st" in "1 1.5 running "[1-9]*|"1 1.5 pending 0") r=0 ;; *) r=1 ;; esac
ok $r "/scene/list/end: scene 1, 1.5 s, running with its first JACK frame ($st)"
sleep 2.5
st=$(end)
case "$st" in "1 1.5 done "[1-9]*) r=0 ;; *) r=1 ;; esac
ok $r "... done after 1.5 s ($st)"
s /scene/recall if 2 10 >/dev/null
s /stem/vocals/fader f -3 >/dev/null
is "$(val /stem/vocals/fader)" -3 "a change during a morph takes its value"
is "$(s /scene/recall if 1 0 | cut -d' ' -f1)" "/scene/recalled" "an instant recall during a morph"
is "$(val /stem/vocals/fader) $(val /stem/drums/eq/2/freq)" "-6 2000" "... the scene's values"
s /scene/recall if 1 2 >/dev/null
is "$(end)" "1 0 none 0" "a morph to the values already live: nothing to run, none pending"

# Bad input changes nothing.
before=$(S dump | md5sum)
for bad in "i 0" "i 9" "i -1" "f 1.5" "s one" "" "ii 1 2" "is 1 ../x" "is 1 .hidden" \
    "is 1 a/b" "is 1 $(printf 'x%.0s' $(seq 65))"; do
    # shellcheck disable=SC2086
    out=$(s /scene/store $bad); case "$out" in /error*) r=0 ;; *) r=1 ;; esac
    ok $r "/scene/store $bad is refused ($out)"
done
for bad in "i 5" "i 0" "i 9" "if 1 -1" "if 1 10.5" "if 1 nan" "if 1 inf" "is 1 x" "s 1" ""; do
    # shellcheck disable=SC2086
    out=$(s /scene/recall $bad); case "$out" in /error*) r=0 ;; *) r=1 ;; esac
    ok $r "/scene/recall $bad is refused ($out)"
done
out=$(s /scene/list i 1); case "$out" in /error*) r=0 ;; *) r=1 ;; esac
ok $r "/scene/list with an argument is refused"
s /scene/recall i 5 | grep -q "scene 5 is empty"; ok $? "an empty slot says so"
is "$(S dump | md5sum)" "$before" "... and no value moved"

# Kept: one preset file a slot, read back at start; stemd-render takes it.
head -n 1 "$SD/stemd.scene1" | grep -qx '# stemd scene 1: verse'; ok $? "STATE_DIR/stemd.scene1 starts '# stemd scene 1: verse'"
grep -qx '/stem/vocals/fader -6' "$SD/stemd.scene1"; ok $? "... and holds the values as a preset"
stop_host; ok $? "the host stops cleanly"
start_host --stems drums,vocals --state-dir "$SD" --meter-rate 0
s /scene/list | grep -q '^/scene/list/reply ,iiss 2 1 scene 2 '; ok $? "after a restart the slots are back"
s /scene/recall i 2 >/dev/null
is "$(val /stem/vocals/fader) $(val /stem/drums/eq/2/freq)" "-20 150" "... with their values"

# stemctl.
is "$(S scene store 3 chorus)" "stored scene 3: chorus" "stemctl scene store 3 chorus"
is "$(S scene recall 1 0.5)" "recalled scene 1, morphing (0.5 s)" "stemctl scene recall 1 0.5"
S scene list | grep -q '^3  chorus '; ok $? "stemctl scene list"
S scene recall 7 2>/dev/null; is "$?" 1 "stemctl scene recall of an empty slot: exit 1"
stop_host

# A slot file that does not fit the mix is set aside, not half-applied.
start_host --stems bass,keys --state-dir "$SD" --meter-rate 0
is "$(s /scene/list | grep -c '^/scene/list/reply ,iiss [1-8] 0 ')" 8 "scene files of other stems are not restored"
[ -f "$SD/stemd.scene1.rejected" ]; ok $? "... they are kept aside as .rejected"
stop_host
rtcheck_verify
done_testing
