/* tests/test_filters.c: EQ, pass filters, LR4 crossovers vs the RBJ cookbook; their RT rules. */
#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/crossover.h"
#include "dsp/dsp.h"
#include "dsp/eq.h"
#include "dsp/passfilter.h"
#include "tests/tap.h"

#define NF             30   /* test frequencies per case, log-spaced 20 Hz .. 20 kHz */
#define TOL_DB         0.05 /* the brief's tolerance where the response is above -60 dB */
#define FLOOR_LIN      1e-3 /* -60 dB */
#define TOL_ABS        1e-4 /* below -60 dB: absolute error of |H| (-80 dB re unity) */
#define IR_SECONDS     1.0  /* crossover impulse responses (their slowest pole: 11 ms at 20 Hz) */
#define IR_MAX_SECONDS 30.0

static const double rates[] = {44100.0, 48000.0, 96000.0};

/* ---------- the analytic side: RBJ Audio EQ Cookbook biquads, in double ---------- */

struct bq {
    double b0, b1, b2, a0, a1, a2;
};

enum rbj { RBJ_BELL, RBJ_LOWSHELF, RBJ_HIGHSHELF, RBJ_NOTCH, RBJ_LP, RBJ_HP, RBJ_AP };

/* Robert Bristow-Johnson, "Cookbook formulae for audio EQ biquad filter coefficients": the
 * bilinear transform of the analogue prototype, prewarped at f0, alpha = sin(w0)/(2Q) (for the
 * shelves this is the Q form of their alpha). */
static struct bq rbj(enum rbj t, double f0, double gain_db, double q, double fs)
{
    double A = pow(10.0, gain_db / 40.0), w0 = 2.0 * M_PI * f0 / fs;
    double cw = cos(w0), alpha = sin(w0) / (2.0 * q), sa = 2.0 * sqrt(A) * alpha;
    struct bq b = {1, 0, 0, 1, 0, 0};
    switch (t) {
    case RBJ_BELL:
        b = (struct bq){1 + alpha * A, -2 * cw, 1 - alpha * A,
                        1 + alpha / A, -2 * cw, 1 - alpha / A};
        break;
    case RBJ_LOWSHELF:
        b = (struct bq){A * ((A + 1) - (A - 1) * cw + sa), 2 * A * ((A - 1) - (A + 1) * cw),
                        A * ((A + 1) - (A - 1) * cw - sa), (A + 1) + (A - 1) * cw + sa,
                        -2 * ((A - 1) + (A + 1) * cw),     (A + 1) + (A - 1) * cw - sa};
        break;
    case RBJ_HIGHSHELF:
        b = (struct bq){A * ((A + 1) + (A - 1) * cw + sa), -2 * A * ((A - 1) + (A + 1) * cw),
                        A * ((A + 1) + (A - 1) * cw - sa), (A + 1) - (A - 1) * cw + sa,
                        2 * ((A - 1) - (A + 1) * cw),      (A + 1) - (A - 1) * cw - sa};
        break;
    case RBJ_NOTCH:
        b = (struct bq){1, -2 * cw, 1, 1 + alpha, -2 * cw, 1 - alpha};
        break;
    case RBJ_LP:
        b = (struct bq){(1 - cw) / 2, 1 - cw, (1 - cw) / 2, 1 + alpha, -2 * cw, 1 - alpha};
        break;
    case RBJ_HP:
        b = (struct bq){(1 + cw) / 2, -(1 + cw), (1 + cw) / 2, 1 + alpha, -2 * cw, 1 - alpha};
        break;
    case RBJ_AP:
        b = (struct bq){1 - alpha, -2 * cw, 1 + alpha, 1 + alpha, -2 * cw, 1 - alpha};
        break;
    }
    return b;
}

/* A cascade of biquads: H = product. */
struct chain {
    unsigned n;
    struct bq s[8];
};

static double complex chain_h(const struct chain *c, double f, double fs)
{
    double complex z1 = cexp(-I * 2.0 * M_PI * f / fs), z2 = z1 * z1, h = 1.0;
    for (unsigned j = 0; j < c->n; j++) {
        const struct bq *b = &c->s[j];
        h *= (b->b0 + b->b1 * z1 + b->b2 * z2) / (b->a0 + b->a1 * z1 + b->a2 * z2);
    }
    return h;
}

static void chain_add(struct chain *c, struct bq b)
{
    if (c->n < 8) c->s[c->n++] = b;
}

/* Butterworth section Qs, 1/(2 cos theta) at the pole angles. */
static double butter_q(unsigned order, unsigned section)
{
    if (order == 2) return 1.0 / (2.0 * cos(M_PI / 4.0));
    return 1.0 / (2.0 * cos(section == 0 ? M_PI / 8.0 : 3.0 * M_PI / 8.0));
}

/* ---------- the measured side: impulse responses and their DFT ---------- */

static double test_freq(unsigned k)
{
    return 20.0 * pow(1000.0, (double)k / (NF - 1));
}

/* Length of h up to its last sample above 1e-12 of its peak: beyond that the tail cannot move
 * the DFT by more than ~1e-9. */
static unsigned ir_length(const float *h, unsigned n)
{
    float peak = 0.0f;
    for (unsigned i = 0; i < n; i++)
        peak = fabsf(h[i]) > peak ? fabsf(h[i]) : peak;
    unsigned len = 1;
    for (unsigned i = 0; i < n; i++)
        if (fabsf(h[i]) > 1e-12f * peak) len = i + 1;
    return len;
}

/* The DFT of h at f, in double; the phasor is recomputed every 1024 samples so its error stays
 * near 1e-13. */
static double complex dft_at(const float *h, unsigned n, double f, double fs)
{
    double w = 2.0 * M_PI * f / fs;
    double complex rot = cexp(-I * w), z = 1.0, acc = 0.0;
    for (unsigned i = 0; i < n; i++) {
        if ((i & 1023) == 0) z = cexp(-I * w * (double)i);
        acc += h[i] * z;
        z *= rot;
    }
    return acc;
}

struct err {
    double db;   /* worst |dB difference| where the reference is above -60 dB */
    double db_f; /* at this frequency */
    double lin;  /* worst absolute |H| difference where the reference is below -60 dB */
    double lin_f;
};

static void err_add(struct err *e, double meas, double ref, double f)
{
    if (ref >= FLOOR_LIN) {
        double d = fabs(20.0 * log10(meas / ref));
        if (d > e->db || isnan(d)) e->db = d, e->db_f = f;
    } else {
        double d = fabs(meas - ref);
        if (d > e->lin || isnan(d)) e->lin = d, e->lin_f = f;
    }
}

/* Worst errors of the magnitude of h (length n) against a reference over the test frequencies.
 * Where the cookbook's magnitude is below -60 dB (stop bands, a notch's centre), a relative
 * 0.05 dB would ask the float impulse response for precision under its rounding floor (about
 * -140 dB re the passband), so there the test compares absolute magnitudes, to -80 dB. */
static struct err compare(const float *h, unsigned n, const struct chain *ref, double fs)
{
    struct err e = {0, 0, 0, 0};
    for (unsigned k = 0; k < NF; k++) {
        double f = test_freq(k);
        err_add(&e, cabs(dft_at(h, n, f, fs)), cabs(chain_h(ref, f, fs)), f);
    }
    return e;
}

static int err_ok(const struct err *e)
{
    return e->db <= TOL_DB && e->lin <= TOL_ABS;
}

typedef void (*run_fn)(void *unit, float *l, float *r, unsigned n);

static void run_eq(void *u, float *l, float *r, unsigned n)
{
    eq_process(u, l, r, n);
}

