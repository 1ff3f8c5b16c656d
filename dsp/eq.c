/* dsp/eq.c: the N-band parametric EQ: SVF sections that glide, crossfade and skip (see eq.h). */
#include "dsp/eq.h"

#include <math.h>
#include <string.h>

#include "dsp/dsp.h"
#include "dsp/table.h"

/* What a band does during one sub-block (decided at the sub-block start). */
enum band_mode {
    BAND_SKIP,   /* off after its fade, or resting at the identity: not computed */
    BAND_STEADY, /* fully on, coefficients still: runs in the fused cascade */
    BAND_MOVING, /* gliding and/or crossfading: runs on its own */
};

/* A glide lands exactly on its target once this close, so a band brought back to 0 dB is the
 * identity again (and skipped), and a settled band stops being redesigned. 1e-4 in ln Hz is
 * 0.002 semitone, 1e-3 dB is far below hearing; the ramp makes even that last step smooth. */
#define SNAP_LF 1e-4f
#define SNAP_DB 1e-3f
#define SNAP_LQ 1e-4f

static const enum svf_type svf_of[] = {SVF_BELL, SVF_LOWSHELF, SVF_HIGHSHELF, SVF_NOTCH};

/* c1..c3 are exact: a1 - 1 is exact in float for a1 in [0.5, 1] and doubling is exact. The
 * output weights fold m0*x + m1*v1 + m2*v2, with v1 = a1*p1 + a2*t and v2 = p2 + a2*p1 + a3*t,
 * into f0*x + f1*p1 + f2*p2, summed in double. */
void eq_sect_from_svf(struct eq_sect *k, const struct svf_coefs *c)
{
    double e3 = (double)c->m1 * c->a2 + (double)c->m2 * c->a3;
    k->c1 = 2.0f * (c->a1 - 1.0f);
    k->c2 = 2.0f * c->a2;
    k->c3 = 2.0f * c->a3;
    k->f0 = (float)(c->m0 + e3);
    k->f1 = (float)((double)c->m1 * c->a1 + (double)c->m2 * c->a2);
    k->f2 = (float)(c->m2 - e3);
}

static int sect_is_identity(const struct eq_sect *k)
{
    return k->f0 == 1.0f && k->f1 == 0.0f && k->f2 == 0.0f;
}

static void design(const struct eq *eq, const struct eq_band *b, struct eq_sect *k)
{
    struct svf_coefs c;
    /* At rest use the exact target, not exp(log(target)). */
    double f = b->lf.cur == b->lf_t ? b->freq_t : exp(b->lf.cur);
    double q = b->lq.cur == b->lq_t ? b->q_t : exp(b->lq.cur);
    svf_design(&c, svf_of[b->sw.shape % EQ_TYPES], f, q, b->g.cur, eq->rate);
    eq_sect_from_svf(k, &c);
}

static void zero_state(struct eq_band *b)
{
    b->p1[0] = b->p1[1] = b->p2[0] = b->p2[1] = 0.0f;
}

/* Decide what band b does in the sub-block that starts now (filterswitch.h's machine). */
static void band_control(struct eq *eq, struct eq_band *b)
{
    struct filter_switch *sw = &b->sw;
    if (filter_switch_begin(sw)) {
        /* Silent (off, or about to fade in): jump to the targets from a clean state. */
        zero_state(b);
        int changed =
            !sw->designed || b->lf.cur != b->lf_t || b->g.cur != b->g_t || b->lq.cur != b->lq_t;
        glide_jump(&b->lf, b->lf_t);
        glide_jump(&b->g, b->g_t);
        glide_jump(&b->lq, b->lq_t);
        if (changed) {
            design(eq, b, &b->k);
            sw->designed = 1;
        }
        b->mode = filter_switch_silent(sw) ? BAND_MOVING : BAND_SKIP;
        return;
    }

    int moved = glide_step(&b->lf, b->lf_t, eq->alpha, SNAP_LF);
    moved |= glide_step(&b->g, b->g_t, eq->alpha, SNAP_DB);
    moved |= glide_step(&b->lq, b->lq_t, eq->alpha, SNAP_LQ);
    if (filter_switch_ramp(sw, moved)) {
        /* Ramp every coefficient linearly over the sub-block to the new design: the SVF stays
         * well behaved while its coefficients move, and no coefficient ever steps. */
        design(eq, b, &b->kend);
        eq_sect_ramp(&b->dk, &b->k, &b->kend);
    }
    if (!isfinite(b->p1[0] + b->p1[1] + b->p2[0] + b->p2[1])) zero_state(b);
    dsp_zero_tiny(b->p1, 2);
    dsp_zero_tiny(b->p2, 2);
    filter_switch_latch(sw);
    if (sw->ramp || sw->fading) {
        b->mode = BAND_MOVING;
    } else if (sect_is_identity(&b->k)) {
        b->mode = BAND_SKIP; /* a flat bell or shelf: not computed, restarts from silence */
        zero_state(b);
    } else {
        b->mode = BAND_STEADY;
    }
}

