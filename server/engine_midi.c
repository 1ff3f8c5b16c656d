/* server/engine_midi.c: the engine's control side of the MIDI rings (server/midi_rt.c is the
 * process thread's): one event out of midi_in's ring, one message into midi_out's. One control
 * thread uses both. */
#include <errno.h>
#include <string.h>

#include "server/ring.h"
#include "server/server.h"

size_t stemd_midi_read(struct stemd *sd, uint8_t *msg, size_t cap)
{
    struct engine *e = &sd->eng;
    struct stemd_midi_hdr h;
    if (ring_take(e->midi_rx, &h, sizeof h, sizeof h) != sizeof h) return 0;
    /* The writer puts a record whole and its len is at most STEMD_MIDI_MSG_MAX. */
    size_t len = h.len, got = 0;
    if (len <= cap) return ring_take(e->midi_rx, msg, len, 1);
    /* A caller with too small a buffer: the record is consumed and lost, the ring stays whole. */
    while (got < len) {
        uint8_t skip[64];
        size_t k = len - got < sizeof skip ? len - got : sizeof skip;
        size_t t = ring_take(e->midi_rx, skip, k, 1);
        if (!t) break;
        got += t;
    }
    atomic_fetch_add(&e->midi_rx_dropped, 1);
    return 0;
}

int stemd_midi_write(struct stemd *sd, const uint8_t *msg, size_t len)
{
    struct engine *e = &sd->eng;
    unsigned char rec[sizeof(struct stemd_midi_hdr) + STEMD_MIDI_MSG_MAX];
    if (len == 0 || len > STEMD_MIDI_MSG_MAX) return -EINVAL;
    struct stemd_midi_hdr h = {0, (uint32_t)len};
    memcpy(rec, &h, sizeof h);
    memcpy(rec + sizeof h, msg, len);
    if (!ring_put(e->midi_tx, rec, sizeof h + len)) {
        atomic_fetch_add(&e->midi_tx_dropped, 1);
        return -ENOBUFS;
    }
    return 0;
}

void stemd_midi_counters(struct stemd *sd, struct stemd_midi_counters *o)
{
    struct engine *e = &sd->eng;
    o->rx_events = atomic_load(&e->midi_rx_events);
    o->rx_dropped = atomic_load(&e->midi_rx_dropped);
    o->tx_events = atomic_load(&e->midi_tx_events);
    o->tx_dropped = atomic_load(&e->midi_tx_dropped);
}