static void run_pf(void *u, float *l, float *r, unsigned n)
{
    passfilter_process(u, l, r, n);
}

/* The unit's impulse response on the left channel, run until it has decayed below 1e-12 of its
 * peak (a 20 Hz, Q 0.1 cut has a 0.3 s time constant: a fixed 1 s would truncate it by -26 dB).
 * The right channel gets silence and must stay exactly silent (no crosstalk). Returns a
 * malloc'd array of *len samples. */
static float *impulse_response(run_fn run, void *u, double fs, unsigned *len, int *crosstalk)
{
    const unsigned blk = 4096, cap = (unsigned)(IR_MAX_SECONDS * fs);
    float *l = NULL, *r = malloc(blk * sizeof *r), peak = 0.0f;
    unsigned n = 0;
    *crosstalk = 0;
    while (n < cap) {
        float *grown = realloc(l, (n + blk) * sizeof *l);
        if (!grown || !r) bail("out of memory");
        l = grown;
        memset(l + n, 0, blk * sizeof *l);
        memset(r, 0, blk * sizeof *r);
        if (n == 0) l[0] = 1.0f;
        run(u, l + n, r, blk);
        float bmax = 0.0f;
        for (unsigned i = 0; i < blk; i++) {
            bmax = fabsf(l[n + i]) > bmax ? fabsf(l[n + i]) : bmax;
            *crosstalk |= r[i] != 0.0f;
        }
        peak = bmax > peak ? bmax : peak;
        n += blk;
        if (n > blk && bmax < 1e-12f * peak) break;
    }
    free(r);
    *len = ir_length(l, n);
    return l;
}

/* ---------- 1. magnitude responses ---------- */

struct eq_case {
    enum eq_type type;
    float f, g, q;
};

static enum rbj rbj_of(enum eq_type t)
{
    return t == EQ_BELL        ? RBJ_BELL
           : t == EQ_LOWSHELF  ? RBJ_LOWSHELF
           : t == EQ_HIGHSHELF ? RBJ_HIGHSHELF
                               : RBJ_NOTCH;
}

static const char *const type_name[] = {"bell", "lowshelf", "highshelf", "notch"};

static void test_eq_magnitude(void)
{
    static const struct eq_case cases[] = {
        {EQ_BELL, 1000, 12, 0.7f},
        {EQ_BELL, 100, -18, 4},
        {EQ_BELL, 50, 24, 2},
        {EQ_BELL, 20, -24, 0.1f},
        {EQ_BELL, 15000, 6, 1.5f},
        {EQ_BELL, 20000, 24, 10},
        {EQ_LOWSHELF, 200, 9, 0.707f},
        {EQ_LOWSHELF, 80, -9, 1},
        {EQ_LOWSHELF, 20, 24, 0.5f},
        {EQ_HIGHSHELF, 5000, 9, 0.707f},
        {EQ_HIGHSHELF, 12000, -9, 0.5f},
        {EQ_HIGHSHELF, 19000, 12, 2},
        {EQ_NOTCH, 1000, 0, 2},
        {EQ_NOTCH, 60, 0, 10},
        {EQ_NOTCH, 18000, 0, 0.5f},
    };
    for (unsigned ri = 0; ri < 3; ri++) {
        double fs = rates[ri];
        struct err worst = {0, 0, 0, 0};
        int all = 1, xt = 0;
        for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            const struct eq_case *k = &cases[c];
            struct eq eq;
            eq_init(&eq, 1, fs);
            eq_set_band(&eq, 0, 1, k->type, k->f, k->g, k->q);
            eq_reset(&eq);
            unsigned n;
            int crosstalk;
            float *h = impulse_response(run_eq, &eq, fs, &n, &crosstalk);
            struct chain ref = {0};
            chain_add(&ref, rbj(rbj_of(k->type), k->f, k->g, k->q, fs));
            struct err e = compare(h, n, &ref, fs);
            if (!err_ok(&e)) {
                all = 0;
                diag("%s %g Hz %+g dB Q %g at %g Hz: %.4f dB at %.0f Hz, abs %.2g at %.0f Hz",
                     type_name[k->type], k->f, k->g, k->q, fs, e.db, e.db_f, e.lin, e.lin_f);
            }
            xt |= crosstalk;
            if (e.db > worst.db) worst.db = e.db, worst.db_f = e.db_f;
            if (e.lin > worst.lin) worst.lin = e.lin, worst.lin_f = e.lin_f;
            if (k->type == EQ_NOTCH) {
                /* At the exact centre the analytic notch is zero. */
                double c0 = cabs(dft_at(h, n, k->f, fs));
                if (c0 > TOL_ABS) {
                    all = 0;
                    diag("notch %g Hz at %g Hz: |H(centre)| = %.2g", k->f, fs, c0);
                }
            }
            free(h);
        }
        diag("EQ single bands at %g Hz: worst %.2e dB (at %.0f Hz); below -60 dB worst abs %.2e",
             fs, worst.db, worst.db_f, worst.lin);
        ok(all, "EQ bell/shelves/notch match the RBJ cookbook within %.2f dB at %g Hz", TOL_DB, fs);
        ok(!xt, "EQ: no crosstalk from left to right at %g Hz", fs);
    }

    /* Six bands at once (the fused cascade), reached by gliding from other settings over 1 s of
     * silence rather than by reset: the glide must land exactly on the design. */
    static const struct eq_case six[] = {
        {EQ_LOWSHELF, 80, 6, 0.7f}, {EQ_BELL, 250, -8, 2},       {EQ_BELL, 1000, 12, 0.7f},
        {EQ_NOTCH, 3000, 0, 8},     {EQ_HIGHSHELF, 8000, -6, 1}, {EQ_BELL, 15000, 4, 2},
    };
    for (unsigned ri = 0; ri < 3; ri++) {
        double fs = rates[ri];
        struct eq eq, eq2;
        eq_init(&eq, 6, fs);
        eq_init(&eq2, 6, fs);
        struct chain ref = {0};
        for (unsigned b = 0; b < 6; b++) {
            eq_set_band(&eq, b, 1, six[b].type, six[b].f * 1.7f, six[b].g * 0.5f - 3.0f, 1.0f);
            eq_set_band(&eq2, b, 1, six[b].type, six[b].f, six[b].g, six[b].q);
            chain_add(&ref, rbj(rbj_of(six[b].type), six[b].f, six[b].g, six[b].q, fs));
        }
        eq_reset(&eq);
        eq_reset(&eq2);
        for (unsigned b = 0; b < 6; b++)
            eq_set_band(&eq, b, 1, six[b].type, six[b].f, six[b].g, six[b].q);
        unsigned ns = (unsigned)fs;
        float *zl = calloc(ns, sizeof *zl), *zr = calloc(ns, sizeof *zr);
        eq_process(&eq, zl, zr, ns);
        free(zl);
        free(zr);
        unsigned n, n2;
        int xt, xt2;
        float *h = impulse_response(run_eq, &eq, fs, &n, &xt);
        float *h2 = impulse_response(run_eq, &eq2, fs, &n2, &xt2);
        struct err e = compare(h, n, &ref, fs);
        diag("EQ 6 bands at %g Hz: worst %.2e dB at %.0f Hz; below -60 dB abs %.2e", fs, e.db,
             e.db_f, e.lin);
        ok(err_ok(&e), "EQ with six bands matches the cascade of six cookbook biquads at %g Hz",
           fs);
        ok(n == n2 && memcmp(h, h2, n * sizeof *h) == 0,
           "EQ glided to its targets is bit-identical to a reset one at %g Hz", fs);
        free(h);
        free(h2);
    }
}

