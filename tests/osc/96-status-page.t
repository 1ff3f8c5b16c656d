#!/bin/bash
# tests/osc/96-status-page.t: the status page in a real browser: headless Chromium loads
# /status.html from a live stemd at a phone's width (390 px) while two stems play; its DOM holds
# the stem names, a master loudness that is a number, updates that came over the WebSocket, a
# subscribed OSC surface and a JACK MIDI controller's two ports in the client table (not
# subscribed after /unsubscribe; the MIDI rows gone with the controller), MIDI's event counts,
# and nothing is wider than the screen. A 390 px screenshot goes to $STEMD_BUILD/status-page.png. The
# page changes nothing (the parameters are the same before and after), and the process callback
# stays free of forbidden calls while it loads and streams.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
Q="$(dirname "$0")/oscquery.py"
HP=$((PORT + 1))
command -v chromium >/dev/null || { skip "chromium is not installed (tools/install-deps test)" "status page"; done_testing; exit; }
start_jackd
"$PY" - "$TMP/drums.wav" <<'PYEOF'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(2); w.setsampwidth(2); w.setframerate(48000)
a = 0.1 * 32767  # -20 dBFS
w.writeframes(b"".join(struct.pack("<hh", v, v) for v in (int(round(a * math.sin(2 * math.pi * 440 * i / 48000))) for i in range(48000 * 20))))
PYEOF
cp "$TMP/drums.wav" "$TMP/bass.wav"
"${RT_ENV[@]}" "$B/stemd" --jack-server "$JACK" --jack-name stemdpage --stems drums,bass,keys \
    --osc-port "$PORT" --http-port "$HP" --no-mdns >"$TMP/stemd.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
out=$("$PY" "$Q" wait "$HP"); ok $? "stemd answers HTTP"
for _ in $(seq 100); do grep -q "running on JACK" "$TMP/stemd.log" && break; sleep 0.05; done
before=$(c send /dump | sort)

