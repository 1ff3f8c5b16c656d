/* dsp/passfilter.c: Butterworth high/low-pass as one or two SVF sections (see passfilter.h). */
#include "dsp/passfilter.h"

#include <math.h>
#include <string.h>

#include "dsp/dsp.h"
#include "dsp/table.h"

/* Section Qs of the Butterworth prototypes: 1/(2 cos(theta)) for the pole angles theta. 2nd
 * order: theta = pi/4 (Q = 1/sqrt 2); 4th order: pi/8 and 3pi/8 (0.5412, 1.3066). */
static const double butter_q[2][2] = {
    {0.70710678118654752, 0.0},
    {0.54119610014619698, 1.30656296487637652},
};

#define SNAP_LF 1e-4f /* 0.002 semitone: the glide lands exactly on its target */

static unsigned nsect(int slope)
{
    return slope ? 2 : 1;
}

static void design(const struct passfilter *pf, struct eq_sect *k)
{
    enum svf_type t = pf->kind == PASS_HIGH ? SVF_HIGHPASS : SVF_LOWPASS;
    double f = pf->lf.cur == pf->lf_t ? pf->freq_t : exp(pf->lf.cur);
    for (unsigned s = 0; s < nsect(pf->sw.shape); s++) {
        struct svf_coefs c;
        svf_design(&c, t, f, butter_q[pf->sw.shape][s], 0.0, pf->rate);
        eq_sect_from_svf(&k[s], &c);
    }
}

static void zero_state(struct passfilter *pf)
{
    memset(pf->p1, 0, sizeof pf->p1);
    memset(pf->p2, 0, sizeof pf->p2);
}

static int state_finite(const struct passfilter *pf)
{
    float sum = 0.0f;
    for (unsigned s = 0; s < 2; s++)
        sum += pf->p1[s][0] + pf->p1[s][1] + pf->p2[s][0] + pf->p2[s][1];
    return isfinite(sum);
}

/* Decide what the sub-block that starts now does (filterswitch.h's machine, as the EQ's). */
static void control(struct passfilter *pf)
{
    struct filter_switch *sw = &pf->sw;
    if (filter_switch_begin(sw)) {
        /* Silent: jump to the targets from a clean state. */
        zero_state(pf);
        int changed = !sw->designed || pf->lf.cur != pf->lf_t;
        glide_jump(&pf->lf, pf->lf_t);
        if (changed) {
            design(pf, pf->k);
            sw->designed = 1;
        }
        pf->active = filter_switch_silent(sw);
        return;
    }

    if (filter_switch_ramp(sw, glide_step(&pf->lf, pf->lf_t, pf->alpha, SNAP_LF))) {
        design(pf, pf->kend);
        for (unsigned j = 0; j < nsect(pf->sw.shape); j++)
            eq_sect_ramp(&pf->dk[j], &pf->k[j], &pf->kend[j]);
    }
    if (!state_finite(pf)) zero_state(pf);
    dsp_zero_tiny(&pf->p1[0][0], 4);
    dsp_zero_tiny(&pf->p2[0][0], 4);
    filter_switch_latch(sw);
    pf->active = 1;
}

/* Still coefficients: both sections in one loop, so their recurrences overlap. */
static void run_still(struct passfilter *pf, float *l, float *r, unsigned m)
{
    const struct eq_sect k0 = pf->k[0], k1 = pf->k[1];
    float p1[2][2], p2[2][2];
    memcpy(p1, pf->p1, sizeof p1);
    memcpy(p2, pf->p2, sizeof p2);

    if (pf->sw.shape == PASS_24DB) {
        for (unsigned i = 0; i < m; i++) {
            float x[2] = {l[i], r[i]};
            eq_sect_tick(&k0, p1[0], p2[0], x);
            eq_sect_tick(&k1, p1[1], p2[1], x);
            l[i] = x[0];
            r[i] = x[1];
        }
    } else {
        for (unsigned i = 0; i < m; i++) {
            float x[2] = {l[i], r[i]};
            eq_sect_tick(&k0, p1[0], p2[0], x);
            l[i] = x[0];
            r[i] = x[1];
        }
    }
    memcpy(pf->p1, p1, sizeof p1);
    memcpy(pf->p2, p2, sizeof p2);
}