struct pf_case {
    enum pass_kind kind;
    float f;
    int slope;
};

static void test_pass_magnitude(void)
{
    static const struct pf_case cases[] = {
        {PASS_HIGH, 80, 0},   {PASS_HIGH, 80, 1},   {PASS_HIGH, 10, 1},   {PASS_HIGH, 2000, 1},
        {PASS_HIGH, 2000, 0}, {PASS_LOW, 12000, 0}, {PASS_LOW, 12000, 1}, {PASS_LOW, 20000, 1},
        {PASS_LOW, 200, 0},   {PASS_LOW, 200, 1},
    };
    for (unsigned ri = 0; ri < 3; ri++) {
        double fs = rates[ri];
        struct err worst = {0, 0, 0, 0};
        double worst_fc = 0.0;
        int all = 1, xt = 0;
        for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            const struct pf_case *k = &cases[c];
            struct passfilter pf;
            passfilter_init(&pf, k->kind, fs);
            passfilter_set(&pf, 1, k->f, k->slope);
            passfilter_reset(&pf);
            unsigned n;
            int crosstalk;
            float *h = impulse_response(run_pf, &pf, fs, &n, &crosstalk);
            xt |= crosstalk;
            struct chain ref = {0};
            enum rbj t = k->kind == PASS_HIGH ? RBJ_HP : RBJ_LP;
            if (k->slope == 0) {
                chain_add(&ref, rbj(t, k->f, 0, butter_q(2, 0), fs));
            } else {
                chain_add(&ref, rbj(t, k->f, 0, butter_q(4, 0), fs));
                chain_add(&ref, rbj(t, k->f, 0, butter_q(4, 1), fs));
            }
            struct err e = compare(h, n, &ref, fs);
            /* Butterworth, any order, prewarped at fc: exactly -3.0103 dB at the corner. */
            double fc_db = 20.0 * log10(cabs(dft_at(h, n, k->f, fs)));
            double dfc = fabs(fc_db - 20.0 * log10(sqrt(0.5)));
            worst_fc = dfc > worst_fc ? dfc : worst_fc;
            if (!err_ok(&e) || dfc > 0.01) {
                all = 0;
                diag("%s %g Hz slope %d at %g Hz: %.4f dB at %.0f Hz, abs %.2g at %.0f Hz, "
                     "corner %.4f dB",
                     k->kind == PASS_HIGH ? "HPF" : "LPF", k->f, k->slope, fs, e.db, e.db_f, e.lin,
                     e.lin_f, fc_db);
            }
            if (e.db > worst.db) worst.db = e.db, worst.db_f = e.db_f;
            if (e.lin > worst.lin) worst.lin = e.lin, worst.lin_f = e.lin_f;
            free(h);
        }
        diag("pass filters at %g Hz: worst %.2e dB (at %.0f Hz); below -60 dB abs %.2e; corner "
             "-3.0103 dB off by %.2e dB",
             fs, worst.db, worst.db_f, worst.lin, worst_fc);
        ok(all, "HPF/LPF 12 and 24 dB/oct match Butterworth cookbook cascades at %g Hz", fs);
        ok(!xt, "pass filters: no crosstalk at %g Hz", fs);
    }
}

/* Impulse responses of the crossovers' bands, on the left channel. */
static void xover3_ir(double fs, float f1, float f2, unsigned n, float *low, float *mid,
                      float *high)
{
    struct crossover3 x;
    crossover3_init(&x, fs);
    crossover3_set(&x, f1, f2);
    crossover3_reset(&x);
    float *in = calloc(n, sizeof *in), *zr = calloc(n, sizeof *zr);
    float *junk[3] = {calloc(n, sizeof(float)), calloc(n, sizeof(float)), calloc(n, sizeof(float))};
    in[0] = 1.0f;
    crossover3_process(&x, in, zr, low, junk[0], mid, junk[1], high, junk[2], n);
    free(in);
    free(zr);
    for (unsigned j = 0; j < 3; j++)
        free(junk[j]);
}

static void lr4(struct chain *c, enum rbj t, double f, double fs)
{
    chain_add(c, rbj(t, f, 0, butter_q(2, 0), fs));
    chain_add(c, rbj(t, f, 0, butter_q(2, 0), fs));
}

static void test_crossover_magnitude(void)
{
    static const float pairs[][2] = {{200, 3000}, {80, 8000}, {40, 1000}};
    for (unsigned ri = 0; ri < 3; ri++) {
        double fs = rates[ri];
        unsigned n = (unsigned)(IR_SECONDS * fs);
        for (unsigned p = 0; p < 3; p++) {
            float f1 = pairs[p][0], f2 = pairs[p][1];
            float *low = calloc(n, sizeof(float)), *mid = calloc(n, sizeof(float));
            float *high = calloc(n, sizeof(float)), *sum = calloc(n, sizeof(float));
            xover3_ir(fs, f1, f2, n, low, mid, high);
            for (unsigned i = 0; i < n; i++)
                sum[i] = low[i] + mid[i] + high[i];
            struct chain rl = {0}, rm = {0}, rh = {0}, flat = {0};
            chain_add(&rl, rbj(RBJ_AP, f2, 0, butter_q(2, 0), fs));
            lr4(&rl, RBJ_LP, f1, fs);
            lr4(&rm, RBJ_LP, f2, fs);
            lr4(&rm, RBJ_HP, f1, fs);
            lr4(&rh, RBJ_HP, f2, fs);
            lr4(&rh, RBJ_HP, f1, fs);
            struct err es = compare(sum, ir_length(sum, n), &flat, fs);
            struct err el = compare(low, ir_length(low, n), &rl, fs);
            struct err em = compare(mid, ir_length(mid, n), &rm, fs);
            struct err eh = compare(high, ir_length(high, n), &rh, fs);
            diag("crossover3 %g/%g at %g Hz: sum off flat by %.2e dB; bands off LR4 by %.2e, "
                 "%.2e, %.2e dB (below -60 dB abs %.1e, %.1e, %.1e)",
                 f1, f2, fs, es.db, el.db, em.db, eh.db, el.lin, em.lin, eh.lin);
            ok(err_ok(&es), "crossover3 %g/%g Hz at %g Hz: low+mid+high flat within %.2f dB", f1,
               f2, fs, TOL_DB);
            ok(err_ok(&el) && err_ok(&em) && err_ok(&eh),
               "crossover3 %g/%g Hz at %g Hz: each band matches its LR4 cascade", f1, f2, fs);
            /* -6.02 dB at the crossover: LR4 is a squared Butterworth, 1/2 at fc. */
            double l1 = 20 * log10(cabs(dft_at(low, ir_length(low, n), f1, fs)));
            double m1 = 20 * log10(cabs(dft_at(mid, ir_length(mid, n), f1, fs)));
            double m2 = 20 * log10(cabs(dft_at(mid, ir_length(mid, n), f2, fs)));
            double h2 = 20 * log10(cabs(dft_at(high, ir_length(high, n), f2, fs)));
            double rm1 = 20 * log10(cabs(chain_h(&rm, f1, fs)));
            double rm2 = 20 * log10(cabs(chain_h(&rm, f2, fs)));
            double rh2 = 20 * log10(cabs(chain_h(&rh, f2, fs)));
            double half = 20 * log10(0.5);
            ok(fabs(l1 - half) < 0.01 && fabs(m1 - rm1) < 0.01 && fabs(m2 - rm2) < 0.01 &&
                   fabs(h2 - rh2) < 0.01 && fabs(rh2 - half) < 0.1 && fabs(rm2 - half) < 0.1,
               "crossover3 %g/%g at %g Hz: low %.3f dB at f1, mid %.3f/%.3f dB at f1/f2, high "
               "%.3f dB at f2 (LR4: %.3f/%.3f/%.3f)",
               f1, f2, fs, l1, m1, m2, h2, rm1, rm2, rh2);
            free(low);
            free(mid);
            free(high);
            free(sum);
        }
        static const float fx[] = {120, 20, 300};
        for (unsigned p = 0; p < 3; p++) {
            struct crossover2 x;
            crossover2_init(&x, fs);
            crossover2_set(&x, fx[p]);
            crossover2_reset(&x);
            float *in = calloc(n, sizeof(float)), *zr = calloc(n, sizeof(float));
            float *low = calloc(n, sizeof(float)), *high = calloc(n, sizeof(float));
            float *jl = calloc(n, sizeof(float)), *jh = calloc(n, sizeof(float));
            float *sum = calloc(n, sizeof(float));
            in[0] = 1.0f;
            crossover2_process(&x, in, zr, low, jl, high, jh, n);
            for (unsigned i = 0; i < n; i++)
                sum[i] = low[i] + high[i];
            struct chain rl = {0}, rh = {0}, flat = {0};
            lr4(&rl, RBJ_LP, fx[p], fs);
            lr4(&rh, RBJ_HP, fx[p], fs);
            struct err es = compare(sum, ir_length(sum, n), &flat, fs);
            struct err el = compare(low, ir_length(low, n), &rl, fs);
            struct err eh = compare(high, ir_length(high, n), &rh, fs);
            double lc = 20 * log10(cabs(dft_at(low, ir_length(low, n), fx[p], fs)));
            double hc = 20 * log10(cabs(dft_at(high, ir_length(high, n), fx[p], fs)));
            double half = 20 * log10(0.5);
            diag("crossover2 %g at %g Hz: sum off flat by %.2e dB; bands off LR4 by %.2e, %.2e "
                 "dB (abs %.1e, %.1e); at fc %.4f / %.4f dB",
                 fx[p], fs, es.db, el.db, eh.db, el.lin, eh.lin, lc, hc);
            ok(err_ok(&es) && err_ok(&el) && err_ok(&eh) && fabs(lc - half) < 0.01 &&
                   fabs(hc - half) < 0.01,
               "crossover2 %g Hz at %g Hz: flat sum, LR4 bands, -6.02 dB at fc", fx[p], fs);
            free(in);
            free(zr);
            free(low);
            free(high);
            free(jl);
            free(jh);
            free(sum);
        }
    }
}

