/* dsp/morph.c: a recall's morph, one sub-block at a time (see morph.h). */
#include "dsp/morph.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/dsp.h"

/* A snapshot's values as one array: the bus's, then each stem's, as params_ref_at counts them. */
_Static_assert(offsetof(struct params, stem) ==
                   offsetof(struct params, bus) + sizeof(float) * BUS_NPARAMS,
               "a snapshot's values are one array");

static float *vals(struct params *p)
{
    return p->bus;
}

static const float *cvals(const struct params *p)
{
    return p->bus;
}

unsigned morph_offset(const struct param_ref *ref)
{
    unsigned at = (unsigned)ref->def->id + ref->index;
    return ref->stem < 0 ? at : BUS_NPARAMS + (unsigned)ref->stem * STEM_NPARAMS + at;
}

static struct morph_plan *plan_alloc(unsigned nstems)
{
    struct morph_plan *p = calloc(1, sizeof *p);
    unsigned nvals = params_count(nstems);
    if (!p) return NULL;
    p->nvals = nvals;
    p->from = params_new(nstems);
    p->bits = malloc((nvals + 7) / 8);
    if (!p->from || !p->bits) {
        morph_plan_free(p);
        return NULL;
    }
    return p;
}

struct morph_plan *morph_plan_new(uint64_t id, const struct params *from, double seconds,
                                  double rate)
{
    if (!(seconds > 0.0 && seconds <= MORPH_MAX_SECONDS && rate > 0.0)) return NULL;
    struct morph_plan *p = plan_alloc(from->nstems);
    if (!p) return NULL;
    p->id = id;
    double subs = seconds * rate / DSP_SUB + 0.5;
    p->len = subs < 1.0 ? 1u : (unsigned)subs;
    memcpy(p->from, from, params_size(from->nstems));
    memset(p->bits, 0xff, (p->nvals + 7) / 8);
    return p;
}

struct morph_plan *morph_plan_without(const struct morph_plan *plan, const unsigned *offs,
                                      unsigned n)
{
    struct morph_plan *p = plan_alloc(plan->from->nstems);
    if (!p) return NULL;
    p->id = plan->id;
    p->gen = plan->gen + 1;
    p->len = plan->len;
    memcpy(p->from, plan->from, params_size(plan->from->nstems));
    memcpy(p->bits, plan->bits, (p->nvals + 7) / 8);
    p->prev_id = plan->prev_id;
    if (plan->alt && !(p->alt = params_dup(plan->alt))) {
        morph_plan_free(p);
        return NULL;
    }
    for (unsigned i = 0; i < n; i++)
        if (offs[i] < p->nvals) p->bits[offs[i] / 8] &= (uint8_t) ~(1u << (offs[i] % 8));
    return p;
}

int morph_plan_follow(struct morph_plan *p, const struct morph_plan *old)
{
    struct params *alt = params_dup(p->from);
    if (!alt) return -1;
    float *to = vals(alt);
    const float *was = cvals(old->from);
    for (unsigned off = 0; off < p->nvals && off < old->nvals; off++)
        if (morph_plan_has(old, off)) to[off] = was[off];
    params_free(p->alt);
    p->alt = alt;
    p->prev_id = old->id;
    return 0;
}

int morph_plan_has(const struct morph_plan *plan, unsigned off)
{
    return off < plan->nvals && (plan->bits[off / 8] >> (off % 8)) & 1;
}

void morph_plan_free(void *ptr)
{
    struct morph_plan *p = ptr;
    if (!p) return;
    params_free(p->from);
    params_free(p->alt);
    free(p->bits);
    free(p);
}

/* One moving value: where it started, where it is now. */
struct entry {
    unsigned off;
    float from, cur;
};

struct morph {
    unsigned nvals;
    const struct param_def **defs; /* each value's row */
    struct params *eff;            /* the values in use while a morph runs */
    struct entry *list;            /* the moving values */
    unsigned nlist, rr;            /* how many; the round-robin's next */
    uint64_t id, gen, seq;         /* the plan and the snapshot eff was built from */
    uint64_t done_id;
    unsigned pos, len; /* sub-blocks done, of len */
    int active;
};

struct morph *morph_new(unsigned nstems)
{
    struct morph *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->nvals = params_count(nstems);
    m->defs = calloc(m->nvals, sizeof *m->defs);
    m->list = calloc(m->nvals, sizeof *m->list);
    m->eff = params_new(nstems);
    if (!m->defs || !m->list || !m->eff) {
        morph_free(m);
        return NULL;
    }
    for (unsigned i = 0; i < m->nvals; i++) {
        struct param_ref ref;
        params_ref_at(nstems, i, &ref);
        m->defs[morph_offset(&ref)] = ref.def;
    }
    return m;
}

void morph_free(struct morph *m)
{
    if (!m) return;
    free(m->defs);
    free(m->list);
    params_free(m->eff);
    free(m);
}

