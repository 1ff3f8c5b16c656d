#!/usr/bin/python3
"""tools/bench-midi.py: what a MIDI control costs in stemd, as figures (never pass/fail).

bench-midi.py SERVER STEMD_PID SECONDS
  stemd on JACK server SERVER (client "stemd", stems a and b, /stem/1/mute mapped to CC 20 ch 1
  and /stem/2/fader to CC 21 ch 1, see tools/bench-midi.sh). One JACK client here plays a
  1 kHz tone into stem a, records the master and sends the MIDI, all in one process callback, so
  the frame each CC left on and the frame the master changed are on one clock.
  1. Latency: 40 mute toggles; for each, the frames from the cycle the CC reached stemd in to
     the first master sample that changed, less the graph's 2 ms (which every input has), in
     process cycles: median and largest. 1 is the least possible: the MIDI thread applies the
     change between cycles, and the next cycle's snapshot carries it.
  2. Cost: CC 21 at 10 000 events/s for SECONDS, against as long idle: the CPU time stemd's
     MIDI thread ("stemd-midi", /proc/PID/task/*/stat) used, per second and per event.
Needs python3-jack-client (Debian).
"""
import math
import os
import statistics
import sys
import threading
import time

import jack

server, pid, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
cl = jack.Client("benchmidi", servername=server, no_start_server=True)
mout = cl.midi_outports.register("out")
aout = cl.outports.register("tone")
ain = cl.inports.register("master")
rate, period = cl.samplerate, cl.blocksize
LAT = round(0.002 * rate)  # stemd's constant latency (the limiter's 2 ms)
AMP, FREQ = 0.25, 1000.0

lock = threading.Lock()
state = {"pending": [], "sent": [], "flood": 0.0, "flood_carry": 0.0, "sent_n": 0,
         "change": None, "watch": None}


def tone(frame0, n):
    w = 2 * math.pi * FREQ / rate
    return [AMP * math.sin(w * (frame0 + i)) for i in range(n)]


hist = {}  # frame -> input sample, for the frames still in flight


@cl.set_process_callback
def process(n):
    f0 = cl.last_frame_time
    x = tone(f0, n)
    buf = memoryview(aout.get_buffer()).cast("f")  # no numpy: the buffer as floats
    for i, v in enumerate(x):
        buf[i] = v
    for i, v in enumerate(x):
        hist[f0 + i] = v
    y = memoryview(ain.get_buffer()).cast("f")
    mout.clear_buffer()
    with lock:
        for msg in state["pending"]:
            mout.write_midi_event(0, msg)
            state["sent"].append(f0)
        state["pending"] = []
        # the flood: CC 21, values cycling, as many this cycle as the rate asks for
        state["flood_carry"] += state["flood"] * n / rate
        k = int(state["flood_carry"])
        state["flood_carry"] -= k
        for j in range(min(k, 64)):
            mout.write_midi_event(0, bytes((0xB0, 21, (state["sent_n"] + j) & 0x7F)))
        state["sent_n"] += min(k, 64)
        w = state["watch"]
        if w is not None and state["change"] is None:
            # stemd runs after this client in the cycle (it reads what this one wrote), so what
            # this one reads of the master is stemd's previous cycle: frames f0 - n ...
            for i in range(n):
                src = hist.get(f0 - n + i - LAT)
                if src is None:
                    continue
                # before the change the master is the other state's signal: the first sample off it
                other = src if w else 0.0
                if abs(y[i] - other) > 1e-3:
                    state["change"] = f0 - n + i
                    break
    for k2 in [k3 for k3 in hist if k3 < f0 - 4 * LAT - n]:
        del hist[k2]


def midi_cpu_ticks():
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
                s = f.read()
        except OSError:
            continue
        if s[s.index("(") + 1:s.rindex(")")] == "stemd-midi":
            fields = s[s.rindex(")") + 2:].split()
            return int(fields[11]) + int(fields[12])  # utime + stime
    return None


cl.activate()
cl.connect(mout, "stemd:midi_in")
cl.connect(aout, cl.get_ports("stemd:in_", is_audio=True, is_input=True)[0])  # stem a, left
cl.connect("stemd:master_L", ain)
time.sleep(1.0)

lat = []
muted = False
for t in range(40):
    muted = not muted
    with lock:
        state["change"] = None
        state["watch"] = muted
        state["sent"] = []
        state["pending"] = [bytes((0xB0, 20, 127 if muted else 0))]
    t0 = time.time()
    while time.time() - t0 < 2.0:
        time.sleep(0.01)
        with lock:
            if state["change"] is not None and state["sent"]:
                lat.append((state["change"] - (state["sent"][0] + LAT)) / period)
                break
    with lock:
        state["watch"] = None
    time.sleep(0.15)
if lat:
    print("MIDI CC -> audio, %d mute toggles, %d Hz / %d frames: median %.1f cycles, largest %.1f "
          "(cycles from the one the CC came in, the graph's 2 ms taken out; 1 is the least)"
          % (len(lat), rate, period, statistics.median(lat), max(lat)))
else:
    print("MIDI CC -> audio: no change seen (is /stem/1/mute mapped to CC 20?)")

hz = os.sysconf("SC_CLK_TCK")
a = midi_cpu_ticks()
time.sleep(secs)
b = midi_cpu_ticks()
with lock:
    state["flood"] = 10000.0
    n0 = state["sent_n"]
time.sleep(secs)
with lock:
    state["flood"] = 0.0
    n1 = state["sent_n"]
c = midi_cpu_ticks()
if a is None or c is None:
    print("MIDI thread cost: no thread named stemd-midi in pid %d" % pid)
else:
    idle = (b - a) / hz / secs
    busy = (c - b) / hz / secs
    ev = (n1 - n0) / secs
    print("MIDI thread CPU: idle %.1f ms/s; %.0f events/s (CC to a fader) %.1f ms/s, %.2f us per event"
          % (idle * 1e3, ev, busy * 1e3, (busy - idle) / ev * 1e6 if ev else float("nan")))
cl.deactivate()
cl.close()
