/* server/undo.c: the undo history: a shadow of every value, a ring of change records and a ring
 * of steps over them, fed by a change listener (the design is server/undo.h's). */
#include "server/undo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"

/* Records beyond 2N (N parameters): room for many small steps beside two whole presets. */
#define UNDO_EXTRA_RECS 8192

static unsigned slot(const struct undo *u, unsigned i)
{
    return (u->first + i) % UNDO_MAX_STEPS;
}

static void drop_oldest(struct undo *u)
{
    struct undo_step *s = &u->steps[u->first];
    u->rhead = (u->rhead + s->n) % u->rcap;
    u->rused -= s->n;
    u->first = (u->first + 1) % UNDO_MAX_STEPS;
    u->nsteps--;
    if (u->cur) u->cur--;
}

/* A new step for batch: the redo steps go (a new change after undos), the oldest when full. */
static struct undo_step *open_step(struct undo *u, uint64_t batch)
{
    if (u->cur < u->nsteps) {
        struct undo_step *s = &u->steps[slot(u, u->cur)];
        u->rused = (s->start + u->rcap - u->rhead) % u->rcap;
        u->nsteps = u->cur;
    }
    if (u->nsteps == UNDO_MAX_STEPS) drop_oldest(u);
    struct undo_step *s = &u->steps[slot(u, u->nsteps)];
    s->batch = batch;
    s->start = (u->rhead + u->rused) % u->rcap;
    s->n = 0;
    memcpy(s->label, u->label, sizeof s->label);
    u->nsteps++;
    u->cur = u->nsteps;
    u->open = 1;
    return s;
}

/* The listener: with the writer lock held, no allocation, a bounded amount of work. */
static void on_change(void *ctx, const struct param_ref *ref, float value, int source,
                      uint64_t batch)
{
    struct undo *u = ctx;
    float *sh = params_slot(u->shadow, ref), old = *sh;
    *sh = value;
    if (source == STEMD_SRC_UNDO) {
        u->open = 0; /* what follows an undo is a step of its own */
        return;
    }
    struct undo_step *s = u->nsteps ? &u->steps[slot(u, u->nsteps - 1)] : NULL;
    if (!u->open || !s || s->batch != batch || u->cur != u->nsteps) s = open_step(u, batch);
    /* Room for the record: older steps give theirs up, never the one being built. */
    while (u->rused == u->rcap && u->nsteps > 1)
        drop_oldest(u);
    if (u->rused == u->rcap) {
        u->dropped++;
        return;
    }
    struct undo_rec *r = &u->recs[(s->start + s->n) % u->rcap];
    r->ref = *ref;
    r->old_v = old;
    r->new_v = value;
    s->n++;
    u->rused++;
}

int undo_init(struct stemd *sd)
{
    struct undo *u = &sd->undo;
    unsigned n = params_count(sd->cfg.nstems);
    memset(u, 0, sizeof *u);
    u->rcap = 2 * (size_t)n + UNDO_EXTRA_RECS;
    u->recs = calloc(u->rcap, sizeof *u->recs);
    u->scratch = calloc(n, sizeof *u->scratch);
    u->shadow = params_new(sd->cfg.nstems);
    if (!u->recs || !u->scratch || !u->shadow) {
        undo_fini(sd);
        return -ENOMEM;
    }
    /* The shadow copied and the listener added under one hold of the writer lock: no change
     * can fall between them. */
    pthread_mutex_lock(&sd->ctl.wlock);
    memcpy(u->shadow, sd->ctl.cur->p, params_size(sd->cfg.nstems));
    int rc = stemd_add_listener(sd, on_change, u);
    pthread_mutex_unlock(&sd->ctl.wlock);
    if (rc < 0) {
        undo_fini(sd);
        return rc;
    }
    u->ready = 1;
    return 0;
}

