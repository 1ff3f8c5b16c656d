#!/usr/bin/python3
# tests/osc/layout-check.py: checks a layout stemctl wrote against the formats and against a
# live stemd. Run by tests/osc/90-layout.t (Debian's python3: zlib, xml, json are standard).
#
#   layout-check.py tosc|ostc FILE LIST DUMP METERS NSTEMS [ROUNDTRIP CLIENT PORT SAMPLE]
#
# LIST: what the server answered to /list (osc-client lines "/list/reply ,sssfffs PATH TYPE UNIT
# MIN MAX DEFAULT DESC"); DUMP: its answer to "/subscribe norm names" (PATH/norm and PATH/text
# of every parameter, and meters); METERS: lines of meter addresses it sent. Prints one line a
# check, "ok - what" or "not ok - what: why"; with ROUNDTRIP, sends SAMPLE of the layout's
# controls' values with the test client and reads the parameters back.
import json
import random
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zlib

FAILS = 0


def check(cond, what, why=""):
    global FAILS
    if cond:
        print("ok - " + what)
    else:
        FAILS += 1
        print("not ok - " + what + (": " + why if why else ""))


def short(items, n=5):
    items = sorted(items)
    return ", ".join(items[:n]) + (" ... (%d)" % len(items) if len(items) > n else "")


# --- what the live server says -----------------------------------------------------------------

def read_list(path):
    params = {}
    for line in open(path):
        f = line.rstrip("\n").split(" ")
        if len(f) < 8 or f[0] != "/list/reply":
            continue
        p = {"type": f[3], "unit": f[4], "min": float(f[5]), "max": float(f[6])}
        if p["type"].startswith("enum:"):
            p["choices"] = p["type"][5:].split("|")
        params[f[2]] = p
    return params


def read_addrs(path):
    out = set()
    for line in open(path):
        f = line.strip().split(" ")
        if f and f[0].startswith("/"):
            out.add(f[0])
    return out


# --- the model both checks reduce a file to ------------------------------------------------------
# A control: kind (send: "set" for a parameter, "action"; receive: "show"), address, arguments.

class Ctl:
    def __init__(self, where, kind, addr, **kw):
        self.where, self.kind, self.addr = where, kind, addr
        self.__dict__.update(kw)


def check_common(ctls, params, dump, meters, nstems, app):
    norm_paths = {p + "/norm": p for p in params}
    sets = [c for c in ctls if c.kind == "set"]
    shows = [c for c in ctls if c.kind == "show"]
    acts = [c for c in ctls if c.kind == "action"]

    bad = [c.addr for c in sets if c.addr not in norm_paths]
    check(not bad, "%s: every address a control sends is a parameter's /norm in /list" % app,
          short(bad))
    bad = [c.addr for c in shows if c.addr not in dump and c.addr not in meters]
    check(not bad, "%s: every address a control shows is one stemd feeds back (dump or meters)"
          % app, short(bad))
    bad = []
    for c in acts:
        if c.addr == "/subscribe":
            args = c.args[1:] if c.args and re.fullmatch(r"\d+", c.args[0]) and \
                0 < int(c.args[0]) < 65536 else c.args
            if sorted(args) != ["names", "norm"]:
                bad.append("%s %s" % (c.addr, c.args))
        elif c.addr != "/loudness/reset":
            bad.append(c.addr)
    check(acts and not bad, "%s: actions are /subscribe [PORT] norm names and /loudness/reset" % app,
          short(bad))

    # scaling: the argument's travel is the parameter's whole range in /norm
    bad = []
    for c in sets:
        p = params.get(norm_paths.get(c.addr, ""), None)
        if p is None:
            continue
        if c.steps:
            want = len(p["choices"]) if "choices" in p else int(p["max"]) + 1
            if c.steps != want or abs(c.lo) > 1e-9 or abs(c.hi * (c.steps - 1) - 1) > 1e-6:
                bad.append("%s steps %d (want %d) scale %g..%g" % (c.addr, c.steps, want, c.lo,
                                                                   c.hi))
            if "choices" in p and c.names and c.names != p["choices"]:
                bad.append("%s names %s (want %s)" % (c.addr, c.names, p["choices"]))
        elif p["type"] not in ("float", "bool") or c.lo != 0 or c.hi != 1:
            bad.append("%s (%s) scale %g..%g" % (c.addr, p["type"], c.lo, c.hi))
    check(not bad, "%s: argument scaling matches each row: 0..1 in /norm, one step per choice"
          % app, short(bad, 3))

    # coverage: every parameter on the layout, both ways, with its label
    sent = {c.addr for c in sets}
    shown = {c.addr for c in shows}
    miss = [a for a in norm_paths if a not in sent]
    check(not miss, "%s: every parameter of /list has a control (%d)" % (app, len(norm_paths)),
          short(miss))
    miss = [a for a in dump if a.endswith("/norm") and a not in shown and a not in sent]
    check(not miss, "%s: every /norm stemd feeds back moves a control" % app, short(miss))
    miss = [p + "/text" for p, d in params.items()
            if d["type"] != "bool" and p + "/text" not in shown]
    check(not miss, "%s: every non-switch parameter has a label showing its /text" % app,
          short(miss))
    miss = [m for m in meters if m not in shown]
    check(meters and not miss, "%s: every meter stemd sends is shown (%d)" % (app, len(meters)),
          short(miss))
    gr = ["/stem/%d/meter/gr" % (k + 1) for k in range(nstems)] + ["/bus/meter/gr_limiter"]
    gr += ["/bus/meter/gr_band%d" % b for b in (1, 2, 3)]
    miss = [g for g in gr if g not in shown]
    check(not miss, "%s: gain reduction of every compressor, band and the limiter" % app,
          short(miss))
    return sets, acts


