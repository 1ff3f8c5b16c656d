/* dsp/bus.c: the master bus chain and its meters (see bus.h). */
#include "dsp/bus.h"

#include <math.h>
#include <string.h>

int bus_init(struct bus *b, double rate)
{
    memset(b, 0, sizeof *b);
    b->rate = rate;
    b->k = smooth_coef(rate, SMOOTH_TAU_MS);
    /* The correlation meter integrates over ~300 ms, like a hardware phase meter's ballistics. */
    b->k_corr = smooth_coef(rate, 300.0);
    smooth_jump(&b->input, 1.0f);
    smooth_jump(&b->output, 1.0f);
    eq_init(&b->eq, STEMD_EQ_BANDS, rate);
    if (multiband_init(&b->mb, rate) < 0) return -1;
    crossover2_init(&b->bass, rate);
    xfade_init(&b->bass_on, rate, 0);
    b->bass_idle = 1;
    if (limiter_init(&b->lim, rate) < 0) return -1;
    dither_init(&b->dither);
    truepeak_init(&b->tp, rate);
    b->meters = 1;
    return 0;
}

void bus_free(struct bus *b)
{
    multiband_free(&b->mb);
    limiter_free(&b->lim);
}

void bus_reset(struct bus *b)
{
    eq_reset(&b->eq);
    multiband_reset(&b->mb);
    crossover2_reset(&b->bass);
    limiter_reset(&b->lim);
    dither_init(&b->dither);
    truepeak_reset(&b->tp);
    b->peak_l = b->peak_r = 0.0f;
    b->corr_lr = b->corr_ll = b->corr_rr = 0.0;
    b->acc[0] = b->acc[1] = b->acc[2] = 0.0;
}

unsigned bus_latency(const struct bus *b)
{
    return limiter_latency(&b->lim);
}

void bus_set(struct bus *b, const float *bp)
{
    b->input.target = dsp_db_to_lin(bp[BUS_INPUT]);
    smooth_tick(&b->input, b->k);
    for (unsigned i = 0; i < STEMD_EQ_BANDS; i++)
        eq_set_band(&b->eq, i, bp[BUS_EQ_ON + i] != 0.0f, (enum eq_type)bp[BUS_EQ_TYPE + i],
                    bp[BUS_EQ_FREQ + i], bp[BUS_EQ_GAIN + i], bp[BUS_EQ_Q + i]);
    for (unsigned i = 0; i < STEMD_EQ_BANDS; i++)
        eq_set_channel(&b->eq, i, (enum eq_channel)bp[BUS_EQ_CHANNEL + i]);
    multiband_set(&b->mb, bp);
    int bass = bp[BUS_IMG_BASSMONO_ON] != 0.0f;
    if (bass && xfade_idle_off(&b->bass_on)) crossover2_reset(&b->bass);
    crossover2_set(&b->bass, bp[BUS_IMG_BASSMONO_FREQ]);
    xfade_set(&b->bass_on, bass);
    b->bass_idle = xfade_idle_off(&b->bass_on);
    b->bass_full = xfade_full_on(&b->bass_on);
    limiter_set(&b->lim, bp[BUS_LIM_ON] != 0.0f, bp[BUS_LIM_CEILING], bp[BUS_LIM_RELEASE],
                bp[BUS_LIM_LOOKAHEAD], bp[BUS_LIM_DRIVE]);
    b->output.target = dsp_db_to_lin(bp[BUS_OUTPUT]);
    smooth_tick(&b->output, b->k);
    b->dither_mode = (int)bp[BUS_DITHER];
}

/* Mono below the crossover: a mono low end cuts nothing a listener locates, and keeps the groove
 * of a vinyl cut and club systems' mono subs honest. */
static void bass_mono(struct bus *b, float *l, float *r, unsigned n)
{
    if (b->bass_idle) return;
    int full = b->bass_full;
    if (!full) {
        memcpy(b->dry[0], l, n * sizeof *l);
        memcpy(b->dry[1], r, n * sizeof *r);
    }
    crossover2_process(&b->bass, l, r, b->lo[0], b->lo[1], b->hi[0], b->hi[1], n);
    for (unsigned j = 0; j < n; j++) {
        float m = 0.5f * (b->lo[0][j] + b->lo[1][j]);
        l[j] = m + b->hi[0][j];
        r[j] = m + b->hi[1][j];
    }
    if (!full) xfade_mix2(&b->bass_on, b->dry[0], b->dry[1], l, r, n);
}

static void meter(struct bus *b, const float *l, const float *r, unsigned off, unsigned n)
{
    float pl = b->peak_l, pr = b->peak_r;
    double lr = 0, ll = 0, rr = 0;
    for (unsigned j = 0; j < n; j++) {
        float al = fabsf(l[j]), ar = fabsf(r[j]);
        pl = al > pl ? al : pl;
        pr = ar > pr ? ar : pr;
        lr += (double)l[j] * r[j];
        ll += (double)l[j] * l[j];
        rr += (double)r[j] * r[j];
    }
    b->peak_l = pl;
    b->peak_r = pr;
    /* Sum the products over the sub-block, then step a one-pole once at its end, so the meter
     * does not depend on how the host cuts the signal. */
    b->acc[0] += lr;
    b->acc[1] += ll;
    b->acc[2] += rr;
    if (off + n == DSP_SUB) {
        double k = b->k_corr;
        b->corr_lr += k * (b->acc[0] / DSP_SUB - b->corr_lr);
        b->corr_ll += k * (b->acc[1] / DSP_SUB - b->corr_ll);
        b->corr_rr += k * (b->acc[2] / DSP_SUB - b->corr_rr);
        b->acc[0] = b->acc[1] = b->acc[2] = 0.0;
        if (!isfinite(b->corr_lr + b->corr_ll + b->corr_rr))
            b->corr_lr = b->corr_ll = b->corr_rr = 0.0;
    }
    truepeak_process(&b->tp, l, r, n, NULL);
}

void bus_process(struct bus *b, float *l, float *r, unsigned off, unsigned n)
{
    smooth_apply(&b->input, l, off, n);
    smooth_apply(&b->input, r, off, n);
    eq_process(&b->eq, l, r, n);
    multiband_process(&b->mb, l, r, off, n);
    bass_mono(b, l, r, n);
    limiter_process(&b->lim, l, r, n);
    smooth_apply(&b->output, l, off, n);
    smooth_apply(&b->output, r, off, n);
    dither_process(&b->dither, (enum dither_mode)b->dither_mode, l, r, n);
    if (b->meters) meter(b, l, r, off, n);
}
