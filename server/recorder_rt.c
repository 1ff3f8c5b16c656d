/* server/recorder_rt.c: the process thread's half of the recorder: this cycle's master into the
 * ring while recording (see recorder.h). No lock, no system call. */
#include "server/recorder.h"
#include "server/tsan.h"

#define FRAME_BYTES RECORDER_FRAME_BYTES

void recorder_rt_push(struct recorder *r, const float *l, const float *rr, unsigned n,
                      unsigned rate)
{
    if (atomic_load_explicit(&r->state, memory_order_acquire) != REC_RUNNING) return;
    if (rate != r->rate) { /* r->rate is set before the state's release store */
        atomic_store_explicit(&r->rate_seen, rate, memory_order_relaxed);
        return;
    }
    jack_ringbuffer_data_t v[2];
    size_t bytes = (size_t)n * FRAME_BYTES;
    TSAN_ACQUIRE(r->rb);
    jack_ringbuffer_get_write_vector(r->rb, v);
    if (v[0].len + v[1].len < bytes) {
        atomic_fetch_add_explicit(&r->dropped, n, memory_order_relaxed);
        return;
    }
    /* Every write is whole frames and the ring's size a power of two, so when the free space
     * wraps, its first part ends on a frame boundary: no frame straddles the two parts. */
    unsigned i = 0;
    for (int s = 0; s < 2 && i < n; s++) {
        float *d = (float *)(void *)v[s].buf;
        size_t room = v[s].len / FRAME_BYTES;
        for (size_t j = 0; j < room && i < n; j++, i++) {
            d[2 * j] = l[i];
            d[2 * j + 1] = rr[i];
        }
    }
    TSAN_RELEASE(r->rb); /* before the advance publishes the frames (see server/ring.h) */
    jack_ringbuffer_write_advance(r->rb, bytes);
}