/* ---------- 2. chunk invariance ---------- */

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

static float noise(void)
{
    return (float)rng() / (float)(1u << 24) * 2.0f - 1.0f;
}

/* A test signal: noise plus a 200 Hz sine, different on each channel. */
static void make_signal(float *l, float *r, unsigned n, double fs)
{
    for (unsigned i = 0; i < n; i++) {
        double s = sin(2.0 * M_PI * 200.0 * i / fs);
        l[i] = (float)(0.3 * s) + 0.2f * noise();
        r[i] = (float)(-0.2 * s) + 0.3f * noise();
    }
}

#define CHUNK_FRAMES 48000
static const unsigned events[] = {5003, 17011, 30029}; /* inside sub-blocks */
#define NEVENTS 3

/* What each unit does at each event. */
static void eq_event(struct eq *eq, unsigned e)
{
    switch (e) {
    case 0:
        eq_set_band(eq, 0, 1, EQ_BELL, 1000, -20, 0.7f);
        eq_set_band(eq, 1, 1, EQ_LOWSHELF, 5000, 6, 1);
        eq_set_band(eq, 2, 1, EQ_HIGHSHELF, 3000, 5, 1); /* type change */
        eq_set_band(eq, 3, 1, EQ_BELL, 200, 9, 3);       /* switched on */
        break;
    case 1:
        eq_set_band(eq, 0, 0, EQ_BELL, 1000, -20, 0.7f); /* switched off */
        eq_set_band(eq, 4, 1, EQ_BELL, 500, 0, 1);       /* on at 0 dB */
        eq_set_band(eq, 5, 1, EQ_NOTCH, 60, 0, 10);
        break;
    default:
        eq_set_band(eq, 1, 1, EQ_LOWSHELF, 5000, 6, 0.3f);
        eq_set_band(eq, 3, 1, EQ_BELL, 200, 0, 3); /* back to 0 dB: skipped */
        eq_set_band(eq, 4, 1, EQ_BELL, 20000, 24, 10);
        break;
    }
}

static void eq_setup(struct eq *eq, double fs)
{
    eq_init(eq, 6, fs);
    eq_set_band(eq, 0, 1, EQ_BELL, 1000, 12, 0.7f);
    eq_set_band(eq, 1, 1, EQ_LOWSHELF, 100, -6, 0.7f);
    eq_set_band(eq, 2, 1, EQ_BELL, 3000, 5, 1);
    eq_reset(eq);
}

static void pf_event(struct passfilter *pf, unsigned e)
{
    float f = pf->kind == PASS_HIGH ? 500.0f : 2000.0f;
    switch (e) {
    case 0:
        passfilter_set(pf, 1, f, 1);
        break;
    case 1:
        passfilter_set(pf, 1, f, 0); /* slope change */
        break;
    default:
        passfilter_set(pf, 0, f, 0);
        break;
    }
}

struct chunk_run {
    double fs;
    const float *in_l, *in_r;
    float *out[6];
};

/* Run the named unit over the signal, cut into chunks by pattern (0 = as few as possible; else a
 * fixed size; ~0u = random sizes), with the events at fixed frames. */
static void chunked(int unit, unsigned pattern, struct chunk_run *cr)
{
    struct eq eq;
    struct passfilter hp, lp;
    struct crossover3 x3;
    struct crossover2 x2;
    switch (unit) {
    case 0:
        eq_setup(&eq, cr->fs);
        break;
    case 1:
        passfilter_init(&hp, PASS_HIGH, cr->fs);
        passfilter_init(&lp, PASS_LOW, cr->fs);
        passfilter_set(&hp, 1, 80, 0);
        passfilter_set(&lp, 1, 12000, 0);
        break;
    case 2:
        crossover3_init(&x3, cr->fs);
        crossover3_set(&x3, 100, 2000);
        crossover3_reset(&x3);
        break;
    default:
        crossover2_init(&x2, cr->fs);
        crossover2_set(&x2, 60);
        crossover2_reset(&x2);
        break;
    }
    if (unit <= 1) {
        memcpy(cr->out[0], cr->in_l, CHUNK_FRAMES * sizeof(float));
        memcpy(cr->out[1], cr->in_r, CHUNK_FRAMES * sizeof(float));
    }
    rng_state = 777;
    unsigned i = 0, e = 0;
    while (i < CHUNK_FRAMES) {
        unsigned limit = e < NEVENTS ? events[e] : CHUNK_FRAMES;
        if (i == limit) {
            if (unit == 0)
                eq_event(&eq, e);
            else if (unit == 1)
                pf_event(&hp, e), pf_event(&lp, e);
            else if (unit == 2)
                crossover3_set(&x3,
                               e == 0   ? 800.0f
                               : e == 1 ? 900.0f
                                        : 40.0f,
                               e == 0   ? 1100.0f
                               : e == 1 ? 12000.0f
                                        : 1000.0f);
            else
                crossover2_set(&x2, e == 0 ? 250.0f : e == 1 ? 20.0f : 300.0f);
            e++;
            continue;
        }
        unsigned n = pattern == 0 ? limit - i : pattern == ~0u ? 1 + rng() % 300 : pattern;
        if (n > limit - i) n = limit - i;
        if (unit == 0) {
            eq_process(&eq, cr->out[0] + i, cr->out[1] + i, n);
        } else if (unit == 1) {
            passfilter_process(&hp, cr->out[0] + i, cr->out[1] + i, n);
            passfilter_process(&lp, cr->out[0] + i, cr->out[1] + i, n);
        } else if (unit == 2) {
            crossover3_process(&x3, cr->in_l + i, cr->in_r + i, cr->out[0] + i, cr->out[1] + i,
                               cr->out[2] + i, cr->out[3] + i, cr->out[4] + i, cr->out[5] + i, n);
        } else {
            crossover2_process(&x2, cr->in_l + i, cr->in_r + i, cr->out[0] + i, cr->out[1] + i,
                               cr->out[2] + i, cr->out[3] + i, n);
        }
        i += n;
    }
}

