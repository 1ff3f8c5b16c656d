/* server/server.h: the one explicit server struct and the modules' internal interfaces. */
#ifndef STEMD_SERVER_H
#define STEMD_SERVER_H

#include <jack/jack.h>
#include <jack/ringbuffer.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "dsp/mix.h"
#include "dsp/params.h"
#include "server/config.h"
#include "server/recorder.h"
#include "server/control.h"
#include "server/notify.h"

/* A parameter snapshot as the process thread sees it: immutable once published. */
struct snap {
    uint64_t seq;
    struct params *p;
};

/* The DSP graph for one sample rate. Replaced (through RCU) only when the rate changes. */
struct graph {
    uint64_t gen; /* 1, 2, ...: which graph this is (a freed one's address may come back) */
    struct mix *mix;
    struct mix_meters *meters; /* scratch for mix_take_meters, used by the process thread */
    unsigned rate_hz, latency_frames;
    atomic_int needs_reset; /* set by the main thread after a reconnect; RT clears it */
};

/* Meters on their way out of the process thread: each field an atomic, so the control side
 * never waits for the process thread and vice versa. Peaks and reductions are maxima since the
 * last take (float bits in a uint32: positive floats order like their bits); energies add up. */
struct meter_acc {
    _Atomic uint32_t peak_l, peak_r, gr_db;
    _Atomic uint64_t energy_bits; /* double: sum of rms^2 * frames */
    _Atomic uint64_t frames;
};
struct meters_rt {
    unsigned nstems;
    _Atomic uint32_t bus_peak_l, bus_peak_r, bus_true_peak, bus_gr_limiter;
    _Atomic uint32_t bus_gr_band[STEMD_MB_BANDS];
    _Atomic uint32_t bus_correlation; /* the latest value */
    struct meter_acc stem[];
};

struct meters_rt *meters_rt_new(unsigned nstems);
/* RT: add one cycle's meters (from mix_take_meters over n frames). */
void meters_rt_push(struct meters_rt *m, const struct mix_meters *cycle, unsigned n);
/* Everything since the last take into out, and restart. */
void meters_rt_take(struct meters_rt *m, struct mix_meters *out);

/* Loudness on the control side: 100 ms K-weighted quarter energies in, M/S/I/LRA out. */
struct loudness;
struct loudness *loudness_new(void);
void loudness_free(struct loudness *l);
void loudness_add(struct loudness *l, const double *quarters, unsigned n);
void loudness_read(struct loudness *l, struct stemd_loudness *out);
void loudness_reset(struct loudness *l);

struct retired;

struct control {
    pthread_mutex_t wlock; /* serialises writers; recursive, so listeners may call back */
    struct snap *cur;      /* RCU-published (release store); read by the process thread */
    uint64_t seq;
    struct {
        stemd_listener_fn fn;
        void *ctx;
    } listeners[8];
    unsigned nlisteners;
    atomic_int dirty;               /* unsaved changes */
    _Atomic int64_t last_change_ms; /* CLOCK_MONOTONIC */

    /* The control thread: frees retired snapshots and graphs after RCU grace periods, and
     * drains the loudness ring buffer. */
    pthread_t thread;
    int thread_started;
    pthread_mutex_t rlock;
    pthread_cond_t rcond;
    struct retired *retired;
    int stop;
    _Atomic uint64_t grace_periods; /* read by tests (stemd-driver status) */

    pthread_mutex_t llock; /* guards loud */
    struct loudness *loud;
    _Atomic uint64_t loud_dropped;
};

struct conn; /* a remembered connection, ports.c */

struct engine {
    /* Guards client/ports against the main thread closing or reopening them while another
     * control thread asks for status. Never taken by the process thread. */
    pthread_mutex_t lock;
    jack_client_t *client; /* NULL while no JACK server */
    jack_port_t **in;      /* 2 * nstems: L, R of stem 1, then stem 2, ... */
    jack_port_t *out[2];
    /* The process thread's own scratch, sized at start (no allocation later). */
    const float **in_l, **in_r;
    double *loud_scratch;
    jack_ringbuffer_t *loud_rb; /* doubles: RT writes, the control thread reads */
    struct meters_rt *meters;