def check_geometry(pages, app):
    """pages: {page: [(name, interactive, x, y, w, h)]}: inside the page, no overlaps."""
    bad = []
    for page, items in pages.items():
        for n, inter, x, y, w, h in items:
            if w <= 0 or h <= 0 or x < -0.5 or y < -0.5 or x + w > 1280.5 or y + h > 800.5:
                bad.append("%s/%s at %g,%g %gx%g" % (page, n, x, y, w, h))
        boxes = [i for i in items if i[1]]
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[2] < b[2] + b[4] - 0.5 and b[2] < a[2] + a[4] - 0.5 and \
                        a[3] < b[3] + b[5] - 0.5 and b[3] < a[3] + a[5] - 0.5:
                    bad.append("%s: %s and %s overlap" % (page, a[0], b[0]))
    check(not bad, "%s: every control inside its page, no two touchable ones overlap" % app,
          short(bad, 3))


# --- TouchOSC ------------------------------------------------------------------------------------

TYPES = {"BOX", "BUTTON", "LABEL", "TEXT", "FADER", "XY", "RADIAL", "ENCODER", "RADAR", "RADIO",
         "GROUP", "GRID", "PAGER"}
VALUES = {"BUTTON": ["x", "touch"], "LABEL": ["text", "touch"], "FADER": ["x", "touch"],
          "RADIAL": ["x", "touch"], "RADIO": ["x", "touch"], "GROUP": ["touch"],
          "PAGER": ["page", "touch"]}
COMMON = ["background", "color", "cornerRadius", "frame", "grabFocus", "interactive", "locked",
          "name", "orientation", "outline", "outlineStyle", "pointerPriority", "shape", "visible"]
REQUIRED = {"FADER": ["bar", "barDisplay", "cursor", "grid", "gridSteps", "response"],
            "RADIAL": ["cursor", "grid", "gridSteps", "response", "inverted", "centered"],
            "BUTTON": ["buttonType", "press", "release", "valuePosition"],
            "RADIO": ["steps", "radioType"],
            "LABEL": ["font", "textAlignH", "textAlignV", "textColor", "textSize", "textClip"],
            "PAGER": ["tabLabels", "tabbar", "tabbarSize"], "GROUP": []}
KEYTYPE = {"frame": "r", "color": "c", "textColor": "c", "gridColor": "c", "name": "s",
           "script": "s", "tag": "s", "tabLabel": "s", "cornerRadius": "f"}
for k in ("background", "grabFocus", "interactive", "locked", "outline", "visible", "bar",
          "cursor", "grid", "press", "release", "valuePosition", "textClip", "tabLabels",
          "tabbar", "tabbarDoubleTap", "inverted", "centered"):
    KEYTYPE[k] = "b"
for k in ("orientation", "outlineStyle", "pointerPriority", "shape", "buttonType", "steps",
          "radioType", "textSize", "textAlignH", "textAlignV", "font", "gridSteps", "response",
          "responseFactor", "tabbarSize", "textSizeOff", "textSizeOn", "textLength",
          "barDisplay", "cursorDisplay"):
    KEYTYPE[k] = "i"


