/* server/engine.h: the JACK client and the DSP graph it runs.
 *
 * Two files, one per thread: engine_rt.c is the process thread's (the callback JACK calls in
 * real time, and its thread's start and end); engine.c is everything else: opening, closing and
 * reconnecting the client (main thread), the graph for each sample rate, and JACK's
 * notification callbacks (its non-RT notification thread: they only store flags). */
#ifndef STEMD_ENGINE_H
#define STEMD_ENGINE_H

#include <jack/jack.h>
#include <jack/ringbuffer.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "server/control.h"
#include "server/meters.h"

/* The DSP graph for one sample rate. Replaced (through RCU) only when the rate changes. */
struct graph {
    uint64_t gen; /* 1, 2, ...: which graph this is (a freed one's address may come back) */
    struct mix *mix;
    struct morph *morph;       /* the process thread's: a scene recall's morph (dsp/morph.h) */
    struct mix_meters *meters; /* scratch for mix_take_meters, used by the process thread */
    unsigned rate_hz, latency_frames;
    atomic_int needs_reset; /* set by the main thread after a reconnect; RT clears it */
};

struct stemd;

struct engine {
    /* Guards client/ports against the main thread closing or reopening them while another
     * control thread asks for status. Never taken by the process thread. */
    pthread_mutex_t lock;
    jack_client_t *client; /* NULL while no JACK server */
    jack_port_t **in;      /* 2 * nstems: L, R of stem 1, then stem 2, ... */
    jack_port_t *out[2];
    jack_port_t *midi_in, *midi_out; /* JACK MIDI (server/midi_rt.c moves their events) */
    /* MIDI through two rings of records (struct stemd_midi_hdr + bytes): the process thread
     * writes midi_in's events to midi_rx and sends midi_tx's on midi_out; one control thread
     * (the MIDI layer) is the other side of both. */
    jack_ringbuffer_t *midi_rx, *midi_tx;
    unsigned char *midi_scratch; /* the process thread's: one record being assembled */
    _Atomic uint64_t midi_rx_events, midi_rx_dropped, midi_tx_events, midi_tx_dropped;
    /* The process thread's own scratch, sized at start (no allocation later). */
    const float **in_l, **in_r;
    const float **in_lo, **in_ro; /* in_l, in_r at a morph piece's offset */
    double *loud_scratch;
    jack_ringbuffer_t *loud_rb; /* doubles: RT writes, the control thread reads */
    struct meters_rt *meters;

    struct graph *graph;        /* RCU-published */
    atomic_uint latency_frames; /* of the current graph, for the latency callback */
    atomic_int shutdown;        /* set by the on_info_shutdown callback */
    atomic_int in_callback;     /* 1 while the process callback runs (see control.c) */
    /* A stop: engine_close sets quiesce (after rt_fade), the callback fades out over rt_fade
     * frames and then sets quiet and only writes silence. */
    atomic_int quiesce, quiet;
#define ENGINE_RAMP_FRAMES 480 /* 10 ms at 48 kHz: fades after a reset, a new graph, at a stop */
    unsigned rt_fade;
    atomic_int freewheel;
    atomic_uint rate_hz, period_frames;
    atomic_uint pending_rate; /* a sample-rate callback asked for a new graph */
    _Atomic uint64_t cycles, xruns;
    _Atomic uint64_t cb_max_us;   /* longest process callback since start, microseconds */
    _Atomic uint64_t cb_overruns; /* callbacks that took longer than their period */
    _Atomic uint64_t seen_seq, seen_frame, seen_cycle; /* first cycle that used a snapshot */
    /* Morphs (server/scenes.c reads): the last plan that started, its first JACK frame (stored
     * before the id, release), and the last that ran to its end. */
    _Atomic uint64_t morph_started, morph_start_frame, morph_done;
    atomic_int conn_changed;   /* port-connect callback: re-read connections */
    atomic_int ports_appeared; /* port-registration callback: retry remembered connections */
    int64_t conn_changed_ms;
    int selftest_malloc; /* STEMD_RTCHECK_SELFTEST=1: prove the RT check catches one */
    void *volatile selftest_sink;
    /* The process thread's own: the graph it ran last and the frames left of a fade-in. */
    uint64_t rt_graph_gen; /* the graph it ran last (0: none yet) */
    unsigned rt_ramp;
    uint64_t graph_gens; /* the main thread's count of graphs built */
    uint64_t reconnects;
};

/* engine.c (main thread unless said otherwise) */
int engine_init(struct stemd *sd);
void engine_fini(struct stemd *sd);
/* Open the JACK client, register ports, activate, restore connections. Returns 0;
 * -ECONNREFUSED when no server runs; -EEXIST when the name is taken; other -errno. */
int engine_open(struct stemd *sd);
/* Deactivate and close (or, after a shutdown, just close) the client. */
void engine_close(struct stemd *sd);
/* Main thread, every tick: act on a pending sample-rate change and connection changes. */
void engine_tick(struct stemd *sd, int64_t now_ms);
/* Free a graph (a control_retire callback: after a grace period, never in the process thread). */
void graph_free(void *graph);

