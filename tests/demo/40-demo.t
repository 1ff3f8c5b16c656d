#!/usr/bin/env bash
# tests/demo/40-demo.t: `make demo`'s script end to end (4 s stems, the binaries already built):
# it reports the live master next to the offline one, finds them identical when stemd is there,
# falls back to the offline master without it, and leaves no process or directory behind.
# shellcheck source=tests/demo/lib.sh
. "$(dirname "$0")/lib.sh"
need_bin stemd-synth stemd-jackio stemd-render tests/demo/wavcmp

unset JACK_DEFAULT_SERVER # the private-server path (or the machine's default server, if any)
DEMO_NO_BUILD=1 DEMO_SECONDS=4 STEMD_BUILD="$B" TMPDIR="$T" timeout -k 10 120 tools/demo.sh >"$T/out" 2>&1 </dev/null
ok $? "tools/demo.sh runs to the end" || diag_file "$T/out"
grep -q "Loudness report" "$T/out" && grep -q "integrated_lufs .* LUFS" "$T/out"
ok $? "it prints the loudness report and the live/offline table"
if [ -x "$B/stemd" ]; then
    grep -q "^identical: .* from frame 96" "$T/out"
    ok $? "the live master through stemd equals the offline render after stemd's latency" ||
        { diag_file "$T/out"; dsp_skew_hint; }
    awk '$1 == "sample_peak_dbfs" && NF == 5 && $2 == $4 && $2 != "null" { f = 1 } END { exit !f }' "$T/out"
    ok $? "stemd's own recorder (stemctl record) kept the master: its sample peak is the live one's" ||
        diag_file "$T/out"
else
    grep -q "FALLBACK" "$T/out"
    ok $? "without stemd it says it falls back to the offline renderer"
fi
if [ -x "$B/stemd" ] && [ -x "$B/stemctl" ]; then
    grep -q "LUFS M .* S .* I .*LRA" "$T/out" && grep -q "GR limiter .* dB  bands" "$T/out" &&
        grep -q '^bass  *[#.]\{30\}  *-\{0,1\}[0-9][0-9.]*  ' "$T/out" # a stem's bar, then its rms
    ok $? "it shows stemd's live meters (LUFS, true peak, gain reduction) through stemctl watch"
else
    grep -q "M .*LUFS.*S .*LUFS.*TP .*dBTP" "$T/out"
    ok $? "it shows the live meters"
fi
server=$(sed -n "s/.*starting a private one, '\([^']*\)'.*/\1/p" "$T/out")
if [ -n "$server" ]; then
    ! pgrep -f -- "-n $server " >/dev/null && ! pgrep -f -- "--jack-server $server" >/dev/null
    ok $? "jackd and stemd of '$server' are gone afterwards"
else
    skip "a JACK server was already running: the demo started no jackd"
fi
! compgen -G "$T/stemd-demo.*" >/dev/null
ok $? "its work directory is removed"

# A new user's first run: no build directory yet (make demo on a clean clone). The demo builds
# into it and writes its build log there, so it must make the directory first.
fresh="$T/fresh-build"
DEMO_SECONDS=2 STEMD_BUILD="$fresh" TMPDIR="$T" timeout -k 10 600 tools/demo.sh >"$T/out3" 2>&1 </dev/null
ok $? "with no build directory yet, the demo builds into a new one and runs to the end" ||
    diag_file "$T/out3"
[ -x "$fresh/stemd" ] && [ -s "$fresh/demo-build.log" ]; ok $? "... stemd built, its log kept in the new build directory"

# The fallback for a tree without the daemon: the offline master played through JACK.
DEMO_NO_STEMD=1 DEMO_NO_BUILD=1 DEMO_SECONDS=3 STEMD_BUILD="$B" TMPDIR="$T" timeout -k 10 120 \
    tools/demo.sh >"$T/out2" 2>&1 </dev/null
ok $? "without stemd the demo still runs to the end" || diag_file "$T/out2"
grep -q "FALLBACK" "$T/out2" && grep -q "integrated_lufs .* LUFS" "$T/out2"
ok $? "and says it fell back to the offline renderer"

done_testing
