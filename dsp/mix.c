/* dsp/mix.c: the mix graph: stems through their strips, summed, through the master bus. */
#include "dsp/mix.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/bus.h"
#include "dsp/loudness.h"
#include "dsp/strip.h"

struct mix {
    unsigned nstems;
    double rate;
    unsigned phase; /* frames into the current sub-block */
    struct strip *strips;
    float (*pre)[2][DSP_SUB]; /* each stem after strip_pre: the sidechain tap */
    unsigned *key;            /* per stem, the stem whose tap keys its compressor */
    float work[2][DSP_SUB], sum[2][DSP_SUB];
    struct bus bus;
    struct loudness_kw kw;
    double lq[MIX_LOUDNESS_QUEUE];
    unsigned lq_head, lq_count, lq_dropped;
};

struct mix_meters *mix_meters_new(unsigned nstems)
{
    struct mix_meters *mm =
        calloc(1, sizeof *mm + (size_t)nstems * sizeof(struct mix_stem_meters));
    if (mm)
        mm->nstems = nstems;
    return mm;
}

int mix_create(struct mix **out, unsigned nstems, double rate)
{
    struct mix *m;

    *out = NULL;
    if (nstems < 1 || nstems > STEMD_MAX_STEMS || !(rate >= 44100.0 && rate <= 192000.0))
        return -EINVAL;
    m = calloc(1, sizeof *m);
    if (!m)
        return -ENOMEM;
    m->nstems = nstems;
    m->rate = rate;
    m->strips = calloc(nstems, sizeof *m->strips);
    m->pre = calloc(nstems, sizeof *m->pre);
    m->key = calloc(nstems, sizeof *m->key);
    if (!m->strips || !m->pre || !m->key || bus_init(&m->bus, rate) < 0)
        goto fail;
    for (unsigned k = 0; k < nstems; k++) {
        m->key[k] = k;
        if (strip_init(&m->strips[k], rate) < 0)
            goto fail;
    }
    loudness_kw_init(&m->kw, rate);
    *out = m;
    return 0;
fail:
    mix_destroy(m);
    return -ENOMEM;
}

void mix_destroy(struct mix *m)
{
    if (!m)
        return;
    if (m->strips)
        for (unsigned k = 0; k < m->nstems; k++)
            strip_free(&m->strips[k]);
    bus_free(&m->bus);
    free(m->strips);
    free(m->pre);
    free(m->key);
    free(m);
}

unsigned mix_nstems(const struct mix *m)
{
    return m->nstems;
}

double mix_rate(const struct mix *m)
{
    return m->rate;
}

unsigned mix_latency(const struct mix *m)
{
    return bus_latency(&m->bus);
}

static void clear_meters(struct mix *m)
{
    for (unsigned k = 0; k < m->nstems; k++) {
        struct strip *s = &m->strips[k];
        s->peak_l = s->peak_r = 0.0f;
        s->ms_sum = 0.0;
        s->ms_n = 0;
        compressor_take_max_gr_db(&s->comp);
    }
    m->bus.peak_l = m->bus.peak_r = 0.0f;
    truepeak_take_max(&m->bus.tp);
    limiter_take_max_gr_db(&m->bus.lim);
    for (unsigned b = 0; b < STEMD_MB_BANDS; b++)
        multiband_take_gr_db(&m->bus.mb, b);
    loudness_kw_reset(&m->kw);
    m->lq_head = m->lq_count = m->lq_dropped = 0;
}

/* At every sub-block start: solo logic, sidechain routing, and each unit's targets. */
static void begin_sub(struct mix *m, const struct params *p)
{
    int any_solo = 0;
    for (unsigned k = 0; k < m->nstems; k++)
        any_solo |= p->stem[k][STEM_SOLO] != 0.0f;
    for (unsigned k = 0; k < m->nstems; k++) {
        const float *sp = p->stem[k];
        int audible = sp[STEM_MUTE] == 0.0f && (!any_solo || sp[STEM_SOLO] != 0.0f);
        unsigned src = (unsigned)sp[STEM_COMP_SIDECHAIN];
        m->key[k] = src >= 1 && src <= m->nstems ? src - 1 : k;
        strip_set(&m->strips[k], sp, audible);
    }
    bus_set(&m->bus, p->bus);
}