def tosc(path, params, dump, meters, nstems):
    raw = open(path, "rb").read()
    try:
        xml = zlib.decompress(raw)
    except zlib.error as e:
        check(False, "tosc: zlib stream", str(e))
        return [], []
    check(True, "tosc: a zlib stream (%d bytes, %d unpacked)" % (len(raw), len(xml)))
    check(xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?><lexml version='6'>"),
          "tosc: XML declaration and <lexml version='6'>")
    root = ET.fromstring(xml)
    nodes = list(root)
    check(root.tag == "lexml" and len(nodes) == 1 and nodes[0].tag == "node" and
          nodes[0].get("type") == "GROUP", "tosc: one root node, a GROUP")
    top = nodes[0]
    check(top.find("includes") is not None and list(top)[0].tag == "includes",
          "tosc: the root node starts with <includes>")

    ids, names, problems, ctls = set(), set(), [], []
    pages = {}
    script = {"text": ""}

    def props_of(node):
        out = {}
        keys = []
        for p in node.find("properties") if node.find("properties") is not None else []:
            k, t, v = p.findtext("key"), p.get("type"), p.find("value")
            keys.append(k)
            if t not in "sbifrc" or len(t) != 1 or v is None:
                problems.append("%s: property %s type %s" % (node.get("ID"), k, t))
                continue
            if k in KEYTYPE and KEYTYPE[k] != t:
                problems.append("%s: %s is type %s, not %s" % (node.get("ID"), k, t, KEYTYPE[k]))
            if t == "r":
                out[k] = [float(v.findtext(c)) for c in "xywh"]
            elif t == "c":
                out[k] = [float(v.findtext(c)) for c in "rgba"]
            elif t in "bi":
                if not re.fullmatch(r"-?\d+", v.text or ""):
                    problems.append("%s: %s=%r is not whole" % (node.get("ID"), k, v.text))
                out[k] = int(v.text or 0)
            elif t == "f":
                out[k] = float(v.text)
            else:
                out[k] = v.text or ""
        if keys != sorted(keys):
            problems.append("%s: properties not in alphabetical order" % node.get("ID"))
        return out

    def walk(node, page, ox, oy, depth):
        t, nid = node.get("type"), node.get("ID")
        if t not in TYPES or not nid:
            problems.append("node %s of type %s" % (nid, t))
            return
        if nid in ids:
            problems.append("duplicate ID " + nid)
        ids.add(nid)
        pr = props_of(node)
        for k in COMMON + REQUIRED.get(t, []):
            if k not in pr:
                problems.append("%s %s lacks %s" % (t, nid, k))
        if pr.get("name") in names:
            problems.append("duplicate name %s" % pr.get("name"))
        names.add(pr.get("name"))
        vals = [v.findtext("key") for v in node.find("values")] \
            if node.find("values") is not None else []
        if vals != VALUES.get(t, vals):
            problems.append("%s %s values %s" % (t, nid, vals))
        kids = node.find("children")
        if kids is not None and t not in ("GROUP", "PAGER", "GRID"):
            problems.append("%s %s has children" % (t, nid))
        if t == "PAGER" and (depth == 0 or any(k.get("type") != "GROUP" for k in kids)):
            problems.append("PAGER %s: at the root, or a page that is not a GROUP" % nid)
        if "script" in pr:
            script["text"] += pr["script"]
        x, y, w, h = pr.get("frame", [0, 0, 0, 0])
        if t == "GROUP" and "tabLabel" in pr:
            page = (page + "/" if page else "") + pr["tabLabel"]
            ox, oy = 0, 0
        elif t not in ("GROUP", "PAGER"):
            pages.setdefault(page, []).append((pr.get("name"), pr.get("interactive") == 1,
                                               x, y, w, h))
        for m in node.find("messages") if node.find("messages") is not None else []:
            if m.tag != "osc":
                problems.append("%s: a <%s> binding" % (nid, m.tag))
                continue
            for k in ("enabled", "send", "receive", "feedback", "noDuplicates"):
                if m.findtext(k) not in ("0", "1"):
                    problems.append("%s: <osc> %s=%r" % (nid, k, m.findtext(k)))
            if len(m.findtext("connections") or "") != 10:
                problems.append("%s: connections %r" % (nid, m.findtext("connections")))
            addr = "".join(p.findtext("value") for p in m.find("path")
                           if p.findtext("type") == "CONSTANT")
            args = list(m.find("arguments"))
            send, recv = m.findtext("send") == "1", m.findtext("receive") == "1"
            if send and not m.find("triggers"):
                problems.append("%s: sends without a trigger" % nid)
            consts = [a.findtext("value") for a in args if a.findtext("type") == "CONSTANT"]
            valarg = [a for a in args if a.findtext("type") == "VALUE"]
            lo = float(valarg[0].findtext("scaleMin")) if valarg else 0
            hi = float(valarg[0].findtext("scaleMax")) if valarg else 1
            where = "%s/%s" % (page, pr.get("name"))
            if t == "BUTTON" and pr.get("buttonType") == 0:
                ctls.append(Ctl(where, "action", addr, args=consts))
                continue
            if send:
                names_ = pr.get("tag", "").split("|") if t == "RADIO" else None
                ctls.append(Ctl(where, "set", addr, lo=lo, hi=hi,
                                steps=pr.get("steps", 0) if t == "RADIO" else 0, names=names_))
            if recv:
                if valarg and valarg[0].findtext("value") not in ("x", "text"):
                    problems.append("%s: receives into %s" % (nid, valarg[0].findtext("value")))
                ctls.append(Ctl(where, "show", addr))
        for k in kids if kids is not None else []:
            walk(k, page, ox, oy, depth + 1)

    walk(top, "", 0, 0, 0)
    check(not problems, "tosc: every node's type, required properties (typed, in order), "
          "values, children and <osc> bindings (%d nodes)" % len(ids), short(problems, 4))
    check(len(ids) > 0 and not any("duplicate" in p for p in problems),
          "tosc: no duplicate control IDs or names")
    check(re.search(r"sendOSC\('/subscribe', (\d+, )?'norm', 'names'\)", script["text"]) and
          "sendOSC('/ping')" in script["text"] and "function update()" in script["text"],
          "tosc: the root's script subscribes at start and renews the lease")
    check_geometry(pages, "tosc")
    tabs = sorted(p for p in pages if "/" not in p)
    mixers = [p for p in pages if p.startswith("mixer")]
    stems_seen = {p.split("/")[-1] for p in pages if p not in mixers and p != "master"}
    check(len(mixers) == (nstems + 11) // 12 and "master" in pages and
          len(stems_seen) == nstems, "tosc: pages: %d mixer, %d stems, master (tabs: %s)"
          % (len(mixers), len(stems_seen), short(tabs, 8)))
    return check_common(ctls, params, dump, meters, nstems, "tosc")


