/* tests/test_loudness.c: the loudness meter against BS.1770-4's coefficients, EBU Tech 3341 and
 * 3342, libebur128 on synthetic programme, and exact gating of a 2-hour programme. */
#include <ebur128.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/loudness.h"
#include "tests/tap.h"

#if defined(__SANITIZE_ADDRESS__)
/* From compiler-rt's sanitizer/allocator_interface.h, which GCC does not install. */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t heap_in_use(void)
{
    return __sanitizer_get_current_allocated_bytes();
}
#else
#include <malloc.h>
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}
#endif

static const double rates[] = {44100, 48000, 88200, 96000, 176400, 192000};
#define NRATES (sizeof rates / sizeof rates[0])

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static double rng_uniform(uint64_t *s) /* [0, 1) */
{
    return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double rng_gauss(uint64_t *s) /* approximately N(0, 1): Irwin-Hall of 4 */
{
    double u = rng_uniform(s) + rng_uniform(s) + rng_uniform(s) + rng_uniform(s);
    return (u - 2.0) * 1.7320508075688772;
}

static double energy_of(double lufs)
{
    return pow(10.0, (lufs + 0.691) / 10.0);
}

static double lufs_of(double energy)
{
    return energy > 0.0 ? -0.691 + 10.0 * log10(energy) : -HUGE_VAL;
}

/* ---- synthetic programme: a list of segments, each one voice at one level ---- */

enum voice {
    SINE_1K, /* 1 kHz sine, both channels in phase; level = per-channel peak dBFS (Tech 3341) */
    SILENCE, /* digital zero */
    CHORD,   /* 440 Hz + 3.1 kHz, the channels out of phase by different amounts */
    NOISE,   /* white noise, partly correlated (L = n1, R = 0.6 n1 + 0.8 n2) */
    DECORR,  /* independent lowpassed noise per channel + a 200 Hz sine in antiphase */
};

struct seg {
    double seconds;
    double dbfs;
    enum voice voice;
};

struct gen {
    double rate;
    const struct seg *segs;
    unsigned nsegs, k;   /* current segment */
    uint64_t i, seg_end; /* frame index, end of segment k */
    int envelope;        /* slow level envelope on top of the segment levels */
    uint64_t rng;
    double lp_l, lp_r; /* DECORR's one-pole lowpass states */
};

static void gen_init(struct gen *g, double rate, const struct seg *segs, unsigned nsegs,
                     int envelope)
{
    memset(g, 0, sizeof *g);
    g->rate = rate, g->segs = segs, g->nsegs = nsegs, g->envelope = envelope;
    g->rng = 0x9E3779B97F4A7C15ULL;
    g->seg_end = (uint64_t)llround(segs[0].seconds * rate);
}

static uint64_t gen_frames(const struct gen *g)
{
    double t = 0.0;
    uint64_t n = 0;
    for (unsigned k = 0; k < g->nsegs; k++) {
        t += g->segs[k].seconds;
        n = (uint64_t)llround(t * g->rate);
    }
    return n;
}

/* Fill up to n frames; returns how many it wrote (fewer than n at the end of the programme). */
static unsigned gen_fill(struct gen *g, float *l, float *r, unsigned n)
{
    unsigned j;
    for (j = 0; j < n; j++) {
        while (g->i >= g->seg_end) {
            if (++g->k >= g->nsegs) return j;
            double t = 0.0;
            for (unsigned q = 0; q <= g->k; q++)
                t += g->segs[q].seconds;
            g->seg_end = (uint64_t)llround(t * g->rate);
        }
        const struct seg *s = &g->segs[g->k];
        double t = (double)g->i / g->rate;
        double db = s->dbfs;
        if (g->envelope) db += 10.0 * sin(2.0 * M_PI * t / 23.0) + 4.0 * sin(2.0 * M_PI * t / 5.3);
        double a = pow(10.0, db / 20.0), xl = 0.0, xr = 0.0;
        double w = 2.0 * M_PI * t;
        switch (s->voice) {
        case SINE_1K:
            /* 1000 whole cycles a second: reduce the phase exactly */
            xl = xr = a * sin(2.0 * M_PI * 1000.0 * (double)(g->i % (uint64_t)g->rate) / g->rate);
            break;
        case SILENCE:
            break;
        case CHORD:
            xl = 0.5 * a * (sin(440.0 * w) + sin(3100.0 * w));
            xr = 0.5 * a * (sin(440.0 * w + 1.0) + sin(3100.0 * w + 2.5));
            break;
        case NOISE: {
            double n1 = rng_gauss(&g->rng), n2 = rng_gauss(&g->rng);
            xl = a * n1;
            xr = a * (0.6 * n1 + 0.8 * n2);
            break;
        }
        case DECORR: {
            double c = 1.0 - exp(-2.0 * M_PI * 2000.0 / g->rate);
            g->lp_l += c * (rng_gauss(&g->rng) - g->lp_l);
            g->lp_r += c * (rng_gauss(&g->rng) - g->lp_r);
            double sn = 0.5 * sin(200.0 * w);
            xl = a * (2.0 * g->lp_l + sn);
            xr = a * (2.0 * g->lp_r - sn);
            break;
        }
        }
        l[j] = (float)xl;
        r[j] = (float)xr;
        g->i++;
    }
    return j;
}

/* ---- running our meter quarter by quarter ---- */

struct trace {
    unsigned n;
    double *m, *s; /* momentary, short-term after each quarter */
};

/* Run a whole programme through a fresh meter in quarter-long slices, recording M and S. */
static void run_meter(struct loudness_meter *m, double rate, const struct seg *segs, unsigned nsegs,
                      int envelope, struct trace *tr)
{
    struct gen g;
    gen_init(&g, rate, segs, nsegs, envelope);
    if (loudness_meter_init(m, rate)) bail("loudness_meter_init failed");
    unsigned q = (unsigned)(rate / 10), cap = (unsigned)(gen_frames(&g) / q) + 2;
    float *l = malloc(q * sizeof *l), *r = malloc(q * sizeof *r);
    tr->n = 0;
    tr->m = malloc(cap * sizeof *tr->m);
    tr->s = malloc(cap * sizeof *tr->s);
    if (!l || !r || !tr->m || !tr->s) bail("out of memory");
    unsigned got;
    while ((got = gen_fill(&g, l, r, q)) > 0) {
        uint64_t before = loudness_gate_quarters(m->gate);
        loudness_meter_process(m, l, r, got);
        if (loudness_gate_quarters(m->gate) != before && tr->n < cap) {
            tr->m[tr->n] = loudness_momentary(m->gate);
            tr->s[tr->n] = loudness_short_term(m->gate);
            tr->n++;
        }
    }
    free(l);
    free(r);
}

static void trace_free(struct trace *tr)
{
    free(tr->m);
    free(tr->s);
}

/* Largest |x[k] - want| for k in [from, n). */
static double worst_dev(const double *x, unsigned from, unsigned n, double want)
{
    double w = 0.0;
    for (unsigned k = from; k < n; k++)
        if (fabs(x[k] - want) > w || isnan(x[k])) w = isnan(x[k]) ? HUGE_VAL : fabs(x[k] - want);
    return w;
}

/* ---- K-weighting ---- */

static double biquad_mag2(const struct loudness_biquad *c, double f, double rate)
{
    double w = 2.0 * M_PI * f / rate;
    double c1 = cos(w), s1 = sin(w), c2 = cos(2 * w), s2 = sin(2 * w);
    double nr = c->b0 + c->b1 * c1 + c->b2 * c2, ni = -(c->b1 * s1 + c->b2 * s2);
    double dr = 1.0 + c->a1 * c1 + c->a2 * c2, di = -(c->a1 * s1 + c->a2 * s2);
    return (nr * nr + ni * ni) / (dr * dr + di * di);
}

static double kw_gain_db(const struct loudness_kw *kw, double f, double rate)
{
    return 10.0 * log10(biquad_mag2(&kw->shelf, f, rate) * biquad_mag2(&kw->hpf, f, rate));
}

/* Gain measured through loudness_kw_process: a sine of amplitude a on both channels gives
 * energy 2 * a^2/2 * |H|^2 once the filters settle (quarters are whole cycles of f). */
static double kw_measured_gain_db(double rate, double f)
{
    struct loudness_kw kw;
    loudness_kw_init(&kw, rate);
    unsigned q = (unsigned)(rate / 10);
    float *x = malloc(q * sizeof *x);
    const double a = 0.1;
    double e = 0.0;
    for (unsigned k = 0; k < 12; k++) {
        for (unsigned i = 0; i < q; i++)
            x[i] = (float)(a * sin(2.0 * M_PI * f * (double)(k * q + i) / rate));
        loudness_kw_process(&kw, x, x, q, &e, 1);
    }
    free(x);
    /* the float rounding of a ~ 1e-8 relative: negligible */
    return 10.0 * log10(e / (a * a));
}

static void test_kweighting(void)
{
    struct loudness_kw kw;
    /* BS.1770-4 Tables 1 and 2 */
    static const double pub[10] = {1.53512485958697,
                                   -2.69169618940638,
                                   1.19839281085285,
                                   -1.69065929318241,
                                   0.73248077421585,
                                   1.0,
                                   -2.0,
                                   1.0,
                                   -1.99004745483398,
                                   0.99007225036621};
    ok(loudness_kw_init(&kw, 48000) == 0, "kw_init(48000) succeeds");
    double got[10] = {kw.shelf.b0, kw.shelf.b1, kw.shelf.b2, kw.shelf.a1, kw.shelf.a2,
                      kw.hpf.b0,   kw.hpf.b1,   kw.hpf.b2,   kw.hpf.a1,   kw.hpf.a2};
    double worst = 0.0;
    for (int i = 0; i < 10; i++)
        worst = fmax(worst, fabs(got[i] - pub[i]));
    diag("48 kHz coefficients: worst |ours - BS.1770-4| = %.3g", worst);
    ok(worst < 1e-8, "48 kHz K-weighting equals the published coefficients (< 1e-8)");

    double ref1k = kw_gain_db(&kw, 1000, 48000), ref10k = kw_gain_db(&kw, 10000, 48000);
    double mref1k = kw_measured_gain_db(48000, 1000), mref10k = kw_measured_gain_db(48000, 10000);
    diag("48 kHz gain: 1 kHz %+.5f dB, 10 kHz %+.5f dB (measured %+.5f, %+.5f)", ref1k, ref10k,
         mref1k, mref10k);
    double wr = 0.0, wm = 0.0, wp = 0.0;
    for (unsigned k = 0; k < NRATES; k++) {
        struct loudness_kw kr;
        loudness_kw_init(&kr, rates[k]);
        double g1 = kw_gain_db(&kr, 1000, rates[k]), g10 = kw_gain_db(&kr, 10000, rates[k]);
        double m1 = kw_measured_gain_db(rates[k], 1000), m10 = kw_measured_gain_db(rates[k], 10000);
        diag("%6.0f Hz: 1 kHz %+.5f dB, 10 kHz %+.5f dB vs 48 kHz (measured %+.5f, %+.5f)",
             rates[k], g1 - ref1k, g10 - ref10k, m1 - mref1k, m10 - mref10k);
        wr = fmax(wr, fmax(fabs(g1 - ref1k), fabs(g10 - ref10k)));
        wm = fmax(wm, fmax(fabs(m1 - mref1k), fabs(m10 - mref10k)));
        wp = fmax(wp, fmax(fabs(m1 - g1), fabs(m10 - g10)));
    }
    ok(wr < 0.02, "response at 1 and 10 kHz within 0.02 dB of 48 kHz's at 44.1-192 kHz (%.4f)", wr);
    ok(wm < 0.02, "same, measured through loudness_kw_process (%.4f dB)", wm);
    ok(wp < 1e-3, "kw_process gain equals the coefficients' response (%.2g dB)", wp);

    ok(loudness_kw_init(&kw, 0) == -EINVAL && loudness_kw_init(&kw, NAN) == -EINVAL &&
           loudness_kw_init(&kw, 7999) == -EINVAL && loudness_kw_init(&kw, 1e6) == -EINVAL,
       "kw_init rejects rates 0, NaN, 7999, 1e6 with -EINVAL");
}

/* Quarter timing at every rate, and where 100 ms is not a whole number of samples. */
static void test_quarter_timing(void)
{
    static const double odd[] = {44100,  48000, 88200,   96000,  176400,
                                 192000, 11025, 22050.0, 44099.6};
    int good = 1;
    uint64_t rng = 12345;
    for (unsigned k = 0; k < sizeof odd / sizeof odd[0]; k++) {
        struct loudness_kw kw;
        loudness_kw_init(&kw, odd[k]);
        unsigned rate = (unsigned)lround(odd[k]);
        /* 10 s in random slices: quarter j must complete exactly at frame floor(j rate / 10) */
        uint64_t total = 10ULL * rate, i = 0, quarters = 0;
        float buf[5000] = {0};
        double q[8];
        while (i < total) {
            unsigned n = 1 + (unsigned)(rng_next(&rng) % 4999);
            if (n > total - i) n = (unsigned)(total - i);
            unsigned got = loudness_kw_process(&kw, buf, buf, n, q, 8);
            for (unsigned j = 0; j < got; j++) {
                /* the boundary must lie inside this slice */
                uint64_t end = (quarters + 1 + j) * rate / 10;
                if (end <= i || end > i + n) good = 0;
            }
            quarters += got;
            i += n;
        }
        if (quarters != 100) {
            diag("rate %.1f: %llu quarters in 10 s", odd[k], (unsigned long long)quarters);
            good = 0;
        }
    }
    ok(good, "quarters end exactly at floor(k rate / 10) at 9 rates incl. 11025 and 22050 Hz");

    struct loudness_kw kw;
    loudness_kw_init(&kw, 48000);
    float z[14400] = {0};
    unsigned got = loudness_kw_process(&kw, z, z, 14400, NULL, 0);
    ok(got == 0 && kw.dropped == 3, "3 quarters with no room are dropped and counted (%llu)",
       (unsigned long long)kw.dropped);
    ok(loudness_kw_process(&kw, z, z, 0, NULL, 0) == 0, "n = 0 is a no-op");
}

/* ---- EBU Tech 3341 ---- */

static void tech3341_case(int num, const struct seg *segs, unsigned n, int check_ms, double want)
{
    struct loudness_meter m;
    struct trace tr;
    run_meter(&m, 48000, segs, n, 0, &tr);
    double i = loudness_integrated(m.gate);
    if (check_ms) {
        /* M from its first complete window (0.4 s), S from 3 s, to the end */
        double dm = worst_dev(tr.m, 3, tr.n, want), ds = worst_dev(tr.s, 29, tr.n, want);
        diag("Tech 3341 case %d: worst M error %.4f LU, worst S error %.4f LU", num, dm, ds);
        ok(dm <= 0.1 && ds <= 0.1, "Tech 3341 case %d: M and S = %.1f +- 0.1 LUFS throughout", num,
           want);
    }
    ok(fabs(i - want) <= 0.1, "Tech 3341 case %d: I = %.3f LUFS (want %.1f +- 0.1)", num, i, want);
    trace_free(&tr);
    loudness_meter_free(&m);
}

static void test_tech3341(void)
{
    static const struct seg c1[] = {{20, -23, SINE_1K}};
    static const struct seg c2[] = {{20, -33, SINE_1K}};
    static const struct seg c3[] = {{10, -36, SINE_1K}, {60, -23, SINE_1K}, {10, -36, SINE_1K}};
    static const struct seg c4[] = {{10, -72, SINE_1K},
                                    {10, -36, SINE_1K},
                                    {60, -23, SINE_1K},
                                    {10, -36, SINE_1K},
                                    {10, -72, SINE_1K}};
    static const struct seg c5[] = {{20, -26, SINE_1K}, {20.1, -20, SINE_1K}, {20, -26, SINE_1K}};
    tech3341_case(1, c1, 1, 1, -23.0);
    tech3341_case(2, c2, 1, 1, -33.0);
    tech3341_case(3, c3, 3, 0, -23.0);
    tech3341_case(4, c4, 5, 0, -23.0);
    tech3341_case(5, c5, 3, 0, -23.0);

    /* case 9: (1.34 s at -20, 1.66 s at -30) x 5: S = -23 +- 0.1 constant after 3 s */
    struct seg c9[10], c12[50];
    for (int k = 0; k < 5; k++)
        c9[2 * k] = (struct seg){1.34, -20, SINE_1K},
               c9[2 * k + 1] = (struct seg){1.66, -30, SINE_1K};
    /* case 12: (0.18 s at -20, 0.22 s at -30) x 25: M = -23 +- 0.1 constant after 1 s */
    for (int k = 0; k < 25; k++)
        c12[2 * k] = (struct seg){0.18, -20, SINE_1K},
                c12[2 * k + 1] = (struct seg){0.22, -30, SINE_1K};
    struct loudness_meter m;
    struct trace tr;
    run_meter(&m, 48000, c9, 10, 0, &tr);
    double d = worst_dev(tr.s, 29, tr.n, -23.0);
    diag("Tech 3341 case 9: %u S values from 3 s on, worst error %.4f LU", tr.n - 29, d);
    ok(tr.n >= 150 && d <= 0.1, "Tech 3341 case 9: S = -23 +- 0.1 LUFS after 3 s");
    trace_free(&tr);
    loudness_meter_free(&m);

    run_meter(&m, 48000, c12, 50, 0, &tr);
    d = worst_dev(tr.m, 9, tr.n, -23.0);
    diag("Tech 3341 case 12: %u M values from 1 s on, worst error %.4f LU", tr.n - 9, d);
    ok(tr.n >= 100 && d <= 0.1, "Tech 3341 case 12: M = -23 +- 0.1 LUFS after 1 s");
    trace_free(&tr);
    loudness_meter_free(&m);

    /* a 1 kHz sine at -23 dBFS reads the same at every rate (K gain at 1 kHz is +0.0067 dB) */
    double worst = 0.0;
    for (unsigned k = 0; k < NRATES; k++) {
        run_meter(&m, rates[k], c1, 1, 0, &tr);
        worst = fmax(worst, worst_dev(tr.m, 3, tr.n, -23.0));
        worst = fmax(worst, fabs(loudness_integrated(m.gate) + 23.0));
        trace_free(&tr);
        loudness_meter_free(&m);
    }
    diag("1 kHz at -23 dBFS, 44.1-192 kHz: worst |M - (-23)|, |I - (-23)| = %.4f LU", worst);
    ok(worst < 0.02, "1 kHz at -23 dBFS reads -23.00 +- 0.02 LUFS at every rate");
}

/* ---- EBU Tech 3342 ---- */

static void test_tech3342(void)
{
    static const struct seg c1[] = {{20, -20, SINE_1K}, {20, -30, SINE_1K}};
    static const struct seg c2[] = {{20, -20, SINE_1K}, {20, -15, SINE_1K}};
    static const struct seg c3[] = {{20, -40, SINE_1K}, {20, -20, SINE_1K}};
    static const struct seg c4[] = {{20, -50, SINE_1K},
                                    {20, -35, SINE_1K},
                                    {20, -20, SINE_1K},
                                    {20, -35, SINE_1K},
                                    {20, -50, SINE_1K}};
    static const struct {
        const struct seg *s;
        unsigned n;
        double want;
    } c[] = {{c1, 2, 10}, {c2, 2, 5}, {c3, 2, 20}, {c4, 5, 15}};
    for (unsigned k = 0; k < 4; k++) {
        struct loudness_meter m;
        struct trace tr;
        run_meter(&m, 48000, c[k].s, c[k].n, 0, &tr);
        double lra = loudness_lra(m.gate);
        ok(fabs(lra - c[k].want) <= 1.0, "Tech 3342 case %u: LRA = %.3f LU (want %.0f +- 1)", k + 1,
           lra, c[k].want);
        trace_free(&tr);
        loudness_meter_free(&m);
    }
}

/* ---- against libebur128 ---- */

/* Tech 3342 LRA computed here, exactly, from a list of short-term energies. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double exact_lra(const double *st, size_t n)
{
    double *v = malloc((n + 1) * sizeof *v), sum = 0.0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (lufs_of(st[i]) > -70.0) v[k++] = st[i], sum += st[i];
    double lra = 0.0;
    if (k) {
        double gate = sum / (double)k * 0.01;
        size_t j = 0;
        for (size_t i = 0; i < k; i++)
            if (v[i] > gate) v[j++] = v[i];
        if (j) {
            qsort(v, j, sizeof *v, cmp_double);
            size_t lo = (size_t)((double)(j - 1) * 0.10 + 0.5);
            size_t hi = (size_t)((double)(j - 1) * 0.95 + 0.5);
            lra = lufs_of(v[hi]) - lufs_of(v[lo]);
        }
    }
    free(v);
    return lra;
}

struct material {
    const char *name;
    const struct seg *segs;
    unsigned nsegs;
    int envelope;
};

static void compare_with_libebur128(const struct material *mat, double rate, double *worst)
{
    struct loudness_meter m;
    struct gen g;
    if (loudness_meter_init(&m, rate)) bail("loudness_meter_init failed");
    ebur128_state *e =
        ebur128_init(2, (unsigned long)rate,
                     EBUR128_MODE_M | EBUR128_MODE_S | EBUR128_MODE_I | EBUR128_MODE_LRA);
    if (!e) bail("ebur128_init failed");
    gen_init(&g, rate, mat->segs, mat->nsegs, mat->envelope);
    unsigned q = (unsigned)(rate / 10), cap = (unsigned)(gen_frames(&g) / q) + 2, nst = 0, nq = 0;
    float *l = malloc(q * sizeof *l), *r = malloc(q * sizeof *r), *il = malloc(2 * q * sizeof *il);
    double *st = malloc(cap * sizeof *st);
    double em_max = -HUGE_VAL, es_max = -HUGE_VAL, dm = 0.0, ds = 0.0;
    unsigned got;
    while ((got = gen_fill(&g, l, r, q)) == q) {
        for (unsigned i = 0; i < q; i++)
            il[2 * i] = l[i], il[2 * i + 1] = r[i];
        ebur128_add_frames_float(e, il, q);
        loudness_meter_process(&m, l, r, q);
        nq++;
        double em, es;
        ebur128_loudness_momentary(e, &em);
        ebur128_loudness_shortterm(e, &es);
        em_max = fmax(em_max, em);
        es_max = fmax(es_max, es);
        double om = loudness_momentary(m.gate), os = loudness_short_term(m.gate);
        if (em > -70 && om > -70) dm = fmax(dm, fabs(om - em));
        if (es > -70 && os > -70) ds = fmax(ds, fabs(os - es));
        if (nq >= 30 && nst < cap) /* libebur128's short-term every 100 ms: Tech 3342 at 10 Hz */
            st[nst++] = es > -HUGE_VAL ? energy_of(es) : 0.0;
    }
    double ei, elra;
    ebur128_loudness_global(e, &ei);
    ebur128_loudness_range(e, &elra);
    double oi = loudness_integrated(m.gate), olra = loudness_lra(m.gate);
    double xlra = exact_lra(st, nst);
    /* libebur128 1.2.6 takes a short-term value every 1 s (2 s overlap, Tech 3342 v1); v3 (2016)
     * asks for >= 2.9 s overlap, i.e. >= 10 Hz, which is what we do. Decimating its 10 Hz values
     * to its own 1 Hz grid must give back its own LRA: that shows the hop is the only difference.
     */
    size_t n1 = 0;
    for (size_t k = 0; k < nst; k += 10)
        st[n1++] = st[k];
    double x1lra = exact_lra(st, n1);
    double omm = loudness_momentary_max(m.gate), osm = loudness_short_term_max(m.gate);
    diag("%-9s %6.0f Hz: I %.3f/%.3f  LRA %.3f/%.3f (exact 10 Hz %.3f, 1 Hz %.3f)  Mmax "
         "%.3f/%.3f  Smax %.3f/%.3f  |dM| %.3f |dS| %.3f",
         mat->name, rate, oi, ei, olra, elra, xlra, x1lra, omm, em_max, osm, es_max, dm, ds);
    worst[0] = fmax(worst[0], fabs(oi - ei));
    worst[1] = fmax(worst[1], fabs(olra - elra));
    worst[2] = fmax(worst[2], fabs(olra - xlra));
    worst[3] = fmax(worst[3], fmax(fabs(omm - em_max), fabs(osm - es_max)));
    worst[4] = fmax(worst[4], fmax(dm, ds));
    worst[5] = fmax(worst[5], fabs(x1lra - elra));
    ebur128_destroy(&e);
    loudness_meter_free(&m);
    free(l);
    free(r);
    free(il);
    free(st);
}