static void test_chunk_invariance(void)
{
    static const char *const names[] = {"EQ", "HPF+LPF", "crossover3", "crossover2"};
    static const unsigned patterns[] = {1, 7, 32, 64, 1000, ~0u};
    const double fs = 48000.0;
    float *in_l = malloc(CHUNK_FRAMES * sizeof(float)),
          *in_r = malloc(CHUNK_FRAMES * sizeof(float));
    float *buf[2][6];
    for (unsigned j = 0; j < 6; j++) {
        buf[0][j] = calloc(CHUNK_FRAMES, sizeof(float));
        buf[1][j] = calloc(CHUNK_FRAMES, sizeof(float));
    }
    rng_state = 99;
    make_signal(in_l, in_r, CHUNK_FRAMES, fs);
    for (int unit = 0; unit < 4; unit++) {
        unsigned nout = unit == 2 ? 6 : unit == 3 ? 4 : 2;
        struct chunk_run ref = {fs, in_l, in_r, {0}}, run = {fs, in_l, in_r, {0}};
        memcpy(ref.out, buf[0], sizeof ref.out);
        memcpy(run.out, buf[1], sizeof run.out);
        chunked(unit, 0, &ref);
        int same = 1, finite = 1, changed = 0;
        for (unsigned j = 0; j < nout; j++)
            for (unsigned i = 0; i < CHUNK_FRAMES; i++) {
                finite &= isfinite(ref.out[j][i]);
                changed |= ref.out[j][i] != (j & 1 ? in_r : in_l)[i];
            }
        for (unsigned p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
            chunked(unit, patterns[p], &run);
            for (unsigned j = 0; j < nout; j++)
                if (memcmp(ref.out[j], run.out[j], CHUNK_FRAMES * sizeof(float)) != 0) {
                    same = 0;
                    diag("%s: output %u differs when cut into chunks of %d", names[unit], j,
                         patterns[p] == ~0u ? -1 : (int)patterns[p]);
                }
        }
        ok(same && finite && changed,
           "%s: bit-identical whether run whole or in chunks of 1, 7, 32, 64, 1000, random "
           "(with glides, fades, type/slope changes)",
           names[unit]);
    }
    for (unsigned j = 0; j < 6; j++) {
        free(buf[0][j]);
        free(buf[1][j]);
    }
    free(in_l);
    free(in_r);
}

/* ---------- 3. transparency ---------- */

static int same_bits(const float *a, const float *b, unsigned n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static void test_bit_exact(void)
{
    const double fs = 48000.0;
    const unsigned n = 24000;
    float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float));
    float *l0 = malloc(n * sizeof(float)), *r0 = malloc(n * sizeof(float));
    rng_state = 5;
    make_signal(l0, r0, n, fs);

    struct eq eq;
    eq_init(&eq, 6, fs);
    memcpy(l, l0, n * sizeof(float));
    memcpy(r, r0, n * sizeof(float));
    eq_process(&eq, l, r, n);
    ok(same_bits(l, l0, n) && same_bits(r, r0, n), "EQ with every band off: output is the input");

    /* On, at 0 dB, every shape that has a gain, at odd settings. */
    eq_init(&eq, 6, fs);
    eq_set_band(&eq, 0, 1, EQ_BELL, 1000, 0, 0.7f);
    eq_set_band(&eq, 1, 1, EQ_BELL, 20, 0, 10);
    eq_set_band(&eq, 2, 1, EQ_LOWSHELF, 150, 0, 0.3f);
    eq_set_band(&eq, 3, 1, EQ_HIGHSHELF, 9000, 0, 2);
    eq_set_band(&eq, 4, 1, EQ_BELL, 20000, 0, 0.1f);
    eq_reset(&eq);
    memcpy(l, l0, n * sizeof(float));
    memcpy(r, r0, n * sizeof(float));
    eq_process(&eq, l, r, n);
    ok(same_bits(l, l0, n) && same_bits(r, r0, n),
       "EQ bands on at 0 dB (bell, shelves): output is the input");

    /* Glide back to 0 dB, and a band switched off: transparent again once settled. */
    eq_init(&eq, 6, fs);
    eq_set_band(&eq, 0, 1, EQ_BELL, 1000, 9, 0.7f);
    eq_set_band(&eq, 1, 1, EQ_HIGHSHELF, 4000, -6, 0.7f);
    eq_reset(&eq);
    memcpy(l, l0, n * sizeof(float));
    memcpy(r, r0, n * sizeof(float));
    eq_process(&eq, l, r, 4000);
    int moved = !same_bits(l, l0, 4000);
    eq_set_band(&eq, 0, 1, EQ_BELL, 1000, 0, 0.7f);
    eq_set_band(&eq, 1, 0, EQ_HIGHSHELF, 4000, -6, 0.7f);
    eq_process(&eq, l + 4000, r + 4000, n - 4000);
    unsigned tail = n - 12000; /* 250 ms after the change: glide and fade are over */
    ok(moved && same_bits(l + 12000, l0 + 12000, tail) && same_bits(r + 12000, r0 + 12000, tail),
       "EQ: a band glided back to 0 dB and a band switched off leave the signal untouched");

    struct passfilter pf;
    passfilter_init(&pf, PASS_HIGH, fs);
    passfilter_set(&pf, 0, 80, 1);
    memcpy(l, l0, n * sizeof(float));
    memcpy(r, r0, n * sizeof(float));
    passfilter_process(&pf, l, r, n);
    int off_ok = same_bits(l, l0, n) && same_bits(r, r0, n);
    passfilter_set(&pf, 1, 80, 1);
    passfilter_process(&pf, l, r, 4000);
    moved = !same_bits(l, l0, 4000);
    passfilter_set(&pf, 0, 80, 1);
    memcpy(l, l0, n * sizeof(float));
    memcpy(r, r0, n * sizeof(float));
    passfilter_process(&pf, l, r, n);
    ok(off_ok && moved && same_bits(l + 1000, l0 + 1000, n - 1000) &&
           same_bits(r + 1000, r0 + 1000, n - 1000),
       "HPF off (from the start, and after its fade-out) passes the input bit for bit");

    free(l);
    free(r);
    free(l0);
    free(r0);
}

/* ---------- 4. click-free changes ---------- */

/* Largest |third difference| of y over [from, to). A step of s in a signal gives a third
 * difference of up to 2s; a signal band-limited to f_max with peak P has |third difference|
 * at most P * (2 pi f_max / fs)^3 (Bernstein's inequality). */
