/* server/control.c: the C API: typed changes validated and clamped once against the table,
 * built into one snapshot and published (server/publish.c); the text wrappers (paths, values,
 * presets); meters, status and listeners for readers. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsp/lookup.h"
#include "dsp/morph.h"
#include "dsp/preset.h"
#include "server/log.h"
#include "server/publish.h"
#include "server/undo.h"
#include "server/metertap.h"
#include "server/server.h"
#include "server/state.h"

/* Up to this many changes, listeners are told change by change (a repeat of a parameter in the
 * batch is skipped by a look ahead); above, by comparing the two snapshots slot by slot. */
#define NOTIFY_BY_CHANGE 16

static void notify(struct stemd *sd, const struct param_ref *ref, float v, int source,
                   uint64_t batch)
{
    struct control *c = &sd->ctl;
    for (unsigned i = 0; i < c->nlisteners; i++)
        c->listeners[i].fn(c->listeners[i].ctx, ref, v, source, batch);
}

/* Every parameter whose value differs between a and b, in table order (the rows' slots are in
 * id order, so walking rows and their slots is params_ref_at order without its row search). */
static void notify_diff(struct stemd *sd, const struct params *a, const struct params *b,
                        int source, uint64_t batch)
{
    unsigned nb, ns;
    const struct param_def *brows = params_rows(SCOPE_BUS, &nb);
    const struct param_def *srows = params_rows(SCOPE_STEM, &ns);
    for (unsigned r = 0; r < nb; r++)
        for (int i = 0; i < brows[r].count; i++) {
            int slot = brows[r].id + i;
            if (a->bus[slot] == b->bus[slot]) continue;
            struct param_ref ref = {&brows[r], (unsigned)i, -1};
            notify(sd, &ref, b->bus[slot], source, batch);
        }
    for (unsigned k = 0; k < b->nstems; k++)
        for (unsigned r = 0; r < ns; r++)
            for (int i = 0; i < srows[r].count; i++) {
                int slot = srows[r].id + i;
                if (a->stem[k][slot] == b->stem[k][slot]) continue;
                struct param_ref ref = {&srows[r], (unsigned)i, (int)k};
                notify(sd, &ref, b->stem[k][slot], source, batch);
            }
}

/* The one validation of a change (the table's params_check): 0, or -1 with the reason. */
static int check(const struct stemd *sd, const struct param_change *c, char *err, size_t errlen)
{
    if (!c->ref.def || !params_ref_valid(&c->ref, sd->cfg.nstems)) {
        snprintf(err, errlen, "not a parameter of this mix (%u stems)", sd->cfg.nstems);
        return -1;
    }
    return params_check(&c->ref, c->value, sd->cfg.nstems, err, errlen) == -1 ? -1 : 0;
}

/* Refuse change i: its reason alone when the caller takes the index, else named. */
static int refuse(struct stemd *sd, const struct param_change *c, size_t i, size_t *bad,
                  const char *why, char *err, size_t errlen)
{
    if (bad) {
        *bad = i;
        if (err != why) snprintf(err, errlen, "%s", why);
    } else {
        char path[128];
        if (c[i].ref.def && params_ref_valid(&c[i].ref, sd->cfg.nstems))
            params_path(&c[i].ref, &sd->names, path, sizeof path);
        else
            snprintf(path, sizeof path, "?");
        snprintf(err, errlen, "change %zu (%s): %s", i + 1, path, why);
    }
    return -EINVAL;
}

/* The morph the new snapshot s carries (wlock held): a recall's new plan; else the running one,
 * less the values this change moved (they follow their new values at once); none after a reset
 * or once the process thread has run it to its end. Returns the plan s no longer carries (for
 * the caller to retire after publishing s), or NULL. */