/* Gliding: every coefficient steps by dk per sample (see eq.c). */
static void run_ramp(struct passfilter *pf, float *l, float *r, unsigned m)
{
    const unsigned ns = nsect(pf->sw.shape);
    struct eq_sect k[2];
    float p1[2][2], p2[2][2];
    memcpy(k, pf->k, sizeof k);
    memcpy(p1, pf->p1, sizeof p1);
    memcpy(p2, pf->p2, sizeof p2);

    for (unsigned i = 0; i < m; i++) {
        float x[2] = {l[i], r[i]};
        for (unsigned s = 0; s < ns; s++) {
            eq_sect_step(&k[s], &pf->dk[s]);
            eq_sect_tick(&k[s], p1[s], p2[s], x);
        }
        l[i] = x[0];
        r[i] = x[1];
    }
    memcpy(pf->k, k, sizeof k);
    memcpy(pf->p1, p1, sizeof p1);
    memcpy(pf->p2, p2, sizeof p2);
}

void passfilter_process(struct passfilter *pf, float *l0, float *r0, unsigned n)
{
    float dry[2][DSP_SUB];

    DSP_SUB_WALK (w, &pf->pos, n) {
        if (w.off == 0) control(pf);
        float *l = l0 + w.done, *r = r0 + w.done;
        const unsigned m = w.n;
        if (pf->active) {
            filter_switch_keep_dry(&pf->sw, dry, l, r, m);
            if (pf->sw.ramp)
                run_ramp(pf, l, r, m);
            else
                run_still(pf, l, r, m);
            filter_switch_mix(&pf->sw, dry, l, r, m);
        }
        if (dsp_sub_ends(&w) && filter_switch_land(&pf->sw))
            memcpy(pf->k, pf->kend, sizeof pf->k); /* land exactly */
    }
}

void passfilter_set(struct passfilter *pf, int on, float freq_hz, int slope)
{
    pf->sw.on = on != 0;
    if (slope == PASS_12DB || slope == PASS_24DB) pf->sw.shape_t = slope;
    if (freq_hz != pf->set_freq && isfinite(freq_hz)) {
        pf->set_freq = freq_hz;
        pf->freq_t = dsp_clampf(freq_hz, pf->fmin, pf->fmax);
        pf->lf_t = logf(pf->freq_t);
    }
}

void passfilter_reset(struct passfilter *pf)
{
    pf->pos = 0;
    filter_switch_reset(&pf->sw);
    glide_jump(&pf->lf, pf->lf_t);
    memset(pf->k, 0, sizeof pf->k);
    design(pf, pf->k);
    memcpy(pf->kend, pf->k, sizeof pf->k);
    memset(pf->dk, 0, sizeof pf->dk);
    pf->sw.designed = 1;
    pf->active = 0;
    zero_state(pf);
}

void passfilter_init(struct passfilter *pf, enum pass_kind kind, double rate)
{
    memset(pf, 0, sizeof *pf);
    pf->rate = rate;
    pf->kind = kind == PASS_LOW ? PASS_LOW : PASS_HIGH;
    pf->alpha = glide_alpha(rate, PASS_GLIDE_MS);
    float nyq = (float)(0.49 * rate);
    const int hi = pf->kind == PASS_HIGH;
    const struct table_row *on = &table_stem[hi ? STEM_HPF_ON : STEM_LPF_ON];
    const struct table_row *freq = &table_stem[hi ? STEM_HPF_FREQ : STEM_LPF_FREQ];
    const struct table_row *slope = &table_stem[hi ? STEM_HPF_SLOPE : STEM_LPF_SLOPE];
    pf->fmin = freq->min;
    pf->fmax = freq->max < nyq ? freq->max : nyq;
    filter_switch_init(&pf->sw, rate, (int)slope->def);
    pf->set_freq = NAN;
    passfilter_set(pf, on->def != 0.0f, freq->def, (int)slope->def);
    passfilter_reset(pf);
}