static double max_d3(const float *y, unsigned from, unsigned to)
{
    double m = 0.0;
    for (unsigned i = from < 3 ? 3 : from; i < to; i++) {
        double d = (double)y[i] - 3.0 * y[i - 1] + 3.0 * y[i - 2] - y[i - 3];
        m = fabs(d) > m ? fabs(d) : m;
    }
    return m;
}

static double peak_abs(const float *y, unsigned from, unsigned to)
{
    double m = 0.0;
    for (unsigned i = from; i < to; i++)
        m = fabs(y[i]) > m ? fabs(y[i]) : m;
    return m;
}

#define JUMP_FRAMES 28800 /* 0.6 s at 48 kHz */
#define JUMP_AT     9613  /* the change, inside a sub-block */
#define JUMP_FROM   4800  /* measure from 0.1 s (the sine's own onset is at 0) */
#define JUMP_FS     48000.0

/* A unit switched from setting 0 to setting 1 during a 200 Hz sine. */
struct jump {
    const char *name;
    int unit;               /* 0 EQ band, 1 HPF, 2 LPF, 3 crossover3 (its mid band) */
    int on[2], type[2];     /* type: enum eq_type, or the pass filter's slope */
    float f[2], g[2], q[2]; /* crossover3: f = f1, g = f2 */
};

struct holder {
    struct eq eq;
    struct passfilter pf;
    struct crossover3 x;
    float *scratch[5];
};

static void jump_apply(const struct jump *j, int s, struct holder *h)
{
    if (j->unit == 0)
        eq_set_band(&h->eq, 0, j->on[s], (enum eq_type)j->type[s], j->f[s], j->g[s], j->q[s]);
    else if (j->unit <= 2)
        passfilter_set(&h->pf, j->on[s], j->f[s], j->type[s]);
    else
        crossover3_set(&h->x, j->f[s], j->g[s]);
}

/* y (left; the mid band for the crossover) for j switched at JUMP_AT (switched = 1), or held
 * at setting s throughout (switched = 0). */
static void jump_run(const struct jump *j, int switched, int s, float *y)
{
    struct holder *h = calloc(1, sizeof *h);
    float *r = calloc(JUMP_FRAMES, sizeof(float));
    for (unsigned k = 0; k < 5; k++)
        h->scratch[k] = calloc(JUMP_FRAMES, sizeof(float));
    if (j->unit == 0)
        eq_init(&h->eq, 1, JUMP_FS);
    else if (j->unit <= 2)
        passfilter_init(&h->pf, j->unit == 1 ? PASS_HIGH : PASS_LOW, JUMP_FS);
    else
        crossover3_init(&h->x, JUMP_FS);
    jump_apply(j, switched ? 0 : s, h);
    if (j->unit == 0)
        eq_reset(&h->eq);
    else if (j->unit <= 2)
        passfilter_reset(&h->pf);
    else
        crossover3_reset(&h->x);

    for (unsigned i = 0; i < JUMP_FRAMES; i++)
        y[i] = r[i] = (float)(0.25 * sin(2.0 * M_PI * 200.0 * i / JUMP_FS));
    for (unsigned i = 0; i < JUMP_FRAMES;) {
        if (i == JUMP_AT && switched) jump_apply(j, 1, h);
        unsigned n = i < JUMP_AT ? JUMP_AT - i : JUMP_FRAMES - i;
        n = n > 500 ? 500 : n;
        if (j->unit == 0)
            eq_process(&h->eq, y + i, r + i, n);
        else if (j->unit <= 2)
            passfilter_process(&h->pf, y + i, r + i, n);
        else /* the mid band written over the input, as the header allows */
            crossover3_process(&h->x, y + i, r + i, h->scratch[0] + i, h->scratch[1] + i, y + i,
                               r + i, h->scratch[2] + i, h->scratch[3] + i, n);
        i += n;
    }
    free(r);
    for (unsigned k = 0; k < 5; k++)
        free(h->scratch[k]);
    free(h);
}

/* The bound: the largest third difference of a signal band-limited to 2 kHz with the output's
 * peak. A 200 Hz sine itself reaches 1e-3 of it; the smoothed changes stay under it; a step of
 * even 1 % of the peak (2 % in third difference) exceeds it. */
static double click_bound(const float *y)
{
    double w = 2.0 * M_PI * 2000.0 / JUMP_FS;
    return peak_abs(y, JUMP_FROM, JUMP_FRAMES) * w * w * w;
}

static void test_clicks(void)
{
    static const struct jump jumps[] = {
        {"EQ bell gain -24 -> +24 dB (200 Hz, Q 1)",
         0,
         {1, 1},
         {0, 0},
         {200, 200},
         {-24, 24},
         {1, 1}},
        {"EQ bell freq 20 -> 20000 Hz (+12 dB, Q 1)",
         0,
         {1, 1},
         {0, 0},
         {20, 20000},
         {12, 12},
         {1, 1}},
        {"EQ bell Q 0.1 -> 10 (300 Hz, -24 dB)",
         0,
         {1, 1},
         {0, 0},
         {300, 300},
         {-24, -24},
         {0.1f, 10}},
        {"EQ type bell -> low shelf (200 Hz, +12 dB)",
         0,
         {1, 1},
         {0, 1},
         {200, 200},
         {12, 12},
         {1, 1}},
        {"EQ bell switched on (200 Hz, +12 dB)", 0, {0, 1}, {0, 0}, {200, 200}, {12, 12}, {1, 1}},
        {"EQ notch switched on (200 Hz, Q 2)", 0, {0, 1}, {3, 3}, {200, 200}, {0, 0}, {2, 2}},
        {"HPF switched on (150 Hz, 24 dB/oct)", 1, {0, 1}, {1, 1}, {150, 150}, {0, 0}, {0, 0}},
        {"HPF switched off (150 Hz, 24 dB/oct)", 1, {1, 0}, {1, 1}, {150, 150}, {0, 0}, {0, 0}},
        {"HPF freq 10 -> 2000 Hz (24 dB/oct)", 1, {1, 1}, {1, 1}, {10, 2000}, {0, 0}, {0, 0}},
        {"LPF slope 12 -> 24 dB/oct (250 Hz)", 2, {1, 1}, {0, 1}, {250, 250}, {0, 0}, {0, 0}},
        {"LPF freq 20000 -> 200 Hz (12 dB/oct)", 2, {1, 1}, {0, 0}, {20000, 200}, {0, 0}, {0, 0}},
        {"crossover3 f1 40 -> 1000 Hz (mid band)",
         3,
         {1, 1},
         {0, 0},
         {40, 1000},
         {3000, 3000},
         {0, 0}},
        {"crossover3 f2 12000 -> 1000 Hz, f1 300 (mid band)",
         3,
         {1, 1},
         {0, 0},
         {300, 300},
         {12000, 1000},
         {0, 0}},
    };
    float *ys = malloc(JUMP_FRAMES * sizeof(float)), *y0 = malloc(JUMP_FRAMES * sizeof(float));
    float *y1 = malloc(JUMP_FRAMES * sizeof(float));
    for (unsigned c = 0; c < sizeof jumps / sizeof jumps[0]; c++) {
        const struct jump *j = &jumps[c];
        jump_run(j, 1, 0, ys);
        jump_run(j, 0, 0, y0);
        jump_run(j, 0, 1, y1);
        int finite = 1;
        for (unsigned i = 0; i < JUMP_FRAMES; i++)
            finite &= isfinite(ys[i]);
        double bs = click_bound(ys), ds = max_d3(ys, JUMP_FROM, JUMP_FRAMES);
        /* The same change as a hard switch: the settled outputs before and after, spliced. */
        memcpy(y1, y0, JUMP_AT * sizeof(float));
        double bh = click_bound(y1), dh = max_d3(y1, JUMP_FROM, JUMP_FRAMES);
        diag("%s: max |d3| %.2e, bound %.2e (%.0f%%); hard switch %.2e, bound %.2e", j->name, ds,
             bs, 100.0 * ds / bs, dh, bh);
        ok(finite && ds < bs, "%s: no step (|third difference| under the 2 kHz band limit)",
           j->name);
        ok(dh > bh, "%s: a hard switch would exceed that bound (the test can fail)", j->name);
    }
    free(ys);
    free(y0);
    free(y1);
}