/* Steady bands in cascade, all in one sample loop: each band's recurrence is a serial chain,
 * and running the bands side by side lets the CPU overlap the chains (measured 2.0 ns per
 * section per stereo frame with six bands, 3.3 for one band alone). */
static void run_cascade(struct eq_band *const *bs, unsigned nb, float *l, float *r, unsigned m)
{
    struct eq_sect k[EQ_MAX_BANDS];
    float p1[EQ_MAX_BANDS][2], p2[EQ_MAX_BANDS][2];

    for (unsigned j = 0; j < nb; j++) {
        k[j] = bs[j]->k;
        memcpy(p1[j], bs[j]->p1, sizeof p1[j]);
        memcpy(p2[j], bs[j]->p2, sizeof p2[j]);
    }
    for (unsigned i = 0; i < m; i++) {
        float x[2] = {l[i], r[i]};
        for (unsigned j = 0; j < nb; j++)
            eq_sect_tick(&k[j], p1[j], p2[j], x);
        l[i] = x[0];
        r[i] = x[1];
    }
    for (unsigned j = 0; j < nb; j++) {
        memcpy(bs[j]->p1, p1[j], sizeof p1[j]);
        memcpy(bs[j]->p2, p2[j], sizeof p2[j]);
    }
}

/* One steady band (a dedicated loop: states stay in registers). */
static void run_one(struct eq_band *b, float *l, float *r, unsigned m)
{
    const struct eq_sect k = b->k;
    float p1[2] = {b->p1[0], b->p1[1]}, p2[2] = {b->p2[0], b->p2[1]};

    for (unsigned i = 0; i < m; i++) {
        float x[2] = {l[i], r[i]};
        eq_sect_tick(&k, p1, p2, x);
        l[i] = x[0];
        r[i] = x[1];
    }
    memcpy(b->p1, p1, sizeof p1);
    memcpy(b->p2, p2, sizeof p2);
}

/* One band whose coefficients ramp by dk per sample. */
static void run_ramp(struct eq_band *b, float *l, float *r, unsigned m)
{
    struct eq_sect k = b->k;
    const struct eq_sect d = b->dk;
    float p1[2] = {b->p1[0], b->p1[1]}, p2[2] = {b->p2[0], b->p2[1]};

    for (unsigned i = 0; i < m; i++) {
        eq_sect_step(&k, &d);
        float x[2] = {l[i], r[i]};
        eq_sect_tick(&k, p1, p2, x);
        l[i] = x[0];
        r[i] = x[1];
    }
    b->k = k;
    memcpy(b->p1, p1, sizeof p1);
    memcpy(b->p2, p2, sizeof p2);
}

static int band_chan(const struct eq_band *b)
{
    return b->sw.shape / EQ_TYPES;
}

/* One band on its channel: mid or side through the matrix, the channel it leaves alone kept. */
static void run_chan(struct eq_band *b, float *l, float *r, unsigned m)
{
    const int ch = band_chan(b), ms = ch == EQ_MID || ch == EQ_SIDE;
    float keep[DSP_SUB];
    if (ms)
        for (unsigned i = 0; i < m; i++) {
            float x = l[i], y = r[i];
            l[i] = (x + y) * 0.5f;
            r[i] = (x - y) * 0.5f;
        }
    float *kept = ch == EQ_MID || ch == EQ_LEFT ? r : ch == EQ_STEREO ? NULL : l;
    if (kept) memcpy(keep, kept, m * sizeof *kept);
    if (b->sw.ramp)
        run_ramp(b, l, r, m);
    else
        run_one(b, l, r, m);
    if (kept) memcpy(kept, keep, m * sizeof *kept);
    if (ms)
        for (unsigned i = 0; i < m; i++) {
            float x = l[i], y = r[i];
            l[i] = x + y;
            r[i] = x - y;
        }
}

static void run_moving(struct eq_band *b, float *l, float *r, unsigned m)
{
    float dry[2][DSP_SUB];

    filter_switch_keep_dry(&b->sw, dry, l, r, m);
    run_chan(b, l, r, m);
    filter_switch_mix(&b->sw, dry, l, r, m);
}

static void run_steady(struct eq_band *const *bs, unsigned nb, float *l, float *r, unsigned m)
{
    if (nb == 1)
        run_one(bs[0], l, r, m);
    else if (nb > 1)
        run_cascade(bs, nb, l, r, m);
}

/* m <= DSP_SUB - pos frames of the current sub-block. The bands run in their fixed order (a
 * section must keep filtering the same signal it has been filtering, or its state would not
 * match its input); consecutive steady bands run fused. */