# The player is test equipment: the plain build's when there is one (as in 80-record.t).
PLAYER=$B/stemd-jackio
[ -x "${B%/*san}/stemd-jackio" ] && PLAYER=${B%/*san}/stemd-jackio
"$PLAYER" -s "$JACK" -n play -p "$TMP/drums.wav=stemdpage:in_01_drums_L,stemdpage:in_01_drums_R" \
    -p "$TMP/bass.wav=stemdpage:in_02_bass_L,stemdpage:in_02_bass_R" -d 30 >"$TMP/play.log" 2>&1 &
PLAY=$!
PIDS="$PIDS $PLAY"
# Until both stems play and the master's momentary loudness is measured (the player feeds stemd;
# its two pairs connect one after the other).
status() { "$PY" -c "import json,sys,urllib.request; d=json.load(urllib.request.urlopen('http://127.0.0.1:$HP/status.json')); print($1)"; }
lufs() { status "d['master']['lufs_m']"; }
for _ in $(seq 200); do
    [ "$(status "int(min(s['peak_l_db'] for s in d['stems'][:2]) > -21 and d['master']['lufs_m'] > -120)")" = 1 ] && break
    sleep 0.1
done
diag "momentary loudness before the browser: $(lufs) LUFS"

# Two meter readers at once, the OSC meter sender and the page's (a meter tap): both read the
# playing sine (-20 dBFS). Their median reading is judged, not each one: a reading whose 50 ms saw
# no process cycle at all (a stalled sanitizer build) is empty by right. That each reader sees
# every peak whoever took in between is tests/osc/16-metertap.t's, deterministically.
c -n 1500 -w 3000 send /subscribe >"$TMP/meters.txt" &
SUB=$!
for _ in $(seq 10); do status "d['stems'][0]['peak_l_db']" >>"$TMP/http-peaks.txt"; sleep 0.1; done
wait "$SUB"
median() { sort -g | awk '{v[NR] = $1} END {print NR, (NR ? v[int((NR + 1) / 2)] : "")}'; }
osc_med=$(awk '$1 == "/stem/1/meter/peak_l" {print $3}' "$TMP/meters.txt" | median)
http_med=$(median <"$TMP/http-peaks.txt")
diag "drums' peak readings (count, median): OSC $osc_med, the page $http_med dBFS"
set -- $osc_med $http_med
[ "${1:-0}" -gt 5 ] && [ "${3:-0}" -gt 5 ] && awk -v m="$2" -v h="$4" 'BEGIN {exit !(m > -21 && m < -19 && h > -21 && h < -19)}'
ok $? "the OSC meters and the page read the sine at once (-20 dBFS)"

# A control surface at a known port, subscribed: the page's client table lists it (after the
# OSC thread's next copy of its table, within 250 ms: wait for /status.json to say so).
LP=$((PORT + 7))
c -l "$LP" -n 1 send /subscribe >/dev/null # (-n 1: meters would keep it from ever being idle)
listed() { status "int(any(x['address'] == '127.0.0.1:$LP' and x['subscribed'] == $1 for x in d['clients']))"; }
for _ in $(seq 100); do [ "$(listed True)" = 1 ] && break; sleep 0.05; done

# A MIDI controller (the test's JACK MIDI client) connected both ways, one event sent: the
# page lists its two ports and counts the event (the connections are read once a second).
MIDI_STOP=$TMP/midi.stop
"$PY" "$(dirname "$0")/../midi/midiclient.py" -s "$JACK" -c stemdpage -r 120000 \
    -g 50 --ready "$TMP/midi.ready" --until "$MIDI_STOP" fe fe fe >"$TMP/midi.out" 2>"$TMP/midi.err" &
MIDI=$!
PIDS="$PIDS $MIDI"
for _ in $(seq 600); do [ -e "$TMP/midi.ready" ] && break; sleep 0.05; done
# (jackd runs asynchronously here: a late client's cycle may be lost, or its last buffer read
# again, so each of the three events is counted once, twice or not at all: at least one, at
# most six. A loaded CI run counted 4.)
midi_listed() { status "','.join(x['direction'] + '=' + x['address'] for x in d['clients'] if x['kind'] == 'midi') + ' ' + str(int(d['midi']['rx_events'] > 0))"; }
for _ in $(seq 100); do [ "$(midi_listed)" = "in=miditest:out,out=miditest:in 1" ] && break; sleep 0.05; done
is "$(midi_listed)" "in=miditest:out,out=miditest:in 1" \
    "/status.json lists the MIDI controller's ports (midi_in's, midi_out's) and its events"

CHROME=(timeout -k 10 180 chromium --headless --no-sandbox --disable-gpu --no-first-run
    --user-data-dir="$TMP/chrome" --window-size=390,844 --virtual-time-budget=4000)
dump_page() { "${CHROME[@]}" --dump-dom "http://127.0.0.1:$HP/status.html" >"$1" 2>>"$TMP/chrome.log"; }
# dom [FILE] WHAT: an element's text by id; "stems": the stem names; "width"/"viewport": the
# body's data; "clients": the client table's rows, one a line, "ADDRESS|FEEDBACK|METERS".
dom() {
    local f="$TMP/dom.html"
    [ $# -gt 1 ] && f=$1 && shift
    "$PY" - "$f" "$1" <<'PYEOF'
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.ids = {}; self.names = []; self.cur = None; self.attrs = {}
        self.rows = []; self.td = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs); self.cur = a.get("id") or ("sname" if a.get("class") == "sname" else None)
        if tag == "body": self.attrs = a
        if tag == "tr" and a.get("class") == "client": self.rows.append({})
        if tag == "td" and self.rows: self.td = (a.get("class") or "").split()[-1]
    def handle_data(self, d):
        if self.td: self.rows[-1][self.td] = self.rows[-1].get(self.td, "") + d
        if self.cur == "sname": self.names.append(d)
        elif self.cur: self.ids[self.cur] = self.ids.get(self.cur, "") + d
    def handle_endtag(self, tag):
        self.cur = None
        if tag == "td": self.td = None
p = P(); p.feed(open(sys.argv[1]).read())
what = sys.argv[2]
if what == "clients":
    for r in p.rows: print("%s|%s|%s" % (r.get("caddr", "").strip(), r.get("csub", ""), r.get("cmeter", "")))
else:
    print(",".join(p.names) if what == "stems" else p.attrs.get("data-" + what, "") if what in ("width", "viewport") else p.ids.get(what, ""))
PYEOF
}
# A busy machine may dump the page before its WebSocket brought a frame (Chromium's virtual time
# runs ahead of a starved network thread): take it again, at most 3 times, each said.
for take in 1 2 3; do
    dump_page "$TMP/dom.html"; rc=$?
    [ "$rc" = 0 ] && [ "$(dom live)" -gt 0 ] 2>/dev/null && break
    diag "take $take: no WebSocket update in the dump yet (chromium exit $rc)"
done
ok $rc "chromium loads /status.html and dumps its DOM"
is "$(dom stems)" "drums,bass,keys" "the page lists the stems"
m=$(dom lufs_m)
[[ "$m" =~ ^-?[0-9]+\.[0-9]$ ]]; ok $? "the master's momentary loudness is a number ($m LUFS)"
i=$(dom lufs_s)
[[ "$i" =~ ^-?[0-9]+\.[0-9]$ ]]; ok $? "and the short-term one ($i LUFS)"
[ "$(dom live)" -gt 0 ] 2>/dev/null; ok $? "updates arrived over the WebSocket ($(dom live))"
is "$(dom state)" "running" "it says stemd is running"
row=$(dom clients | grep "^OSC 127.0.0.1:$LP|")
diag "the client's row: $row"
[[ "$row" == "OSC 127.0.0.1:$LP|subscribed → 127.0.0.1:$LP (units, lease "*" s)|20 Hz" ]]
ok $? "the client table lists the subscribed surface: its port, feedback, lease, meters"
is "$(dom clients | grep '^MIDI ' | tr '\n' ';')" \
    "MIDI miditest:out|→ midi_in (controls stemd)|;MIDI miditest:in|← midi_out (feedback)|;" \
    "... and the MIDI controller's two ports, which way each goes"
[[ "$(dom midi)" =~ ^[1-6]\ /\ 0$ ]]; ok $? "the page counts MIDI events in and out ($(dom midi))"
# Headless Chromium lays the DOM dump out at its smallest window (500 px) whatever the
# window size asked; the page must fit that without scrolling sideways. The screenshot below is
# taken at 390 px.
w=$(dom width) v=$(dom viewport)
[ -n "$w" ] && [ -n "$v" ] && [ "$w" -le "$v" ] && [ "$v" -le 500 ]
ok $? "nothing is wider than the screen (page $w px in a $v px window)"
rm -f "$B/status-page.png"
"${CHROME[@]}" --screenshot="$(cd "$B" && pwd)/status-page.png" "http://127.0.0.1:$HP/status.html" \
    >/dev/null 2>>"$TMP/chrome.log"
[ -s "$B/status-page.png" ] && [ "$(head -c 4 "$B/status-page.png" | tail -c 3)" = PNG ]
ok $? "a screenshot at phone width: $B/status-page.png"
pw=$("$PY" -c "import struct,sys; print(struct.unpack('>I', open(sys.argv[1],'rb').read()[16:20])[0])" "$B/status-page.png")
is "$pw" 390 "the screenshot is 390 px wide"
c -l "$LP" -w 300 send /unsubscribe >/dev/null
for _ in $(seq 100); do [ "$(listed False)" = 1 ] && break; sleep 0.05; done
dump_page "$TMP/dom2.html"
row=$(dom "$TMP/dom2.html" clients | grep "^OSC 127.0.0.1:$LP|")
is "$row" "OSC 127.0.0.1:$LP|not subscribed|" "after /unsubscribe its row says not subscribed"
touch "$MIDI_STOP"
wait_exit "$MIDI" 30 >/dev/null
for _ in $(seq 100); do [ "$(midi_listed)" = " 1" ] && break; sleep 0.05; done
is "$(midi_listed)" " 1" "the MIDI client gone, /status.json lists no MIDI port"
is "$(c send /dump | sort)" "$before" "the page changed no parameter"
kill -0 "$SPID"; ok $? "stemd still runs"
kill -TERM "$PLAY" "$SPID"
wait "$SPID"; ok $? "stemd exits cleanly"
rtcheck_verify
done_testing