/* ---------- 5. non-finite states, bad parameters ---------- */

#define NAN_FRAMES 2048
#define NAN_AT     1000

/* Frames of the outputs from `from` on are all finite; *bad counts non-finite ones before. */
static int finite_from(float *const *out, unsigned nout, unsigned from, unsigned *bad)
{
    int fin = 1;
    *bad = 0;
    for (unsigned j = 0; j < nout; j++)
        for (unsigned i = NAN_AT; i < NAN_FRAMES; i++) {
            if (i >= from)
                fin &= isfinite(out[j][i]);
            else
                *bad += !isfinite(out[j][i]);
        }
    return fin;
}

static int floats_finite(const float *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (!isfinite(p[i])) return 0;
    return 1;
}

/* A state forced to NaN or infinity (what a non-finite input leaves behind) is cleared at the
 * next sub-block start: from two sub-blocks after it, the output is finite again. */
static void test_nan(void)
{
    const double fs = 48000.0;
    float *buf[6];
    for (unsigned j = 0; j < 6; j++)
        buf[j] = malloc(NAN_FRAMES * sizeof(float));
    const unsigned from = NAN_AT + 2 * DSP_SUB;
    unsigned bad;

    for (int inject_input = 0; inject_input < 2; inject_input++) {
        const char *how = inject_input ? "a NaN input sample" : "NaN/Inf forced into states";
        struct eq eq;
        eq_init(&eq, 6, fs);
        eq_set_band(&eq, 0, 1, EQ_BELL, 1000, 6, 1);
        eq_set_band(&eq, 1, 1, EQ_LOWSHELF, 100, -4, 0.7f);
        eq_set_band(&eq, 2, 1, EQ_NOTCH, 5000, 0, 4);
        eq_set_band(&eq, 4, 1, EQ_HIGHSHELF, 8000, 3, 0.7f);
        eq_reset(&eq);
        rng_state = 3;
        make_signal(buf[0], buf[1], NAN_FRAMES, fs);
        eq_process(&eq, buf[0], buf[1], NAN_AT);
        eq_set_band(&eq, 4, 1, EQ_HIGHSHELF, 6000, 3, 0.7f); /* band 4 gliding */
        if (inject_input) {
            buf[0][NAN_AT + 3] = NAN;
            buf[1][NAN_AT + 5] = INFINITY;
        } else {
            eq.band[1].p1[0] = NAN;
            eq.band[4].p2[1] = INFINITY;
        }
        eq_process(&eq, buf[0] + NAN_AT, buf[1] + NAN_AT, NAN_FRAMES - NAN_AT);
        int fin = finite_from(buf, 2, from, &bad);
        for (unsigned b = 0; b < 6; b++)
            fin &= floats_finite(eq.band[b].p1, 2) && floats_finite(eq.band[b].p2, 2);
        ok(fin && bad > 0, "EQ recovers from %s (%u non-finite samples first)", how, bad);

        struct passfilter pf;
        passfilter_init(&pf, PASS_HIGH, fs);
        passfilter_set(&pf, 1, 80, 1);
        passfilter_reset(&pf);
        rng_state = 4;
        make_signal(buf[0], buf[1], NAN_FRAMES, fs);
        passfilter_process(&pf, buf[0], buf[1], NAN_AT);
        if (inject_input)
            buf[1][NAN_AT + 7] = NAN;
        else
            pf.p1[1][0] = NAN;
        passfilter_process(&pf, buf[0] + NAN_AT, buf[1] + NAN_AT, NAN_FRAMES - NAN_AT);
        fin = finite_from(buf, 2, from, &bad) && floats_finite(&pf.p1[0][0], 4) &&
              floats_finite(&pf.p2[0][0], 4);
        ok(fin && bad > 0, "HPF recovers from %s (%u non-finite samples first)", how, bad);

        struct crossover3 x3;
        crossover3_init(&x3, fs);
        float *in_l = malloc(NAN_FRAMES * sizeof(float)),
              *in_r = malloc(NAN_FRAMES * sizeof(float));
        rng_state = 6;
        make_signal(in_l, in_r, NAN_FRAMES, fs);
        if (inject_input) in_l[NAN_AT + 1] = NAN;
        crossover3_process(&x3, in_l, in_r, buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], NAN_AT);
        if (!inject_input) x3.p2[5][1] = NAN;
        crossover3_process(&x3, in_l + NAN_AT, in_r + NAN_AT, buf[0] + NAN_AT, buf[1] + NAN_AT,
                           buf[2] + NAN_AT, buf[3] + NAN_AT, buf[4] + NAN_AT, buf[5] + NAN_AT,
                           NAN_FRAMES - NAN_AT);
        fin = finite_from(buf, 6, from, &bad) && floats_finite(&x3.p1[0][0], 14) &&
              floats_finite(&x3.p2[0][0], 14);
        ok(fin && bad > 0, "crossover3 recovers from %s (%u non-finite samples first)", how, bad);

        struct crossover2 x2;
        crossover2_init(&x2, fs);
        crossover2_process(&x2, in_l, in_r, buf[0], buf[1], buf[2], buf[3], NAN_AT);
        if (!inject_input) x2.p1[2][0] = INFINITY;
        crossover2_process(&x2, in_l + NAN_AT, in_r + NAN_AT, buf[0] + NAN_AT, buf[1] + NAN_AT,
                           buf[2] + NAN_AT, buf[3] + NAN_AT, NAN_FRAMES - NAN_AT);
        fin = finite_from(buf, 4, from, &bad) && floats_finite(&x2.p1[0][0], 6) &&
              floats_finite(&x2.p2[0][0], 6);
        ok(fin && bad > 0, "crossover2 recovers from %s (%u non-finite samples first)", how, bad);
        free(in_l);
        free(in_r);
    }
    for (unsigned j = 0; j < 6; j++)
        free(buf[j]);
}

