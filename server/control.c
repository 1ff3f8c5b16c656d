/* server/control.c: the C API: validate, build a new snapshot, publish it with RCU, free the
 * old one after a grace period in the control thread; meters and status for readers.
 *
 * RCU: publication by a release store and the reader's acquire load (rcu_assign_pointer's and
 * rcu_dereference's ordering, as C11 atomic accesses: liburcu's go through volatile, which
 * ThreadSanitizer rightly reports as a race); the grace period is our own (grace_wait), because
 * there is exactly one reader, the process thread, and every liburcu flavour's reader may make a
 * system call: when a writer has given up spinning in synchronize_rcu and sleeps on a futex, the
 * reader's next quiescent state (QSBR's thread_offline, urcu-mb's read_unlock) issues FUTEX_WAKE.
 * Under a storm of changes the RT check caught that once in ~69 000 callbacks. Here the reader only
 * stores a flag, fences, and stores again; the control thread does all the waiting, by polling. */
#define _LGPL_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsp/preset.h"
#include "server/log.h"
#include "server/server.h"
#include "server/tsan.h"
#include "server/state.h"

struct retired {
    struct retired *next;
    void (*free_fn)(void *);
    void *ptr;
};

void snap_free(void *ptr)
{
    struct snap *s = ptr;
    if (s) {
        params_free(s->p);
        free(s);
    }
}

static struct snap *snap_from(const struct params *p)
{
    struct snap *s = malloc(sizeof *s);
    if (!s) return NULL;
    s->p = params_dup(p);
    if (!s->p) {
        free(s);
        return NULL;
    }
    return s;
}

int control_retire(struct stemd *sd, void (*free_fn)(void *), void *ptr)
{
    struct control *c = &sd->ctl;
    struct retired *r = malloc(sizeof *r);
    if (!r) {
        /* Out of memory: wait for the grace period here rather than leak or free too early. */
        grace_wait(sd);
        free_fn(ptr);
        return 0;
    }
    r->free_fn = free_fn;
    r->ptr = ptr;
    pthread_mutex_lock(&c->rlock);
    r->next = c->retired;
    c->retired = r;
    pthread_cond_signal(&c->rcond);
    pthread_mutex_unlock(&c->rlock);
    return 0;
}

/* Publish s (wlock held): the next cycle that starts reads it. Returns the old snapshot, for
 * the caller to retire once it no longer reads it. */
static struct snap *publish(struct stemd *sd, struct snap *s)
{
    struct control *c = &sd->ctl;
    struct snap *old = c->cur;
    s->seq = ++c->seq;
    __atomic_store_n(&c->cur, s, __ATOMIC_RELEASE); /* the process thread's acquire pairs */
    atomic_store(&c->dirty, 1);
    atomic_store(&c->last_change_ms, stemd_now_ms());
    return old;
}

static void notify_listeners(struct stemd *sd, int source, const struct param_ref *ref, float v)
{
    struct control *c = &sd->ctl;
    char path[128];
    if (!c->nlisteners) return;
    params_path(ref, &sd->names, path, sizeof path);
    for (unsigned i = 0; i < c->nlisteners; i++)
        c->listeners[i].fn(c->listeners[i].ctx, source, path, v);
}

/* Set an already parsed (possibly out-of-range, finite) value. */
static int set_ref(struct stemd *sd, const struct param_ref *ref, float v, int source,
                   float *applied)
{
    struct control *c = &sd->ctl;
    v = params_clamp(ref, v, sd->cfg.nstems);
    pthread_mutex_lock(&c->wlock);
    if (params_get(c->cur->p, ref) != v) {
        struct snap *s = snap_from(c->cur->p);
        if (!s) {
            pthread_mutex_unlock(&c->wlock);
            return -ENOMEM;
        }
        *params_slot(s->p, ref) = v;
        control_retire(sd, snap_free, publish(sd, s));
        notify_listeners(sd, source, ref, v);
    }
    pthread_mutex_unlock(&c->wlock);
    if (applied) *applied = v;
    return 0;
}

