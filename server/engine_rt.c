/* server/engine_rt.c: the process thread's: JACK's real-time process callback, and its thread's
 * start (FTZ/DAZ) and end. Nothing here allocates, locks, logs or makes a system call. */
#define _LGPL_SOURCE
#include <jack/jack.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/dsp.h"
#include "dsp/morph.h"
#include "server/engine.h"
#include "server/meters.h"
#include "server/recorder.h"
#include "server/server.h"
#include "server/ring.h"

#define RAMP_FRAMES ENGINE_RAMP_FRAMES

/* A linear gain ramp over RAMP_FRAMES, *left frames of it still to go: up (a fade-in, unity
 * once it is done) or down (a fade-out, silence once it is done). */
static void ramp(float *l, float *r, unsigned n, unsigned *left, int up)
{
    for (unsigned i = 0; i < n && (*left || !up); i++) {
        float gain = (float)(up ? RAMP_FRAMES - *left : *left) / RAMP_FRAMES;
        l[i] *= gain;
        r[i] *= gain;
        if (*left) (*left)--;
    }
}

/* One piece of the period through the mix, with the values morph_run chose for it. */
struct piece {
    struct engine *e;
    struct mix *mix;
    unsigned ns;
    float *out_l, *out_r;
};

static void run_piece(void *ctx, const struct params *p, unsigned off, unsigned n)
{
    struct piece *pc = ctx;
    struct engine *e = pc->e;
    const float **il = e->in_l, **ir = e->in_r;
    if (off) {
        for (unsigned k = 0; k < pc->ns; k++)
            e->in_lo[k] = e->in_l[k] + off, e->in_ro[k] = e->in_r[k] + off;
        il = e->in_lo, ir = e->in_ro;
    }
    mix_process(pc->mix, p, il, ir, pc->out_l + off, pc->out_r + off, n);
}

/* Runs in JACK's process thread. jack.h: "The code in the supplied function must be suitable
 * for real-time execution. That means that it cannot call functions that might block for a
 * long time. This includes malloc, free, printf, pthread_mutex_lock, sleep, wait, poll,
 * select, pthread_join, pthread_cond_wait, etc." Everything it touches was allocated before
 * activation; the snapshot and the graph come through RCU publication (an acquire load), read
 * inside the in_callback window that control.c's grace period waits for (no liburcu reader). */
