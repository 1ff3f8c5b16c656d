#!/bin/bash
# tests/osc/25-presets.t: the preset library (--preset-dir) over OSC on a live stemd: save, load,
# list, delete, rename with good and bad input (path escapes, names too long or with a leading
# dot, a link planted in the folder, a preset with bad lines, a missing preset, a rename onto an
# existing name), a partial preset changing only its part, a preset surviving another stem
# order (a restart with the stems reordered), and the atomic save (no temporary left behind).
. "$(dirname "$0")/lib.sh"
start_jackd
PD=$TMP/lib/presets # two levels that do not exist yet: created at start
start_host --stems drums,bass,vocals --preset-dir "$PD" --meter-rate 0
s() { c -w 300 send "$@"; }
val() { s "$1" | awk '{print $3}'; } # the value of a parameter

[ -d "$PD" ]; ok $? "--preset-dir is created with its parents"
is "$(stat -c %a "$PD")" 750 "... mode 0750"

s /stem/vocals/fader f -6 >/dev/null
s /bus/limiter/ceiling f -2 >/dev/null
is "$(s /preset/save s mix1 | cut -d' ' -f1-3)" "/preset/saved ,si mix1" "save: /preset/saved NAME"
n=$(s /preset/save s mix1 | awk '{print $4}')
is "$n" "$(c -w 300 send /list | grep -c '^/list/reply')" "a whole save holds every parameter ($n)"
[ -f "$PD/mix1" ]; ok $? "the file is in the folder under its name"
is "$(ls -A "$PD" | tr '\n' ' ')" "mix1 " "no temporary file is left behind"
grep -q '^/stem/vocals/fader -6$' "$PD/mix1"; ok $? "the file is complete: the vocals fader, by stem name"
tail -c1 "$PD/mix1" | od -An -c | grep -q '\\n'; ok $? "... and ends with a whole line"
is "$(grep -vc '^#' "$PD/mix1")" "$n" "... one line per parameter"

# Load: the values come back, in one step.
s /stem/vocals/fader f 0 >/dev/null
s /bus/limiter/ceiling f -1 >/dev/null
is "$(s /preset/load s mix1 | cut -d' ' -f1-3)" "/preset/loaded ,si mix1" "load: /preset/loaded NAME"
is "$(val /stem/vocals/fader)" -6 "load restores the vocals fader"
is "$(val /bus/limiter/ceiling)" -2 "... and the bus ceiling"

# A partial preset: only its part changes.
s /stem/vocals/fader f -9 >/dev/null
s /stem/vocals/pan f 0.25 >/dev/null
is "$(s /preset/save ss vox /stem/vocals | cut -d' ' -f1-3)" "/preset/saved ,si vox" "save of a part (/stem/vocals)"
! grep -v '^#' "$PD/vox" | grep -qv '^/stem/vocals/'; ok $? "the part's file holds only /stem/vocals/ lines"
s /preset/save ss bus /bus >/dev/null
! grep -v '^#' "$PD/bus" | grep -qv '^/bus/'; ok $? "a /bus part holds only /bus/ lines"
s /stem/1/pan f 0.5 >/dev/null
is "$(s /preset/save ss drums1 /stem/1 | cut -d' ' -f1-3)" "/preset/saved ,si drums1" "a part by stem index"
grep -q '^/stem/drums/pan 0.5$' "$PD/drums1"; ok $? "... is written by the stem's name"
s /stem/vocals/fader f 0 >/dev/null
s /stem/vocals/pan f 0 >/dev/null
s /stem/drums/fader f -4 >/dev/null
s /bus/limiter/ceiling f -3 >/dev/null
s /preset/load s vox >/dev/null
is "$(val /stem/vocals/fader) $(val /stem/vocals/pan)" "-9 0.25" "loading the part restores the vocals"
is "$(val /stem/drums/fader) $(val /bus/limiter/ceiling)" "-4 -3" "... and changes nothing else"
is "$(s /preset/save ss x /stem/nobody | cut -d' ' -f1-2)" "/error ,ss" "a part of an unknown stem: /error"
is "$(s /preset/save ss x /stem/vocalsX | cut -d' ' -f1-2)" "/error ,ss" "a prefix that is not a whole segment names nothing: /error"
is "$(s /preset/save ss x /nowhere | cut -d' ' -f1-2)" "/error ,ss" "a prefix outside /bus and /stem: /error"
[ ! -e "$PD/x" ]; ok $? "... and no file was written"

