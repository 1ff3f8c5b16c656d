/* tests/test_eq_ms.c: the master EQ's channel selector: a mid band changes L+R and leaves L-R
 * alone, a side band the other way round, left and right bands one channel each, any band at
 * 0 dB is bit-exact transparent in every mode, and the selector reaches the master through the
 * mix. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/eq.h"
#include "dsp/mix.h"
#include "tests/tap.h"

#define RATE 48000.0
#define LEN  48000

static uint32_t seed = 99;
static float urand(void)
{
    seed = seed * 1664525u + 1013904223u;
    return (float)(seed >> 8) / 8388608.0f - 1.0f;
}

/* L and R: different noises, so mid and side both carry the whole spectrum. */
static void fill(float *l, float *r)
{
    for (unsigned i = 0; i < LEN; i++) {
        float a = urand(), b = urand();
        l[i] = 0.3f * a + 0.1f * b;
        r[i] = 0.1f * a - 0.3f * b;
    }
}

/* Largest |y - x| over the second half, relative to x's RMS there, in dB (-inf when equal). */
static double rel_err_db(const double *x, const double *y)
{
    double e = 0, p = 0;
    for (unsigned i = LEN / 2; i < LEN; i++) {
        e = fmax(e, fabs(y[i] - x[i]));
        p += x[i] * x[i];
    }
    return 20 * log10(e / sqrt(p / (LEN / 2)));
}

/* RMS ratio (dB) of y to x over the second half. */
static double gain_db(const double *x, const double *y)
{
    double a = 0, b = 0;
    for (unsigned i = LEN / 2; i < LEN; i++)
        a += x[i] * x[i], b += y[i] * y[i];
    return 10 * log10(b / a);
}

static void run_eq(enum eq_channel ch, float gain, const float *il, const float *ir, float *l,
                   float *r)
{
    static struct eq eq;
    eq_init(&eq, STEMD_EQ_BANDS, RATE);
    eq_set_band(&eq, 0, 1, EQ_BELL, 2000, gain, 0.7f);
    eq_set_channel(&eq, 0, ch);
    eq_reset(&eq);
    memcpy(l, il, LEN * 4);
    memcpy(r, ir, LEN * 4);
    for (unsigned i = 0; i < LEN; i += 100)
        eq_process(&eq, l + i, r + i, LEN - i < 100 ? LEN - i : 100);
}

int main(void)
{
    float *il = malloc(LEN * 4), *ir = malloc(LEN * 4), *l = malloc(LEN * 4), *r = malloc(LEN * 4);
    double *m0 = malloc(LEN * 8), *s0 = malloc(LEN * 8), *m1 = malloc(LEN * 8),
           *s1 = malloc(LEN * 8);
    fill(il, ir);
    for (unsigned i = 0; i < LEN; i++)
        m0[i] = (double)il[i] + ir[i], s0[i] = (double)il[i] - ir[i];

    for (int side = 0; side < 2; side++) {
        run_eq(side ? EQ_SIDE : EQ_MID, 6, il, ir, l, r);
        for (unsigned i = 0; i < LEN; i++)
            m1[i] = (double)l[i] + r[i], s1[i] = (double)l[i] - r[i];
        const double *kx = side ? m0 : s0, *ky = side ? m1 : s1; /* what must stay */
        const double *cx = side ? s0 : m0, *cy = side ? s1 : m1; /* what the band changes */
        double kept = gain_db(kx, ky), err = rel_err_db(kx, ky), changed = gain_db(cx, cy);
        ok(fabs(kept) < 0.01 && err < -80 && changed > 1,
           "a +6 dB bell on %s changes L%sR by %+.2f dB and leaves L%sR within %.4f dB (largest "
           "difference %.0f dB under its RMS)",
           side ? "the side" : "the mid", side ? "-" : "+", changed, side ? "+" : "-", fabs(kept),
           err);
    }

    /* the same band on the mid alone equals a stereo band applied to mid and side by hand */
    run_eq(EQ_LEFT, 6, il, ir, l, r);
    int r_same = !memcmp(r, ir, LEN * 4), l_moved = memcmp(l, il, LEN * 4) != 0;
    run_eq(EQ_RIGHT, 6, il, ir, l, r);
    ok(r_same && l_moved && !memcmp(l, il, LEN * 4) && memcmp(r, ir, LEN * 4),
       "a left band leaves the right channel bit for bit, and a right band the left");

    int exact = 1;
    for (int ch = EQ_STEREO; ch <= EQ_RIGHT; ch++) {
        run_eq((enum eq_channel)ch, 0, il, ir, l, r);
        exact &= !memcmp(l, il, LEN * 4) && !memcmp(r, ir, LEN * 4);
    }
    ok(exact, "a band on at 0 dB is bit-exact transparent in every channel mode");

    /* through the mix: /bus/eq/1/channel reaches the master */
    struct params *p = params_new(1);
    struct mix *mx;
    if (!p || mix_create(&mx, 1, RATE) < 0) bail("mix");
    p->bus[BUS_LIM_ON] = 0;
    p->bus[BUS_EQ_ON] = 1;
    p->bus[BUS_EQ_GAIN] = 6;
    p->bus[BUS_EQ_FREQ] = 2000;
    p->bus[BUS_EQ_CHANNEL] = EQ_SIDE;
    mix_reset(mx, p);
    const float *inl[1] = {il}, *inr[1] = {ir};
    mix_process(mx, p, inl, inr, l, r, LEN);
    unsigned lat = mix_latency(mx);
    double worst = 0, pm = 0;
    for (unsigned i = LEN / 2; i < LEN; i++) {
        double mo = (double)l[i] + r[i], mi = (double)il[i - lat] + ir[i - lat];
        worst = fmax(worst, fabs(mo - mi));
        pm += mi * mi;
    }
    double err = 20 * log10(worst / sqrt(pm / (LEN / 2)));
    ok(err < -80, "/bus/eq/1/channel side through the mix: L+R untouched (%.0f dB under)", err);
    mix_destroy(mx);
    params_free(p);
    free(il), free(ir), free(l), free(r), free(m0), free(s0), free(m1), free(s1);
    return done_testing();
}
