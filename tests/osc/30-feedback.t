#!/bin/bash
# tests/osc/30-feedback.t: subscriptions: two clients see each other's changes within 100 ms,
# no echo to the sender unless clamped, coalescing (30 Hz per address, last value wins), changes
# from other sources (the C API, a preset), the reply port and the norm flavour, meters (rate,
# bundles under 1400 bytes, /meters per client) and lease expiry.
. "$(dirname "$0")/lib.sh"
start_jackd
start_host --lease 1.5

out=$(c feedback2 /stem/2/fader)
[ -n "${VERBOSE:-}" ] && echo "$out" | sed 's/^/# /'
is "$(grep dump_ <<<"$out" | tr '\n' ' ')" "dump_a yes dump_b yes " "/subscribe answers with a full state dump"
lat=$(awk '/b_latency_ms/ {print $2}' <<<"$out")
# Within the client's 1 s wait; the milliseconds are the machine's (a figure, not a test).
awk -v l="$lat" 'BEGIN { exit !(l >= 0) }'; ok $? "a change from one client reaches the other (in $lat ms)"
is "$(awk '/b_latency_ms/ {print $4}' <<<"$out")" "-7.5" "... with the value sent"
is "$(awk '/^a_echo/ {print $2}' <<<"$out")" "no" "the sender gets no echo of its own change"
is "$(awk '/a_clamped_echo/ {print $2, $4}' <<<"$out")" "yes 12" "the sender gets the clamped value echoed"
is "$(awk '/b_sees_clamped/ {print $2, $4}' <<<"$out")" "yes 12" "the other subscriber sees the clamped value"
burst=$(awk '/burst_messages/ {print $2}' <<<"$out")
bms=$(awk '/burst_messages/ {print $6}' <<<"$out")
# 30 Hz per address: one message per 33 ms of the burst (as long as sending it took), plus the
# first and the last.
bmax=$(((bms + 32) / 33 + 2))
[ "$burst" -ge 1 ] && [ "$burst" -le "$bmax" ] && [ "$burst" -lt 50 ]; ok $? "50 changes in $bms ms reach a subscriber coalesced ($burst messages <= $bmax at 30 Hz)"
is "$(awk '/burst_messages/ {print $4}' <<<"$out")" "-10.2" "... the last value wins"

# A subscriber on a reply port (TouchOSC style: sends from one port, listens on another),
# norm flavour: changes from the C API and from a preset arrive as /norm and /text.
RP=$((PORT + 2))
c -w 2500 -l "$RP" listen 2500 >"$TMP/rp.txt" &
L=$!
sleep 0.2
c -w 100 send /subscribe is "$RP" norm >/dev/null
sleep 0.3
host_cmd "set /stem/1/fader 0"
printf '/stem/1/eq/1/type highshelf\n/bus/limiter/ceiling -3\n' >"$TMP/p.preset"
host_cmd "preset $TMP/p.preset"
wait $L
grep -q '^/stem/1/fader/norm ,f' "$TMP/rp.txt"; ok $? "subscribed with a reply port and norm: a C API change arrives as /norm"
grep -q '^/stem/1/fader/text ,s 0.00 dB' "$TMP/rp.txt"; ok $? "... with its /text label"
grep -q '^/stem/1/eq/1/type/text ,s highshelf' "$TMP/rp.txt"; ok $? "a preset's changes arrive too"
grep -q '^/bus/limiter/ceiling/norm ,f 0.75' "$TMP/rp.txt"; ok $? "... (ceiling -3 dBTP is norm 0.75)"

# Meters: default 20 Hz, bundles under 1400 bytes; /meters sets a client's own rate.
# the client for a fixed time. --foreground: no SIGCONT after the TERM (it can cancel the stop of
# LeakSanitizer's exit check: a hang; see tests/osc/60-stemctl.t); -k: a hang is killed.
ct() { timeout --foreground -k 10 "$1" "$CLIENT" -p "$PORT" "${@:2}"; }
out=$(ct 1.05 -v -w 2000 bundle /subscribe -- /meters i 10 -- /ping)
nb=$(grep -c '^/bus/meter/lufs_i' <<<"$out")
[ "$nb" -ge 9 ] && [ "$nb" -le 12 ]; ok $? "/meters 10: $nb meter bundles in 1 s"
max=$(awk '/^dgram/ && $3 == "bundle" && $2 > m {m = $2} END {print m+0}' <<<"$out")
[ "$max" -gt 0 ] && [ "$max" -lt 1400 ]; ok $? "every datagram under 1400 bytes (largest $max)"
for m in peak_l peak_r rms gr deess deq1 deq2 deq3 deq4; do grep -q "^/stem/4/meter/$m ,f" <<<"$out" || echo "missing /stem/4/meter/$m"; done >"$TMP/miss"
for m in peak_l peak_r true_peak lufs_m lufs_s lufs_i lra correlation gr_limiter gr_band1 gr_band2 gr_band3; do
    grep -q "^/bus/meter/$m ,f" <<<"$out" || echo "missing /bus/meter/$m"; done >>"$TMP/miss"
is "$(cat "$TMP/miss")" "" "every stem and bus meter is sent"
# A dynamic EQ band acting: in the "below" mode a silent key gets the whole range (6 dB cut).
host_cmd "set /stem/4/deq/1/on 1"
host_cmd "set /stem/4/deq/1/mode below"
out=$(ct 1.05 -v -w 2000 bundle /subscribe -- /meters i 10)
last=$(grep '^/stem/4/meter/deq1 ,f' <<<"$out" | tail -1 | awk '{print $3}')
first=$(grep '^/stem/3/meter/deq1 ,f' <<<"$out" | tail -1 | awk '{print $3}')
awk -v v="$last" -v o="$first" 'BEGIN { exit !(v + 0 == -6 && o + 0 == 0) }'
ok $? "/stem/4/meter/deq1 reads the band's gain ($last dB; stem 3, off: $first)"
host_cmd "set /stem/4/deq/1/on 0"
out=$(ct 0.6 -w 2000 bundle /subscribe -- /meters i 0)
is "$(grep -c meter <<<"$out")" "0" "/meters 0 turns them off"

# Lease: a subscriber that stays silent past --lease (1.5 s) stops getting anything.
out=$(ct 4 -w 4000 bundle /subscribe -- /meters i 20)
n1=$(grep -c '^/bus/meter/lufs_i' <<<"$out")
[ "$n1" -ge 20 ] && [ "$n1" -le 36 ]; ok $? "the lease (1.5 s) expires: $n1 meter bundles in 4 s of silence (about 30)"
grep -q 'subscription of .* expired' "$TMP/host.log"; ok $? "the expiry is logged"
is "$(c send /status | awk '{print $7}')" "0" "/status counts no subscriber left"

host_alive; ok $? "the host still runs"
stop_host; ok $? "the host stops cleanly"
rtcheck_verify
done_testing