# --- Open Stage Control --------------------------------------------------------------------------

WIDGETS = {"fader", "knob", "button", "switch", "dropdown", "text"}


def ostc(path, params, dump, meters, nstems):
    try:
        doc = json.load(open(path))
    except ValueError as e:
        check(False, "ostc: JSON", str(e))
        return [], []
    ver = tuple(int(v) for v in str(doc.get("version", "0")).split("."))
    check(ver > (1, 24, 2), "ostc: version %s is above 1.24.2" % doc.get("version"))
    c = doc.get("content", {})
    check(doc.get("type") == "session" and c.get("type") == "root" and
          isinstance(c.get("widgets"), list) and isinstance(c.get("tabs"), list) and c["tabs"],
          "ostc: a session whose content is a root with widgets and tabs")
    check(re.search(r"send\('/subscribe', (\d+, )?'norm', 'names'\)", c.get("onCreate", "")) and
          "send('/ping')" in c.get("onCreate", ""),
          "ostc: the root's onCreate subscribes and renews the lease")
    ids, problems, ctls, pages = set(), [], [], {}

    def walk_tab(tab, page):
        if tab.get("type") != "tab" or "label" not in tab:
            problems.append("tab %s" % tab.get("id"))
        page = (page + "/" if page else "") + str(tab.get("label"))
        for t in tab.get("tabs", []):
            walk_tab(t, page)
        for w in tab.get("widgets", []):
            wid, t = w.get("id"), w.get("type")
            if wid in ids:
                problems.append("duplicate id %s" % wid)
            ids.add(wid)
            if t not in WIDGETS:
                problems.append("%s: type %s" % (wid, t))
                continue
            for k in ("left", "top", "width", "height", "address", "target", "preArgs"):
                if k not in w:
                    problems.append("%s lacks %s" % (wid, k))
            if not isinstance(w.get("preArgs"), list):
                problems.append("%s: preArgs %r" % (wid, w.get("preArgs")))
            if w.get("target") not in ("", None) and \
                    not re.fullmatch(r"[^:]+:\d+", str(w.get("target"))):
                problems.append("%s: target %r" % (wid, w.get("target")))
            inter = w.get("interaction", True) is not False and t != "text"
            pages.setdefault(page, []).append((wid, inter, w.get("left", 0), w.get("top", 0),
                                               w.get("width", 0), w.get("height", 0)))
            addr, where = w.get("address", ""), page + "/" + str(wid)
            if t in ("fader", "knob"):
                r = w.get("range", {})
                if not isinstance(r.get("min"), (int, float)) or \
                        not isinstance(r.get("max"), (int, float)):
                    problems.append("%s: range %r" % (wid, r))
                    continue
                ctls.append(Ctl(where, "show", addr))
                if inter:
                    ctls.append(Ctl(where, "set", addr, lo=r["min"], hi=r["max"], steps=0,
                                    names=None))
            elif t == "button":
                if w.get("mode") == "tap":
                    ctls.append(Ctl(where, "action", addr,
                                    args=[str(a) for a in w["preArgs"]] +
                                    ([w["on"]] if isinstance(w.get("on"), str) else [])))
                elif w.get("mode") == "toggle" and w.get("on") == 1 and w.get("off") == 0:
                    ctls.append(Ctl(where, "set", addr, lo=0, hi=1, steps=0, names=None))
                    ctls.append(Ctl(where, "show", addr))
                else:
                    problems.append("%s: button mode %r on %r off %r" % (wid, w.get("mode"),
                                                                        w.get("on"), w.get("off")))
            elif t in ("switch", "dropdown"):
                vals = w.get("values")
                if not isinstance(vals, dict) or len(vals) < 2:
                    problems.append("%s: values %r" % (wid, vals))
                    continue
                v = list(vals.values())
                n = len(v)
                # the values are what stemd sends back for each choice: float32 of k/(n-1)
                import struct
                exact = all(v[k] == struct.unpack("f", struct.pack("f", k / (n - 1)))[0]
                            for k in range(n))
                if not exact:
                    problems.append("%s: values %s are not stemd's float32 k/(n-1)" % (wid, v))
                ctls.append(Ctl(where, "set", addr, lo=0, hi=v[1], steps=n,
                                names=list(vals.keys())))
                ctls.append(Ctl(where, "show", addr))
            elif t == "text" and not w.get("bypass"):
                ctls.append(Ctl(where, "show", addr))

    for t in c.get("tabs", []):
        walk_tab(t, "")
    check(not problems, "ostc: every widget's type and properties (%d widgets)" % len(ids),
          short(problems, 4))
    check(ids and not any("duplicate" in p for p in problems), "ostc: no duplicate widget ids")
    check_geometry(pages, "ostc")
    mixers = [p for p in pages if p.startswith("mixer")]
    stems_seen = {p.split("/")[-1] for p in pages if p not in mixers and p != "master"}
    check(len(mixers) == (nstems + 11) // 12 and "master" in pages and
          len(stems_seen) == nstems, "ostc: tabs: %d mixer, %d stems, master"
          % (len(mixers), len(stems_seen)))
    return check_common(ctls, params, dump, meters, nstems, "ostc")


