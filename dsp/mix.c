/* dsp/mix.c: the mix graph: stems through their strips, summed, through the master bus. */
#include "dsp/mix.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/bus.h"
#include "dsp/compare.h"
#include "dsp/loudness.h"
#include "dsp/strip.h"

/* The graph runs in passes over blocks of up to MIX_BLOCK frames: every stem's first half, then
 * every stem's second half (each may read any stem's first-half output: the sidechain tap), then
 * the sum in stem order and the bus. Within a pass the stems are independent, so a host may run
 * them on several threads (mix_set_parallel) and still get the same samples. */
#define MIX_BLOCK     2048
#define MIX_INPUT_MAX 1048576.0f /* 2^20: +120 dBFS */

struct mix {
    unsigned nstems;
    double rate;
    unsigned sphase, bphase; /* frames into the current sub-block, stems and bus stages */
    int meters;              /* 0: skip the meters (mix_set_meters) */
    struct strip *strips;
    float (*pre)[2][MIX_BLOCK];    /* each stem after strip_pre: the sidechain tap */
    float (*post)[2][MIX_BLOCK];   /* each stem's output */
    unsigned *key;                 /* per stem, the stem whose tap keys its compressor */
    unsigned (*dkey)[DYNEQ_BANDS]; /* per stem and dynamic EQ band, the stem whose tap keys it */
    int *audible;
    const float **no_input; /* nstems NULL pointers: silence, for the pre-roll */
    float sum[2][MIX_BLOCK];
    mix_for_fn par;
    void *par_ctx;
    /* the block being processed, for the stem jobs */
    const struct params *p;
    const float *const *in_l, *const *in_r;
    unsigned in_off, len;
    struct bus bus;
    struct compare cmp; /* the loudness-matched bypass, after the bus */
    struct loudness_kw kw;
    double lq[MIX_LOUDNESS_QUEUE];
    unsigned lq_head, lq_count, lq_dropped;
};

struct mix_meters *mix_meters_new(unsigned nstems)
{
    struct mix_meters *mm = calloc(1, sizeof *mm + (size_t)nstems * sizeof(struct mix_stem_meters));
    if (mm) mm->nstems = nstems;
    return mm;
}

static float maxf(float a, float b)
{
    return a > b ? a : b;
}

static float farf(float a, float b)
{
    return fabsf(b) > fabsf(a) ? b : a;
}

void mix_meters_merge(struct mix_meters *acc, const struct mix_meters *t)
{
    for (unsigned k = 0; k < t->nstems && k < acc->nstems; k++) {
        struct mix_stem_meters *a = &acc->stem[k];
        const struct mix_stem_meters *s = &t->stem[k];
        a->peak_l = maxf(a->peak_l, s->peak_l);
        a->peak_r = maxf(a->peak_r, s->peak_r);
        a->gr_db = maxf(a->gr_db, s->gr_db);
        for (unsigned b = 0; b < STEMD_DEQ_BANDS; b++)
            a->deq_db[b] = farf(a->deq_db[b], s->deq_db[b]);
        a->deess_db = maxf(a->deess_db, s->deess_db);
        a->rms += s->rms * s->rms;
    }
    struct mix_bus_meters *b = &acc->bus;
    b->peak_l = maxf(b->peak_l, t->bus.peak_l);
    b->peak_r = maxf(b->peak_r, t->bus.peak_r);
    b->true_peak = maxf(b->true_peak, t->bus.true_peak);
    b->gr_limiter_db = maxf(b->gr_limiter_db, t->bus.gr_limiter_db);
    for (unsigned i = 0; i < STEMD_MB_BANDS; i++)
        b->gr_band_db[i] = maxf(b->gr_band_db[i], t->bus.gr_band_db[i]);
    b->correlation = t->bus.correlation; /* the latest value, as the process thread keeps it */
    b->compare_gain_db = t->bus.compare_gain_db;
}