static struct morph_plan *follow_plan(struct stemd *sd, struct snap *s, const struct params *prev,
                                      const struct param_change *c, size_t n, int reset)
{
    struct control *ctl = &sd->ctl;
    struct morph_plan *old = ctl->plan, *next = old;
    if (ctl->next_plan) {
        next = ctl->next_plan;
        ctl->next_plan = NULL;
    } else if (old && (reset || engine_morph_done(&sd->eng) == old->id)) {
        next = NULL;
    } else if (old) {
        unsigned *offs = malloc(n * sizeof *offs), k = 0;
        for (size_t i = 0; offs && i < n; i++) {
            unsigned off = morph_offset(&c[i].ref);
            if (morph_plan_has(old, off) &&
                params_get(prev, &c[i].ref) != params_get(s->p, &c[i].ref))
                offs[k++] = off;
        }
        /* out of memory: no morph (the values jump to the scene's, smoothed as any change) */
        if (!offs || k) next = offs ? morph_plan_without(old, offs, k) : NULL;
        free(offs);
    }
    s->plan = next;
    if (next == old) return NULL;
    ctl->plan = next;
    return old; /* to retire once s is published: the current snapshot still points to it */
}

/* stemd_apply, optionally from the defaults (reset: every other parameter returns to its
 * default in the same snapshot). */