int engine_rt_process(jack_nframes_t n, void *arg)
{
    struct stemd *sd = arg;
    struct engine *e = &sd->eng;
    unsigned ns = sd->cfg.nstems;

    if (stemd_rt_enter) stemd_rt_enter();
    /* jack_get_time reads the clock through the vDSO: no system call. */
    jack_time_t t0 = jack_get_time();
    /* Enter the read side: in_callback set, then a full fence before any published pointer is
     * read. The control thread's grace_wait pairs with it (server/control.c). */
    atomic_store_explicit(&e->in_callback, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);

    /* Acquire: everything written into a snapshot or graph before its release store. */
    struct snap *s = __atomic_load_n(&sd->ctl.cur, __ATOMIC_ACQUIRE);
    struct graph *g = __atomic_load_n(&e->graph, __ATOMIC_ACQUIRE);
    float *out_l = jack_port_get_buffer(e->out[0], n);
    float *out_r = jack_port_get_buffer(e->out[1], n);

    if (!g || g->rate_hz != atomic_load_explicit(&e->rate_hz, memory_order_relaxed) ||
        atomic_load_explicit(&e->quiet, memory_order_relaxed)) {
        /* The rate changed and the main thread is building the graph for it, or stemd is
         * stopping and has faded out: silence. */
        memset(out_l, 0, n * sizeof *out_l);
        memset(out_r, 0, n * sizeof *out_r);
    } else {
        /* A new graph (a new rate) must not replay the morph the old one started last: this
         * thread is the only one that stores morph_started, so no start can slip past it. */
        if (g->gen != e->rt_graph_gen)
            morph_seed(g->morph, atomic_load_explicit(&e->morph_started, memory_order_relaxed));
        if (atomic_exchange_explicit(&g->needs_reset, 0, memory_order_acquire)) {
            /* Clear the states only (bounded); the units keep their targets and the output
             * fades in over RAMP_FRAMES. (mix_reset with a snapshot pre-rolls 250 ms: not here.) */
            mix_reset(g->mix, NULL);
            morph_reset(g->morph);
            e->rt_ramp = RAMP_FRAMES;
        } else if (g->gen != e->rt_graph_gen && e->rt_graph_gen) {
            e->rt_ramp = RAMP_FRAMES;
        }
        e->rt_graph_gen = g->gen;
        for (unsigned k = 0; k < ns; k++) {
            e->in_l[k] = jack_port_get_buffer(e->in[2 * k], n);
            e->in_r[k] = jack_port_get_buffer(e->in[2 * k + 1], n);
        }
        /* A scene recall's morph, when the snapshot carries one, else one call. */
        struct piece pc = {e, g->mix, ns, out_l, out_r};
        unsigned at = 0;
        if (morph_run(g->morph, mix_phase(g->mix), s->p, s->seq, s->plan, n, run_piece, &pc, &at)) {
            atomic_store_explicit(&e->morph_start_frame, jack_last_frame_time(e->client) + at,
                                  memory_order_relaxed);
            atomic_store_explicit(&e->morph_started, s->plan->id, memory_order_release);
        }
        if (morph_done_id(g->morph) != atomic_load_explicit(&e->morph_done, memory_order_relaxed))
            atomic_store_explicit(&e->morph_done, morph_done_id(g->morph), memory_order_release);
        if (e->rt_ramp) ramp(out_l, out_r, n, &e->rt_ramp, 1);
        if (atomic_load_explicit(&e->quiesce, memory_order_acquire)) {
            /* Stopping: fade out (no click for whatever listens), then only silence, so the
             * deactivation that follows finds this thread idle and jack2's cancellation of it
             * lands outside the DSP (under ThreadSanitizer, outside its runtime). */
            ramp(out_l, out_r, n, &e->rt_fade, 0);
            if (!e->rt_fade) atomic_store_explicit(&e->quiet, 1, memory_order_relaxed);
        }
        mix_take_meters(g->mix, g->meters);
        meters_rt_push(e->meters, g->meters, n);
        unsigned dropped = 0;
        unsigned nq = mix_take_loudness(g->mix, e->loud_scratch, MIX_LOUDNESS_QUEUE, &dropped);
        if (nq) {
            size_t bytes = nq * sizeof(double);
            if (!ring_put(e->loud_rb, e->loud_scratch, bytes)) dropped += nq;
        }
        if (dropped)
            atomic_fetch_add_explicit(&sd->ctl.loud_dropped, dropped, memory_order_relaxed);
        if (s->seq != atomic_load_explicit(&e->seen_seq, memory_order_relaxed)) {
            atomic_store_explicit(&e->seen_frame, jack_last_frame_time(e->client),
                                  memory_order_relaxed);
            atomic_store_explicit(&e->seen_cycle,
                                  atomic_load_explicit(&e->cycles, memory_order_relaxed),
                                  memory_order_relaxed);
            atomic_store_explicit(&e->seen_seq, s->seq, memory_order_release);
        }
    }

    midi_rt_process(e, n);

    recorder_rt_push(&sd->rec, out_l, out_r, n,
                     atomic_load_explicit(&e->rate_hz, memory_order_relaxed));

    /* Leave it: every use of s and g is ordered before these release stores. */
    atomic_store_explicit(&e->in_callback, 0, memory_order_release);
    atomic_fetch_add_explicit(&e->cycles, 1, memory_order_release);
    /* The longest callback so far: the measure of whether stemd itself ever ran late. */
    uint64_t us = jack_get_time() - t0;
    if (us > atomic_load_explicit(&e->cb_max_us, memory_order_relaxed))
        atomic_store_explicit(&e->cb_max_us, us, memory_order_relaxed);
    unsigned rate = atomic_load_explicit(&e->rate_hz, memory_order_relaxed);
    if (rate && us * rate > (uint64_t)n * 1000000u)
        atomic_fetch_add_explicit(&e->cb_overruns, 1, memory_order_relaxed);
    if (e->selftest_malloc) {
        /* STEMD_RTCHECK_SELFTEST=1: one forbidden call, so the RT check proves it can fail. */
        e->selftest_malloc = 0;
        e->selftest_sink = malloc(16);
        free(e->selftest_sink);
    }
    if (stemd_rt_leave) stemd_rt_leave();
    return 0;
}

void engine_rt_thread_exit(void *v)
{
    struct stemd *sd = v;
    /* jack2 cancels the process thread on deactivation (asynchronously: it may be inside the
     * callback); this TSD destructor still runs, so a grace period never waits for a dead
     * reader. */
    atomic_store_explicit(&sd->eng.in_callback, 0, memory_order_release);
}

void engine_rt_thread_init(void *arg)
{
    struct stemd *sd = arg;
    dsp_flush_denormals();
    if (!pthread_getspecific(sd->rt_key)) pthread_setspecific(sd->rt_key, sd);
}