int mix_create(struct mix **out, unsigned nstems, double rate)
{
    struct mix *m;

    *out = NULL;
    if (nstems < 1 || nstems > STEMD_MAX_STEMS || !(rate >= 44100.0 && rate <= 192000.0))
        return -EINVAL;
    m = calloc(1, sizeof *m);
    if (!m) return -ENOMEM;
    m->nstems = nstems;
    m->rate = rate;
    m->strips = calloc(nstems, sizeof *m->strips);
    m->pre = calloc(nstems, sizeof *m->pre);
    m->post = calloc(nstems, sizeof *m->post);
    m->key = calloc(nstems, sizeof *m->key);
    m->dkey = calloc(nstems, sizeof *m->dkey);
    m->audible = calloc(nstems, sizeof *m->audible);
    m->no_input = calloc(nstems, sizeof *m->no_input);
    if (!m->no_input || !m->strips || !m->pre || !m->post || !m->key || !m->dkey || !m->audible ||
        bus_init(&m->bus, rate) < 0 || compare_init(&m->cmp, rate, MIX_BLOCK) < 0)
        goto fail;
    for (unsigned k = 0; k < nstems; k++) {
        m->key[k] = k;
        for (unsigned b = 0; b < DYNEQ_BANDS; b++)
            m->dkey[k][b] = k;
        if (strip_init(&m->strips[k], rate) < 0) goto fail;
    }
    loudness_kw_init(&m->kw, rate);
    m->meters = 1;
    /* Bring every unit to the table's defaults (a unit's own init values need not be them). */
    struct params *def = params_new(nstems);
    if (!def) goto fail;
    mix_reset(m, def);
    params_free(def);
    *out = m;
    return 0;
fail:
    mix_destroy(m);
    return -ENOMEM;
}

void mix_destroy(struct mix *m)
{
    if (!m) return;
    if (m->strips)
        for (unsigned k = 0; k < m->nstems; k++)
            strip_free(&m->strips[k]);
    bus_free(&m->bus);
    compare_free(&m->cmp);
    free(m->strips);
    free(m->pre);
    free(m->post);
    free(m->key);
    free(m->dkey);
    free(m->audible);
    free(m->no_input);
    free(m);
}

unsigned mix_latency(const struct mix *m)
{
    return bus_latency(&m->bus);
}

unsigned mix_phase(const struct mix *m)
{
    return m->sphase;
}

unsigned mix_bus_phase(const struct mix *m)
{
    return m->bphase;
}

static void clear_meters(struct mix *m)
{
    for (unsigned k = 0; k < m->nstems; k++) {
        struct strip *s = &m->strips[k];
        s->peak_l = s->peak_r = 0.0f;
        s->ms_sum = 0.0;
        s->ms_n = 0;
        compressor_take_max_gr_db(&s->comp);
        for (unsigned b = 0; b < DYNEQ_BANDS; b++)
            dyneq_take_gain_db(&s->deq, b);
        deesser_take_gr_db(&s->deess);
    }
    m->bus.peak_l = m->bus.peak_r = 0.0f;
    truepeak_take_max(&m->bus.tp);
    limiter_take_max_gr_db(&m->bus.lim);
    for (unsigned b = 0; b < STEMD_MB_BANDS; b++)
        multiband_take_gr_db(&m->bus.mb, b);
    loudness_kw_reset(&m->kw);
    m->lq_head = m->lq_count = m->lq_dropped = 0;
}

void mix_set_parallel(struct mix *m, mix_for_fn fn, void *ctx)
{
    m->par = fn;
    m->par_ctx = ctx;
}

/* Once per call (the snapshot is constant within it): solo and sidechain routing. */
static void route(struct mix *m, const struct params *p)
{
    int any_solo = 0;
    for (unsigned k = 0; k < m->nstems; k++)
        any_solo |= p->stem[k][STEM_SOLO] != 0.0f;
    for (unsigned k = 0; k < m->nstems; k++) {
        const float *sp = p->stem[k];
        unsigned src = (unsigned)sp[STEM_COMP_SIDECHAIN];
        m->audible[k] = sp[STEM_MUTE] == 0.0f && (!any_solo || sp[STEM_SOLO] != 0.0f);
        m->key[k] = src >= 1 && src <= m->nstems ? src - 1 : k;
        for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
            unsigned ds = (unsigned)sp[STEM_DEQ_KEY + b];
            m->dkey[k][b] = ds >= 1 && ds <= m->nstems ? ds - 1 : k;
        }
    }
}

static void load_input(float *dst, const float *src, unsigned n)
{
    if (!src) {
        memset(dst, 0, n * sizeof *dst);
        return;
    }
    for (unsigned j = 0; j < n; j++) {
        /* NaN/inf become 0; a finite but absurd sample (beyond +120 dBFS) is clamped, so no
         * gain, sum or filter downstream can overflow to inf. Real audio is never touched. */
        float x = dsp_finite_or_zero(src[j]);
        dst[j] = x > MIX_INPUT_MAX ? MIX_INPUT_MAX : x < -MIX_INPUT_MAX ? -MIX_INPUT_MAX : x;
    }
}

/* Job: stem k's first half over the block, in sub-block pieces. */
static void job_pre(void *arg, unsigned k)
{
    struct mix *m = arg;
    struct strip *s = &m->strips[k];
    float *l = m->pre[k][0], *r = m->pre[k][1];
    load_input(l, m->in_l[k] ? m->in_l[k] + m->in_off : NULL, m->len);
    load_input(r, m->in_r[k] ? m->in_r[k] + m->in_off : NULL, m->len);
    unsigned phase = m->sphase; /* every stem walks from the stage's phase (stems_block) */
    DSP_SUB_WALK (w, &phase, m->len) {
        if (w.off == 0) strip_set_pre(s, m->p->stem[k]);
        strip_pre(s, l + w.done, r + w.done, w.off, w.n);
    }
}

