/* dsp/crossover.c: Linkwitz-Riley 4th-order splits built from SVF sections (see crossover.h). */
#include "dsp/crossover.h"

#include <math.h>
#include <string.h>

#include "dsp/dsp.h"
#include "dsp/svf.h"
#include "dsp/table.h"

#define BUTTER_Q 0.70710678118654752 /* 1/sqrt 2 */
#define K_BUTTER 1.41421356f         /* the SVF damping k = 1/Q of that section */
#define SNAP_LF  1e-4f               /* 0.002 semitone: the glide lands exactly on its target */

static void freq_target(struct xover_freq *f, float hz)
{
    if (hz != f->set_hz) {
        f->set_hz = hz;
        f->hz_t = hz;
        f->lf_t = logf(hz);
    }
}

static void freq_design(const struct xover_freq *f, double rate, struct xover_coefs *k)
{
    struct svf_coefs c;
    svf_design(&c, SVF_LOWPASS, f->lf.cur == f->lf_t ? f->hz_t : exp(f->lf.cur), BUTTER_Q, 0.0,
               rate);
    k->c1 = 2.0f * (c.a1 - 1.0f); /* exact, see eq.c */
    k->c2 = 2.0f * c.a2;
    k->c3 = 2.0f * c.a3;
}

/* Jump to the target (reset). */
static void freq_jump(struct xover_freq *f, double rate)
{
    glide_jump(&f->lf, f->lf_t);
    freq_design(f, rate, &f->k);
    f->kend = f->k;
    memset(&f->dk, 0, sizeof f->dk);
    f->ramp = 0;
}

/* At a sub-block start: one glide step (two cascaded one-poles, landing exactly on the target
 * once within SNAP_LF) and, if it moved, a per-sample ramp to the new design.
 * dk stays 0 when still (the loop always adds it; k + 0 is k). */
static void freq_control(struct xover_freq *f, float alpha, double rate)
{
    if (!glide_step(&f->lf, f->lf_t, alpha, SNAP_LF)) return;
    freq_design(f, rate, &f->kend);
    const float s = 1.0f / DSP_SUB;
    f->dk.c1 = (f->kend.c1 - f->k.c1) * s;
    f->dk.c2 = (f->kend.c2 - f->k.c2) * s;
    f->dk.c3 = (f->kend.c3 - f->k.c3) * s;
    f->ramp = 1;
}

/* At a sub-block end: land exactly. */
static void freq_end(struct xover_freq *f)
{
    if (f->ramp) {
        f->k = f->kend;
        memset(&f->dk, 0, sizeof f->dk);
        f->ramp = 0;
    }
}

static inline void step(struct xover_coefs *k, const struct xover_coefs *d)
{
    k->c1 += d->c1, k->c2 += d->c2, k->c3 += d->c3;
}

/* One SVF sample on both channels: band-pass v1 (unit peak gain / k) and low-pass v2 out.
 * Simper: v1 = (p1 + p1')/2, v2 = (p2 + p2')/2; high-pass = x - k*v1 - v2, allpass =
 * x - 2k*v1. */
static inline void sect(const struct xover_coefs *k, float *p1, float *p2, const float *x,
                        float *v1, float *v2)
{
    for (unsigned c = 0; c < 2; c++) {
        float s1 = p1[c], s2 = p2[c], t = x[c] - s2;
        float d1 = k->c1 * s1 + k->c2 * t, d2 = k->c2 * s1 + k->c3 * t;
        v1[c] = s1 + 0.5f * d1;
        v2[c] = s2 + 0.5f * d2;
        p1[c] = s1 + d1;
        p2[c] = s2 + d2;
    }
}

/* LP4 and HP4 of x at one frequency: section 0 splits, 1 low-passes its low-pass, 2 high-passes
 * its high-pass. */