# --- the round trip ------------------------------------------------------------------------------

def actions(acts, client, port):
    """Each action as the layout sends it: no /error; a /subscribe's feedback arrives where it
    asks (its port, or the port it came from)."""
    bad, done = [], set()
    for a in acts:
        key = (a.addr, tuple(a.args))
        if key in done:
            continue
        done.add(key)
        types = "".join("i" if re.fullmatch(r"\d+", x) else "s" for x in a.args)
        src, args = int(port) + 5, list(a.args)
        to = int(args[0]) if a.addr == "/subscribe" and types.startswith("i") else src
        if to != src and not int(port) <= to <= int(port) + 10:
            # a shipped layout's port (TouchOSC's 9000) is not ours to listen on here
            print("%s asks for feedback at port %d: sent with port %d instead"
                  % (a.addr, to, int(port) + 2))
            to = int(port) + 2
            args[0] = str(to)
        listener = None
        if to != src:
            listener = subprocess.Popen([client, "-l", str(to), "-n", "400", "-w", "3000",
                                         "listen", "5000"], stdout=subprocess.PIPE, text=True)
            time.sleep(0.5)  # bound before the feedback comes
        # (meters may come before the dump: enough messages to see some of both)
        out = subprocess.run([client, "-p", str(port), "-l", str(src), "-w", "1000", "-n", "400",
                              "send", a.addr, types] + args, capture_output=True, text=True,
                             timeout=30).stdout
        got = listener.communicate(timeout=30)[0] if listener else out
        if "/error" in out:
            bad.append("%s %s: %s" % (a.addr, a.args, out.strip().splitlines()[0]))
        elif a.addr == "/subscribe" and not re.search(r"^/(stem|bus)/\S+/(norm|text) ", got, re.M):
            bad.append("%s %s: no feedback at port %d" % (a.addr, a.args, to))
        if a.addr == "/subscribe":
            subprocess.run([client, "-p", str(port), "-l", str(src), "-w", "0", "send",
                            "/unsubscribe"], capture_output=True, timeout=30)
    check(done and not bad, "actions sent as the layout would: %s" % short(
        ["%s %s" % (k[0], " ".join(k[1])) for k in done]), short(bad, 3))


