#!/usr/bin/env bash
# tests/demo/35-morph.t: a scene recall's morph is sample-accurate and the same offline. stemd
# masters the demo's stems with tools/demo.preset; a scene that moves EQ, dynamics, faders and the
# limiter is stored and undone before they play; while stemd-jackio plays and records, the scene
# is recalled with a 1.5 s morph. stemd reports the JACK frame the morph began on; stemd-render
# --scene STATE_DIR/stemd.scene1@FRAMEf:1.5 renders the same morph from that frame of the stems,
# and after the capture latency the recording equals it sample for sample. The render without the
# recall equals it up to the morph's first frame and not after (the morph is what is compared);
# an instant recall mid-morph leaves the values it does not change morphing; bad --scene times
# are refused.
# shellcheck source=tests/demo/lib.sh
. "$(dirname "$0")/lib.sh"
need_bin stemd-synth stemd-jackio stemd-render stemctl tests/demo/wavcmp
if [ ! -x "$B/stemd" ]; then
    echo "1..0 # skip $B/stemd is not built (make $B/stemd)"
    exit 0
fi
io="io$$"
stems=(drums bass keys vocal)
lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
port=$((10000 + ($$ * 11) % (${lo:-32768} - 10016)))
S() { "$B/stemctl" --port "$port" --timeout 2000 "$@"; }

"$B/stemd-synth" -d 5 "$T/s" >/dev/null
files=()
for s in "${stems[@]}"; do files+=("$T/s/$s.wav"); done

start_jackd 256 || { ok 1 "jackd"; diag_file "$T/jackd.log"; done_testing; exit; }
mkdir -p "$T/state"
"$B/stemd" --osc-port "$port" --http-port 0 --stems drums,bass,keys,vocal \
    --jack-server "$JACK_DEFAULT_SERVER" --preset tools/demo.preset --state-dir "$T/state" \
    --no-wait >"$T/stemd.log" 2>&1 &
stemd_pid=$!
pids+=("$stemd_pid")
up=1
for _ in $(seq 100); do
    jack_lsp 2>/dev/null | grep -qx "stemd:master_R" && S status >/dev/null 2>&1 && { up=0; break; }
    kill -0 "$stemd_pid" 2>/dev/null || break
    sleep 0.1
done
ok $up "stemd is up with its ports and OSC" || diag_file "$T/stemd.log"

# The scene: a change of every kind (a log-taper frequency, dB gains, a fader, a switch, a
# compressor threshold, the limiter's drive), stored, then undone: the live values are the
# preset's again when the stems start.
changes=(/stem/vocal/eq/2/freq=5000 /stem/vocal/eq/2/gain=-6 /stem/bass/fader=-9
    /stem/drums/comp/threshold=-30 /stem/keys/width=40 /stem/keys/hpf/on=1 /bus/limiter/drive=6)
for kv in "${changes[@]}"; do S set "${kv%%=*}" "${kv#*=}" >/dev/null; done
S scene store 1 morph >/dev/null
ok $? "the scene is stored"
for _ in "${changes[@]}"; do S undo >/dev/null; done
is_drive=$(S get /bus/limiter/drive)
[ "$is_drive" = "$(grep "^/bus/limiter/drive " tools/demo.preset)" ]
ok $? "... and undone: the preset's values are live (drive $is_drive)"
sleep 1 # the undone values' glides settle on silence, as stemd-render's pre-roll does

play=()
for k in "${!stems[@]}"; do
    p=$(printf 'stemd:in_%02d_%s' $((k + 1)) "${stems[$k]}")
    play+=(-p "$T/s/${stems[$k]}.wav=${p}_L,${p}_R")
done
timeout -k 10 60 "$B/stemd-jackio" -n "$io" -S "${play[@]}" -r "$T/live.wav" \
    -f stemd:master_L,stemd:master_R >/dev/null 2>"$T/jackio.err" &
jio=$!
sleep 2
S scene recall 1 1.5 >/dev/null
wait $jio
ok $? "stemd-jackio plays the stems into stemd and records the master" || diag_file "$T/jackio.err"
started=$(sed -n 's/.*at JACK frame \([0-9]*\)$/\1/p' "$T/jackio.err")
frame=$("$B/tests/osc/osc-client" -p "$port" -w 500 send /scene/list 2>/dev/null |
    sed -n 's/^\/scene\/list\/end ,ifsh 1 1.5 done \([0-9]*\)$/\1/p')