static inline void split(const struct xover_coefs *k, float (*p1)[2], float (*p2)[2],
                         const float *x, float *lo, float *hi)
{
    float b[2], lp[2], hp[2];
    sect(k, p1[0], p2[0], x, b, lp);
    for (unsigned c = 0; c < 2; c++)
        hp[c] = x[c] - K_BUTTER * b[c] - lp[c];
    sect(k, p1[1], p2[1], lp, b, lo);
    float l2[2];
    sect(k, p1[2], p2[2], hp, b, l2);
    for (unsigned c = 0; c < 2; c++)
        hi[c] = hp[c] - K_BUTTER * b[c] - l2[c];
}

static int states_finite(const float *p, unsigned count)
{
    float sum = 0.0f;
    for (unsigned j = 0; j < count; j++)
        sum += p[j];
    return isfinite(sum);
}

/* ---- three bands ---- */

void crossover3_process(struct crossover3 *x, const float *l0, const float *r0, float *low_l0,
                        float *low_r0, float *mid_l0, float *mid_r0, float *high_l0, float *high_r0,
                        unsigned n)
{
    DSP_SUB_WALK (w, &x->pos, n) {
        if (w.off == 0) {
            freq_control(&x->f[0], x->alpha, x->rate);
            freq_control(&x->f[1], x->alpha, x->rate);
            dsp_zero_tiny(&x->p1[0][0], 14);
            dsp_zero_tiny(&x->p2[0][0], 14);
            if (!states_finite(&x->p1[0][0], 14) || !states_finite(&x->p2[0][0], 14)) {
                memset(x->p1, 0, sizeof x->p1);
                memset(x->p2, 0, sizeof x->p2);
            }
        }
        const unsigned m = w.n, o = w.done;
        const float *l = l0 + o, *r = r0 + o;
        float *low_l = low_l0 + o, *low_r = low_r0 + o, *mid_l = mid_l0 + o, *mid_r = mid_r0 + o;
        float *high_l = high_l0 + o, *high_r = high_r0 + o;

        struct xover_coefs k1 = x->f[0].k, k2 = x->f[1].k;
        const struct xover_coefs d1 = x->f[0].dk, d2 = x->f[1].dk;
        float p1[7][2], p2[7][2];
        memcpy(p1, x->p1, sizeof p1);
        memcpy(p2, x->p2, sizeof p2);
        for (unsigned i = 0; i < m; i++) {
            step(&k1, &d1);
            step(&k2, &d2);
            float in[2] = {l[i], r[i]}, lo[2], hi[2], b[2], v[2], low[2], mid[2], high[2];
            split(&k1, &p1[0], &p2[0], in, lo, hi);
            sect(&k2, p1[3], p2[3], lo, b, v); /* AP(f2) on the low band */
            for (unsigned c = 0; c < 2; c++)
                low[c] = lo[c] - 2.0f * K_BUTTER * b[c];
            split(&k2, &p1[4], &p2[4], hi, mid, high);
            low_l[i] = low[0], low_r[i] = low[1];
            mid_l[i] = mid[0], mid_r[i] = mid[1];
            high_l[i] = high[0], high_r[i] = high[1];
        }
        memcpy(x->p1, p1, sizeof p1);
        memcpy(x->p2, p2, sizeof p2);
        x->f[0].k = k1;
        x->f[1].k = k2;

        if (dsp_sub_ends(&w)) {
            freq_end(&x->f[0]);
            freq_end(&x->f[1]);
        }
    }
}

void crossover3_set(struct crossover3 *x, float f1_hz, float f2_hz)
{
    if ((f1_hz == x->set_f1 && f2_hz == x->set_f2) || !isfinite(f1_hz) || !isfinite(f2_hz)) return;
    x->set_f1 = f1_hz, x->set_f2 = f2_hz;
    float f1 = dsp_clampf(f1_hz, table_bus[BUS_MB_XOVER_LOW].min, table_bus[BUS_MB_XOVER_LOW].max);
    float f2 =
        dsp_clampf(f2_hz, table_bus[BUS_MB_XOVER_HIGH].min, table_bus[BUS_MB_XOVER_HIGH].max);
    if (f2 < XOVER3_MIN_RATIO * f1) {
        /* Spread around the geometric mean: the nearer the two, the more the mid band's peak
         * falls below 0 dB; at a ratio of 1.5 it still reaches about -1 dB. */
        float mean = sqrtf(f1 * f2), half = sqrtf(XOVER3_MIN_RATIO);
        f1 = mean / half;
        f2 = mean * half;
    }
    freq_target(&x->f[0], f1);
    freq_target(&x->f[1], f2);
}