static int apply(struct stemd *sd, const struct param_change *c, size_t n, int source, int reset,
                 float *applied, size_t *bad, char *err, size_t errlen)
{
    struct control *ctl = &sd->ctl;
    unsigned ns = sd->cfg.nstems;
    char why[256];

    for (size_t i = 0; i < n; i++)
        if (check(sd, &c[i], why, sizeof why) < 0) return refuse(sd, c, i, bad, why, err, errlen);

    pthread_mutex_lock(&ctl->wlock);
    const struct params *cur = ctl->cur->p;
    int differs = reset;
    for (size_t i = 0; i < n; i++) {
        float v = params_clamp(&c[i].ref, c[i].value, ns);
        if (applied) applied[i] = v;
        differs |= params_get(cur, &c[i].ref) != v;
    }
    if (!differs) { /* nothing to publish, nobody to tell */
        pthread_mutex_unlock(&ctl->wlock);
        return 0;
    }
    struct snap *s = snap_new(sd, cur);
    if (!s) {
        pthread_mutex_unlock(&ctl->wlock);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if (reset) params_set_defaults(s->p);
    for (size_t i = 0; i < n; i++)
        *params_slot(s->p, &c[i].ref) =
            applied ? applied[i] : params_clamp(&c[i].ref, c[i].value, ns);
    /* A parameter set twice may end where it was: then nothing moved after all. */
    size_t moved = 0;
    while (!reset && moved < n && params_get(cur, &c[moved].ref) == params_get(s->p, &c[moved].ref))
        moved++;
    if (moved == n) {
        snap_free(s);
        pthread_mutex_unlock(&ctl->wlock);
        return 0;
    }
    struct morph_plan *left = follow_plan(sd, s, cur, c, n, reset);
    struct snap *prev = snap_publish(sd, s);
    if (left) control_retire(sd, morph_plan_free, left);
    if (ctl->nlisteners && (reset || n > NOTIFY_BY_CHANGE)) {
        notify_diff(sd, prev->p, s->p, source, s->seq);
    } else if (ctl->nlisteners) {
        for (size_t i = 0; i < n; i++) {
            float v = params_get(s->p, &c[i].ref);
            if (params_get(prev->p, &c[i].ref) == v) continue;
            size_t j = i + 1;
            while (j < n && !params_ref_eq(&c[i].ref, &c[j].ref))
                j++;
            if (j == n) notify(sd, &c[i].ref, v, source, s->seq); /* its last change */
        }
    }
    /* Released only now: it may be reused or freed as soon as it is. */
    snap_release(sd, prev);
    pthread_mutex_unlock(&ctl->wlock);
    return 0;
}

int stemd_apply(struct stemd *sd, const struct param_change *c, size_t n, int source,
                float *applied, size_t *bad, char *err, size_t errlen)
{
    return apply(sd, c, n, source, 0, applied, bad, err, errlen);
}

int stemd_set(struct stemd *sd, const char *path, float value, int source, float *applied,
              char *err, size_t errlen)
{
    struct param_change c = {.value = value};
    size_t bad;
    if (params_lookup_resolve(sd->ctl.lookup, path, -1, &c.ref, err, errlen) < 0) return -EINVAL;
    return apply(sd, &c, 1, source, 0, applied, &bad, err, errlen);
}

int stemd_set_text(struct stemd *sd, const char *path, const char *text, int source, float *applied,
                   char *err, size_t errlen)
{
    struct param_change c;
    size_t bad;
    if (params_lookup_resolve(sd->ctl.lookup, path, -1, &c.ref, err, errlen) < 0) return -EINVAL;
    if (params_parse_value(&c.ref, text, &sd->names, &c.value, err, errlen) == -1) return -EINVAL;
    return apply(sd, &c, 1, source, 0, applied, &bad, err, errlen);
}

float stemd_get_ref(struct stemd *sd, const struct param_ref *ref)
{
    pthread_mutex_lock(&sd->ctl.wlock);
    float v = params_get(sd->ctl.cur->p, ref);
    pthread_mutex_unlock(&sd->ctl.wlock);
    return v;
}

int stemd_get(struct stemd *sd, const char *path, float *value, char *err, size_t errlen)
{
    struct param_ref ref;
    if (params_lookup_resolve(sd->ctl.lookup, path, -1, &ref, err, errlen) < 0) return -EINVAL;
    *value = stemd_get_ref(sd, &ref);
    return 0;
}

/* A preset's bad lines: counted (n), each told to fn (a line family's lines are checked before
 * the parameters'); first and first_line are first_err's. */
struct preset_errs {
    char *first;
    size_t len;
    unsigned n, first_line;
    preset_error_fn fn;
    void *ctx;
};

static void preset_err(void *ctx, const char *file, unsigned line, const char *reason)
{
    struct preset_errs *e = ctx;
    e->n++;
    e->fn(e->ctx, file, line, reason);
}

/* The line family's lines of text (the installed one's prefix as a line's first word) go to
 * it, and are blanked in *rest, a copy of text for the parameters' reader (the line numbers
 * stay). Returns the handle (NULL with *rest NULL when out of memory); *nlines its lines. */
static void *split_lines(const struct stemd_lines *l, const char *text, const char *fname,
                         struct preset_errs *pe, char **rest, unsigned *nlines)
{
    void *h = l->begin(l->ctx);
    char *copy = strdup(text);
    *nlines = 0;
    *rest = NULL;
    if (!h || !copy) {
        if (h) l->end(l->ctx, h, 0, 0);
        free(copy);
        return NULL;
    }
    size_t plen = strlen(l->prefix);
    unsigned lineno = 0;
    for (char *line = copy; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        lineno++;
        char *s = line;
        while (s < line + len && (*s == ' ' || *s == '\t'))
            s++;
        if ((size_t)(line + len - s) >= plen && strncmp(s, l->prefix, plen) == 0) {
            char buf[1024], err[256];
            size_t n = (size_t)(line + len - s);
            if (n >= sizeof buf) {
                preset_err(pe, fname, lineno, "line longer than 1000 bytes");
            } else {
                memcpy(buf, s, n);
                buf[n] = 0;
                char *hash = strchr(buf, '#');
                if (hash) *hash = 0;
                for (char *e = buf + strlen(buf); e > buf && strchr(" \t\r", e[-1]);)
                    *--e = 0;
                if (l->line(l->ctx, h, buf, err, sizeof err) < 0)
                    preset_err(pe, fname, lineno, err);
            }
            (*nlines)++;
            memset(line, ' ', len);
        }
        if (!nl) break;
        line = nl + 1;
    }
    *rest = copy;
    return h;
}

int stemd_apply_preset_each(struct stemd *sd, const char *text, const char *fname, int reset_first,
                            int source, const char *label, preset_error_fn bad_fn, void *ctx,
                            size_t *nchanges, char *err, size_t errlen)
{
    struct preset_errs pe = {NULL, 0, 0, 0, bad_fn, ctx};
    struct param_change *c;
    size_t n;
    const struct stemd_lines *l = sd->lines;
    char *rest = NULL;
    unsigned nlines = 0;
    void *h = NULL;
    if (l && !(h = split_lines(l, text, fname, &pe, &rest, &nlines))) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int bad =
        preset_parse_lookup(rest ? rest : text, fname, sd->ctl.lookup, preset_err, &pe, &c, &n);
    free(rest);
    if (bad != 0 || pe.n) {
        if (h) l->end(l->ctx, h, 0, nlines);
        if (bad == 0) free(c);
        if (bad >= 0) return -EINVAL;
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    /* The values are in range (a file must hold them so): nothing here is clamped or refused.
     * The label and the apply under one hold of the (recursive) writer lock: the undo step the
     * listener opens for this batch is the one the label names. */
    pthread_mutex_lock(&sd->ctl.wlock);
    if (label) undo_label_next(sd, label);
    int rc = apply(sd, c, n, source, reset_first, NULL, NULL, err, errlen);
    if (label) undo_label_next(sd, NULL);
    pthread_mutex_unlock(&sd->ctl.wlock);
    free(c);
    if (h) l->end(l->ctx, h, rc == 0, nlines);
    if (rc == 0 && nchanges) *nchanges = n;
    return rc;
}

/* stemd_apply_preset's error sink: the first bad line by number into err, each one logged. */
static void first_err(void *ctx, const char *file, unsigned line, const char *reason)
{
    struct preset_errs *e = ctx;
    log_err("%s:%u: %s", file, line, reason);
    if (e->n++ == 0 || line < e->first_line) {
        snprintf(e->first, e->len, "%s:%u: %s", file, line, reason);
        e->first_line = line;
    }
}

int stemd_apply_preset(struct stemd *sd, const char *text, const char *fname, int reset_first,
                       int source, char *err, size_t errlen)
{
    struct preset_errs first = {err, errlen, 0, 0, NULL, NULL};
    return stemd_apply_preset_each(sd, text, fname, reset_first, source, NULL, first_err, &first,
                                   NULL, err, errlen);
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
    const struct stemd_lines *l = sd->lines;
    if (t && l) {
        char *more = l->format(l->ctx), *all = NULL;
        if (more && asprintf(&all, "%s%s", t, more) < 0) all = NULL;
        free(more);
        free(t);
        t = all;
    }
    return t;
}

int stemd_take_meters(struct stemd *sd, struct mix_meters *out, struct stemd_loudness *loud)
{
    if (out) {
        if (out->nstems != sd->cfg.nstems) return -EINVAL;
        pthread_mutex_lock(&sd->ctl.mlock);
        metertap_take_primary(sd, out);
        pthread_mutex_unlock(&sd->ctl.mlock);
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
    struct timespec ts;
    memset(o, 0, sizeof *o);
    engine_status(&sd->eng, o);
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

const char *stemd_jack_server(const struct stemd *sd)
{
    return sd->cfg.jack_server;
}

const struct params_lookup *stemd_lookup(const struct stemd *sd)
{
    return sd->ctl.lookup;
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

int stemd_add_lines(struct stemd *sd, const struct stemd_lines *l)
{
    if (sd->lines) return -EBUSY;
    sd->lines = l; /* before stemd_init: no other thread exists yet */
    return 0;
}

void stemd_mark_changed(struct stemd *sd)
{
    atomic_store(&sd->ctl.last_change_ms, stemd_now_ms());
    atomic_store(&sd->ctl.dirty, 1);
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
    engine_seen(&sd->eng, seq, frame);
    return 0;
}
