#!/usr/bin/python3
# tests/osc/oscquery.py: an OSCQuery client for the tests, independent of stemd's code: HTTP by
# http.client, WebSocket by python3-websockets, OSC over UDP by a few lines of struct. Each
# subcommand is one check: exit status 0 when it holds, diagnostics on stdout as "# ..." lines.
#
#   hostinfo HTTP_PORT OSC_PORT         ?HOST_INFO follows the proposal and names our OSC port
#   namespace HTTP_PORT OSC_PORT        GET /: every FULL_PATH is its position; the parameters
#                                       are /list's (type, RANGE, VALS), VALUE is /get's; meters
#                                       read-only; single-node GET and ?ATTR agree with the tree
#   listen HTTP_PORT OSC_PORT PATH V1 V2  LISTEN PATH over WebSocket, set PATH V1 over OSC: a
#                                       binary OSC frame with V1 arrives; IGNORE, set V2: none
#   errors HTTP_PORT                    404, 400, 204, 405 where the proposal says so
#   meters HTTP_PORT                    LISTEN a meter: frames keep coming, each a float
#   wait HTTP_PORT                      until stemd answers HTTP (10 s at most)
#   clients HTTP_PORT OSC_PORT          /status.json's "clients" follow one sender over OSC:
#                                       /ping, /subscribe, /meters, /unsubscribe
#   from HTTP_PORT SRC_ADDR             a GET from SRC_ADDR is answered (not refused)
#   mdns NAME HTTP_PORT OSC_PORT [gone] python3-zeroconf finds NAME's _oscjson._tcp and _osc._udp
#                                       records with these ports (gone: finds none)
#   malformed|bigframe HTTP_PORT OSC_PORT        garbage requests / a 1 MB WebSocket message
#   burst|manysockets HTTP_PORT OSC_PORT N       N requests from 8 threads / N idle connections
#   nonreader HTTP_PORT OSC_PORT STEMD_LOG       a WebSocket that never reads is closed
# (each: stemd answers HTTP and OSC afterwards)
import asyncio
import http.client
import json
import socket
import struct
import sys
import time

fails = []


def diag(msg):
    print("# " + str(msg))


def check(cond, msg):
    if not cond:
        fails.append(msg)
        diag("FAIL: " + msg)
    return cond


