/* server/publish.c: snapshot publishing: build, publish (read-copy-update), retire, and free
 * the old one after a grace period in the control thread (which also drains the loudness ring).
 *
 * Publication is a C11 release store, read by the process thread's acquire load: the ordering of
 * liburcu's rcu_assign_pointer / rcu_dereference, as atomic accesses ThreadSanitizer can check
 * (liburcu's go through volatile, which TSan rightly reports as a race). The grace period is our
 * own (grace_wait), because there is exactly one reader, the process thread, and every liburcu
 * flavour's reader may make a system call: when a writer has given up spinning in
 * synchronize_rcu and sleeps on a futex, the reader's next quiescent state (QSBR's
 * thread_offline, urcu-mb's read_unlock) issues FUTEX_WAKE. Under a storm of changes the RT
 * check caught that once in ~69 000 callbacks. Here the reader only stores a flag, fences, and
 * stores again; the control thread does all the waiting, by polling. */
#include "server/publish.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsp/lookup.h"
#include "dsp/morph.h"
#include "server/log.h"
#include "server/metertap.h"
#include "server/server.h"
#include "server/ring.h"

struct retired {
    struct retired *next;
    void (*free_fn)(void *);
    void *ptr;
};

/* A snapshot and its parameters are one allocation (s->p follows s): a change costs one malloc
 * and one free, not two of each; with the spare, usually neither. */
void snap_free(void *ptr)
{
    free(ptr);
}

struct snap *snap_new(struct stemd *sd, const struct params *p)
{
    struct control *c = &sd->ctl;
    size_t size = params_size(p->nstems);
    struct snap *s = c->spare;
    if (s && s->size == size)
        c->spare = NULL;
    else if (!(s = malloc(sizeof *s + size)))
        return NULL;
    s->size = size;
    s->p = (struct params *)(void *)(s + 1);
    s->plan = c->plan; /* a morph goes on through every change (control.c takes values out) */
    memcpy(s->p, p, size);
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

struct snap *snap_publish(struct stemd *sd, struct snap *s)
{
    struct control *c = &sd->ctl;
    struct snap *old = c->cur;
    s->seq = ++c->seq;
    __atomic_store_n(&c->cur, s, __ATOMIC_RELEASE); /* the process thread's acquire pairs */
    atomic_store(&c->dirty, 1);
    atomic_store(&c->last_change_ms, stemd_now_ms());
    return old;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* (Not static: gcc's ThreadSanitizer build warns of the fence only where it inlines a static
 * function's.) */
int grace_now(struct stemd *sd)
{
    atomic_thread_fence(memory_order_seq_cst);
    return !engine_in_callback(&sd->eng);
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
    if (grace_now(sd)) return;
    uint64_t c0 = engine_cycles(e);
    while (engine_in_callback(e) && engine_cycles(e) == c0)
        sleep_us(50);
}

/* A change that lands between callbacks (most of them: the callback runs a fraction of each
 * period) needs no grace period: its old snapshot becomes the next change's, so a stream of
 * single OSC messages costs no malloc, no free and no wake-up of the control thread. */
void snap_release(struct stemd *sd, struct snap *old)
{
    struct control *c = &sd->ctl;
    if (!grace_now(sd)) {
        control_retire(sd, snap_free, old);
        return;
    }
    atomic_fetch_add_explicit(&c->reused, 1, memory_order_relaxed);
    if (c->spare) snap_free(c->spare);
    c->spare = old;
}

static void drain_loudness(struct stemd *sd)
{
    jack_ringbuffer_t *rb = engine_loudness_ring(&sd->eng);
    double q[64];
    size_t bytes;
    while ((bytes = ring_take(rb, q, sizeof q, sizeof q[0])) > 0) {
        size_t n = bytes / sizeof q[0];
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
    pthread_mutex_init(&c->mlock, NULL);
    c->loud = loudness_new();
    c->lookup = params_lookup_new(&sd->names);
    struct params *p = params_new(sd->cfg.nstems);
    c->cur = p ? snap_new(sd, p) : NULL;
    params_free(p);
    if (!c->loud || !c->cur || !c->lookup) return -ENOMEM;
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
    snap_free(c->spare);
    c->spare = NULL;
    morph_plan_free(c->plan);
    morph_plan_free(c->next_plan);
    c->plan = c->next_plan = NULL;
    loudness_free(c->loud);
    params_lookup_free(c->lookup);
    c->lookup = NULL;
    pthread_mutex_destroy(&c->wlock);
    pthread_mutex_destroy(&c->rlock);
    pthread_cond_destroy(&c->rcond);
    pthread_mutex_destroy(&c->llock);
    metertap_fini(sd);
    pthread_mutex_destroy(&c->mlock);
}