int stemd_set(struct stemd *sd, const char *path, float value, int source, float *applied,
              char *err, size_t errlen)
{
    struct param_ref ref;
    if (params_resolve(path, &sd->names, &ref, err, errlen) < 0) return -EINVAL;
    if (params_check(&ref, value, sd->cfg.nstems, err, errlen) == -1) return -EINVAL;
    return set_ref(sd, &ref, value, source, applied);
}

int stemd_set_text(struct stemd *sd, const char *path, const char *text, int source, float *applied,
                   char *err, size_t errlen)
{
    struct param_ref ref;
    float v;
    if (params_resolve(path, &sd->names, &ref, err, errlen) < 0) return -EINVAL;
    if (params_parse_value(&ref, text, &sd->names, &v, err, errlen) == -1) return -EINVAL;
    return set_ref(sd, &ref, v, source, applied);
}

int stemd_get(struct stemd *sd, const char *path, float *value, char *err, size_t errlen)
{
    struct param_ref ref;
    if (params_resolve(path, &sd->names, &ref, err, errlen) < 0) return -EINVAL;
    pthread_mutex_lock(&sd->ctl.wlock);
    *value = params_get(sd->ctl.cur->p, &ref);
    pthread_mutex_unlock(&sd->ctl.wlock);
    return 0;
}

struct preset_errs {
    char *first;
    size_t len;
    unsigned n;
};

static void preset_err(void *ctx, const char *file, unsigned line, const char *reason)
{
    struct preset_errs *e = ctx;
    log_err("%s:%u: %s", file, line, reason);
    if (e->n++ == 0) snprintf(e->first, e->len, "%s:%u: %s", file, line, reason);
}

