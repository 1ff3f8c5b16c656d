/* server/publish.h: parameter snapshots on their way to the process thread: built, published
 * (a release store the callback's acquire load pairs with), retired, and freed after a grace
 * period; and the control thread that frees what was retired and drains the loudness ring.
 * Internal to server/: only server/control.c (the change API) publishes; the engine and the
 * recorder retire and wait. server/server.h holds a struct control in struct stemd. */
#ifndef STEMD_PUBLISH_H
#define STEMD_PUBLISH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dsp/mix.h"
#include "dsp/params.h"
#include "server/control.h"

struct stemd;
struct retired;
struct loudness;
struct params_lookup;

/* A parameter snapshot as the process thread sees it: immutable once published. The
 * parameters follow the struct in the same allocation (size bytes). */
struct snap {
    uint64_t seq;
    size_t size;
    struct params *p;
    /* A scene recall's morph towards p (dsp/morph.h), NULL for none; owned by the control
     * state (ctl.plan), shared by the snapshots that point to it, retired when replaced. */
    const struct morph_plan *plan;
};

struct control {
    pthread_mutex_t wlock;        /* serialises writers; recursive, so listeners may call back */
    struct snap *cur;             /* published (release store); read by the process thread */
    struct snap *spare;           /* a freed snapshot kept for the next change (wlock held) */
    struct params_lookup *lookup; /* paths of this mix (its stem names), built once */
    uint64_t seq;
    struct morph_plan *plan;      /* the snapshots' morph (wlock held), NULL for none */
    struct morph_plan *next_plan; /* a recall's, for the next snapshot only (wlock held) */
    struct {
        stemd_listener_fn fn;
        void *ctx;
    } listeners[8];
    unsigned nlisteners;
    atomic_int dirty;               /* unsaved changes */
    _Atomic int64_t last_change_ms; /* stemd_now_ms (CLOCK_MONOTONIC_COARSE) */

    /* The control thread: frees retired snapshots and graphs after grace periods, and drains
     * the loudness ring buffer. */
    pthread_t thread;
    int thread_started;
    pthread_mutex_t rlock;
    pthread_cond_t rcond;
    struct retired *retired;
    int stop;
    _Atomic uint64_t grace_periods; /* read by tests (stemd-driver status) */
    _Atomic uint64_t reused;        /* snapshots reused at once, no grace period needed */

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

/* The control thread's life: init allocates (the first snapshot, the lookup, the loudness
 * meter), start runs the thread, stop joins it, fini frees (the process thread gone). */
int control_init(struct stemd *sd);
int control_start(struct stemd *sd);
void control_stop(struct stemd *sd);
void control_fini(struct stemd *sd);

/* Hand ptr to free_fn after the next grace period (never in the process thread). */
int control_retire(struct stemd *sd, void (*free_fn)(void *), void *ptr);
/* A grace period's fast path, grace_wait's first test: 1 when no callback is running, so none
 * holds a pointer unpublished before the call. */
int grace_now(struct stemd *sd);
/* Wait for a grace period: the process thread no longer holds any pointer unpublished before
 * the call (polls; never in the process thread). */
void grace_wait(struct stemd *sd);

/* A new, unpublished snapshot holding a copy of p (the spare one when it fits; wlock held).
 * NULL when out of memory. */
struct snap *snap_new(struct stemd *sd, const struct params *p);
/* Free a snapshot that was never published, or that no callback can hold (a retire callback). */
void snap_free(void *snap);
/* Publish s (wlock held): the next cycle that starts reads it; marks the state unsaved.
 * Returns the snapshot it replaced, for the caller to hand to snap_release once it no longer
 * reads it. */
struct snap *snap_publish(struct stemd *sd, struct snap *s);
/* Done with a snapshot that was replaced (wlock held): kept as the spare at once when no
 * callback is running (none can hold it), else retired for the control thread to free. */
void snap_release(struct stemd *sd, struct snap *old);

#endif