/* Out-of-range values are clamped, non-finite ones and unknown types ignored. */
static void test_params(void)
{
    const double fs = 44100.0;
    struct eq a, b;
    eq_init(&a, 2, fs);
    eq_init(&b, 2, fs);
    eq_set_band(&a, 0, 1, EQ_BELL, 5.0f, 40.0f, 0.01f);
    eq_set_band(&a, 0, 1, (enum eq_type)7, NAN, INFINITY, NAN);
    eq_set_band(&a, 1, 1, EQ_HIGHSHELF, 30000.0f, -40.0f, 50.0f);
    eq_set_band(&a, 2, 1, EQ_BELL, 1000.0f, 12.0f, 1.0f); /* no band 2: ignored */
    eq_set_band(&b, 0, 1, EQ_BELL, 20.0f, 24.0f, 0.1f);
    eq_set_band(&b, 1, 1, EQ_HIGHSHELF, 20000.0f, -24.0f, 10.0f);
    eq_reset(&a);
    eq_reset(&b);
    unsigned na, nb;
    int xa, xb;
    float *ha = impulse_response(run_eq, &a, fs, &na, &xa);
    float *hb = impulse_response(run_eq, &b, fs, &nb, &xb);
    ok(na == nb && memcmp(ha, hb, na * sizeof *ha) == 0,
       "EQ clamps freq, gain, Q to 20..20000 Hz, +-24 dB, 0.1..10 and ignores NaN, unknown types "
       "and bands past nbands");
    free(ha);
    free(hb);

    struct passfilter p, q;
    passfilter_init(&p, PASS_LOW, fs);
    passfilter_init(&q, PASS_LOW, fs);
    passfilter_set(&p, 1, 30000.0f, 1);
    passfilter_set(&p, 1, NAN, 5);
    passfilter_set(&q, 1, 20000.0f, 1);
    passfilter_reset(&p);
    passfilter_reset(&q);
    ha = impulse_response(run_pf, &p, fs, &na, &xa);
    hb = impulse_response(run_pf, &q, fs, &nb, &xb);
    int same = na == nb && memcmp(ha, hb, na * sizeof *ha) == 0;
    free(ha);
    free(hb);
    passfilter_init(&p, PASS_HIGH, fs);
    passfilter_init(&q, PASS_HIGH, fs);
    passfilter_set(&p, 1, 1.0f, 0);
    passfilter_set(&q, 1, 10.0f, 0);
    passfilter_reset(&p);
    passfilter_reset(&q);
    ha = impulse_response(run_pf, &p, fs, &na, &xa);
    hb = impulse_response(run_pf, &q, fs, &nb, &xb);
    same &= na == nb && memcmp(ha, hb, na * sizeof *ha) == 0;
    free(ha);
    free(hb);
    ok(same, "pass filters clamp to 10..2000 / 200..20000 Hz and ignore NaN and unknown slopes");

    struct crossover3 x;
    crossover3_init(&x, fs);
    crossover3_set(&x, 900.0f, 1000.0f);
    double f1 = x.f[0].hz_t, f2 = x.f[1].hz_t;
    crossover3_set(&x, 1.0f, 1e6f);
    double g1 = x.f[0].hz_t, g2 = x.f[1].hz_t;
    diag("crossover3 900/1000 Hz -> %.1f/%.1f Hz; 1/1e6 Hz -> %g/%g Hz", f1, f2, g1, g2);
    ok(fabs(f2 / f1 - 1.5) < 1e-5 && fabs(f1 * f2 / (900.0 * 1000.0) - 1.0) < 1e-5 && g1 == 40.0 &&
           g2 == 12000.0,
       "crossover3 keeps f2 >= 1.5 f1 around their geometric mean, clamps to 40..12000 Hz");
}

/* ---------- 6. denormals ---------- */

struct all_units {
    struct eq eq;
    struct passfilter hp, lp;
    struct crossover3 x3;
    struct crossover2 x2;
};

static void units_init(struct all_units *u, double fs)
{
    eq_init(&u->eq, 6, fs);
    eq_set_band(&u->eq, 0, 1, EQ_LOWSHELF, 30, 6, 0.7f);
    eq_set_band(&u->eq, 1, 1, EQ_BELL, 20, -12, 10);
    eq_set_band(&u->eq, 2, 1, EQ_BELL, 1000, 6, 1);
    eq_set_band(&u->eq, 3, 1, EQ_NOTCH, 50, 0, 10);
    eq_set_band(&u->eq, 4, 1, EQ_HIGHSHELF, 10000, -6, 0.7f);
    eq_set_band(&u->eq, 5, 1, EQ_BELL, 18000, 12, 4);
    eq_reset(&u->eq);
    passfilter_init(&u->hp, PASS_HIGH, fs);
    passfilter_set(&u->hp, 1, 10, 1);
    passfilter_reset(&u->hp);
    passfilter_init(&u->lp, PASS_LOW, fs);
    passfilter_set(&u->lp, 1, 200, 1);
    passfilter_reset(&u->lp);
    crossover3_init(&u->x3, fs);
    crossover3_set(&u->x3, 40, 1000);
    crossover3_reset(&u->x3);
    crossover2_init(&u->x2, fs);
    crossover2_set(&u->x2, 20);
    crossover2_reset(&u->x2);
}

static unsigned count_subnormal(const float *p, unsigned n)
{
    unsigned c = 0;
    for (unsigned i = 0; i < n; i++)
        c += fpclassify(p[i]) == FP_SUBNORMAL;
    return c;
}

static unsigned units_subnormal(const struct all_units *u)
{
    unsigned c = 0;
    for (unsigned b = 0; b < 6; b++)
        c += count_subnormal(u->eq.band[b].p1, 2) + count_subnormal(u->eq.band[b].p2, 2);
    c += count_subnormal(&u->hp.p1[0][0], 4) + count_subnormal(&u->hp.p2[0][0], 4);
    c += count_subnormal(&u->lp.p1[0][0], 4) + count_subnormal(&u->lp.p2[0][0], 4);
    c += count_subnormal(&u->x3.p1[0][0], 14) + count_subnormal(&u->x3.p2[0][0], 14);
    c += count_subnormal(&u->x2.p1[0][0], 6) + count_subnormal(&u->x2.p2[0][0], 6);
    return c;
}

/* A loud burst, then `seconds` of silence through every unit, in blocks of 256; returns the
 * most subnormal states seen at any block end. */
static unsigned burst_then_silence(struct all_units *u, double fs, double seconds)
{
    enum { BLK = 256 };
    float l[BLK], r[BLK], o[4][BLK];
    unsigned worst = 0, total = (unsigned)(seconds * fs), burst = (unsigned)(0.1 * fs);
    rng_state = 11;
    for (unsigned i = 0; i < burst + total; i += BLK) {
        for (unsigned j = 0; j < BLK; j++) {
            int loud = i + j < burst;
            l[j] = loud ? noise() : 0.0f;
            r[j] = loud ? noise() : 0.0f;
        }
        crossover3_process(&u->x3, l, r, o[0], o[1], o[2], o[3], o[2], o[3], BLK);
        crossover2_process(&u->x2, l, r, o[0], o[1], o[2], o[3], BLK);
        passfilter_process(&u->hp, l, r, BLK);
        passfilter_process(&u->lp, l, r, BLK);
        eq_process(&u->eq, l, r, BLK);
        unsigned c = units_subnormal(u);
        worst = c > worst ? c : worst;
    }
    return worst;
}

/* Last: dsp_flush_denormals() stays on in this thread. */
static void test_denormals(void)
{
    const double fs = 48000.0;
    struct all_units *u = malloc(sizeof *u);
    units_init(u, fs);
    /* States below 1e-30 are zeroed once per sub-block (dsp_zero_tiny), so even without FTZ a
     * decay never reaches the subnormal range; a planted subnormal shows the count can fail. */
    unsigned without = burst_then_silence(u, fs, 2.0);
    ok(without == 0, "without FTZ/DAZ too, no state is subnormal during 2 s of silence (%u)",
       without);
    u->eq.band[0].p1[0] = 1e-40f;
    ok(units_subnormal(u) == 1, "a planted subnormal state is counted");
    dsp_flush_denormals();
    units_init(u, fs);
    unsigned with = burst_then_silence(u, fs, 10.0);
    ok(with == 0,
       "with dsp_flush_denormals(): no state is ever subnormal during a burst and 10 s "
       "of silence (seen: %u)",
       with);
    free(u);
}

int main(void)
{
    test_eq_magnitude();
    test_pass_magnitude();
    test_crossover_magnitude();
    test_chunk_invariance();
    test_bit_exact();
    test_clicks();
    test_nan();
    test_params();
    test_denormals(); /* last: it leaves FTZ/DAZ on */
    return done_testing();
}
