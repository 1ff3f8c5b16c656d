/* tools/timeline.c: stemd-render's scene recalls and their morphs (see timeline.h). */
#include "tools/timeline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/dsp.h"
#include "dsp/preset.h"

struct errs {
    char *err;
    size_t len;
    unsigned n;
};

static void on_bad(void *ctx, const char *file, unsigned line, const char *reason)
{
    struct errs *e = ctx;
    if (!e->n++) snprintf(e->err, e->len, "%s:%u: %s", file, line, reason);
}

int timeline_add(struct timeline *t, const char *arg, const struct params *base,
                 const struct params_names *names, double rate, char *(*read)(const char *),
                 char *err, size_t errlen)
{
    const char *at = strrchr(arg, '@');
    if (t->n == TIMELINE_MAX) {
        snprintf(err, errlen, "at most %d --scene options", TIMELINE_MAX);
        return -1;
    }
    if (!at || at == arg || (size_t)(at - arg) >= sizeof t->ev[0].file) {
        snprintf(err, errlen,
                 "--scene %s: give FILE@TIME[:SECONDS] (TIME in seconds, or frames "
                 "with an f: 96000f)",
                 arg);
        return -1;
    }
    struct timeline_ev *ev = &t->ev[t->n];
    memset(ev, 0, sizeof *ev);
    memcpy(ev->file, arg, (size_t)(at - arg));
    char *end;
    double when = strtod(at + 1, &end);
    int frames = *end == 'f';
    if (frames) end++;
    int no_seconds = 0;
    if (*end == ':') {
        const char *secs = end + 1;
        ev->seconds = strtod(secs, &end);
        no_seconds = end == secs; /* "x@10:" is a typo, not 0 s */
    }
    if (*end || end == at + 1 || no_seconds || !isfinite(when) || when < 0 ||
        when > 86400.0 * (frames ? rate : 1) ||
        !(ev->seconds >= 0 && ev->seconds <= MORPH_MAX_SECONDS)) {
        snprintf(err, errlen,
                 "--scene %s: TIME is 0 or more seconds (or frames: 96000f), SECONDS 0 to %g", arg,
                 (double)MORPH_MAX_SECONDS);
        return -1;
    }
    long long f = frames ? (long long)when : (long long)llround(when * rate);
    ev->frame = (f + DSP_SUB - 1) / DSP_SUB * DSP_SUB;
    char *text = read(ev->file);
    if (!text) {
        snprintf(err, errlen, "--scene: cannot read %s: %s", ev->file, strerror(errno));
        return -1;
    }
    ev->p = params_dup(base);
    struct errs e = {err, errlen, 0};
    int bad = ev->p ? preset_apply(ev->p, text, ev->file, names, on_bad, &e) : -1;
    free(text);
    if (bad) {
        if (!ev->p) snprintf(err, errlen, "out of memory");
        params_free(ev->p);
        return -1;
    }
    t->n++;
    return 0;
}

static int by_frame(const void *a, const void *b)
{
    const struct timeline_ev *x = a, *y = b;
    return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/* plan less the values that differ between from and to. */
static struct morph_plan *instant_plan(const struct morph_plan *plan, const struct params *from,
                                       const struct params *to)
{
    unsigned n = params_count(to->nstems), k = 0;
    unsigned *offs = malloc(n * sizeof *offs);
    if (!offs) return NULL;
    for (unsigned i = 0; i < n; i++) {
        struct param_ref ref;
        params_ref_at(to->nstems, i, &ref);
        unsigned off = morph_offset(&ref);
        if (morph_plan_has(plan, off) && params_get(from, &ref) != params_get(to, &ref))
            offs[k++] = off;
    }
    struct morph_plan *p = morph_plan_without(plan, offs, k);
    if (p && !k) p->gen = plan->gen; /* the server keeps the very plan: no new gen */
    free(offs);
    return p;
}

int timeline_finish(struct timeline *t, const struct params *base, double rate)
{
    /* stable for equal frames: insertion order (qsort is not stable, so sort by index too) */
    for (unsigned i = 1; i < t->n; i++)
        for (unsigned j = i; j > 0 && by_frame(&t->ev[j - 1], &t->ev[j]) > 0; j--) {
            struct timeline_ev tmp = t->ev[j];
            t->ev[j] = t->ev[j - 1];
            t->ev[j - 1] = tmp;
        }
    for (unsigned i = 0; i < t->n; i++) {
        struct timeline_ev *ev = &t->ev[i];
        if (ev->seconds > 0) {
            ev->plan = morph_plan_new(i + 1, i ? t->ev[i - 1].p : base, ev->seconds, rate);
            /* as the server's (server/scenes.c): two at one frame start where the audio is */
            if (ev->plan && i && t->ev[i - 1].plan &&
                morph_plan_follow(ev->plan, t->ev[i - 1].plan) < 0)
                return -1;
        } else if (i && t->ev[i - 1].plan) {
            /* An instant recall as the server takes it (server/control.c's follow_plan): the
             * values it moves leave a running morph, the others go on along it. */
            ev->plan = instant_plan(t->ev[i - 1].plan, t->ev[i - 1].p, ev->p);
        } else {
            continue;
        }
        if (!ev->plan) return -1;
    }
    return 0;
}

void timeline_free(struct timeline *t)
{
    for (unsigned i = 0; i < t->n; i++) {
        params_free(t->ev[i].p);
        morph_plan_free(t->ev[i].plan);
    }
    t->n = 0;
}

int timeline_stage_init(struct timeline_stage *s, const struct timeline *t,
                        const struct params *base)
{
    memset(s, 0, sizeof *s);
    s->t = t;
    s->live = base;
    s->seq = 1;
    s->mo = morph_new(base->nstems);
    return s->mo ? 0 : -1;
}

void timeline_stage_free(struct timeline_stage *s)
{
    morph_free(s->mo);
    s->mo = NULL;
}

/* fn's pieces of a segment, offset to the call's frames. */
struct seg {
    morph_fn fn;
    void *ctx;
    unsigned off;
};

static void seg_piece(void *ctx, const struct params *p, unsigned off, unsigned n)
{
    struct seg *g = ctx;
    g->fn(g->ctx, p, g->off + off, n);
}

void timeline_run(struct timeline_stage *s, long long at, unsigned n, morph_fn fn, void *ctx)
{
    const struct timeline *t = s->t;
    for (unsigned off = 0; off < n;) {
        long long f = at + off;
        while (s->next < t->n && t->ev[s->next].frame <= f) {
            const struct timeline_ev *ev = &t->ev[s->next++];
            s->live = ev->p;
            s->plan = ev->plan;
            s->seq++;
        }
        unsigned len = n - off;
        if (s->next < t->n && t->ev[s->next].frame < f + len)
            len = (unsigned)(t->ev[s->next].frame - f);
        struct seg g = {fn, ctx, off};
        unsigned started;
        morph_run(s->mo, (unsigned)(f % DSP_SUB), s->live, s->seq, s->plan, len, seg_piece, &g,
                  &started);
        off += len;
    }
}