[ -n "$started" ] && [ -n "$frame" ]
ok $? "the morph ran to its end; it began at JACK frame ${frame:-?}, the stems at ${started:-?}"
lat=$(sed -n 's/.*capture latency of the recorded ports: [0-9]*\.\.\([0-9]*\) frames.*/\1/p' "$T/jackio.err")
at=$(( ${frame:-0} - ${started:-0} ))
"$B/stemd-render" -q --float --no-dither -p tools/demo.preset \
    --scene "$T/state/stemd.scene1@${at}f:1.5" -o "$T/offline.wav" "${files[@]}" >/dev/null 2>"$T/render.err"
ok $? "stemd-render --scene stemd.scene1@${at}f:1.5 renders the morph offline" || diag_file "$T/render.err"
"$B/tests/demo/wavcmp" --offset "${lat:-0}" "$T/offline.wav" "$T/live.wav" >"$T/cmp" 2>&1
ok $? "live equals offline through the morph, sample for sample: $(cat "$T/cmp")" || dsp_skew_hint
"$B/stemd-render" -q --float --no-dither -p tools/demo.preset -o "$T/plain.wav" "${files[@]}" \
    >/dev/null 2>>"$T/render.err"
"$B/tests/demo/wavcmp" "$T/plain.wav" "$T/offline.wav" >"$T/cmp2" 2>&1
first=$(sed -n 's/.*first at frame \([0-9]*\).*/\1/p' "$T/cmp2")
[ -n "$first" ] && [ "$first" -ge "$at" ] && [ "$first" -lt $((at + 48000)) ]
ok $? "without the recall the render is the same up to the morph's first frame $at and not after ($(head -c 100 "$T/cmp2"))"
# An instant recall during a morph moves only what it changes (as the server's): the same scene
# again half a second in changes nothing, so the morph goes on to the same samples.
"$B/stemd-render" -q --float --no-dither -p tools/demo.preset \
    --scene "$T/state/stemd.scene1@${at}f:1.5" --scene "$T/state/stemd.scene1@$((at + 24000))f" \
    -o "$T/again.wav" "${files[@]}" >/dev/null 2>>"$T/render.err"
"$B/tests/demo/wavcmp" "$T/offline.wav" "$T/again.wav" >"$T/cmp3" 2>&1
ok $? "an instant recall of the same scene mid-morph changes no sample: $(head -c 100 "$T/cmp3")"
# A morph after one that has ended starts where the audio is, with an instant recall that moves
# nothing at the same frame (it carries the ended plan on) or not: from 2 s after the first
# recall the render equals one where the first scene came at once (up to what remains of the
# two histories' difference in the units' states: far below -100 dBFS two seconds on).
sed 's|^/bus/limiter/drive .*|/bus/limiter/drive 2|' "$T/state/stemd.scene1" >"$T/scene2"
at2=$((at + 96000))
"$B/stemd-render" -q --float --no-dither -p tools/demo.preset --scene "$T/state/stemd.scene1@${at}f:0.5" \
    --scene "$T/state/stemd.scene1@${at2}f" --scene "$T/scene2@${at2}f:1" -o "$T/three.wav" \
    "${files[@]}" >/dev/null 2>>"$T/render.err"
"$B/stemd-render" -q --float --no-dither -p tools/demo.preset --scene "$T/state/stemd.scene1@${at}f" \
    --scene "$T/scene2@${at2}f:1" -o "$T/ref.wav" "${files[@]}" >/dev/null 2>>"$T/render.err"
for f in three ref; do "$B/tests/demo/wavcmp" --trim "$at2" $((240000 - at2)) "$T/$f.wav" "$T/$f.cut.wav"; done
"$B/tests/demo/wavcmp" --tolerance-db -100 "$T/ref.cut.wav" "$T/three.cut.wav" >"$T/cmp4" 2>&1
ok $? "a morph after an ended one, behind a no-op instant recall, starts where the audio is: $(head -c 100 "$T/cmp4")"
for bad in "@${at}f:" "@x" "@-1" "@1:11"; do
    if "$B/stemd-render" -q -o "$T/bad.wav" --scene "$T/state/stemd.scene1$bad" "${files[@]}" \
        >/dev/null 2>"$T/bad.err"; then
        ok 1 "--scene FILE$bad is refused"
    else
        grep -q "TIME" "$T/bad.err"
        ok $? "--scene FILE$bad is refused: $(head -c 120 "$T/bad.err")"
    fi
done
stop_pid "$stemd_pid"
stop_pid "$jackd_pid"
jackd_pid=""
done_testing