static void load_input(float *dst, const float *src, unsigned n)
{
    if (!src) {
        memset(dst, 0, n * sizeof *dst);
        return;
    }
    for (unsigned j = 0; j < n; j++)
        dst[j] = dsp_finite_or_zero(src[j]);
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

void mix_process(struct mix *m, const struct params *p, const float *const *in_l,
                 const float *const *in_r, float *out_l, float *out_r, unsigned n)
{
    unsigned done = 0;
    while (done < n) {
        unsigned off = m->phase, len = DSP_SUB - off;
        if (len > n - done)
            len = n - done;
        if (off == 0)
            begin_sub(m, p);

        for (unsigned k = 0; k < m->nstems; k++) {
            load_input(m->pre[k][0], in_l[k] ? in_l[k] + done : NULL, len);
            load_input(m->pre[k][1], in_r[k] ? in_r[k] + done : NULL, len);
            strip_pre(&m->strips[k], m->pre[k][0], m->pre[k][1], off, len);
        }
        memset(m->sum, 0, sizeof m->sum);
        for (unsigned k = 0; k < m->nstems; k++) {
            float *l = m->work[0], *r = m->work[1];
            memcpy(l, m->pre[k][0], len * sizeof *l);
            memcpy(r, m->pre[k][1], len * sizeof *r);
            strip_post(&m->strips[k], l, r, m->pre[m->key[k]][0], m->pre[m->key[k]][1], off,
                       len);
            for (unsigned j = 0; j < len; j++) {
                m->sum[0][j] += l[j];
                m->sum[1][j] += r[j];
            }
        }
        bus_process(&m->bus, m->sum[0], m->sum[1], off, len);
        memcpy(out_l + done, m->sum[0], len * sizeof *out_l);
        memcpy(out_r + done, m->sum[1], len * sizeof *out_r);

        double q[2];
        unsigned nq = loudness_kw_process(&m->kw, m->sum[0], m->sum[1], len, q, 2);
        push_quarters(m, q, nq);

        m->phase = (off + len) % DSP_SUB;
        done += len;
    }
}

void mix_reset(struct mix *m, const struct params *p)
{
    for (unsigned k = 0; k < m->nstems; k++)
        strip_reset(&m->strips[k]);
    bus_reset(&m->bus);
    m->phase = 0;
    if (p) {
        /* Let every smoothed parameter and crossfade reach p's values on silence (states stay
         * exactly zero on silence), so a render starts with the preset fully applied rather
         * than gliding into it. 250 ms covers the slowest glide (crossfades 10 ms, smoothing
         * 99 % in under 50 ms); a whole number of sub-blocks keeps the phase at 0. */
        unsigned frames = (unsigned)(0.25 * m->rate) / DSP_SUB * DSP_SUB + DSP_SUB;
        for (unsigned done = 0; done < frames; done += DSP_SUB) {
            begin_sub(m, p);
            for (unsigned k = 0; k < m->nstems; k++) {
                memset(m->pre[k], 0, sizeof m->pre[k]);
                strip_pre(&m->strips[k], m->pre[k][0], m->pre[k][1], 0, DSP_SUB);
            }
            for (unsigned k = 0; k < m->nstems; k++) {
                memcpy(m->work, m->pre[k], sizeof m->work);
                strip_post(&m->strips[k], m->work[0], m->work[1], m->pre[m->key[k]][0],
                           m->pre[m->key[k]][1], 0, DSP_SUB);
            }
            memset(m->sum, 0, sizeof m->sum); /* silence in, silence summed */
            bus_process(&m->bus, m->sum[0], m->sum[1], 0, DSP_SUB);
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