# Bad names, every verb.
long=$(printf 'a%.0s' $(seq 65))
for verb in save load delete; do
    for bad in "../x" "a/b" ".hidden" "$long" "a..b" 'semi;colon' ""; do
        out=$(s /preset/$verb s "$bad")
        case "$out" in /error*) r=0 ;; *) r=1 ;; esac
        ok $r "/preset/$verb '${bad:0:12}' is refused ($out)"
    done
done
ok "$( [ "$(printf 'a%.0s' $(seq 64))" ] && s /preset/save s "$(printf 'a%.0s' $(seq 64))" | grep -q '^/preset/saved'; echo $?)" "a name of 64 bytes is fine"
is "$(s /preset/save s 'My mix v2.1_final-b' | cut -d' ' -f1-2)" "/preset/saved ,si" "spaces, dots, '_' and '-' are fine"
is "$(s /preset/rename ss mix1 ../escaped | cut -d' ' -f1-2)" "/error ,ss" "rename to ../escaped is refused"
[ ! -e "$TMP/lib/escaped" ]; ok $? "... and nothing appears outside the folder"
is "$(s /preset/load s nothere)" "/error ,ss /preset/load no preset 'nothere' (send /preset/list)" "load of a missing preset: /error"
is "$(s /preset/delete s nothere | cut -d' ' -f1-2)" "/error ,ss" "delete of a missing preset: /error"
is "$(s /preset/save | cut -d' ' -f1-2)" "/error ,ss" "save without a name: /error"
is "$(s /preset/load i 3 | cut -d' ' -f1-2)" "/error ,ss" "load with a number: /error"

# Links planted in the folder are refused, never followed.
echo "/stem/vocals/fader -20" >"$TMP/outside.preset"
ln -s "$TMP/outside.preset" "$PD/evil"
before=$(val /stem/vocals/fader)
out=$(s /preset/load s evil)
grep -q "symbolic link" <<<"$out"; ok $? "load through a planted link is refused ($out)"
is "$(val /stem/vocals/fader)" "$before" "... nothing changed"
s /preset/save s evil | grep -q '^/error'; ok $? "save over a planted link is refused"
is "$(cat "$TMP/outside.preset")" "/stem/vocals/fader -20" "... and the link's target is untouched"
s /preset/delete s evil | grep -q '^/error'; ok $? "delete of a link is refused"
! s /preset/list | grep -q '^/preset/list/reply ,ss evil'; ok $? "list does not show the link"
ln -s "$TMP/outside.preset" "$PD/.mix2.tmp"
s /preset/save s mix2 | grep -q '^/preset/saved'; ok $? "a link planted as a save's temporary name is not written through"
is "$(cat "$TMP/outside.preset")" "/stem/vocals/fader -20" "... its target is untouched"
[ -f "$PD/mix2" ] && [ ! -L "$PD/mix2" ]; ok $? "... and the preset is a plain file"
rm -f "$PD/evil"

# List: one reply per preset with its time, then the end marker.
out=$(s /preset/list)
is "$(grep -c '^/preset/list/reply' <<<"$out")" "$(ls "$PD" | wc -l)" "list: one reply per preset"
grep -Eq '^/preset/list/reply ,ss mix1 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' <<<"$out"; ok $? "... with its modification time"
is "$(tail -1 <<<"$out")" "/preset/list/end ,i $(ls "$PD" | wc -l)" "... then /preset/list/end COUNT"
echo "not a preset" >"$PD/.hidden"
is "$(s /preset/list | grep -c '^/preset/list/reply')" "$(ls "$PD" | wc -l)" "hidden files are not listed"

# A preset with bad lines: every one reported as NAME:LINE: reason, nothing applied.
printf '/stem/vocals/fader -1\n/stem/vocals/nothing 3\n/bus/limiter/ceiling abc\n/stem/zzz/fader 0\n' >"$PD/broken"
before=$(val /stem/vocals/fader)
out=$(s /preset/load s broken)
is "$(grep -c '^/error ,ss /preset/load broken:[0-9]*: ' <<<"$out")" 3 "every bad line is reported as NAME:LINE: reason"
grep -q 'broken:3: ' <<<"$out"; ok $? "... with its line number"
is "$(val /stem/vocals/fader)" "$before" "... and nothing of it is applied"