int stemd_apply_preset(struct stemd *sd, const char *text, const char *fname, int reset_first,
                       int source, char *err, size_t errlen)
{
    struct control *c = &sd->ctl;
    struct preset_errs pe = {err, errlen, 0};

    pthread_mutex_lock(&c->wlock);
    struct snap *s = snap_from(c->cur->p);
    if (!s) {
        pthread_mutex_unlock(&c->wlock);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if (reset_first) params_set_defaults(s->p);
    int bad = preset_apply(s->p, text, fname, &sd->names, preset_err, &pe);
    if (bad != 0) {
        pthread_mutex_unlock(&c->wlock);
        snap_free(s);
        if (bad < 0) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        return -EINVAL;
    }
    /* One snapshot for the whole preset: every change lands in the same cycle. */
    unsigned n = params_count(s->p->nstems);
    struct snap *prev = publish(sd, s);
    for (unsigned i = 0; c->nlisteners && i < n; i++) {
        struct param_ref ref;
        params_ref_at(s->p->nstems, i, &ref);
        float nv = params_get(s->p, &ref);
        if (params_get(prev->p, &ref) != nv) notify_listeners(sd, source, &ref, nv);
    }
    /* Retired only now: the control thread may free it as soon as it is on the list. */
    control_retire(sd, snap_free, prev);
    pthread_mutex_unlock(&c->wlock);
    return 0;
}

int stemd_apply_preset_file(struct stemd *sd, const char *path, int reset_first, int source,
                            char *err, size_t errlen)
{
    char *text;
    int rc = state_read_path(path, &text);
    if (rc < 0) {
        snprintf(err, errlen, "cannot read preset %s: %s", path, strerror(-rc));
        return rc;
    }
    rc = stemd_apply_preset(sd, text, path, reset_first, source, err, errlen);
    free(text);
    return rc;
}

char *stemd_format_state(struct stemd *sd, int only_changed)
{
    pthread_mutex_lock(&sd->ctl.wlock);
    char *t = preset_format(sd->ctl.cur->p, &sd->names, only_changed);
    pthread_mutex_unlock(&sd->ctl.wlock);
    return t;
}

int stemd_take_meters(struct stemd *sd, struct mix_meters *out, struct stemd_loudness *loud)
{
    if (out) {
        if (out->nstems != sd->cfg.nstems) return -EINVAL;
        meters_rt_take(sd->eng.meters, out);
    }
    if (loud) {
        pthread_mutex_lock(&sd->ctl.llock);
        loudness_read(sd->ctl.loud, loud);
        pthread_mutex_unlock(&sd->ctl.llock);
        loud->dropped_blocks = atomic_load(&sd->ctl.loud_dropped);
    }
    return 0;
}

void stemd_reset_loudness(struct stemd *sd)
{
    pthread_mutex_lock(&sd->ctl.llock);
    loudness_reset(sd->ctl.loud);
    pthread_mutex_unlock(&sd->ctl.llock);
}

void stemd_status(struct stemd *sd, struct stemd_status *o)
{
    struct engine *e = &sd->eng;
    struct timespec ts;
    memset(o, 0, sizeof *o);
    pthread_mutex_lock(&e->lock);
    o->connected = e->client != NULL && !atomic_load(&e->shutdown);
    if (o->connected) o->dsp_load_percent = jack_cpu_load(e->client);
    o->reconnects = e->reconnects;
    pthread_mutex_unlock(&e->lock);
    o->freewheel = atomic_load(&e->freewheel);
    o->rate_hz = atomic_load(&e->rate_hz);
    o->period_frames = atomic_load(&e->period_frames);
    o->latency_frames = atomic_load(&e->latency_frames);
    o->xruns = atomic_load(&e->xruns);
    o->cb_max_us = atomic_load(&e->cb_max_us);
    o->cb_overruns = atomic_load(&e->cb_overruns);
    o->cycles = atomic_load(&e->cycles);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    o->uptime_s = (double)ts.tv_sec + ts.tv_nsec * 1e-9 - sd->start_s;
    o->nstems = sd->cfg.nstems;
}

unsigned stemd_nstems(const struct stemd *sd)
{
    return sd->cfg.nstems;
}

const char *stemd_stem_name(const struct stemd *sd, unsigned k)
{
    return k < sd->cfg.nstems ? sd->cfg.names[k] : NULL;
}

const struct params_names *stemd_names(const struct stemd *sd)
{
    return &sd->names;
}

int stemd_add_listener(struct stemd *sd, stemd_listener_fn fn, void *ctx)
{
    struct control *c = &sd->ctl;
    int rc = 0;
    pthread_mutex_lock(&c->wlock);
    if (c->nlisteners == 8)
        rc = -ENOSPC;
    else
        c->listeners[c->nlisteners].fn = fn, c->listeners[c->nlisteners++].ctx = ctx;
    pthread_mutex_unlock(&c->wlock);
    return rc;
}

uint64_t stemd_published_seq(struct stemd *sd)
{
    pthread_mutex_lock(&sd->ctl.wlock);
    uint64_t s = sd->ctl.cur->seq;
    pthread_mutex_unlock(&sd->ctl.wlock);
    return s;
}

int stemd_seen(struct stemd *sd, uint64_t *seq, uint64_t *frame)
{
    /* seen_frame is stored before seen_seq (release), so a matching seq has its frame. */
    *seq = atomic_load_explicit(&sd->eng.seen_seq, memory_order_acquire);
    *frame = atomic_load_explicit(&sd->eng.seen_frame, memory_order_relaxed);
    return 0;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* A grace period: returns once the process thread can hold no pointer that was unpublished
 * before the call. The callback stores in_callback = 1, fences, then reads the pointers; this
 * side has stored the new pointer, fences, then reads in_callback: the classic store-buffering
 * pair, so either the callback reads the new pointer or this sees it inside. Inside, wait until
 * that callback has ended (cycles moves on, or in_callback falls: the release stores at its end
 * order every use of the old pointer before them). A callback that starts meanwhile read the new
 * pointer and is not waited for. */
void grace_wait(struct stemd *sd)
{
    struct engine *e = &sd->eng;
    atomic_thread_fence(memory_order_seq_cst);
    if (!atomic_load_explicit(&e->in_callback, memory_order_acquire)) return;
    uint64_t c0 = atomic_load_explicit(&e->cycles, memory_order_acquire);
    while (atomic_load_explicit(&e->in_callback, memory_order_acquire) &&
           atomic_load_explicit(&e->cycles, memory_order_acquire) == c0)
        sleep_us(50);
}

static void drain_loudness(struct stemd *sd)
{
    struct engine *e = &sd->eng;
    double q[64];
    size_t avail;
    while ((avail = jack_ringbuffer_read_space(e->loud_rb) / sizeof(double)) > 0) {
        size_t n = avail < 64 ? avail : 64;
        TSAN_ACQUIRE(e->loud_rb);
        jack_ringbuffer_read(e->loud_rb, (char *)q, n * sizeof(double));
        TSAN_RELEASE(e->loud_rb);
        pthread_mutex_lock(&sd->ctl.llock);
        loudness_add(sd->ctl.loud, q, (unsigned)n);
        pthread_mutex_unlock(&sd->ctl.llock);
    }
}

static void free_list(struct retired *r)
{
    while (r) {
        struct retired *next = r->next;
        r->free_fn(r->ptr);
        free(r);
        r = next;
    }
}

static void *control_main(void *arg)
{
    struct stemd *sd = arg;
    struct control *c = &sd->ctl;

    pthread_mutex_lock(&c->rlock);
    while (!c->stop) {
        if (!c->retired) {
            struct timespec dl;
            clock_gettime(CLOCK_REALTIME, &dl);
            dl.tv_nsec += 20 * 1000000;
            if (dl.tv_nsec >= 1000000000) dl.tv_sec++, dl.tv_nsec -= 1000000000;
            pthread_cond_timedwait(&c->rcond, &c->rlock, &dl);
        }
        struct retired *list = c->retired;
        c->retired = NULL;
        pthread_mutex_unlock(&c->rlock);
        if (list) {
            grace_wait(sd);
            c->grace_periods++;
            free_list(list);
        }
        drain_loudness(sd);
        /* Batching: at most one grace period per 10 ms. A storm of 1000 changes a second
         * publishes 1000 snapshots (each lands at the next cycle) but waits for ~100 grace
         * periods; the snapshots retired meanwhile are freed together. */
        if (list) sleep_us(10000);
        pthread_mutex_lock(&c->rlock);
    }
    pthread_mutex_unlock(&c->rlock);
    return NULL;
}

int control_init(struct stemd *sd)
{
    struct control *c = &sd->ctl;
    pthread_mutexattr_t ma;

    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&c->wlock, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_mutex_init(&c->rlock, NULL);
    pthread_cond_init(&c->rcond, NULL);
    pthread_mutex_init(&c->llock, NULL);
    c->loud = loudness_new();
    struct params *p = params_new(sd->cfg.nstems);
    c->cur = p ? malloc(sizeof *c->cur) : NULL;
    if (!c->loud || !c->cur) {
        params_free(p);
        return -ENOMEM;
    }
    c->cur->p = p;
    c->cur->seq = 0;
    return 0;
}

int control_start(struct stemd *sd)
{
    int rc = pthread_create(&sd->ctl.thread, NULL, control_main, sd);
    if (rc) return -rc;
    sd->ctl.thread_started = 1;
    return 0;
}

void control_stop(struct stemd *sd)
{
    struct control *c = &sd->ctl;
    if (!c->thread_started) return;
    pthread_mutex_lock(&c->rlock);
    c->stop = 1;
    pthread_cond_signal(&c->rcond);
    pthread_mutex_unlock(&c->rlock);
    pthread_join(c->thread, NULL);
    c->thread_started = 0;
    log_debug("control thread: %llu grace periods", (unsigned long long)c->grace_periods);
}

void control_fini(struct stemd *sd)
{
    struct control *c = &sd->ctl;
    /* The process thread is gone (client closed): nothing can read these any more. */
    free_list(c->retired);
    c->retired = NULL;
    snap_free(c->cur);
    c->cur = NULL;
    loudness_free(c->loud);
    pthread_mutex_destroy(&c->wlock);
    pthread_mutex_destroy(&c->rlock);
    pthread_cond_destroy(&c->rcond);
    pthread_mutex_destroy(&c->llock);
}
