/* server/ring.h: whole-message hand-over through a jack_ringbuffer, annotated for ThreadSanitizer.
 *
 * libjack's ring is lock-free with its own barriers, out of TSan's sight (see server/tsan.h). A
 * side's release must come *before* the pointer that publishes its work moves, or the other side
 * can see the moved pointer, acquire, and touch the bytes before the release exists: a report
 * TSan is right to make about the annotations. So these copy with peek / the write vector, mark
 * the release, then advance. Bounded work, no system call: safe in the process thread. */
#ifndef STEMD_SERVER_RING_H
#define STEMD_SERVER_RING_H

#include <jack/ringbuffer.h>
#include <string.h>

#include "server/tsan.h"

/* All of src in, or nothing (returns 0 when the ring has less room than bytes). */
static inline size_t ring_put(jack_ringbuffer_t *rb, const void *src, size_t bytes)
{
    jack_ringbuffer_data_t v[2];
    if (jack_ringbuffer_write_space(rb) < bytes) return 0;
    TSAN_ACQUIRE(rb); /* the space the reader freed */
    jack_ringbuffer_get_write_vector(rb, v);
    size_t first = v[0].len < bytes ? v[0].len : bytes;
    memcpy(v[0].buf, src, first);
    if (bytes > first) memcpy(v[1].buf, (const char *)src + first, bytes - first);
    TSAN_RELEASE(rb);
    jack_ringbuffer_write_advance(rb, bytes);
    return bytes;
}

/* Up to max bytes out, in multiples of unit; returns how many. */
static inline size_t ring_take(jack_ringbuffer_t *rb, void *dst, size_t max, size_t unit)
{
    size_t n = jack_ringbuffer_read_space(rb);
    if (n > max) n = max;
    n -= n % unit;
    if (!n) return 0;
    TSAN_ACQUIRE(rb); /* the bytes the writer published */
    jack_ringbuffer_peek(rb, (char *)dst, n);
    TSAN_RELEASE(rb);
    jack_ringbuffer_read_advance(rb, n);
    return n;
}

#endif
