#!/bin/bash
# tests/osc/27-ab.t: the A/B slots on a live stemd: /ab/select swaps the live values with the
# other slot's in one step, /ab/copy copies one slot onto the other (live when the target is
# active), bad slot names are refused, and the slots (which is active, the other's values)
# survive a restart through --state-dir.
. "$(dirname "$0")/lib.sh"
start_jackd
SD=$TMP/state
start_host --stems drums,vocals --state-dir "$SD" --meter-rate 0
s() { c -w 300 send "$@"; }
val() { s "$1" | awk '{print $3}'; }
S() { "$STEMCTL" --port "$PORT" --timeout 1000 "$@"; }

is "$(s /ab)" "/ab ,s A" "A is live at first"
s /stem/vocals/fader f -3 >/dev/null
is "$(s /ab/select s B)" "/ab ,s B" "/ab/select B answers the live slot"
is "$(val /stem/vocals/fader)" 0 "B holds the values from before A's change"
s /stem/vocals/fader f -6 >/dev/null
s /stem/drums/pan f 0.5 >/dev/null
s /ab/select s A >/dev/null
is "$(val /stem/vocals/fader) $(val /stem/drums/pan)" "-3 0" "back on A: A's values"
s /ab/select s B >/dev/null
is "$(val /stem/vocals/fader) $(val /stem/drums/pan)" "-6 0.5" "on B again: B's values kept"
is "$(s /ab/select s B)" "/ab ,s B" "selecting the live slot again changes nothing"
is "$(val /stem/vocals/fader)" -6 "... the values stay"
s /undo/list | grep -q 'A/B select B (2 changes) undo$'; ok $? "a select is one undo step, named"

# Copy.
is "$(s /ab/copy s 'A>B')" "/ab/copied ,s A>B" "/ab/copy A>B"
is "$(val /stem/vocals/fader) $(val /stem/drums/pan)" "-3 0" "B (live) now holds A's values"
s /stem/vocals/fader f -9 >/dev/null
is "$(s /ab/copy s 'B>A')" "/ab/copied ,s B>A" "/ab/copy B>A from the live slot"
is "$(val /stem/vocals/fader)" -9 "... nothing audible changes"
s /ab/select s A >/dev/null
is "$(val /stem/vocals/fader)" -9 "A got B's values"

# Bad input.
for bad in C a "" AB "A>A" "A>C"; do
    out=$(s /ab/select s "$bad"); case "$out" in /error*) r=0 ;; *) r=1 ;; esac
    ok $r "/ab/select '$bad' is refused ($out)"
done
for bad in "A>A" "B>B" "A" "A>C" "A<B" ""; do
    out=$(s /ab/copy s "$bad"); case "$out" in /error*) r=0 ;; *) r=1 ;; esac
    ok $r "/ab/copy '$bad' is refused ($out)"
done
is "$(s /ab/select | cut -d' ' -f1-2)" "/error ,ss" "/ab/select without a slot: /error"
is "$(s /ab/select i 1 | cut -d' ' -f1-2)" "/error ,ss" "/ab/select with a number: /error"
is "$(s /ab)" "/ab ,s A" "... and the live slot is as it was"

# Persisted: B differs from A, B live; a restart brings back both.
s /ab/select s B >/dev/null
s /stem/vocals/fader f -12 >/dev/null
[ -f "$SD/stemd.ab" ]; ok $? "the slots are kept in STATE_DIR/JACKNAME.ab"
stop_host; ok $? "the host stops cleanly (the state saved)"
start_host --stems drums,vocals --state-dir "$SD" --meter-rate 0
is "$(s /ab)" "/ab ,s B" "after a restart B is live again"
is "$(val /stem/vocals/fader)" -12 "... with its values"
s /ab/select s A >/dev/null
is "$(val /stem/vocals/fader)" -9 "and A's values came back too"

# stemctl.
is "$(S ab)" A "stemctl ab"
is "$(S ab select B)" B "stemctl ab select B"
is "$(S ab copy 'B>A')" "copied B>A" "stemctl ab copy"
S ab select C 2>/dev/null; is "$?" 1 "stemctl ab select C: exit 1"
stop_host; ok $? "the host stops cleanly"

# A slot file that does not fit the mix is set aside, not half-applied.
start_host --stems bass,keys --state-dir "$SD" --meter-rate 0
is "$(s /ab)" "/ab ,s A" "a .ab file of other stems is not restored"
[ -f "$SD/stemd.ab.rejected" ]; ok $? "... it is kept aside as .ab.rejected"
stop_host
rtcheck_verify
done_testing
