#!/usr/bin/python3
"""tests/midi/midiclient.py: the test JACK MIDI client: plays messages into stemd:midi_in and
records what stemd:midi_out sends, printing each received message as hex bytes, one a line.

midiclient.py -s SERVER [-c CLIENT] [-r RECORD_MS] [-g GAP_MS] [--ready FILE] [--until FILE]
              ACTION...
  ACTION: HEX (one message, e.g. b00740), +MS (a pause), junk:N:SEED (N random bytes in
  events of 1-8 bytes), flood:SECONDS:RATE:SEED (random bytes, RATE events/s)
Messages go out one per process cycle (GAP_MS apart when given); recording starts before the
first one and lasts RECORD_MS after the last (default 300). Needs python3-jack-client (Debian).
"""
import argparse
import errno
import os
import queue
import random
import sys
import threading
import time

import jack

ap = argparse.ArgumentParser()
ap.add_argument("-s", "--server", required=True)
ap.add_argument("-c", "--client", default="stemd")
ap.add_argument("-r", "--record", type=int, default=300)
ap.add_argument("-g", "--gap", type=int, default=0)
ap.add_argument("--ready", help="create this file once connected (recording from then on)")
ap.add_argument("--until", help="record until this file exists (at most -r ms after the last action)")
ap.add_argument("actions", nargs="*")
a = ap.parse_args()

for attempt in range(40):  # a loaded server can time the open out too: 10 s of tries
    try:
        client = jack.Client("miditest", servername=a.server, no_start_server=True)
        break
    except jack.JackOpenError:
        if attempt == 39:
            raise
        time.sleep(0.25)
out = client.midi_outports.register("out")
inp = client.midi_inports.register("in")
# Events written per process cycle at most: 256 (stemd's own bound, STEMD_MIDI_RT_EVENTS) at
# 750 cycles a second (64 frames at 48 kHz) lets a flood reach 10^5 events/s and more.
PER_CYCLE = 256
todo = queue.Queue()
got = []
lock = threading.Lock()


@client.set_process_callback
def process(frames):
    out.clear_buffer()
    n = 0
    while n < PER_CYCLE:
        try:
            msg = todo.get_nowait()
        except queue.Empty:
            break
        out.write_midi_event(0, msg)
        n += 1
    for _off, data in inp.incoming_midi_events():
        with lock:
            got.append(bytes(data))


def connect(src, dst):
    """A loaded server can time a request out (jack_connect fails, and nothing is connected):
    try again for up to 30 s; an existing connection is what was asked for."""
    for attempt in range(120):
        try:
            client.connect(src, dst)
            return
        except jack.JackErrorCode as e:
            if e.code == errno.EEXIST:
                return
            if attempt == 119:
                raise
        except jack.JackError:
            if attempt == 119:
                raise
        time.sleep(0.25)


with client:
    connect(out, f"{a.client}:midi_in")
    connect(f"{a.client}:midi_out", inp)
    # A new connection carries events once the server has rebuilt its graph: wait until both
    # are listed, then some periods more (a loaded machine is slow to get there).
    for _ in range(200):
        if client.get_all_connections(out) and client.get_all_connections(inp):
            break
        time.sleep(0.01)
    time.sleep(0.3)
    if a.ready:
        open(a.ready, "w").close()
    period = client.blocksize / client.samplerate
    for act in a.actions:
        if act.startswith("+"):
            time.sleep(int(act[1:]) / 1000)
        elif act.startswith("junk:"):
            _, n, seed = act.split(":")
            rnd = random.Random(int(seed))
            left = int(n)
            while left > 0:
                k = min(left, rnd.randint(1, 8))
                todo.put(bytes(rnd.randrange(256) for _ in range(k)))
                left -= k
                if todo.qsize() > 512:
                    time.sleep(period * 4)
        elif act.startswith("flood:"):
            _, secs, rate, seed = act.split(":")
            rnd = random.Random(int(seed))
            t0 = time.monotonic()
            end = t0 + float(secs)
            sent = 0
            # Paced by the clock (what is due by now, then 2 ms of sleep), at most 4 cycles'
            # worth queued: a busy machine sends less, never a backlog after the end.
            while (now := time.monotonic()) < end:
                due = int((now - t0) * int(rate)) - sent
                room = 4 * PER_CYCLE - todo.qsize()
                for _ in range(max(0, min(due, room))):
                    todo.put(rnd.randbytes(rnd.randint(1, 3)))
                    sent += 1
                time.sleep(0.002)
            took = time.monotonic() - t0
            print(f"# flood sent {sent} events in {took:.2f} s ({sent / took:.0f}/s)",
                  file=sys.stderr)
        else:
            todo.put(bytes.fromhex(act))
            time.sleep(max(a.gap / 1000, period * 2))
    while not todo.empty():
        time.sleep(period)
    end = time.monotonic() + a.record / 1000
    while time.monotonic() < end:
        if a.until and os.path.exists(a.until):
            break
        time.sleep(0.01)
    with lock:
        for m in got:
            print(m.hex())