void morph_reset(struct morph *m)
{
    if (m->active) m->done_id = m->id; /* ended here: the status says so, control.c drops it */
    m->active = 0;
}

void morph_seed(struct morph *m, uint64_t id)
{
    m->id = m->done_id = id;
    m->active = 0;
}

uint64_t morph_done_id(const struct morph *m)
{
    return m->done_id;
}

int morph_active(const struct morph *m)
{
    return m->active;
}

/* Value t of the way from `from` to `to` along the row's taper; switches at the midpoint. */
static float between(const struct param_def *d, float from, float to, float t)
{
    if (d->type != PT_FLOAT) return t < 0.5f ? from : to;
    float a = params_to_norm(d, from), b = params_to_norm(d, to);
    return params_from_norm(d, a + (b - a) * t);
}

/* eff = live, with the moving values where they are. */
static void rebuild(struct morph *m, const struct params *live)
{
    memcpy(m->eff, live, params_size(live->nstems));
    float *e = vals(m->eff);
    for (unsigned i = 0; i < m->nlist; i++)
        e[m->list[i].off] = m->list[i].cur;
}

/* A new plan's starting values while no morph runs: the values before its recall, or, when the
 * plan before it never started here, the ones before that one's (the audio never left them). */
static const struct params *start_of(const struct morph *m, const struct morph_plan *plan)
{
    return plan->alt && m->id < plan->prev_id ? plan->alt : plan->from;
}

/* A sub-block start: take a new plan (1 when one starts), follow a plan's changes and a new
 * snapshot. */
static int begin(struct morph *m, const struct params *live, uint64_t seq,
                 const struct morph_plan *plan)
{
    if (!plan) {
        if (m->active) m->done_id = m->id;
        m->active = 0; /* the plan was dropped: the live values */
        return 0;
    }
    if (plan->id != m->id) {
        /* From the values in use: a running morph's, else the values before the recall. */
        const float *from = m->active ? cvals(m->eff) : cvals(start_of(m, plan));
        const float *to = cvals(live);
        m->nlist = 0;
        for (unsigned off = 0; off < m->nvals; off++)
            if (from[off] != to[off] && morph_plan_has(plan, off))
                m->list[m->nlist++] = (struct entry){off, from[off], from[off]};
        rebuild(m, live);
        m->id = plan->id, m->gen = plan->gen, m->seq = seq;
        m->pos = 0, m->len = plan->len, m->rr = 0;
        m->active = m->nlist > 0;
        if (!m->active) m->done_id = plan->id;
        return 1;
    }
    if (!m->active) return 0;
    if (plan->gen != m->gen) { /* values changed during the morph leave it */
        unsigned k = 0;
        for (unsigned i = 0; i < m->nlist; i++)
            if (morph_plan_has(plan, m->list[i].off)) m->list[k++] = m->list[i];
        m->nlist = k;
        m->rr = 0;
        m->gen = plan->gen;
        m->seq = seq - 1; /* rebuild below */
    }
    if (seq != m->seq) {
        rebuild(m, live);
        m->seq = seq;
    }
    return 0;
}

/* The next sub-block's values: eff moved on, or live once the morph has reached its end. */
static const struct params *advance(struct morph *m, const struct params *live)
{
    if (++m->pos >= m->len || !m->nlist) {
        m->active = 0;
        m->done_id = m->id;
        return live;
    }
    const float t = (float)m->pos / (float)m->len;
    const unsigned k = m->nlist < MORPH_BUDGET ? m->nlist : MORPH_BUDGET;
    float *e = vals(m->eff);
    const float *to = cvals(live);
    for (unsigned i = 0; i < k; i++) {
        struct entry *x = &m->list[m->rr];
        x->cur = between(m->defs[x->off], x->from, to[x->off], t);
        e[x->off] = x->cur;
        if (++m->rr == m->nlist) m->rr = 0;
    }
    return m->eff;
}

int morph_run(struct morph *m, unsigned phase, const struct params *live, uint64_t seq,
              const struct morph_plan *plan, unsigned n, morph_fn fn, void *ctx,
              unsigned *started_at)
{
    int started = 0;
    if (!m->active && (!plan || plan->id == m->id)) {
        fn(ctx, live, 0, n);
        return 0;
    }
    for (unsigned off = 0; off < n;) {
        const unsigned ph = (phase + off) % DSP_SUB;
        const struct params *p;
        if (ph == 0) {
            if (begin(m, live, seq, plan)) started = 1, *started_at = off;
            p = m->active ? advance(m, live) : live;
        } else {
            /* Before the first boundary: the units read their values at sub-block starts, so
             * this is only for what reads them per call (the key routing). */
            p = m->active ? m->eff : plan && plan->id != m->id ? start_of(m, plan) : live;
        }
        unsigned len = n - off;
        if ((m->active || (plan && plan->id != m->id)) && len > DSP_SUB - ph) len = DSP_SUB - ph;
        fn(ctx, p, off, len);
        off += len;
    }
    return started;
}