/* What the run loop and its status lines read of the engine (any thread; single atomic loads,
 * so inline). */
static inline unsigned engine_rate_hz(struct engine *e)
{
    return atomic_load(&e->rate_hz);
}
static inline unsigned engine_period_frames(struct engine *e)
{
    return atomic_load(&e->period_frames);
}
static inline unsigned engine_latency_frames(struct engine *e)
{
    return atomic_load(&e->latency_frames);
}
static inline uint64_t engine_xruns(struct engine *e)
{
    return atomic_load(&e->xruns);
}
/* Process callbacks so far: the watchdog's sign of life. */
static inline uint64_t engine_cycles(struct engine *e)
{
    return atomic_load(&e->cycles);
}
/* 1 while the process callback runs (an acquire load: the grace period's side, publish.c). */
static inline int engine_in_callback(struct engine *e)
{
    return atomic_load_explicit(&e->in_callback, memory_order_acquire);
}
/* The id of the last morph the callback ran to its end (0: none). */
static inline uint64_t engine_morph_done(struct engine *e)
{
    return atomic_load_explicit(&e->morph_done, memory_order_acquire);
}
/* The id of the last morph the callback started, and its first JACK frame in *frame. */
static inline uint64_t engine_morph_started(struct engine *e, uint64_t *frame)
{
    uint64_t id = atomic_load_explicit(&e->morph_started, memory_order_acquire);
    *frame = atomic_load_explicit(&e->morph_start_frame, memory_order_relaxed);
    return id;
}
/* The ring of K-weighted 100 ms energies the callback writes (doubles; one control-thread reader).
 */
static inline jack_ringbuffer_t *engine_loudness_ring(struct engine *e)
{
    return e->loud_rb;
}
/* The callback's meter accumulators (server/meters.h: meters_rt_take reads them). */
static inline struct meters_rt *engine_meters(struct engine *e)
{
    return e->meters;
}
/* JACK shut the client down (the server went away): engine_close, then engine_open again. */
static inline int engine_lost(struct engine *e)
{
    return atomic_load(&e->shutdown);
}
/* The engine's part of stemd_status (connected, DSP load, reconnections, rate, period,
 * latency, xruns, callback figures, cycles); the other fields are left as they are. Any
 * thread but the process thread (takes the engine's lock for the client). */
void engine_status(struct engine *e, struct stemd_status *o);
/* The last snapshot the callback used and the frame it started at (stemd_seen). */
void engine_seen(struct engine *e, uint64_t *seq, uint64_t *frame);
/* The client and its ports, for the port bookkeeping (server/ports.c holds no JACK state of its
 * own and reads none of this struct). Our ports, numbered: 2 * nstems stem inputs (L, R of stem
 * 1, then 2, ...), the master's L and R, midi_in, midi_out. */
#define ENGINE_NPORTS(nstems)   (2 * (nstems) + 4)
#define ENGINE_MIDI_IN(nstems)  (2 * (nstems) + 2)
#define ENGINE_MIDI_OUT(nstems) (2 * (nstems) + 3)
/* The slot that holds port p (NULL while unregistered): register and unregister fill it. */
jack_port_t **engine_port_slot(struct engine *e, unsigned nstems, unsigned p);
/* The client, for the main thread (which opens and closes it): NULL while there is none. */
jack_client_t *engine_client(struct engine *e);
/* For any control thread: the engine's lock taken, and the client under it (NULL while there is
 * none; engine_lost says whether the server shut it down). engine_unlock_client ends it. Never
 * from the process thread. */
jack_client_t *engine_lock_client(struct engine *e);
void engine_unlock_client(struct engine *e);

/* The run loop counts its reconnections here (reported by stemd_status). */
static inline void engine_count_reconnect(struct engine *e)
{
    e->reconnects++;
}

/* midi_rt.c: the process thread's MIDI (in: events to midi_rx; out: midi_tx's to midi_out),
 * bounded to STEMD_MIDI_RT_EVENTS each way per cycle. RT. */
void midi_rt_process(struct engine *e, jack_nframes_t n);

/* engine_rt.c: the process thread's. JACK's process callback (arg: the struct stemd). RT. */
int engine_rt_process(jack_nframes_t n, void *arg);
/* JACK's thread-init callback: FTZ/DAZ, and the TSD that engine_rt_thread_exit clears. */
void engine_rt_thread_init(void *arg);
/* The process thread's TSD destructor: marks it out of the callback when JACK ends or cancels
 * the thread, so a grace period never waits for a dead reader. */
void engine_rt_thread_exit(void *sd);

/* Weak hooks the RT-safety check (tests/rtcheck.c) defines: they mark the extent of the
 * process callback. Absent in a normal run, where the calls are skipped. */
void stemd_rt_enter(void) __attribute__((weak));
void stemd_rt_leave(void) __attribute__((weak));

#endif
