/* server/server.h: the composition: the one explicit server struct, each module's state in it,
 * and stemd's life (init, run, fini). Each module's interface is its own header (engine.h,
 * meters.h, ports.h, recorder.h, state.h, notify.h, config.h, control.h). struct snap and
 * struct control, and control.c's internal calls, stay here until control.h takes them (the
 * change API's rewrite, in control.[ch]). */
#ifndef STEMD_SERVER_H
#define STEMD_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "dsp/mix.h"
#include "dsp/params.h"
#include "server/config.h"
#include "server/control.h"
#include "server/engine.h"
#include "server/meters.h"
#include "server/notify.h"
#include "server/ports.h"
#include "server/recorder.h"

/* A parameter snapshot as the process thread sees it: immutable once published. */
struct snap {
    uint64_t seq;
    struct params *p;
};

struct retired;

struct control {
    pthread_mutex_t wlock;        /* serialises writers; recursive, so listeners may call back */
    struct snap *cur;             /* RCU-published (release store); read by the process thread */
    struct params_lookup *lookup; /* paths of this mix (its stem names), built once */
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

    /* Meter readers beside stemd_take_meters' (server/metertap.c): guarded by mlock. While
     * none exists, stemd_take_meters reads the accumulators directly, as it always did. */
    pthread_mutex_t mlock;
    struct stemd_meter_tap *taps;
    struct mix_meters *mscratch, *mprimary; /* one take; stemd_take_meters' share */
    unsigned mprimary_takes;
    float mprimary_rms[STEMD_MAX_STEMS]; /* the last take's rms (exact for a single take) */

    pthread_mutex_t llock; /* guards loud */
    struct loudness *loud;
    _Atomic uint64_t loud_dropped;
};

struct stemd {
    struct stemd_config cfg;
    const char *names_ptr[STEMD_MAX_STEMS];
    struct params_names names;
    struct control ctl;
    struct engine eng;
    struct ports ports;
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

/* control.c (its internal calls; its public API is control.h) */
int control_init(struct stemd *sd);
int control_start(struct stemd *sd);
void control_stop(struct stemd *sd);
void control_fini(struct stemd *sd);
/* Hand ptr to free_fn after the next RCU grace period (never in the process thread). */
int control_retire(struct stemd *sd, void (*free_fn)(void *), void *ptr);
/* Wait for a grace period: the process thread no longer holds any pointer unpublished before
 * the call (polls; never in the process thread). See server/control.c and docs/ARCHITECTURE.md
 * (our own grace period over liburcu's publication, not a liburcu flavour's). */
void grace_wait(struct stemd *sd);
void snap_free(void *snap);

/* metertap.c: stemd_take_meters' half (with mlock held) and the taps' teardown. */
void metertap_take_primary(struct stemd *sd, struct mix_meters *out);
void metertap_fini(struct stemd *sd);

/* server.c: stemd's life */
int64_t stemd_now_ms(void);
int stemd_init(struct stemd *sd);
void stemd_fini(struct stemd *sd);
/* Run until SIGTERM/SIGINT (or *stop becomes non-zero, for embedding). Returns 0, or a
 * negative error when stemd cannot run (name taken, no server with --no-wait). */
int stemd_run(struct stemd *sd, int argc, char **argv, atomic_int *stop);

#endif