static void test_libebur128(void)
{
    static const struct seg noise[] = {{60, -26, NOISE}};
    static const struct seg bursts[] = {
        {0.7, -30, CHORD}, {1.3, 0, SILENCE},  {0.25, -12, CHORD}, {0.6, 0, SILENCE},
        {2.0, -22, CHORD}, {0.05, -6, CHORD},  {3.0, 0, SILENCE},  {4.5, -18, CHORD},
        {0.4, -40, CHORD}, {1.1, 0, SILENCE},  {6.0, -24, CHORD},  {0.15, -9, CHORD},
        {2.2, 0, SILENCE}, {8.0, -28, CHORD},  {5.0, -20, CHORD},  {0.3, 0, SILENCE},
        {9.0, -33, CHORD}, {0.35, -14, CHORD}, {4.0, 0, SILENCE},  {10.0, -21, CHORD}};
    static const struct seg decorr[] = {{60, -24, DECORR}};
    /* loud, quiet (below the relative gate), very quiet (below the absolute gate), silence */
    static const struct seg gates[] = {{12, -18, NOISE},  {8, -36, NOISE}, {6, -82, NOISE},
                                       {12, -24, DECORR}, {6, 0, SILENCE}, {10, -50, NOISE},
                                       {10, -20, CHORD},  {6, -31, DECORR}};
    static const struct material mats[] = {{"noise-env", noise, 1, 1},
                                           {"bursts", bursts, 20, 0},
                                           {"decorr", decorr, 1, 1},
                                           {"gates", gates, 8, 0}};
    static const double r3[] = {44100, 48000, 96000};
    double worst[6] = {0};
    for (unsigned k = 0; k < 3; k++)
        for (unsigned j = 0; j < sizeof mats / sizeof mats[0]; j++)
            compare_with_libebur128(&mats[j], r3[k], worst);
    ok(worst[0] <= 0.05, "integrated within 0.05 LU of libebur128 (worst %.4f)", worst[0]);
    ok(worst[2] <= 0.05,
       "LRA within 0.05 LU of Tech 3342 at 10 Hz on libebur128's short-term "
       "values (worst %.4f)",
       worst[2]);
    ok(worst[5] <= 0.05,
       "libebur128's own LRA is Tech 3342 at 1 Hz on its short-term values "
       "(worst %.4f)",
       worst[5]);
    ok(worst[1] <= 1.0, "LRA within Tech 3342's 1 LU of libebur128's 1 Hz LRA (worst %.4f)",
       worst[1]);
    ok(worst[3] <= 0.1, "max momentary and short-term within 0.1 LU of libebur128 (worst %.4f)",
       worst[3]);
    ok(worst[4] <= 0.05, "every momentary and short-term value within 0.05 LU (worst %.4f)",
       worst[4]);
}