def roundtrip(sets, params, client, port, sample):
    # From one port, as the layout's app sends: a new port per message is a sender churning
    # its source ports, which the server takes in at OSC_NEW_CLIENTS a second (a fast machine
    # reached that, and a set was dropped).
    def osc(*args, n=0, w=600):
        cmd = [client, "-p", str(port), "-l", str(int(port) + 6), "-w", str(w)] + \
            (["-n", str(n)] if n else []) + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout

    def query(path):
        for _ in range(3):  # a datagram lost on a loaded machine is asked for again
            for line in osc("send", path, n=1, w=2000).splitlines():
                f = line.split(" ")
                if f[0] == path and len(f) >= 3:
                    return float(f[2])
        return None

    rnd = random.Random(11)
    by_addr = {}
    for c in sets:
        by_addr.setdefault(c.addr, c)
    chosen = rnd.sample(sorted(by_addr), min(sample, len(by_addr)))
    bad, n = [], 0
    for addr in chosen:
        c, base = by_addr[addr], addr[:-len("/norm")]
        p = params[base]
        # what the control sends: smin + x * (smax - smin), x its travel (a radio: its step)
        travel = range(c.steps) if c.steps else (0.0, 1.0) if p["type"] == "bool" else \
            (0.0, 0.5, 1.0)
        for x in travel:
            v = c.lo + x * (c.hi - c.lo)
            osc("send", addr, "f", "%.9g" % v, w=0)
            got_units, got_norm = query(base), query(addr)
            n += 1
            if c.steps:
                want = float(x)  # the x-th choice (a stem selector: 0 self, then stem k)
                ok_ = got_units is not None and abs(got_units - want) < 1e-6
            elif x in (0.0, 1.0):
                want = p["min"] if x == 0 else p["max"]
                ok_ = got_units is not None and abs(got_units - want) <= 1e-4 * max(1, abs(want))
            else:
                want = v
                ok_ = got_norm is not None and abs(got_norm - v) < 2e-3
            if not ok_:
                bad.append("%s x=%g sent %.6g: read %s / %s, want %g" % (addr, x, v, got_units,
                                                                      got_norm, want))
    check(n and not bad, "round trip: %d controls, %d values sent as the layout would and read "
          "back (ends of the range, the middle in /norm, every choice)" % (len(chosen), n),
          short(bad, 3))


def main():
    app, path, lst, dmp, mtr, nstems = sys.argv[1:7]
    params, dump, meters = read_list(lst), read_addrs(dmp), read_addrs(mtr)
    check(len(params) > 0 and len(dump) >= 2 * len(params) and len(meters) > 0,
          "the live server's /list (%d), feedback (%d) and meters (%d)"
          % (len(params), len(dump), len(meters)))
    sets, acts = (tosc if app == "tosc" else ostc)(path, params, dump, meters, int(nstems))
    if len(sys.argv) > 7:
        actions(acts, sys.argv[8], sys.argv[9])
        roundtrip(sets, params, sys.argv[8], sys.argv[9], int(sys.argv[10]))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
