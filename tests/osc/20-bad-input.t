#!/bin/bash
# tests/osc/20-bad-input.t: a table of bad inputs: each gets /error (or, when it is not OSC at
# all, is dropped), stemd keeps running, and no parameter changed (the /dump before and after
# are the same).
. "$(dirname "$0")/lib.sh"
start_jackd
start_host --meter-rate 0

dump() { c -w 300 send /dump | sort; }
before=$(dump)
[ "$(grep -c . <<<"$before")" -gt 200 ]; ok $? "a /dump of the state before ($(grep -c . <<<"$before") lines)"

# hex of OSC pieces: s STRING (padded), i INT, f FLOAT, raw HEX; for truncated/malformed packets.
oschex() { python3 - "$@" <<'PY'
import struct, sys
a = sys.argv[1:]; out = b''
i = 0
while i < len(a):
    k, v = a[i], a[i+1]; i += 2
    if k == 's':
        b = v.encode() + b'\0'; out += b + b'\0' * (-len(b) % 4)
    elif k == 'u':  # unpadded bytes, no NUL
        out += v.encode()
    elif k == 'i': out += struct.pack('>i', int(v))
    elif k == 'f': out += struct.pack('>f', float(v))
    elif k == 'x': out += bytes.fromhex(v)
    elif k == 'e':  # a bundle element: size-prefixed hex
        b = bytes.fromhex(v); out += struct.pack('>i', len(b)) + b
print(out.hex())
PY
}
BH=$(oschex s '#bundle' x 0000000000000001)
GOOD=$(oschex s /stem/1/fader s ,f f -6)
BAD=$(oschex s /stem/1/fader s ,f f nan)
LONG=$(head -c 10000 /dev/zero | tr '\0' a)

expect_error() { # DESCRIPTION CLIENT-ARGS...
    local d=$1; shift
    local out; out=$(c -w 300 "$@" 2>&1)
    grep -q '^/error ,ss' <<<"$out"; ok $? "$d: /error"
    [ -n "${VERBOSE:-}" ] && diag "$(head -2 <<<"$out")"
}
expect_error "wrong type (nil)"               send /stem/1/fader N
expect_error "wrong type (infinitum)"         send /stem/1/fader I
expect_error "wrong type (blob)"              raw "$(oschex s /stem/1/fader s ,b i 4 x 01020304)"
expect_error "NaN"                            send /stem/1/fader f nan
expect_error "+inf"                           send /stem/1/fader d inf
expect_error "-inf"                           send /stem/1/fader f -inf
expect_error "NaN in /norm"                   send /stem/1/fader/norm d nan
expect_error "empty string"                   send /stem/1/eq/1/type s ""
expect_error "unknown enum name"              send /stem/1/eq/1/type s bogus
expect_error "a name for a number"            send /stem/1/fader s loud
expect_error "a string for /norm"             send /stem/1/fader/norm s half
expect_error "0.5 for a switch"               send /stem/1/mute f 0.5
expect_error "10 kB string value"             send /stem/1/eq/1/type s "$LONG"
expect_error "10 kB address"                  send "/stem/1/$LONG" f 1
expect_error "unknown stem name"              send /stem/bogus/fader f 0
expect_error "stem index 0"                   send /stem/0/fader f 0
expect_error "stem index N+1"                 send /stem/5/fader f 0
expect_error "band index 0"                   send /stem/1/eq/0/gain f 0
expect_error "band index 7"                   send /stem/1/eq/7/gain f 0
expect_error "unknown parameter"              send /bus/nothing f 0
expect_error "unknown address"                send /foo f 0
expect_error "empty stem segment"             send /stem//fader f 0
expect_error "no parameter after the stem"    send /stem/1 f 0
expect_error "trailing slash"                 send /stem/1/fader/ f 0
expect_error "two values"                     send /stem/1/fader ff 1 2
expect_error "setting a /text twin"           send /stem/1/fader/text f 1
expect_error "malformed pattern"              send '/stem/[1/fader' f 0
expect_error "pattern matching nothing"       send '/stem/*/nothing' f 0
expect_error "costly pattern"                 send "/stem/*/$(printf '*a%.0s' $(seq 30))b" f 0
expect_error "/get without a path"            send /get
expect_error "/get of an unknown path"        send /get s /stem/9/fader
expect_error "/meters without a subscription" send /meters i 5
expect_error "/meters NaN"                    send /meters f nan
expect_error "/subscribe with a bad port"     send /subscribe i 70000
expect_error "/list with a number"            send /list i 3
expect_error "truncated: no argument data"    raw "$(oschex s /stem/1/fader s ,f)"
expect_error "truncated: half a float"        raw "$(oschex s /stem/1/fader s ,f x 4120)"
expect_error "no type tag string"             raw "$(oschex s /stem/1/fader f 1)"
expect_error "address not terminated"         raw "$(oschex u /stem/1/fade)"
expect_error "nested bundle"                  raw "$BH$(oschex e "$GOOD" e "$BH$(oschex e "$GOOD")")"
expect_error "bundle: good, then NaN"         raw "$BH$(oschex e "$GOOD" e "$BAD")"
expect_error "bundle: good, then truncated"   raw "$BH$(oschex e "$GOOD" x 00000010 x 2f737465)"
expect_error "bundle: size not a multiple of 4" raw "$BH$(oschex e "$GOOD" x 00000003 x 2f0000)"
expect_error "bundle: header only, truncated" raw "$(oschex s '#bundle' x 0000)"
expect_error "bundle: element is not OSC"     raw "$BH$(oschex e "$GOOD" e 68656c6c)"
is "$(c -w 300 raw 68656c6c6f)" "" "not OSC at all (hello): dropped, no answer"
is "$(c -w 300 raw 00)" "" "a zero byte: dropped"
host_alive; ok $? "the host still runs"
is "$(c ping | cut -c1-4)" "pong" "and answers /ping"
after=$(dump)
[ "$before" = "$after" ]; ok $? "no parameter changed"
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | head | sed 's/^/# /'
stop_host; ok $? "the host stops cleanly"
rtcheck_verify
done_testing