void undo_fini(struct stemd *sd)
{
    struct undo *u = &sd->undo;
    free(u->recs);
    free(u->scratch);
    params_free(u->shadow);
    u->recs = NULL;
    u->scratch = NULL;
    u->shadow = NULL;
    u->ready = 0;
}

void undo_label_next(struct stemd *sd, const char *label)
{
    struct undo *u = &sd->undo;
    snprintf(u->label, sizeof u->label, "%s", label ? label : "");
}

static void describe(struct stemd *sd, const struct undo_step *s, char *buf, size_t len)
{
    const struct undo *u = &sd->undo;
    if (s->label[0]) {
        snprintf(buf, len, "%s (%u change%s)", s->label, s->n, s->n == 1 ? "" : "s");
        return;
    }
    if (s->n == 0) {
        snprintf(buf, len, "(empty)");
        return;
    }
    const struct undo_rec *r = &u->recs[s->start];
    char path[128], a[64], b[64];
    params_path(&r->ref, &sd->names, path, sizeof path);
    params_format_value(&r->ref, r->old_v, &sd->names, a, sizeof a);
    params_format_value(&r->ref, r->new_v, &sd->names, b, sizeof b);
    if (s->n == 1)
        snprintf(buf, len, "%s %s -> %s", path, a, b);
    else
        snprintf(buf, len, "bundle of %u changes: %s %s -> %s, ...", s->n, path, a, b);
}

/* Undo (dir 0) or redo (dir 1) one step. */
static int step(struct stemd *sd, int redo, char *desc, size_t desclen, char *err, size_t errlen)
{
    struct undo *u = &sd->undo;
    if (!u->ready) {
        snprintf(err, errlen, "undo is not running");
        return -ENODEV;
    }
    pthread_mutex_lock(&sd->ctl.wlock);
    if (redo ? u->cur == u->nsteps : u->cur == 0) {
        pthread_mutex_unlock(&sd->ctl.wlock);
        snprintf(err, errlen, redo ? "nothing to redo" : "nothing to undo");
        return -ENOENT;
    }
    const struct undo_step *s = &u->steps[slot(u, redo ? u->cur : u->cur - 1)];
    for (unsigned i = 0; i < s->n; i++) {
        const struct undo_rec *r = &u->recs[(s->start + i) % u->rcap];
        u->scratch[i].ref = r->ref;
        u->scratch[i].value = redo ? r->new_v : r->old_v;
    }
    describe(sd, s, desc, desclen);
    size_t bad;
    int rc = stemd_apply(sd, u->scratch, s->n, STEMD_SRC_UNDO, NULL, &bad, err, errlen);
    if (rc == 0) {
        u->cur += redo ? 1 : -1;
        u->open = 0;
    }
    pthread_mutex_unlock(&sd->ctl.wlock);
    return rc;
}

int stemd_undo(struct stemd *sd, char *desc, size_t desclen, char *err, size_t errlen)
{
    return step(sd, 0, desc, desclen, err, errlen);
}

int stemd_redo(struct stemd *sd, char *desc, size_t desclen, char *err, size_t errlen)
{
    return step(sd, 1, desc, desclen, err, errlen);
}

int stemd_undo_list(struct stemd *sd, struct stemd_undo_entry **out, size_t *n)
{
    struct undo *u = &sd->undo;
    *out = NULL;
    *n = 0;
    if (!u->ready) return -ENODEV;
    /* Allocated before the lock, for the most there can be: the listener's writers wait less. */
    struct stemd_undo_entry *v = calloc(UNDO_MAX_STEPS, sizeof *v);
    if (!v) return -ENOMEM;
    pthread_mutex_lock(&sd->ctl.wlock);
    for (unsigned i = 0; i < u->nsteps; i++) {
        describe(sd, &u->steps[slot(u, i)], v[i].desc, sizeof v[i].desc);
        v[i].undone = i >= u->cur;
    }
    *n = u->nsteps;
    pthread_mutex_unlock(&sd->ctl.wlock);
    *out = v;
    return 0;
}