    struct graph *graph;        /* RCU-published */
    atomic_uint latency_frames; /* of the current graph, for the latency callback */
    atomic_int shutdown;        /* set by the on_info_shutdown callback */
    atomic_int in_callback;     /* 1 while the process callback runs (see control.c) */
    atomic_int freewheel;
    atomic_uint rate_hz, period_frames;
    atomic_uint pending_rate; /* a sample-rate callback asked for a new graph */
    _Atomic uint64_t cycles, xruns;
    _Atomic uint64_t cb_max_us;   /* longest process callback since start, microseconds */
    _Atomic uint64_t cb_overruns; /* callbacks that took longer than their period */
    _Atomic uint64_t seen_seq, seen_frame, seen_cycle; /* first cycle that used a snapshot */
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

    struct conn *conns; /* remembered connections (main thread only) */
    unsigned nconns, conns_cap;
};

struct stemd {
    struct stemd_config cfg;
    const char *names_ptr[STEMD_MAX_STEMS];
    struct params_names names;
    struct control ctl;
    struct engine eng;
    struct notify notify;
    struct recorder rec;
    pthread_key_t rt_key; /* its destructor marks the process thread out of the callback */
    int rt_key_made;
    double start_s;
    char state_name[CONFIG_NAME_MAX + 8];
    /* Called on the main thread after a SIGHUP reloaded cfg (main.c hands the OSC layer its new
     * settings); NULL for none. */
    void (*on_reload)(struct stemd *sd, void *ctx);
    void *on_reload_ctx;
};

/* control.c */
int control_init(struct stemd *sd);
int control_start(struct stemd *sd);
void control_stop(struct stemd *sd);
void control_fini(struct stemd *sd);
/* Hand ptr to free_fn after the next RCU grace period (never in the process thread). */
int control_retire(struct stemd *sd, void (*free_fn)(void *), void *ptr);
/* Wait for a grace period: the process thread no longer holds any pointer unpublished before
 * the call (polls; never in the process thread). See server/control.c. */
void grace_wait(struct stemd *sd);
void snap_free(void *snap);

/* engine.c */
int engine_init(struct stemd *sd);
void engine_fini(struct stemd *sd);
/* Open the JACK client, register ports, activate, restore connections. Returns 0;
 * -ECONNREFUSED when no server runs; -EEXIST when the name is taken; other -errno. */
int engine_open(struct stemd *sd);
/* Deactivate and close (or, after a shutdown, just close) the client. */
void engine_close(struct stemd *sd);
/* Main thread, every tick: act on a pending sample-rate change and connection changes. */
void engine_tick(struct stemd *sd, int64_t now_ms);
void graph_free(void *graph);
/* The process thread's TSD destructor: leaves RCU when JACK ends or cancels the thread. */
void engine_rt_thread_exit(void *unused);

/* ports.c */
int ports_register(struct stemd *sd);
void ports_set_metadata(struct stemd *sd);
/* Remove our ports' properties while the client still reads its notifications (see
 * engine_close). */
void ports_clear_metadata(struct stemd *sd);
/* Unregister our ports (client deactivated, not yet closed). */
void ports_unregister(struct stemd *sd);
void ports_remember_config(struct stemd *sd);
void ports_snapshot(struct stemd *sd);
void ports_restore(struct stemd *sd, int verbose);
void ports_forget(struct stemd *sd);

/* server.c */
int64_t stemd_now_ms(void);
int stemd_init(struct stemd *sd);
void stemd_fini(struct stemd *sd);
/* Run until SIGTERM/SIGINT (or *stop becomes non-zero, for embedding). Returns 0, or a
 * negative error when stemd cannot run (name taken, no server with --no-wait). */
int stemd_run(struct stemd *sd, int argc, char **argv, atomic_int *stop);

/* Weak hooks the RT-safety check (tests/rtcheck.c) defines: they mark the extent of the
 * process callback. Absent in a normal run, where the calls are skipped. */
void stemd_rt_enter(void) __attribute__((weak));
void stemd_rt_leave(void) __attribute__((weak));

#endif
