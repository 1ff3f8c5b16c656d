/* tools/jackio_rt.c: stemd-jackio's JACK callbacks. The process callbacks only copy preloaded
 * buffers out and the inputs into a ring buffer: jack.h, jack_set_process_callback: "The code in
 * the supplied function must be suitable for real-time execution. That means that it cannot call
 * functions that might block for a long time. This includes malloc, free, printf,
 * pthread_mutex_lock, sleep, wait, poll, select, pthread_join, pthread_cond_wait, etc". So the
 * disk thread is not woken (that takes a lock or a syscall): it polls every 5 ms. */
#include <stdint.h>
#include <string.h>

#include "tools/jackio.h"

/* Hooks for tests/rtcheck.so (LD_PRELOAD): it counts forbidden calls (allocation, locks,
 * sleeps, I/O) made between enter and leave. Weak and absent in a normal run. */
void stemd_rt_enter(void) __attribute__((weak));
void stemd_rt_leave(void) __attribute__((weak));

static inline void rt_enter(void)
{
    if (stemd_rt_enter) stemd_rt_enter();
}

static inline void rt_leave(void)
{
    if (stemd_rt_leave) stemd_rt_leave();
}

/* Whether this side starts in the cycle that begins at frame time now. */
static int start_now(struct start *s, jack_nframes_t now)
{
    if (atomic_load_explicit(&s->started, memory_order_relaxed)) return 1;
    if (!atomic_load_explicit(&s->go, memory_order_acquire)) return 0;
    if ((int32_t)(now - atomic_load_explicit(&s->at, memory_order_relaxed)) < 0) return 0;
    atomic_store_explicit(&s->frame, now, memory_order_relaxed);
    atomic_store_explicit(&s->started, 1, memory_order_release);
    return 1;
}

static void play_cycle(jack_nframes_t n, void *arg)
{
    struct jackio *x = arg;
    int on = start_now(&x->ps, jack_last_frame_time(x->play_client));
    jack_nframes_t pos = x->play_pos;
    atomic_fetch_add_explicit(&x->cycles, 1, memory_order_relaxed);
    for (unsigned k = 0; k < x->nplay; k++) {
        struct player *p = &x->play[k];
        for (int c = 0; c < 2; c++) {
            float *out = jack_port_get_buffer(p->port[c], n);
            jack_nframes_t have = 0;
            if (on && pos < p->frames && pos < x->play_limit) {
                jack_nframes_t end = p->frames < x->play_limit ? p->frames : x->play_limit;
                have = end - pos < n ? end - pos : n;
                memcpy(out, p->buf[c] + pos, have * sizeof(float));
            }
            memset(out + have, 0, (n - have) * sizeof(float));
        }
    }
    if (on) {
        x->play_pos = x->play_limit - pos < n ? x->play_limit : pos + n;
        if (x->play_pos >= x->play_limit)
            atomic_store_explicit(&x->play_done, 1, memory_order_release);
    }
}

static void rec_cycle(jack_nframes_t n, void *arg)
{
    struct jackio *x = arg;
    jack_nframes_t now = jack_last_frame_time(x->rec_client);
    if (!x->play_client) atomic_fetch_add_explicit(&x->cycles, 1, memory_order_relaxed);
    if (!start_now(&x->rs, now) || atomic_load_explicit(&x->rec_done, memory_order_relaxed)) return;
    /* The end: --duration after the record start, or the playback's end plus the tail. */
    if (!atomic_load_explicit(&x->end_known, memory_order_relaxed)) {
        jack_nframes_t end = 0;
        int known = 0;
        if (x->duration_s >= 0) {
            end = atomic_load_explicit(&x->rs.frame, memory_order_relaxed) +
                  (jack_nframes_t)(x->duration_s * x->rate + 0.5);
            known = 1;
        } else if (x->nplay && atomic_load_explicit(&x->ps.started, memory_order_acquire)) {
            end = atomic_load_explicit(&x->ps.frame, memory_order_relaxed) + x->play_limit +
                  x->tail_frames;
            known = 1;
        }
        if (known) {
            atomic_store_explicit(&x->end_frame, end, memory_order_relaxed);
            atomic_store_explicit(&x->end_known, 1, memory_order_relaxed);
        }
    }
    jack_nframes_t take = n;
    int last = 0;
    if (atomic_load_explicit(&x->end_known, memory_order_relaxed)) {
        int32_t left = (int32_t)(atomic_load_explicit(&x->end_frame, memory_order_relaxed) - now);
        if (left <= (int32_t)n) {
            take = left > 0 ? (jack_nframes_t)left : 0;
            last = 1;
        }
    }
    const float *in[2];
    for (unsigned c = 0; c < x->rec_ch; c++)
        in[c] = jack_port_get_buffer(x->rec_port[c], n);
    size_t bytes = (size_t)take * x->rec_ch * sizeof(float);
    if (take > MAX_PERIOD || jack_ringbuffer_write_space(x->rb) < bytes) {
        atomic_fetch_add_explicit(&x->lost_frames, take, memory_order_relaxed);
    } else {
        for (jack_nframes_t i = 0; i < take; i++)
            for (unsigned c = 0; c < x->rec_ch; c++)
                x->scratch[i * x->rec_ch + c] = in[c][i];
        jack_ringbuffer_write(x->rb, (const char *)x->scratch, bytes);
        atomic_fetch_add_explicit(&x->rec_frames, take, memory_order_relaxed);
    }
    if (last) atomic_store_explicit(&x->rec_done, 1, memory_order_release);
}

/* The process callbacks: the cycle's work between the RT-check hooks. */
int jackio_play_process(jack_nframes_t n, void *arg)
{
    rt_enter();
    play_cycle(n, arg);
    rt_leave();
    return 0;
}

int jackio_rec_process(jack_nframes_t n, void *arg)
{
    rt_enter();
    rec_cycle(n, arg);
    rt_leave();
    return 0;
}

int jackio_on_xrun(void *arg)
{
    struct jackio *x = arg;
    /* The dummy backend reports a couple at start-up; only those during the run matter. */
    if (atomic_load(&x->rs.started) || atomic_load(&x->ps.started))
        atomic_fetch_add_explicit(&x->xruns, 1, memory_order_relaxed);
    return 0;
}

/* Called by JACK when the server goes away. jack.h, jack_on_shutdown: "The function must be
 * written as if it were an asynchonrous POSIX signal handler": so it only sets a flag for the
 * main thread (no exit(), no I/O, no jack_client_close). */
void jackio_on_shutdown(void *arg)
{
    struct jackio *x = arg;
    atomic_store(&x->shutdown, 1);
}