/* Job: stem k's second half, keyed by its key stem's first-half output. */
static void job_post(void *arg, unsigned k)
{
    struct mix *m = arg;
    struct strip *s = &m->strips[k];
    float *l = m->post[k][0], *r = m->post[k][1];
    const float *kl = m->pre[m->key[k]][0], *kr = m->pre[m->key[k]][1];
    memcpy(l, m->pre[k][0], m->len * sizeof *l);
    memcpy(r, m->pre[k][1], m->len * sizeof *r);
    unsigned phase = m->sphase;
    DSP_SUB_WALK (w, &phase, m->len) {
        if (w.off == 0) strip_set_post(s, m->p->stem[k], m->audible[k]);
        struct strip_keys keys = {.comp_l = kl + w.done, .comp_r = kr + w.done};
        for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
            keys.deq_l[b] = m->pre[m->dkey[k][b]][0] + w.done;
            keys.deq_r[b] = m->pre[m->dkey[k][b]][1] + w.done;
        }
        strip_post(s, l + w.done, r + w.done, &keys, w.off, w.n);
    }
}

static void run_jobs(struct mix *m, void (*job)(void *, unsigned))
{
    if (m->par && m->nstems > 1) {
        m->par(m->par_ctx, job, m, m->nstems);
        return;
    }
    for (unsigned k = 0; k < m->nstems; k++)
        job(m, k);
}

static void push_quarters(struct mix *m, const double *q, unsigned nq)
{
    for (unsigned i = 0; i < nq; i++) {
        if (m->lq_count == MIX_LOUDNESS_QUEUE) {
            m->lq_head = (m->lq_head + 1) % MIX_LOUDNESS_QUEUE;
            m->lq_count--;
            m->lq_dropped++;
        }
        m->lq[(m->lq_head + m->lq_count) % MIX_LOUDNESS_QUEUE] = q[i];
        m->lq_count++;
    }
}

/* The stems stage over one block of m->len frames: both halves of every stem, then their sum
 * in stem order (the order fixes the float rounding, so threads never change the result). */
static void stems_block(struct mix *m, float *sum_l, float *sum_r)
{
    unsigned len = m->len;
    run_jobs(m, job_pre);
    run_jobs(m, job_post);
    memset(sum_l, 0, len * sizeof *sum_l);
    memset(sum_r, 0, len * sizeof *sum_r);
    for (unsigned k = 0; k < m->nstems; k++) {
        const float *l = m->post[k][0], *r = m->post[k][1];
        for (unsigned j = 0; j < len; j++) {
            sum_l[j] += l[j];
            sum_r[j] += r[j];
        }
    }
    dsp_sub_advance(&m->sphase, len);
}

/* The bus stage over len <= MIX_BLOCK frames, in place, and the loudness blocks. */
static void bus_block(struct mix *m, const struct params *p, float *l, float *r, unsigned len)
{
    compare_pre(&m->cmp, l, r, len);
    DSP_SUB_WALK (w, &m->bphase, len) {
        if (w.off == 0) bus_set(&m->bus, p->bus);
        bus_process(&m->bus, l + w.done, r + w.done, w.off, w.n);
    }
    if (m->meters) {
        double q[MIX_BLOCK / 4410 + 2];
        unsigned nq = loudness_kw_process(&m->kw, l, r, len, q, sizeof q / sizeof q[0]);
        push_quarters(m, q, nq);
    }
    /* After the meters: they measure the processed master, the one the bypass is matched to. */
    compare_post(&m->cmp, p->bus, l, r, len);
}

/* Both stages over one block, through the mix's own sum buffer. */
static void run_block(struct mix *m, float *out_l, float *out_r)
{
    stems_block(m, m->sum[0], m->sum[1]);
    bus_block(m, m->p, m->sum[0], m->sum[1], m->len);
    if (out_l != m->sum[0]) {
        memcpy(out_l, m->sum[0], m->len * sizeof *out_l);
        memcpy(out_r, m->sum[1], m->len * sizeof *out_r);
    }
}

/* Blocks of n frames (any n) from the inputs into l/r: with bus, the whole graph; without, the
 * stems stage only (l/r get the sum). */
static void run_blocks(struct mix *m, const struct params *p, const float *const *in_l,
                       const float *const *in_r, float *l, float *r, unsigned n, int bus)
{
    m->p = p;
    m->in_l = in_l;
    m->in_r = in_r;
    route(m, p);
    for (unsigned done = 0; done < n;) {
        m->in_off = done;
        m->len = n - done < MIX_BLOCK ? n - done : MIX_BLOCK;
        if (bus)
            run_block(m, l + done, r + done);
        else
            stems_block(m, l + done, r + done);
        done += m->len;
    }
}