/* ---- slicing and bad input ---- */

/* Quarters of a programme fed in slices of `slice` frames (0: random 1..5000). */
static unsigned quarters_sliced(double rate, const struct seg *segs, unsigned nsegs, unsigned slice,
                                int poison, double *out, unsigned cap)
{
    struct gen g;
    struct loudness_kw kw;
    gen_init(&g, rate, segs, nsegs, 0);
    loudness_kw_init(&kw, rate);
    uint64_t rng = 777, frame = 0;
    float l[5000], r[5000];
    unsigned nq = 0, got;
    for (;;) {
        unsigned n = slice ? slice : 1 + (unsigned)(rng_next(&rng) % 5000);
        if (!(got = gen_fill(&g, l, r, n))) break;
        if (poison) /* NaN and infinities in place of some samples (zeros otherwise, below) */
            for (unsigned i = 0; i < got; i++) {
                uint64_t f = frame + i;
                if (f % 9973 == 5 || (f >= 50000 && f < 50100)) l[i] = NAN;
                if (f % 7919 == 3) r[i] = (f & 1) ? INFINITY : -INFINITY;
            }
        else
            for (unsigned i = 0; i < got; i++) {
                uint64_t f = frame + i;
                if (f % 9973 == 5 || (f >= 50000 && f < 50100)) l[i] = 0.0f;
                if (f % 7919 == 3) r[i] = 0.0f;
            }
        frame += got;
        nq += loudness_kw_process(&kw, l, r, got, out + nq, cap - nq);
    }
    return nq;
}

