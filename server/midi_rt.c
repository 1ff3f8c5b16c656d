/* server/midi_rt.c: the process thread's MIDI: midi_in's events into a ring for the MIDI layer,
 * the MIDI layer's queued events onto midi_out. It decides nothing about what they mean. Nothing
 * here allocates, locks, logs or makes a system call; each way is bounded per cycle. */
#include <jack/midiport.h>
#include <string.h>

#include "server/engine.h"
#include "server/ring.h"

static void midi_in(struct engine *e, jack_nframes_t n)
{
    void *buf = jack_port_get_buffer(e->midi_in, n);
    uint32_t count = jack_midi_get_event_count(buf), moved = 0, dropped = 0;
    struct stemd_midi_hdr h;
    for (uint32_t i = 0; i < count; i++) {
        jack_midi_event_t ev;
        if (jack_midi_event_get(&ev, buf, i) != 0) continue;
        /* Past the cycle's cap, too long, or no room: lost, and counted (the control side
         * reports it); the ring never blocks the process thread. */
        if (moved == STEMD_MIDI_RT_EVENTS || ev.size == 0 || ev.size > STEMD_MIDI_MSG_MAX) {
            dropped++;
            continue;
        }
        h.frame = ev.time;
        h.len = (uint32_t)ev.size;
        memcpy(e->midi_scratch, &h, sizeof h);
        memcpy(e->midi_scratch + sizeof h, ev.buffer, ev.size);
        if (ring_put(e->midi_rx, e->midi_scratch, sizeof h + ev.size))
            moved++;
        else
            dropped++;
    }
    if (moved) atomic_fetch_add_explicit(&e->midi_rx_events, moved, memory_order_relaxed);
    if (dropped) atomic_fetch_add_explicit(&e->midi_rx_dropped, dropped, memory_order_relaxed);
}

static void midi_out(struct engine *e, jack_nframes_t n)
{
    void *buf = jack_port_get_buffer(e->midi_out, n);
    jack_midi_clear_buffer(buf);
    uint32_t sent = 0, dropped = 0;
    struct stemd_midi_hdr h;
    /* A record is put whole (one ring_put), so once its header is readable its bytes are. */
    for (unsigned i = 0; i < STEMD_MIDI_RT_EVENTS; i++) {
        if (ring_take(e->midi_tx, &h, sizeof h, sizeof h) != sizeof h) break;
        size_t len = h.len <= STEMD_MIDI_MSG_MAX ? h.len : 0;
        if (len == 0 || ring_take(e->midi_tx, e->midi_scratch, len, 1) != len) {
            dropped++; /* cannot happen with the writer's checks; never trust it blindly */
            break;
        }
        /* Frame 0: events must be in time order, and all of these are "now". */
        if (jack_midi_event_write(buf, 0, e->midi_scratch, len) == 0)
            sent++;
        else
            dropped++; /* the port's buffer is full this cycle */
    }
    if (sent) atomic_fetch_add_explicit(&e->midi_tx_events, sent, memory_order_relaxed);
    if (dropped) atomic_fetch_add_explicit(&e->midi_tx_dropped, dropped, memory_order_relaxed);
}

void midi_rt_process(struct engine *e, jack_nframes_t n)
{
    if (e->midi_in) midi_in(e, n);
    if (e->midi_out) midi_out(e, n);
}
