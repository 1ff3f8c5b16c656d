#!/usr/bin/env bash
# tests/demo/10-synth.t: stemd-synth is deterministic and its stems have the promised format
# and levels (each peaking at -6..-3 dBFS, 24-bit stereo, exactly the asked length).
# shellcheck source=tests/demo/lib.sh
. "$(dirname "$0")/lib.sh"
need_bin stemd-synth tests/demo/wavcmp
stems="drums bass keys vocal"

"$B/stemd-synth" -d 3 --seed 7 "$T/a" >/dev/null 2>"$T/err"
ok $? "stemd-synth -d 3 --seed 7 writes the stems"
"$B/stemd-synth" -d 3 --seed 7 "$T/b" >/dev/null 2>&1
same=0
for s in $stems; do cmp -s "$T/a/$s.wav" "$T/b/$s.wav" || same=1; done
ok $same "the same seed gives the same bytes ($stems)"

"$B/stemd-synth" -d 3 --seed 8 "$T/c" >/dev/null 2>&1
! cmp -s "$T/a/drums.wav" "$T/c/drums.wav"
ok $? "another seed gives other drums (the noise follows the seed)"

for s in $stems; do
    info=$("$B/tests/demo/wavcmp" --peak "$T/a/$s.wav")
    pk=$(sed -n 's/.*peak_dbfs=\([-0-9.]*\).*/\1/p' <<<"$info")
    awk -v p="$pk" 'BEGIN { exit !(p >= -6.01 && p <= -2.99) }'
    ok $? "$s.wav peaks at -6..-3 dBFS ($info)"
    grep -q "frames=144000 channels=2 rate=48000" <<<"$info"
    ok $? "$s.wav is stereo, 48 kHz, 3 s"
    grep -q "bits=24" <<<"$info"
    ok $? "$s.wav is 24-bit"
done

"$B/stemd-synth" -r 44100 -d 1 "$T/d" >/dev/null 2>&1 &&
    "$B/tests/demo/wavcmp" --peak "$T/d/bass.wav" | grep -q "frames=44100 channels=2 rate=44100"
ok $? "-r 44100 -d 1 gives 44100 frames at 44.1 kHz"

"$B/stemd-synth" -r 8000 "$T/e" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "44100..192000" "$T/err"
ok $? "a bad rate exits 2 and says the range"

done_testing