static void test_slicing(void)
{
    static const struct seg prog[] = {
        {3.0, -20, NOISE}, {1.5, 0, SILENCE}, {2.0, -30, CHORD}, {3.5, -25, DECORR}};
    static const unsigned slices[] = {1, 7, 64, 1000, 4410, 0};
    enum { CAP = 200 };
    double ref[CAP], got[CAP];
    unsigned nref = quarters_sliced(44100, prog, 4, 4410, 0, ref, CAP);
    int same = nref == 100;
    for (unsigned k = 0; k < sizeof slices / sizeof slices[0]; k++) {
        unsigned n = quarters_sliced(44100, prog, 4, slices[k], 0, got, CAP);
        if (n != nref || memcmp(ref, got, n * sizeof *ref)) {
            diag("slice %u: %u quarters, differ", slices[k], n);
            same = 0;
        }
    }
    ok(same, "quarter energies bit-identical for slices of 1, 7, 64, 1000, 4410, random frames");

    unsigned n = quarters_sliced(44100, prog, 4, 0, 1, got, CAP);
    int finite = 1;
    for (unsigned k = 0; k < n; k++)
        finite &= isfinite(got[k]);
    ok(n == nref && finite && !memcmp(ref, got, n * sizeof *ref),
       "NaN and +-Inf samples count as zeros and never reach the filter state");

    /* the meter (kw + gate) gives identical readings however it is sliced */
    struct loudness_meter a, b;
    struct gen g;
    loudness_meter_init(&a, 48000);
    loudness_meter_init(&b, 48000);
    gen_init(&g, 48000, prog, 4, 1);
    float l[4801], r[4801];
    unsigned got_n;
    while ((got_n = gen_fill(&g, l, r, 4801)) > 0) {
        loudness_meter_process(&a, l, r, got_n);
        for (unsigned i = 0; i < got_n; i += 13)
            loudness_meter_process(&b, l + i, r + i, got_n - i < 13 ? got_n - i : 13);
    }
    ok(loudness_integrated(a.gate) == loudness_integrated(b.gate) &&
           loudness_lra(a.gate) == loudness_lra(b.gate) &&
           loudness_momentary_max(a.gate) == loudness_momentary_max(b.gate) &&
           loudness_short_term(a.gate) == loudness_short_term(b.gate) &&
           loudness_gate_quarters(a.gate) == 100,
       "meter readings identical for 4801- and 13-frame slices");
    loudness_meter_free(&a);
    loudness_meter_free(&b);
}