void crossover3_reset(struct crossover3 *x)
{
    x->pos = 0;
    freq_jump(&x->f[0], x->rate);
    freq_jump(&x->f[1], x->rate);
    memset(x->p1, 0, sizeof x->p1);
    memset(x->p2, 0, sizeof x->p2);
}

void crossover3_init(struct crossover3 *x, double rate)
{
    memset(x, 0, sizeof *x);
    x->rate = rate;
    x->alpha = glide_alpha(rate, XOVER_GLIDE_MS);
    x->set_f1 = x->set_f2 = NAN;
    x->f[0].set_hz = x->f[1].set_hz = NAN;
    crossover3_set(x, table_bus[BUS_MB_XOVER_LOW].def, table_bus[BUS_MB_XOVER_HIGH].def);
    crossover3_reset(x);
}

/* ---- two bands ---- */

void crossover2_process(struct crossover2 *x, const float *l0, const float *r0, float *low_l0,
                        float *low_r0, float *high_l0, float *high_r0, unsigned n)
{
    DSP_SUB_WALK (w, &x->pos, n) {
        if (w.off == 0) {
            freq_control(&x->f, x->alpha, x->rate);
            dsp_zero_tiny(&x->p1[0][0], 6);
            dsp_zero_tiny(&x->p2[0][0], 6);
            if (!states_finite(&x->p1[0][0], 6) || !states_finite(&x->p2[0][0], 6)) {
                memset(x->p1, 0, sizeof x->p1);
                memset(x->p2, 0, sizeof x->p2);
            }
        }
        const unsigned m = w.n, o = w.done;
        const float *l = l0 + o, *r = r0 + o;
        float *low_l = low_l0 + o, *low_r = low_r0 + o, *high_l = high_l0 + o,
              *high_r = high_r0 + o;

        struct xover_coefs k = x->f.k;
        const struct xover_coefs d = x->f.dk;
        float p1[3][2], p2[3][2];
        memcpy(p1, x->p1, sizeof p1);
        memcpy(p2, x->p2, sizeof p2);
        for (unsigned i = 0; i < m; i++) {
            step(&k, &d);
            float in[2] = {l[i], r[i]}, lo[2], hi[2];
            split(&k, p1, p2, in, lo, hi);
            low_l[i] = lo[0], low_r[i] = lo[1];
            high_l[i] = hi[0], high_r[i] = hi[1];
        }
        memcpy(x->p1, p1, sizeof p1);
        memcpy(x->p2, p2, sizeof p2);
        x->f.k = k;

        if (dsp_sub_ends(&w)) freq_end(&x->f);
    }
}

void crossover2_set(struct crossover2 *x, float f_hz)
{
    if (isfinite(f_hz))
        freq_target(&x->f, dsp_clampf(f_hz, table_bus[BUS_IMG_BASSMONO_FREQ].min,
                                      table_bus[BUS_IMG_BASSMONO_FREQ].max));
}

void crossover2_reset(struct crossover2 *x)
{
    x->pos = 0;
    freq_jump(&x->f, x->rate);
    memset(x->p1, 0, sizeof x->p1);
    memset(x->p2, 0, sizeof x->p2);
}

void crossover2_init(struct crossover2 *x, double rate)
{
    memset(x, 0, sizeof *x);
    x->rate = rate;
    x->alpha = glide_alpha(rate, XOVER_GLIDE_MS);
    x->f.set_hz = NAN;
    crossover2_set(x, table_bus[BUS_IMG_BASSMONO_FREQ].def);
    crossover2_reset(x);
}