void mix_process(struct mix *m, const struct params *p, const float *const *in_l,
                 const float *const *in_r, float *out_l, float *out_r, unsigned n)
{
    run_blocks(m, p, in_l, in_r, out_l, out_r, n, 1);
}

void mix_stems(struct mix *m, const struct params *p, const float *const *in_l,
               const float *const *in_r, float *sum_l, float *sum_r, unsigned n)
{
    run_blocks(m, p, in_l, in_r, sum_l, sum_r, n, 0);
}

void mix_bus(struct mix *m, const struct params *p, float *l, float *r, unsigned n)
{
    for (unsigned done = 0; done < n;) {
        unsigned len = n - done < MIX_BLOCK ? n - done : MIX_BLOCK;
        bus_block(m, p, l + done, r + done, len);
        done += len;
    }
}

void mix_set_meters(struct mix *m, int on)
{
    m->meters = !!on;
    for (unsigned k = 0; k < m->nstems; k++)
        m->strips[k].meters = m->meters;
    m->bus.meters = m->meters;
}

void mix_reset(struct mix *m, const struct params *p)
{
    for (unsigned k = 0; k < m->nstems; k++)
        strip_reset(&m->strips[k]);
    bus_reset(&m->bus);
    compare_reset(&m->cmp);
    m->sphase = m->bphase = 0;
    if (p) {
        /* Let every smoothed parameter and crossfade reach p's values on silence (states stay
         * exactly zero on silence), so a render starts with the preset fully applied rather
         * than gliding into it. 250 ms covers the slowest glide (crossfades 10 ms, smoothing
         * 99 % in under 50 ms); a whole number of sub-blocks keeps the phase at 0. The
         * output goes to the sum buffer itself (block() copies within it). */
        unsigned frames = (unsigned)(0.25 * m->rate) / DSP_SUB * DSP_SUB + DSP_SUB;
        m->p = p;
        m->in_l = m->in_r = m->no_input;
        route(m, p);
        for (unsigned done = 0; done < frames;) {
            m->in_off = 0;
            m->len = frames - done < MIX_BLOCK ? frames - done : MIX_BLOCK;
            run_block(m, m->sum[0], m->sum[1]);
            done += m->len;
        }
    }
    clear_meters(m);
}

void mix_take_meters(struct mix *m, struct mix_meters *out)
{
    unsigned n = out->nstems < m->nstems ? out->nstems : m->nstems;
    for (unsigned k = 0; k < n; k++) {
        struct strip *s = &m->strips[k];
        struct mix_stem_meters *o = &out->stem[k];
        o->peak_l = s->peak_l;
        o->peak_r = s->peak_r;
        o->rms = s->ms_n ? (float)sqrt(s->ms_sum / s->ms_n) : 0.0f;
        o->gr_db = compressor_take_max_gr_db(&s->comp);
        for (unsigned b = 0; b < DYNEQ_BANDS; b++)
            o->deq_db[b] = dyneq_take_gain_db(&s->deq, b);
        o->deess_db = deesser_take_gr_db(&s->deess);
        s->peak_l = s->peak_r = 0.0f;
        s->ms_sum = 0.0;
        s->ms_n = 0;
    }
    struct bus *b = &m->bus;
    out->bus.peak_l = b->peak_l;
    out->bus.peak_r = b->peak_r;
    b->peak_l = b->peak_r = 0.0f;
    out->bus.true_peak = truepeak_take_max(&b->tp);
    double den = sqrt(b->corr_ll * b->corr_rr);
    out->bus.correlation = den > 1e-20 ? (float)(b->corr_lr / den) : 0.0f;
    out->bus.gr_limiter_db = limiter_take_max_gr_db(&b->lim);
    for (unsigned i = 0; i < STEMD_MB_BANDS; i++)
        out->bus.gr_band_db[i] = multiband_take_gr_db(&b->mb, i);
    out->bus.compare_gain_db = compare_gain_db(&m->cmp);
}

unsigned mix_take_loudness(struct mix *m, double *quarters, unsigned max, unsigned *dropped)
{
    unsigned n = m->lq_count < max ? m->lq_count : max;
    for (unsigned i = 0; i < n; i++)
        quarters[i] = m->lq[(m->lq_head + i) % MIX_LOUDNESS_QUEUE];
    m->lq_head = (m->lq_head + n) % MIX_LOUDNESS_QUEUE;
    m->lq_count -= n;
    if (dropped) {
        *dropped = m->lq_dropped;
        m->lq_dropped = 0;
    }
    return n;
}