# Rename and delete.
is "$(s /preset/rename ss mix1 mix1b)" "/preset/renamed ,ss mix1 mix1b" "rename"
[ -f "$PD/mix1b" ] && [ ! -e "$PD/mix1" ]; ok $? "... the file moved"
out=$(s /preset/rename ss mix1b vox)
grep -q "exists already" <<<"$out"; ok $? "rename onto an existing name is refused ($out)"
[ -f "$PD/mix1b" ] && grep -q '^/stem/vocals/fader -9$' "$PD/vox"; ok $? "... both files as they were"
is "$(s /preset/rename ss nothere y | cut -d' ' -f1-2)" "/error ,ss" "rename of a missing preset: /error"
is "$(s /preset/delete s mix1b)" "/preset/deleted ,s mix1b" "delete"
[ ! -e "$PD/mix1b" ]; ok $? "... the file is gone"

# Another stem order: a preset names stems by name, so a restart with the stems reordered loads
# the same values onto the same stems.
s /stem/vocals/fader f -7.5 >/dev/null
s /stem/drums/fader f -2.5 >/dev/null
s /preset/save s order >/dev/null
stop_host; ok $? "the host stops cleanly"
start_host --stems vocals,drums,bass --preset-dir "$PD" --meter-rate 0
is "$(s /preset/load s order | cut -d' ' -f1-3)" "/preset/loaded ,si order" "the preset loads with the stems reordered"
is "$(val /stem/1/fader) $(val /stem/2/fader)" "-7.5 -2.5" "vocals (now stem 1) and drums (now 2) got their own values"
stop_host; ok $? "the host stops cleanly"
start_host --stems drums,bass --preset-dir "$PD" --meter-rate 0
out=$(s /preset/load s order)
grep -q "^/error ,ss /preset/load order:[0-9]*: unknown stem 'vocals'" <<<"$out"; ok $? "a stem the mix lacks is a bad line, named ($(head -1 <<<"$out"))"
stop_host; ok $? "the host stops cleanly"

# No library: a clear error; a folder that cannot be made: stemd refuses to start.
start_host --meter-rate 0
grep -q -- "--preset-dir" <<<"$(s /preset/list)"; ok $? "without --preset-dir the verbs say how to get one"
stop_host
touch "$TMP/afile"
"$HOST" --jack-server "$JACK" --osc-port "$PORT" --preset-dir "$TMP/afile/sub" >"$TMP/bad.log" 2>&1 </dev/null
is "$?" 1 "a --preset-dir that cannot be made: the host refuses to start"
grep -q "cannot start: .*afile" "$TMP/bad.log"; ok $? "... and says why"

# The daemon itself, the folder from its config file (key preset-dir); SIGHUP keeps the running
# folder (it changes only on a restart).
P2=$((PORT + 1))
printf 'stems = drums,bass\njack-name = stemdpresets\nosc-port = %s\nhttp-port = 0\nmeter-rate = 0\npreset-dir = %s\n' \
    "$P2" "$TMP/daemon-presets" >"$TMP/stemd.conf"
"${RT_ENV[@]}" "$B/stemd" --jack-server "$JACK" --config "$TMP/stemd.conf" >"$TMP/stemd.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 100); do "$CLIENT" -p "$P2" -w 200 ping >/dev/null 2>&1 && break; sleep 0.05; done
is "$("$CLIENT" -p "$P2" -w 300 send /preset/save s daemon1 | cut -d' ' -f1-3)" "/preset/saved ,si daemon1" "stemd: preset-dir from the config file"
[ -f "$TMP/daemon-presets/daemon1" ]; ok $? "... the preset is in that folder"
sed -i "s|^preset-dir = .*|preset-dir = $TMP/elsewhere|" "$TMP/stemd.conf"
kill -HUP "$SPID"
for _ in $(seq 100); do grep -q "configuration reloaded" "$TMP/stemd.log" && break; sleep 0.05; done
grep -q "preset-dir change only on a restart" "$TMP/stemd.log"; ok $? "SIGHUP: a new preset-dir is refused with a warning"
"$CLIENT" -p "$P2" -w 300 send /preset/save s daemon2 >/dev/null
[ -f "$TMP/daemon-presets/daemon2" ] && [ ! -e "$TMP/elsewhere" ]; ok $? "... the running folder stays"
kill -TERM "$SPID"
wait "$SPID"; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