static void render(struct eq *eq, float *l, float *r, unsigned m)
{
    struct eq_band *run[EQ_MAX_BANDS];
    unsigned nrun = 0;

    for (unsigned j = 0; j < eq->nbands; j++) {
        struct eq_band *b = &eq->band[j];
        if (b->mode == BAND_STEADY && band_chan(b) == EQ_STEREO) {
            run[nrun++] = b;
        } else if (b->mode == BAND_STEADY) {
            run_steady(run, nrun, l, r, m);
            nrun = 0;
            run_chan(b, l, r, m);
        } else if (b->mode == BAND_MOVING) {
            run_steady(run, nrun, l, r, m);
            nrun = 0;
            run_moving(b, l, r, m);
        }
    }
    run_steady(run, nrun, l, r, m);
}

void eq_process(struct eq *eq, float *l, float *r, unsigned n)
{
    DSP_SUB_WALK (w, &eq->pos, n) {
        if (w.off == 0)
            for (unsigned j = 0; j < eq->nbands; j++)
                band_control(eq, &eq->band[j]);
        render(eq, l + w.done, r + w.done, w.n);
        if (dsp_sub_ends(&w)) {
            for (unsigned j = 0; j < eq->nbands; j++) {
                struct eq_band *b = &eq->band[j];
                if (filter_switch_land(&b->sw)) b->k = b->kend; /* land exactly */
            }
        }
    }
}

void eq_set_band(struct eq *eq, unsigned band, int on, enum eq_type type, float freq_hz,
                 float gain_db, float q)
{
    if (band >= eq->nbands) return;
    struct eq_band *b = &eq->band[band];
    b->sw.on = on != 0;
    if ((unsigned)type <= EQ_NOTCH) b->type_t = (int)type;
    b->sw.shape_t = b->type_t + EQ_TYPES * b->chan_t;
    if (freq_hz != b->set_freq && isfinite(freq_hz)) {
        b->set_freq = freq_hz;
        b->freq_t = dsp_clampf(freq_hz, table_stem[STEM_EQ_FREQ].min, eq->freq_max);
        b->lf_t = logf(b->freq_t);
    }
    if (gain_db != b->set_gain && isfinite(gain_db)) {
        b->set_gain = gain_db;
        b->g_t = dsp_clampf(gain_db, table_stem[STEM_EQ_GAIN].min, table_stem[STEM_EQ_GAIN].max);
    }
    if (q != b->set_q && isfinite(q)) {
        b->set_q = q;
        b->q_t = dsp_clampf(q, table_stem[STEM_EQ_Q].min, table_stem[STEM_EQ_Q].max);
        b->lq_t = logf(b->q_t);
    }
}

void eq_set_channel(struct eq *eq, unsigned band, enum eq_channel chan)
{
    if (band >= eq->nbands || (unsigned)chan > EQ_RIGHT) return;
    struct eq_band *b = &eq->band[band];
    b->chan_t = (int)chan;
    b->sw.shape_t = b->type_t + EQ_TYPES * b->chan_t;
}

void eq_reset(struct eq *eq)
{
    eq->pos = 0;
    for (unsigned j = 0; j < eq->nbands; j++) {
        struct eq_band *b = &eq->band[j];
        filter_switch_reset(&b->sw);
        glide_jump(&b->lf, b->lf_t);
        glide_jump(&b->g, b->g_t);
        glide_jump(&b->lq, b->lq_t);
        design(eq, b, &b->k);
        b->kend = b->k;
        memset(&b->dk, 0, sizeof b->dk);
        b->sw.designed = 1;
        b->mode = BAND_SKIP;
        zero_state(b);
    }
}

void eq_init(struct eq *eq, unsigned nbands, double rate)
{
    memset(eq, 0, sizeof *eq);
    eq->rate = rate;
    eq->nbands = nbands < EQ_MAX_BANDS ? nbands : EQ_MAX_BANDS;
    eq->alpha = glide_alpha(rate, EQ_GLIDE_MS);
    eq->freq_max = dsp_clampf((float)(0.49 * rate), table_stem[STEM_EQ_FREQ].min,
                              table_stem[STEM_EQ_FREQ].max);
    for (unsigned j = 0; j < EQ_MAX_BANDS; j++) {
        struct eq_band *b = &eq->band[j];
        filter_switch_init(&b->sw, rate, (int)table_stem[STEM_EQ_TYPE].def);
        b->type_t = (int)table_stem[STEM_EQ_TYPE].def;
        b->set_freq = NAN, b->set_gain = NAN, b->set_q = NAN;
    }
    const struct table_row *t = table_stem;
    for (unsigned j = 0; j < eq->nbands; j++)
        eq_set_band(eq, j, t[STEM_EQ_ON].def != 0.0f, (enum eq_type)t[STEM_EQ_TYPE].def,
                    t[STEM_EQ_FREQ].def, t[STEM_EQ_GAIN].def, t[STEM_EQ_Q].def);
    eq_reset(eq);
}
