#!/bin/bash
# tests/osc/90-layout.t: stemctl layout: the TouchOSC (.tosc) and Open Stage Control (.json)
# layouts, checked by tests/osc/layout-check.py for their format (zlib, XML structure, typed
# properties, unique ids; the session's JSON) and against a live stemd with those stems: every
# address sent is in its /list, every address shown is one it feeds back, scaling matches each
# row's range, and sample controls sent as the layout would and read back. 2, 4, 8 and 24 stems;
# the layouts `make install` ships ($B/layouts) for the default four; bad input.
. "$(dirname "$0")/lib.sh"
CHECK=(/usr/bin/python3 "$(dirname "$0")/layout-check.py")
start_jackd

# tap CMD...: the checker's "ok - ..." / "not ok - ..." lines as this script's test points, and
# one more for its exit status (a checker that crashed half-way fails here).
tap() {
    local line rc
    "$@" >"$TMP/check.out" 2>&1
    rc=$?
    while IFS= read -r line; do
        case "$line" in
        "ok - "*) ok 0 "${line#ok - }" ;;
        "not ok - "*) ok 1 "${line#not ok - }" ;;
        *) diag "$line" ;;
        esac
    done <"$TMP/check.out"
    ok $rc "the checker ran to its end with every check passed"
}

# live NSTEMS: what the running host says: $TMP/list.txt (/list), $TMP/dump.txt (the answer to
# "/subscribe norm names": every PATH/norm and PATH/text, and meters), $TMP/meters.txt.
live() {
    local n=$1
    c -w 1000 send /list >"$TMP/list.txt"
    local p; p=$(grep -c '^/list/reply' "$TMP/list.txt")
    # the dump (2 messages a parameter) and the meters that come meanwhile: bundles at 20 Hz of at
    # most 16 a stem and 16 the bus, counted generously (40 bundles, 2 s) so that a slow dump (a
    # sanitizer build) ends before the count does, whatever number of bundles interleave with it
    c -l $((PORT + 1)) -w 3000 -n $((2 * p + 40 * (16 * n + 16))) send /subscribe ss norm names \
        >"$TMP/dump.txt"
    c -l $((PORT + 1)) -w 0 send /unsubscribe >/dev/null
    grep '/meter/' "$TMP/dump.txt" | cut -d' ' -f1 | sort -u >"$TMP/meters.txt"
}

# layouts NSTEMS NAMES SAMPLE: a host with those stems; both layouts from its /info, checked.
layouts() {
    local n=$1 names=$2 sample=$3 app ext
    start_host --meter-rate 10 --stems "$names"
    live "$n"
    for app in touchosc openstage; do
        ext=$([ $app = touchosc ] && echo tosc || echo json)
        # TouchOSC's feedback port: one of ours, not its default 9000 on a shared machine (Open
        # Stage Control's stays the port it sends from)
        rp=$([ $app = touchosc ] && echo $((PORT + 2)) || echo 0)
        "$STEMCTL" --port "$PORT" --timeout 3000 layout $app --reply-port $rp -o "$TMP/$n.$ext"
        ok $? "$n stems: stemctl layout $app (stems from /info): exit 0"
        "$STEMCTL" layout $app --stems "$names" --port "$PORT" --reply-port $rp \
            -o "$TMP/$n-given.$ext"
        cmp -s "$TMP/$n.$ext" "$TMP/$n-given.$ext"
        ok $? "$n stems: the same $app layout from --stems as from the server"
        tap "${CHECK[@]}" "${ext/json/ostc}" "$TMP/$n.$ext" "$TMP/list.txt" "$TMP/dump.txt" \
            "$TMP/meters.txt" "$n" roundtrip "$CLIENT" "$PORT" "$sample"
    done
    stop_host
}

names() { local k; for k in $(seq "$1"); do printf 's%d%s' "$k" "$([ "$k" -lt "$1" ] && echo ,)"; done; }

# The shipped layouts: made at build time for the daemon's default stems, with no server.
start_host --meter-rate 10
live 4
for f in "$B/layouts/stemd.tosc" "$B/layouts/stemd.json"; do
    [ -s "$f" ]; ok $? "make builds $f (what make install ships)"
    ext=${f##*.}
    tap "${CHECK[@]}" "${ext/json/ostc}" "$f" "$TMP/list.txt" "$TMP/dump.txt" "$TMP/meters.txt" 4 \
        roundtrip "$CLIENT" "$PORT" 30
done
stop_host

layouts 2 drums,bass 8
layouts 8 "$(names 8)" 8
layouts 24 "$(names 24)" 6

# --host and --port are written into the layout (Open Stage Control's target).
"$STEMCTL" layout openstage --stems a,b --host 192.168.1.20 --port 7771 -o "$TMP/t.json"
grep -q '"target": "192.168.1.20:7771"' "$TMP/t.json"; ok $? "--host/--port: the widgets' target"
"$STEMCTL" layout touchosc --stems a,b --host 192.168.1.20 --port 7771 -o - |
    /usr/bin/python3 -c 'import sys, zlib; sys.exit(b"192.168.1.20:7771" not in zlib.decompress(sys.stdin.buffer.read()))'
ok $? "... and TouchOSC's page says where to connect (-o - writes to stdout)"

# Bad input: a clear error, exit 2, and nothing written.
echo keep >"$TMP/keep.tosc"
err=$("$STEMCTL" layout touchosc --stems drums,"bad name" -o "$TMP/keep.tosc" 2>&1); rc=$?
is "$rc" 2 "a bad stem name: exit 2"
grep -q "stem 2" <<<"$err"; ok $? "... naming the stem ($err)"
is "$(cat "$TMP/keep.tosc")" keep "... and the file already there is untouched"
is "$(ls "$TMP" | grep -c 'keep.tosc.tmp')" 0 "... no temporary file left"
"$STEMCTL" layout touchosc --stems a,a -o "$TMP/x.tosc" 2>/dev/null; is "$?" 2 "a stem twice: exit 2"
"$STEMCTL" layout midi --stems a -o "$TMP/x" 2>/dev/null; is "$?" 2 "an unknown app: exit 2"
"$STEMCTL" layout touchosc --stems a 2>/dev/null; is "$?" 2 "no -o: exit 2"
"$STEMCTL" layout touchosc --stems a --port 0 -o "$TMP/x" 2>/dev/null; is "$?" 2 "--port 0: exit 2"
[ ! -e "$TMP/x.tosc" ] && [ ! -e "$TMP/x" ]; ok $? "... none of them wrote a file"
err=$("$STEMCTL" --port $((PORT + 3)) --timeout 300 layout openstage -o "$TMP/y.json" 2>&1); rc=$?
is "$rc" 1 "no server to ask and no --stems: exit 1"
grep -q 'give --stems' <<<"$err"; ok $? "... saying what to do ($err)"
rtcheck_verify
done_testing