/* ---- the gate on its own: bounded, exact ---- */

static void test_gate(void)
{
    struct loudness_gate *g;
    ok(loudness_gate_create(&g) == 0 && g, "gate_create");
    ok(loudness_momentary(g) == -HUGE_VAL && loudness_short_term(g) == -HUGE_VAL &&
           loudness_integrated(g) == -HUGE_VAL && loudness_lra(g) == 0.0 &&
           loudness_momentary_max(g) == -HUGE_VAL && loudness_gate_quarters(g) == 0,
       "a fresh gate reads -inf LUFS and 0 LU");

    /* first quarters: missing ones count as silence, as in libebur128 */
    loudness_gate_add(g, 1.0);
    ok(fabs(loudness_momentary(g) - lufs_of(0.25)) < 1e-12 &&
           fabs(loudness_short_term(g) - lufs_of(1.0 / 30)) < 1e-12,
       "after one quarter M = energy/4, S = energy/30");
    loudness_gate_add(g, NAN);
    loudness_gate_add(g, -1.0);
    loudness_gate_add(g, INFINITY);
    ok(fabs(loudness_momentary(g) - lufs_of(0.25)) < 1e-12 &&
           fabs(loudness_integrated(g) - lufs_of(0.25)) < 1e-12,
       "NaN, negative and infinite quarters count as silence");

    /* two hours of synthetic quarters: programme level wandering between -45 and -5 LUFS,
     * jitter, quiet passages under both gates, digital silences */
    enum { N = 72000 };
    double *q = malloc(N * sizeof *q), *blk = malloc(N * sizeof *blk), *st = malloc(N * sizeof *st);
    if (!q || !blk || !st) bail("out of memory");
    uint64_t rng = 4242;
    double level = -23.0;
    for (int k = 0; k < N; k++) {
        level += 0.3 * rng_gauss(&rng);
        level = fmin(fmax(level, -45.0), -5.0);
        double l = level + 3.0 * rng_gauss(&rng);
        int phase = (k / 600) % 17;                         /* minute-long passages */
        if (phase == 5) l -= 30.0;                          /* under the relative gates */
        if (phase == 11) l = -75.0 + 5.0 * rng_gauss(&rng); /* around the absolute gate */
        q[k] = (phase == 13 && k % 600 < 200) ? 0.0 : energy_of(l);
    }
    loudness_gate_reset(g);
    size_t heap0 = heap_in_use();
    double mmax = 0.0, smax = 0.0, worst_ms = 0.0;
    for (int k = 0; k < N; k++) {
        loudness_gate_add(g, q[k]);
        double m = 0.0, s = 0.0;
        for (int j = 0; j < 30 && j <= k; j++)
            s += q[k - j], m += j < 4 ? q[k - j] : 0.0;
        m /= 4, s /= 30;
        mmax = fmax(mmax, m), smax = fmax(smax, s);
        blk[k] = m, st[k] = s;
        if (m > 0 && s > 0)
            worst_ms = fmax(worst_ms, fmax(fabs(loudness_momentary(g) - lufs_of(m)),
                                           fabs(loudness_short_term(g) - lufs_of(s))));
    }
    double gi = loudness_integrated(g), glra = loudness_lra(g);
    size_t heap1 = heap_in_use();
    ok(heap1 == heap0, "2 h of quarters and the readers allocate nothing (heap %zu -> %zu bytes)",
       heap0, heap1);
    ok(loudness_gate_quarters(g) == N, "72000 quarters counted");
    ok(worst_ms < 1e-9, "M and S equal the exact last-4 / last-30 means (%.2g LU)", worst_ms);
    ok(fabs(loudness_momentary_max(g) - lufs_of(mmax)) < 1e-9 &&
           fabs(loudness_short_term_max(g) - lufs_of(smax)) < 1e-9,
       "maxima exact");

    /* exact BS.1770-4 gating over the 71997 blocks */
    double sum = 0.0, sum2 = 0.0;
    size_t n = 0, n2 = 0;
    for (int k = 3; k < N; k++)
        if (lufs_of(blk[k]) > -70.0) sum += blk[k], n++;
    double gate = sum / (double)n * 0.1;
    for (int k = 3; k < N; k++)
        if (lufs_of(blk[k]) > -70.0 && blk[k] > gate) sum2 += blk[k], n2++;
    double xi = lufs_of(sum2 / (double)n2);
    double xlra = exact_lra(st + 29, N - 29);
    diag("2 h: integrated %.5f (exact %.5f, %zu of %zu blocks gated in), LRA %.4f (exact %.4f)", gi,
         xi, n2, n, glra, xlra);
    ok(fabs(gi - xi) <= 0.01, "2 h integrated within 0.01 LU of exact gating (%.2g)", gi - xi);
    ok(fabs(glra - xlra) <= 0.02, "2 h LRA within 0.02 LU of the exact percentiles (%.2g)",
       glra - xlra);

    /* blocks above +10 LUFS share the top bin but keep exact energies */
    loudness_gate_reset(g);
    for (int k = 0; k < 300; k++)
        loudness_gate_add(g, energy_of(k % 50 < 25 ? 25.0 : 14.0));
    sum = 0.0, n = 0;
    for (int k = 3; k < 300; k++) {
        double m = 0.0;
        for (int j = 0; j < 4; j++)
            m += energy_of((k - j) % 50 < 25 ? 25.0 : 14.0);
        sum += m / 4, n++;
    }
    xi = lufs_of(sum / (double)n);
    gi = loudness_integrated(g);
    ok(fabs(gi - xi) < 1e-9, "blocks above +10 LUFS: integrated %.6f exact (%.6f)", gi, xi);
    loudness_gate_destroy(g);
    free(q);
    free(blk);
    free(st);
}

int main(void)
{
    test_kweighting();
    test_quarter_timing();
    test_tech3341();
    test_tech3342();
    test_slicing();
    test_gate();
    test_libebur128();
    return done_testing();
}