def get(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("content-type"), body


# --- OSC over UDP ---------------------------------------------------------------------------
def pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def osc_msg(addr, *args):
    tags, data = ",", b""
    for a in args:
        if isinstance(a, float):
            tags += "f"
            data += struct.pack(">f", a)
        elif isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", a)
        else:
            tags += "s"
            data += pad(a.encode())
    return pad(addr.encode()) + pad(tags.encode()) + data


def osc_str(b, off):
    end = b.index(b"\0", off)
    return b[off:end].decode(), (end + 4) & ~3


def osc_parse(b):
    """Messages in a datagram (bundles walked): [(addr, [args])]."""
    if b.startswith(b"#bundle\0"):
        out, off = [], 16
        while off < len(b):
            (n,) = struct.unpack(">i", b[off:off + 4])
            out += osc_parse(b[off + 4:off + 4 + n])
            off += 4 + n
        return out
    addr, off = osc_str(b, 0)
    tags, off = osc_str(b, off)
    args = []
    for t in tags[1:]:
        if t == "f":
            args.append(struct.unpack(">f", b[off:off + 4])[0])
            off += 4
        elif t == "i":
            args.append(struct.unpack(">i", b[off:off + 4])[0])
            off += 4
        elif t == "s":
            s, off = osc_str(b, off)
            args.append(s)
        elif t == "T":
            args.append(True)
        elif t == "F":
            args.append(False)
        else:
            raise ValueError("tag " + t)
    return [(addr, args)]


class Osc:
    def __init__(self, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.to = ("127.0.0.1", port)

    def send(self, addr, *args):
        self.s.sendto(osc_msg(addr, *args), self.to)

    def recv(self, timeout=2.0):
        self.s.settimeout(timeout)
        try:
            return osc_parse(self.s.recv(65536))
        except socket.timeout:
            return []

    def until(self, addr, timeout=5.0):
        """Messages until one at addr arrives (included)."""
        out, end = [], time.time() + timeout
        while time.time() < end:
            for m in self.recv(max(0.05, end - time.time())):
                out.append(m)
                if m[0] == addr:
                    return out
        return out

    def get(self, path):
        self.send("/get", path)
        for m in self.until(path, 3.0):
            if m[0] == path:
                return m[1][0]
        return None


def f32(v):
    return struct.unpack(">f", struct.pack(">f", v))[0]


# --- checks ---------------------------------------------------------------------------------
def hostinfo(hp, op):
    st, ct, body = get(hp, "/?HOST_INFO")
    check(st == 200, "?HOST_INFO: status %d" % st)
    check(ct and ct.startswith("application/json"), "?HOST_INFO: content type %s" % ct)
    h = json.loads(body)
    check(isinstance(h.get("NAME"), str) and h["NAME"], "NAME is a string")
    check(h.get("OSC_PORT") == op, "OSC_PORT %r, want %d" % (h.get("OSC_PORT"), op))
    check(h.get("OSC_TRANSPORT") == "UDP", "OSC_TRANSPORT %r" % h.get("OSC_TRANSPORT"))
    ext = h.get("EXTENSIONS", {})
    for e in ("ACCESS", "VALUE", "RANGE", "DESCRIPTION", "UNIT", "CLIPMODE", "LISTEN"):
        check(ext.get(e) is True, "EXTENSIONS.%s is true (%r)" % (e, ext.get(e)))
    for k, v in ext.items():
        check(isinstance(v, bool), "EXTENSIONS.%s is a boolean" % k)


def walk(node, path, leaves):
    check(node.get("FULL_PATH") == path, "FULL_PATH %r at %r" % (node.get("FULL_PATH"), path))
    if "CONTENTS" in node:
        # A node may be a value and hold others (the proposal allows both: /bus/compare holds
        # /bus/compare/match); a plain container has no TYPE and no ACCESS but 0.
        check("TYPE" not in node or node.get("ACCESS") in (1, 3),
              "container %s has a TYPE only if it is a value (ACCESS %r)" % (path, node.get("ACCESS")))
        for k, child in node["CONTENTS"].items():
            check("/" not in k and k, "key %r of %s" % (k, path))
            walk(child, (path if path != "/" else "") + "/" + k, leaves)
    if "CONTENTS" not in node or "TYPE" in node:
        leaves[path] = node


def osc_list(osc):
    """/list over OSC: {path: (type, unit, min, max, default)}."""
    osc.send("/list")
    table, end = {}, time.time() + 20
    while time.time() < end:
        msgs = osc.recv(3.0)
        if not msgs:
            break
        done = False
        for addr, args in msgs:
            if addr == "/list/reply":
                for i in range(0, len(args) - 6, 7):
                    table[args[i]] = tuple(args[i + 1:i + 6])
            elif addr == "/list/end":
                done = True
                check(args[0] == len(table), "/list/end count %d, got %d" % (args[0], len(table)))
        if done:
            break
    return table


def namespace(hp, op):
    st, ct, body = get(hp, "/")
    check(st == 200 and ct.startswith("application/json"), "GET /: %d %s" % (st, ct))
    root = json.loads(body)
    leaves = {}
    walk(root, "/", leaves)
    params = {p: n for p, n in leaves.items() if n.get("ACCESS") == 3}
    meters = {p: n for p, n in leaves.items() if n.get("ACCESS") == 1}
    check(len(params) + len(meters) == len(leaves), "every leaf is ACCESS 3 or 1")
    osc = Osc(op)
    table = osc_list(osc)
    diag("%d parameters in /list, %d parameter nodes, %d meter nodes" %
         (len(table), len(params), len(meters)))
    # /list names stems by index: map our names onto it through the stems of the namespace.
    stems = list(root["CONTENTS"]["stem"]["CONTENTS"].keys())
    def by_index(p):
        parts = p.split("/")
        if len(parts) > 2 and parts[1] == "stem":
            parts[2] = str(stems.index(parts[2]) + 1)
        return "/".join(parts)
    check(len(table) > 0 and len(params) == len(table), "as many parameter nodes as /list rows")
    tmap = {"float": "f", "bool": "T", "stem": "s"}
    bad = 0
    for p, n in params.items():
        row = table.get(p) or table.get(by_index(p))
        if not check(row is not None, "%s is in /list" % p):
            continue
        typ, unit, lo, hi, dflt = row
        want = "s" if typ.startswith("enum:") else tmap.get(typ, "?")
        ok = check(n.get("TYPE") == want, "%s TYPE %r, /list says %s" % (p, n.get("TYPE"), typ))
        v = osc.get(p)
        ok &= check(v is not None, "%s: /get answered" % p)
        val = n.get("VALUE", [None])[0]
        if want == "f":
            r = n.get("RANGE", [{}])[0]
            ok &= check(f32(r.get("MIN")) == f32(lo) and f32(r.get("MAX")) == f32(hi),
                        "%s RANGE %r, /list %g..%g" % (p, r, lo, hi))
            ok &= check(r.get("MIN") <= val <= r.get("MAX"), "%s VALUE %r in RANGE" % (p, val))
            ok &= check(v is not None and f32(val) == f32(v), "%s VALUE %r, /get %r" % (p, val, v))
            ok &= check(n.get("CLIPMODE") == ["both"], "%s CLIPMODE" % p)
        elif want == "T":
            ok &= check(isinstance(val, bool) and v is not None and val == (v != 0),
                        "%s VALUE %r, /get %r" % (p, val, v))
        elif typ.startswith("enum:"):
            names = typ[5:].split("|")
            vals = n.get("RANGE", [{}])[0].get("VALS")
            ok &= check(vals == names, "%s VALS %r, /list %r" % (p, vals, names))
            ok &= check(v is not None and val == names[int(v)], "%s VALUE %r, /get %r" % (p, val, v))
        else:  # a stem selector: self, then the live stems
            vals = n.get("RANGE", [{}])[0].get("VALS")
            ok &= check(vals == ["self"] + stems, "%s VALS %r" % (p, vals))
            ok &= check(v is not None and val == vals[int(v)], "%s VALUE %r, /get %r" % (p, val, v))
        ok &= check(isinstance(n.get("DESCRIPTION"), str), "%s DESCRIPTION" % p)
        bad += not ok
    for p, n in meters.items():
        check(n.get("TYPE") == "f" and isinstance(n.get("VALUE", [None])[0], (int, float)),
              "meter %s is a float with a VALUE" % p)
    for k in stems:
        check("/stem/%s/meter/peak_l" % k in meters, "stem %s has a peak meter" % k)
        check(all("/stem/%s/meter/%s" % (k, m) in meters for m in ("deess", "deq1", "deq4")),
              "stem %s has its de-esser and dynamic EQ meters (what OSC sends)" % k)
    check("/bus/meter/lufs_i" in meters, "the master has an integrated loudness meter")
    # One node alone, and one attribute, agree with the tree.
    for p in list(params)[:: max(1, len(params) // 12)] + ["/bus", "/stem/" + stems[-1]]:
        st, _, b = get(hp, p)
        node = json.loads(b) if st == 200 else None
        want = params.get(p) or (root["CONTENTS"]["bus"] if p == "/bus"
                                 else root["CONTENTS"]["stem"]["CONTENTS"][stems[-1]])
        check(st == 200 and node == want, "GET %s alone is the tree's node" % p)
        if p in params:
            st, _, b = get(hp, p + "?VALUE")
            check(st == 200 and json.loads(b) == {"VALUE": params[p]["VALUE"]}, "GET %s?VALUE" % p)
    diag("%d parameter nodes disagree with /list or /get" % bad)


def expected(hp, path, v):
    """What a LISTEN frame carries after a set of v: a float, T/F, or the name in VALS."""
    node = json.loads(get(hp, path)[2])
    if node["TYPE"] == "f":
        return f32(float(v))
    if node["TYPE"] == "T":
        return float(v) != 0
    return node["RANGE"][0]["VALS"][int(float(v))]


async def ws_listen(hp, op, path, v1, v2):
    import websockets
    osc = Osc(op)
    async with websockets.connect("ws://127.0.0.1:%d/" % hp, max_size=2 ** 20) as ws:
        await ws.send(json.dumps({"COMMAND": "LISTEN", "DATA": path}))
        await asyncio.sleep(0.3)
        osc.send(path, float(v1))
        got = None
        try:
            while True:
                m = await asyncio.wait_for(ws.recv(), 5)
                if check(isinstance(m, bytes), "LISTEN frames are binary"):
                    got = osc_parse(m)
                    break
        except asyncio.TimeoutError:
            pass
        check(got is not None, "a frame arrived for %s after a set over OSC" % path)
        if got:
            addr, args = got[0]
            check(addr == path, "its OSC address is %s (%s)" % (path, addr))
            want = expected(hp, path, v1)
            check(len(args) == 1 and type(args[0]) == type(want) and
                  (f32(args[0]) == f32(want) if isinstance(want, float) else args[0] == want),
                  "its value is %r (%r)" % (want, args))
        await ws.send(json.dumps({"COMMAND": "IGNORE", "DATA": path}))
        await asyncio.sleep(0.3)
        osc.send(path, float(v2))
        more = None
        try:
            more = await asyncio.wait_for(ws.recv(), 1.5)
        except asyncio.TimeoutError:
            pass
        check(more is None, "after IGNORE no frame arrives (%r)" % (more,))
        check(f32(osc.get(path)) == f32(float(v2)), "the second set did land (/get)")


def listen(hp, op, path, v1, v2):
    asyncio.run(ws_listen(hp, op, path, v1, v2))


async def ws_meters(hp):
    import websockets
    async with websockets.connect("ws://127.0.0.1:%d/" % hp) as ws:
        await ws.send(json.dumps({"COMMAND": "LISTEN", "DATA": "/bus/meter/lufs_m"}))
        # Frames keep coming without any change being made (no rate judged: three of them).
        for _ in range(3):
            m = osc_parse(await asyncio.wait_for(ws.recv(), 10))
            check(m[0][0] == "/bus/meter/lufs_m" and isinstance(m[0][1][0], float),
                  "meter frame %r" % m)


def meters(hp):
    asyncio.run(ws_meters(hp))


def recv_until_closed(s, stop=None):
    """Everything s sends until it closes, times out or errs (or holds stop); s is closed."""
    data = b""
    try:
        while stop is None or stop not in data:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:  # socket.timeout included
        pass
    s.close()
    return data


def raw_status(hp, request):
    s = socket.create_connection(("127.0.0.1", hp), timeout=5)
    s.sendall(request)
    data = recv_until_closed(s, b"\r\n\r\n")
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    return int(line.split()[1]) if line.startswith("HTTP/1.") else 0


def raw_get(hp, path):
    """GET path as given, byte for byte (http.client would not send some): status, body."""
    s = socket.create_connection(("127.0.0.1", hp), timeout=5)
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = recv_until_closed(s)
    head, _, body = data.partition(b"\r\n\r\n")
    line = head.split(b"\r\n", 1)[0].decode(errors="replace")
    return (int(line.split()[1]) if line.startswith("HTTP/1.") else 0), body


def errors(hp):
    for path, want in (("/no/such/node", (404,)), ("/bus/limiter/ceiling?NOPE", (400,)),
                       ("/bus/eq/1/on?UNIT", (204,)), ("/bus?VALUE", (204,)),
                       ("/stem/x/../../etc/passwd", (400, 403, 404))):
        st, _, _ = get(hp, path)
        check(st in want, "GET %s: %d, want %s" % (path, st, want))
    # libwebsockets resolves ".." segments before stemd sees the path (nothing is served from
    # files): what is left is refused or is a node inside the namespace.
    for raw in (b"/bus/../bus", b"/bus/%2e%2e/bus", b"/../../../bus"):
        st, body = raw_get(hp, raw)
        check(st in (400, 403, 404) or (st == 200 and json.loads(body)["FULL_PATH"] == "/bus"),
              "GET %s: %d, inside the namespace" % (raw.decode(), st))
    st = raw_status(hp, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd")
    check(st in (400, 405), "POST is refused (%d)" % st)


def wait(hp):
    """Until stemd answers HTTP (10 s at most)."""
    end = time.time() + 10
    while time.time() < end:
        try:
            if get(hp, "/?HOST_INFO")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    check(False, "no HTTP answer on port %d in 10 s" % hp)


def client_entry(hp, addr, pred, timeout=10.0):
    """Read /status.json until its "clients" entry for addr satisfies pred (the OSC thread
    publishes its table 4 times a second); the last entry seen, None if addr was never listed."""
    end, last = time.time() + timeout, None
    while time.time() < end:
        st, ctype, body = get(hp, "/status.json")
        if st == 200:
            for c in json.loads(body)["clients"]:
                if c.get("address") == addr:
                    last = c
            if last is not None and pred(last):
                break
        time.sleep(0.05)
    return last


def clients(hp, op):
    """The status page's client list follows one sender: after /ping it is listed (its address
    and port as the kernel gave them), not subscribed; /subscribe with another reply port and
    norm: subscribed, feedback to that port, norm, a lease, the default meter rate (20 Hz);
    /meters 5: 5 Hz; /unsubscribe: still listed, not subscribed, no feedback, no meters."""
    osc = Osc(op)
    me = "127.0.0.1:%d" % osc.s.getsockname()[1]
    fb = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fb.bind(("127.0.0.1", 0))
    fb_addr = "127.0.0.1:%d" % fb.getsockname()[1]
    osc.send("/ping")
    check(any(m[0] == "/pong" for m in osc.until("/pong")), "/ping is answered")
    c = client_entry(hp, me, lambda c: True)
    diag("after /ping: %s" % json.dumps(c))
    check(c is not None, "the sender %s is listed" % me)
    if c is None:
        return
    check(c["kind"] == "osc" and c["subscribed"] is False and c["feedback"] == "",
          "as an OSC client, not subscribed")
    check(isinstance(c["idle_s"], (int, float)) and c["idle_s"] >= 0, "seen a number of seconds ago")

    osc.send("/subscribe", fb.getsockname()[1], "norm")
    c = client_entry(hp, me, lambda c: c["subscribed"])
    diag("after /subscribe %d norm: %s" % (fb.getsockname()[1], json.dumps(c)))
    check(c["subscribed"] is True and c["permanent"] is False, "/subscribe: subscribed, not permanent")
    check(c["feedback"] == fb_addr, "feedback to %s (got %r)" % (fb_addr, c["feedback"]))
    check(c["flavour"] == "norm" and c["paths"] == "index", "in norm, stems by index")
    check(0 < c["lease_s"] <= 60, "a lease of at most --lease's 60 s left (%r)" % c["lease_s"])
    check(c["meter_hz"] == 20, "meters at --meter-rate's default, 20 Hz (%r)" % c["meter_hz"])
    check(c["dropped"] == 0, "nothing over the rate limit")

    osc.send("/meters", 5)
    c = client_entry(hp, me, lambda c: c["meter_hz"] != 20)
    check(c["meter_hz"] == 5, "/meters 5: 5 Hz (%r)" % c["meter_hz"])

    osc.send("/unsubscribe")
    c = client_entry(hp, me, lambda c: not c["subscribed"])
    diag("after /unsubscribe: %s" % json.dumps(c))
    check(c["subscribed"] is False and c["feedback"] == "" and c["meter_hz"] == 0,
          "/unsubscribe: still listed, not subscribed, no feedback, no meters")
    fb.close()


def from_addr(hp, src):
    """A GET from source address src is answered (exit 0) or refused (exit 1)."""
    s = socket.socket()
    s.settimeout(5)
    s.bind((src, 0))
    try:
        s.connect(("127.0.0.1", hp))
        s.sendall(b"GET /?HOST_INFO HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = s.recv(4096)
    except OSError as e:
        data = b""
        diag("from %s: %s" % (src, e))
    s.close()
    check(data.startswith(b"HTTP/1.1 200"), "from %s: %r" % (src, data[:40]))


def mdns(name, hp, op, gone=False):
    """python3-zeroconf browses the network: NAME's _oscjson._tcp record has the HTTP port and
    its _osc._udp record the OSC port (or, gone: neither is there within 10 s)."""
    from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

    found = {}

    class L(ServiceListener):
        def add_service(self, zc, type_, n):
            info = zc.get_service_info(type_, n, 3000)
            found[type_] = (n, info.port if info else None)

        def update_service(self, zc, type_, n):
            self.add_service(zc, type_, n)

        def remove_service(self, zc, type_, n):
            found.pop(type_, None)

    zc = Zeroconf()
    want = {"_oscjson._tcp.local.": hp, "_osc._udp.local.": op}
    browsers = [ServiceBrowser(zc, t, L()) for t in want]
    end = time.time() + 10
    while time.time() < end:
        mine = {t: v for t, v in found.items() if v[0].startswith(name + ".")}
        if not gone and len(mine) == 2:
            break
        time.sleep(0.2)
    mine = {t: v for t, v in found.items() if v[0].startswith(name + ".")}
    zc.close()
    diag("seen: %r" % found)
    if gone:
        check(not mine, "%s's records are withdrawn (%r)" % (name, mine))
        return
    for t, port in want.items():
        check(t in mine and mine[t][1] == port, "%s%s port %d (%r)" % (name, t, port, mine.get(t)))


# --- bad input ------------------------------------------------------------------------------
def alive(hp, op, what):
    """After some abuse: HTTP and OSC still answer."""
    try:
        st = get(hp, "/?HOST_INFO")[0]
    except OSError as e:
        st = str(e)
    check(st == 200, "after %s: HTTP answers (%s)" % (what, st))
    osc = Osc(op)
    osc.send("/ping")
    check(any(m[0] == "/pong" for m in osc.until("/pong", 5)), "after %s: OSC answers" % what)


def malformed(hp, op):
    reqs = [b"\x00\x01\x02garbage\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
            b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nX: " +
            b"a" * 20000 + b"\r\n\r\n", b"GET /" + b"b" * 10000 + b" HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\n", b"GET /?" + b"%" * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -5\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"]
    for r in reqs:
        s = socket.create_connection(("127.0.0.1", hp), timeout=15)
        try:
            s.sendall(r)
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
        except OSError:
            pass
        s.close()
    alive(hp, op, "%d malformed requests" % len(reqs))


def burst(hp, op, n):
    """n requests from 8 threads, as fast as they go, half of them on new connections."""
    import threading
    counts = {"ok": 0, "other": 0, "err": 0}
    lock = threading.Lock()

    def worker(k):
        c = None
        for i in range(n // 8):
            try:
                if c is None or i % 2:
                    if c:
                        c.close()
                    c = http.client.HTTPConnection("127.0.0.1", hp, timeout=30)
                c.request("GET", ["/bus/limiter/ceiling", "/status.json", "/?HOST_INFO", "/nope"][i % 4])
                r = c.getresponse()
                r.read()
                key = "ok" if r.status in (200, 404) else "other"
            except (OSError, http.client.HTTPException):
                key, c = "err", None
            with lock:
                counts[key] += 1
    t0 = time.time()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in ts:
        t.start()
    osc = Osc(op)
    pongs = 0
    while any(t.is_alive() for t in ts):
        osc.send("/ping")
        pongs += any(m[0] == "/pong" for m in osc.until("/pong", 2))
        time.sleep(0.1)
    for t in ts:
        t.join()
    diag("%r in %.1f s; %d /pong during it" % (counts, time.time() - t0, pongs))
    check(counts["ok"] == n // 8 * 8, "every request answered (%r)" % counts)
    check(pongs > 0, "OSC answered during the burst")
    alive(hp, op, "a burst of %d requests" % n)


def ws_handshake(hp, rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(("127.0.0.1", hp))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(1)
    check(b" 101 " in data.split(b"\r\n")[0], "WebSocket handshake: %r" % data[:40])
    return s


def ws_frame(payload, opcode=1):
    """A masked client frame (the mask is zero: allowed, and the payload stays as is)."""
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + b"\0\0\0\0" + payload


def nonreader(hp, op, logfile):
    """A WebSocket that LISTENs to everything and never reads, while changes flood in: stemd
    closes it once its queue is full (its log says so), and serves on."""
    s = ws_handshake(hp, rcvbuf=4096)
    s.sendall(ws_frame(json.dumps({"COMMAND": "LISTEN", "DATA": "/"}).encode()))
    osc = Osc(op)
    end, said, sent = time.time() + 120, False, 0
    while time.time() < end and not said:
        for i in range(50):
            osc.send("/stem/*/eq/*/gain", float((sent + i) % 7 - 3))
        sent += 50
        time.sleep(0.02)
        said = "closing a WebSocket that does not read" in open(logfile).read()
    diag("%d pattern sets sent" % sent)
    check(said, "stemd closed the WebSocket that does not read")
    # Its end: draining what was in flight reaches EOF or a close frame.
    s.settimeout(10)
    closed = False
    try:
        while True:
            b = s.recv(1 << 20)
            if not b:
                closed = True
                break
    except OSError as e:
        closed = isinstance(e, ConnectionResetError)
    check(closed, "the socket ends")
    s.close()
    alive(hp, op, "a WebSocket that does not read")


def bigframe(hp, op):
    """A 1 MB WebSocket message: stemd closes that socket."""
    s = ws_handshake(hp)
    try:
        s.sendall(ws_frame(b"x" * (1 << 20)))
    except OSError:
        pass  # closed while we were still sending: fine
    s.settimeout(10)
    data = recv_until_closed(s)
    # A close frame (opcode 8), with 1009 "message too big" when it got out before the reset.
    check(data == b"" or data[0] & 0x0F == 8, "the socket is closed (%r)" % data[:8])
    if len(data) >= 4 and data[0] & 0x0F == 8:
        check(struct.unpack(">H", data[2:4])[0] == 1009, "with 1009, message too big")
    alive(hp, op, "a 1 MB frame")


def manysockets(hp, op, n):
    """n idle connections at once: stemd keeps serving OSC meanwhile, and HTTP once they go."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 100)), hard))
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", hp))
        except BlockingIOError:
            pass
        except OSError as e:
            diag("connect: %s" % e)
            s.close()
            break
        socks.append(s)
    diag("%d sockets open" % len(socks))
    osc = Osc(op)
    osc.send("/ping")
    check(any(m[0] == "/pong" for m in osc.until("/pong", 5)), "OSC answers with %d sockets open" % len(socks))
    time.sleep(1)
    for s in socks:
        s.close()
    end = time.time() + 60
    while time.time() < end:
        try:
            if get(hp, "/?HOST_INFO")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    alive(hp, op, "%d open sockets" % len(socks))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd in ("malformed", "bigframe"):
        {"malformed": malformed, "bigframe": bigframe}[cmd](int(args[0]), int(args[1]))
    elif cmd in ("burst", "manysockets"):
        {"burst": burst, "manysockets": manysockets}[cmd](int(args[0]), int(args[1]), int(args[2]))
    elif cmd == "nonreader":
        nonreader(int(args[0]), int(args[1]), args[2])
    elif cmd == "mdns":
        mdns(args[0], int(args[1]), int(args[2]), len(args) > 3)
    elif cmd == "from":
        from_addr(int(args[0]), args[1])
    elif cmd == "wait":
        wait(int(args[0]))
    elif cmd == "listen":
        listen(int(args[0]), int(args[1]), args[2], args[3], args[4])
    elif cmd == "errors":
        errors(int(args[0]))
    elif cmd == "meters":
        meters(int(args[0]))
    elif cmd == "clients":
        clients(int(args[0]), int(args[1]))
    else:
        {"hostinfo": hostinfo, "namespace": namespace}[cmd](*map(int, args))
    sys.exit(1 if fails else 0)
