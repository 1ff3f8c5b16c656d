#!/bin/bash
# tests/server/10-cli.t: stemd's command line and config file, without a JACK server.
. "$(dirname "$0")/lib.sh"

help=$("$STEMD" --help); rc=$?
ok $rc "--help exits 0"
for o in stems jack-name jack-server connect-out connect preset state-dir config log-level no-wait version help; do
    grep -q -- "--$o" <<<"$help"; ok $? "--help lists --$o"
done
grep -q JACK_DEFAULT_SERVER <<<"$help" && grep -q NOTIFY_SOCKET <<<"$help"; ok $? "--help names the environment variables"
grep -q "drums,bass,music,vocals" <<<"$help" && grep -q "\[stemd\]" <<<"$help"; ok $? "--help shows the defaults"
grep -q "^Example" <<<"$help"; ok $? "--help has an example"
is "$("$STEMD" --version)" "stemd 0.1.0" "--version"

expect_fail() { # expect_fail PATTERN ARGS...: exit 2 and the message on stderr
    local pat=$1; shift
    local out; out=$("$STEMD" "$@" 2>&1); local rc=$?
    [ $rc -eq 2 ] && grep -q -- "$pat" <<<"$out"; ok $? "stemd $* => exit 2, '$pat'"
    [ $rc -eq 2 ] || diag "rc=$rc out=$out"
}
expect_fail "must start with a letter" --stems 1abc
expect_fail "given twice" --stems drums,drums
expect_fail "give 1 to 256" --stems 0
expect_fail "only letters" --stems "dr.ums"
expect_fail "see stemd --help" --bogus
expect_fail "two ports" --connect-out system:playback_1
expect_fail "no stem 'vox'" --connect vox=a:b,c:d
expect_fail "debug" --log-level loud
printf 'stems = a,b\nbogus = 1\n' >"$TMP/bad.conf"
expect_fail "bad.conf:2: unknown key 'bogus'" --config "$TMP/bad.conf"
expect_fail "cannot read config file" --config "$TMP/missing.conf"

# No server, --no-wait: a clear error and a non-zero exit, quickly.
start=$(date +%s%N)
out=$(rt_env "$STEMD" --jack-server "nosuch$$" --no-wait 2>&1); rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ $rc -ne 0 ] && grep -q "no JACK server 'nosuch$$' is running" <<<"$out"; ok $? "no server + --no-wait: exit $rc after $ms ms: $(head -c 200 <<<"$out" | tr '\n' ' ')"
grep -q "^<3>" <<<"$out"; ok $? "errors carry journald's <3> prefix when stderr is not a terminal"

# --state-dir that does not exist yet is made, parents and all (mode 0750); one that cannot be
# made or written refuses the start, naming it: stemd never runs with a state it cannot keep.
sd="$TMP/fresh/a/b/state"
out=$(rt_env "$STEMD" --jack-server "nosuch$$" --no-wait --state-dir "$sd" 2>&1)
[ -d "$sd" ]; ok $? "a missing --state-dir is created with its parents"
is "$(stat -c %a "$TMP/fresh/a")" 750 "created mode 0750 (umask 022 or less leaves it)"
ls -A "$sd" | grep -q probe; ok $((!$?)) "and the write probe is gone"
printf 'x\n' >"$TMP/afile"
out=$(rt_env "$STEMD" --jack-server "nosuch$$" --no-wait --state-dir "$TMP/afile/state" 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "cannot create the state directory $TMP/afile/state: Not a directory" <<<"$out"
ok $? "a --state-dir below a file: exit $rc, the directory and the reason named ($(grep -o 'cannot start.*' <<<"$out" | head -1))"
grep -q "no JACK server" <<<"$out"; ok $((!$?)) "refused before it looks for JACK"
mkdir -p "$TMP/ro"
chmod 0555 "$TMP/ro"
if [ "$(id -u)" = 0 ]; then
    # root writes through mode bits: a read-only bind mount is what stops it.
    mkdir -p "$TMP/romnt" && mount --bind "$TMP/ro" "$TMP/romnt" 2>/dev/null &&
        mount -o remount,bind,ro "$TMP/romnt" 2>/dev/null && rodir="$TMP/romnt"
else
    rodir="$TMP/ro"
fi
if [ -n "${rodir:-}" ]; then
    out=$(rt_env "$STEMD" --jack-server "nosuch$$" --no-wait --state-dir "$rodir" 2>&1); rc=$?
    [ $rc -ne 0 ] && grep -q "cannot write in the state directory $rodir: Read-only file system\|cannot write in the state directory $rodir: Permission denied" <<<"$out"
    ok $? "an unwritable --state-dir: exit $rc, '$(grep -o 'cannot write.*' <<<"$out" | head -1)'"
    [ "$rodir" = "$TMP/romnt" ] && umount "$TMP/romnt"
else
    skip "root, and no bind mount here" "an unwritable --state-dir refuses the start"
fi

done_testing
