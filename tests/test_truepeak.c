/* tests/test_truepeak.c: the true-peak detector against EBU Tech 3341, libebur128, analytic sine
 * peaks and the BS.1770-4 Annex 2 filter's own accuracy. */
#include <ebur128.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/truepeak.h"
#include "tests/ref_ebur128.h"
#include "tests/ref_ideal_tp.h"
#include "tests/measure.h"
#include "tests/tap.h"

/* Ours, fed in calls of `chunk` frames, plus a tail of silence to flush the group delay. */
static double our_tp(const float *l, const float *r, size_t n, double rate, unsigned chunk)
{
    static struct truepeak tp;
    static const float zero[64];
    truepeak_init(&tp, rate);
    for (size_t i = 0; i < n; i += chunk) {
        unsigned m = (unsigned)(n - i < chunk ? n - i : chunk);
        truepeak_process(&tp, l + i, r + i, m, NULL);
    }
    truepeak_process(&tp, zero, zero, 64, NULL);
    return truepeak_take_max(&tp);
}

/* A small deterministic generator (xorshift), so the test is the same on every machine. */
static uint32_t rng_state = 12345u;
static double urand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return (rng_state >> 8) * (1.0 / 16777216.0) * 2.0 - 1.0;
}

/* A 10 ms raised-cosine fade in and out. A signal that starts with a step has a real
 * inter-sample overshoot there (the step's Gibbs ringing, which every true-peak meter reads, up
 * to ~9 % of the step): that is the step's peak, not the tone's, so the test signals fade. */
static double fade(unsigned i, unsigned n, double rate)
{
    unsigned f = (unsigned)(rate * 0.01);
    if (i < f) return 0.5 - 0.5 * cos(M_PI * i / f);
    if (n - 1 - i < f) return 0.5 - 0.5 * cos(M_PI * (n - 1 - i) / f);
    return 1.0;
}

/* EBU Tech 3341 cases 15-19 (in-phase stereo sine, 48 kHz). */
static void test_tech3341(void)
{
    static const struct {
        int num;
        double div, amp, phase_deg, expect_db;
    } cases[] = {
        {15, 4, 0.50, 0.0, -6.0},  {16, 4, 0.50, 45.0, -6.0}, {17, 6, 0.50, 60.0, -6.0},
        {18, 8, 0.50, 67.5, -6.0}, {19, 4, 1.41, 45.0, 3.0},
    };
    const unsigned rate = 48000, n = rate;
    float *x = malloc(n * sizeof *x);
    for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (unsigned i = 0; i < n; i++)
            x[i] = (float)(fade(i, n, rate) * cases[c].amp *
                           sin(2 * M_PI * i / cases[c].div + cases[c].phase_deg * M_PI / 180));
        double got = db(our_tp(x, x, n, rate, 1000));
        double err = got - cases[c].expect_db;
        ok(err <= 0.2 && err >= -0.4, "Tech 3341 case %d: %.3f dBTP (expected %.1f +0.2/-0.4)",
           cases[c].num, got, cases[c].expect_db);
    }
    free(x);
}

/* Sines with analytic peak A: the reading lies between A * cos(pi f / (L fs)) (the grid of
 * oversampled points can straddle the crest) less the filter's error, and A plus its error
 * (<= 0.0046 up to 0.417 fs, see test_filter_vs_annex2). */
static void test_sines_analytic(void)
{
    static const double rates[] = {44100, 48000, 96000, 192000};
    for (unsigned ri = 0; ri < 4; ri++) {
        double rate = rates[ri];
        unsigned factor = rate < 88000 ? 4 : rate < 176000 ? 2 : 1;
        unsigned n = (unsigned)(rate / 10);
        float *x = malloc(n * sizeof *x);
        double worst_hi = -1, worst_lo = 1;
        int bad = 0;
        for (double f = 50; f <= 16000; f *= 1.37) {
            double ph = urand() * M_PI, a = 0.7;
            for (unsigned i = 0; i < n; i++)
                x[i] = (float)(fade(i, n, rate) * a * sin(2 * M_PI * f * i / rate + ph));
            double got = our_tp(x, x, n, rate, 64) / a;
            double lo = cos(M_PI * f / (factor * rate)) * (1 - 0.005);
            double hi = 1 + 0.005;
            if (db(got) > worst_hi) worst_hi = db(got);
            if (db(got) - db(lo) < worst_lo) worst_lo = db(got) - db(lo);
            if (got > hi || got < lo) bad++;
        }
        ok(!bad,
           "%.0f Hz: sines 50 Hz-16 kHz read within [A cos(pi f/(L fs)), A] +-0.005: "
           "highest %+.4f dB re A, lowest %.4f dB above the lower bound",
           rate, worst_hi, worst_lo);
        free(x);
    }
}

/* Fill l, r with test signal `kind` (0..6), faded in and out; returns its name. */
static const char *make_signal(int kind, float *l, float *r, unsigned n, unsigned rate)
{
    static const char *names[] = {"noise band-limited to 0.4 fs",
                                  "lowpassed noise",
                                  "log sweep 20 Hz-20 kHz",
                                  "19.9 kHz tone",
                                  "21 kHz tone",
                                  "21.5 kHz tone",
                                  "Nyquist - 1 kHz tone"};
    /* 0.4 fs lowpass for kind 0: 63-tap Blackman-windowed sinc (stopband > 70 dB from 0.45 fs) */
    double h[63], y1 = 0, y2 = 0, wl[63] = {0}, wr[63] = {0};
    for (int k = 0; k < 63; k++) {
        double d = k - 31, w = 0.42 - 0.5 * cos(2 * M_PI * k / 62) + 0.08 * cos(4 * M_PI * k / 62);
        h[k] = w * (d == 0 ? 0.8 : sin(0.8 * M_PI * d) / (M_PI * d));
    }
    for (unsigned i = 0; i < n; i++) {
        double t = (double)i / rate, a, b;
        switch (kind) {
        case 0:
            memmove(wl + 1, wl, 62 * sizeof *wl);
            memmove(wr + 1, wr, 62 * sizeof *wr);
            wl[0] = 0.4 * urand();
            wr[0] = 0.4 * urand();
            a = b = 0;
            for (int k = 0; k < 63; k++) {
                a += h[k] * wl[k];
                b += h[k] * wr[k];
            }
            break;
        case 1: /* one-pole at ~2 kHz: a music-like spectrum */
            y1 += 0.25 * (urand() - y1);
            y2 += 0.25 * (urand() - y2);
            a = y1, b = y2;
            break;
        case 2: {
            double T = (double)n / rate, k = log(1000.0);
            double ph = 2 * M_PI * 20.0 * T / k * (exp(k * t / T) - 1);
            a = 0.5 * sin(ph);
            b = 0.5 * cos(ph);
            break;
        }
        case 3:
            a = b = 0.5 * sin(2 * M_PI * 19900 * t + 0.3);
            break;
        case 4:
            a = b = 0.5 * sin(2 * M_PI * 21000 * t + 0.3);
            break;
        case 5:
            a = 0.5 * sin(2 * M_PI * 21500 * t + 0.3);
            b = 0.5 * sin(2 * M_PI * 21500 * t + 1.7);
            break;
        default:
            a = b = 0.5 * sin(2 * M_PI * (rate / 2.0 - 1000) * t + 0.3);
            break;
        }
        double e = fade(i, n, rate);
        l[i] = (float)(e * a);
        r[i] = (float)(e * b);
    }
    return names[kind];
}

/* Agreement with libebur128 within 0.2 dB on noise, sweeps and near-Nyquist tones. */
static void test_vs_libebur128(void)
{
    static const unsigned rates[] = {44100, 48000, 96000};
    for (unsigned ri = 0; ri < 3; ri++) {
        unsigned rate = rates[ri], n = rate;
        float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
        double worst = 0;
        const char *worst_name = "";
        for (int kind = 0; kind < 7; kind++) {
            const char *name = make_signal(kind, l, r, n, rate);
            double ours = db(our_tp(l, r, n, rate, 256)), ref = db(ref_true_peak(l, r, n, rate));
            double d = ours - ref;
            ok(fabs(d) <= 0.2, "%u Hz, %s: ours %.3f dBTP, libebur128 %.3f (diff %+.3f dB)", rate,
               name, ours, ref, d);
            if (fabs(d) > fabs(worst)) {
                worst = d;
                worst_name = name;
            }
        }
        diag("%u Hz: worst difference from libebur128 %+.3f dB (%s)", rate, worst, worst_name);
        free(l);
        free(r);
    }
}

/* White noise (flat to Nyquist) is where 4x meters differ most, because each interpolator
 * attenuates differently near fs/2 (so the libebur128 comparison above uses noise band-limited
 * to 0.4 fs). Reference: a near-ideal interpolator (32x, Kaiser beta 12 over +-64 input
 * samples, tests/ref_ideal_tp.h). Ours must be the closer of the two meters, and within 1 dB (4x
 * meters under-read white noise by design: the 4x grid and the interpolators' roll-off near fs/2).
 */
static void test_white_noise_vs_ideal(void)
{
    const unsigned rate = 48000, n = rate / 8;
    float *x = malloc(n * sizeof *x);
    for (unsigned i = 0; i < n; i++)
        x[i] = (float)(fade(i, n, rate) * 0.3 * urand());
    double ideal = db(ideal_tp(x, n)), ours = db(our_tp(x, x, n, rate, 64));
    double ref = db(ref_true_peak(x, x, n, rate));
    ok(fabs(ours - ideal) < fabs(ref - ideal) && fabs(ours - ideal) < 1.0,
       "white noise: ideal %.3f dBTP, ours %.3f (%+.3f), libebur128 %.3f (%+.3f)", ideal, ours,
       ours - ideal, ref, ref - ideal);
    free(x);
}

/* Bit-exact results however the host slices the frames. */
static void test_chunk_invariance(void)
{
    static const unsigned chunks[] = {1, 7, 32, 64, 65, 1000};
    static const double rates[] = {44100, 96000};
    for (unsigned ri = 0; ri < 2; ri++) {
        const unsigned n = 5000;
        float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
        float *ref = malloc(n * sizeof *ref), *got = malloc(n * sizeof *got);
        for (unsigned i = 0; i < n; i++) {
            l[i] = (float)(0.9 * urand());
            r[i] = (float)(0.9 * urand());
        }
        static struct truepeak tp;
        truepeak_init(&tp, rates[ri]);
        truepeak_process(&tp, l, r, n, ref);
        float mref = truepeak_take_max(&tp);
        int same = 1;
        for (unsigned c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            truepeak_reset(&tp);
            for (unsigned i = 0; i < n; i += chunks[c]) {
                unsigned m = n - i < chunks[c] ? n - i : chunks[c];
                truepeak_process(&tp, l + i, r + i, m, got + i);
            }
            same &= memcmp(ref, got, n * sizeof *got) == 0 && truepeak_take_max(&tp) == mref;
        }
        ok(same,
           "%.0f Hz: peak_out and max identical bit for bit for chunks 1, 7, 32, 64, 65, "
           "1000",
           rates[ri]);
        free(l);
        free(r);
        free(ref);
        free(got);
    }
}

/* An impulse at frame 100 shows at peak_out[100 + delay] as exactly its value (the identity
 * phase), and nothing earlier. */
static void test_delay(void)
{
    static const double rates[] = {48000, 96000, 192000};
    for (unsigned ri = 0; ri < 3; ri++) {
        static struct truepeak tp;
        float x[200] = {0}, z[200] = {0}, pk[200];
        x[100] = 0.75f;
        truepeak_init(&tp, rates[ri]);
        truepeak_process(&tp, x, z, 200, pk);
        unsigned d = truepeak_delay(&tp), first = 200, at_max = 0;
        for (unsigned i = 0; i < 200; i++) {
            if (pk[i] > 0 && first == 200) first = i;
            if (pk[i] > pk[at_max]) at_max = i;
        }
        unsigned expect_d = rates[ri] < 88000    ? TRUEPEAK_TAPS_4X / 2 - 1
                            : rates[ri] < 176000 ? TRUEPEAK_TAPS_2X / 2 - 1
                                                 : 0;
        ok(d == expect_d && at_max == 100 + d && pk[at_max] == 0.75f && first + 1 >= 100 &&
               first <= 100 + d,
           "%.0f Hz: delay %u frames; impulse read %.4f at %u, first non-zero at %u", rates[ri], d,
           pk[at_max], at_max, first);
    }
}

/* The filter's claimed accuracy, computed from the coefficients the detector actually uses, next
 * to the BS.1770-4 Annex 2 table (4 phases of 12; phase p is the point at (p - 23.5) / 4 + k
 * input samples after tap k). Error = worst phase |H(w) - e^{-jwd}|. */
static const double annex2[4][12] = {
    {0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875,
     0.1373291015625, 0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250,
     0.0148925781250, -0.0083007812500},
    {-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500,
     0.4650878906250, 0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625,
     0.0330810546875, -0.0189208984375},
    {-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000, -0.2003173828125,
     0.7797851562500, 0.4650878906250, -0.1665039062500, 0.0891113281250, -0.0517578125000,
     0.0292968750000, -0.0291748046875},
    {-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750, -0.1022949218750,
     0.9721679687500, 0.1373291015625, -0.0594482421875, 0.0332031250000, -0.0196533203125,
     0.0109863281250, 0.0017089843750},
};

static double phase_err(const float *c, unsigned ntap, double w, double d0, double dstep)
{
    double re = 0, im = 0;
    for (unsigned k = 0; k < ntap; k++) {
        double d = d0 + dstep * k;
        re += c[k] * cos(w * d);
        im -= c[k] * sin(w * d);
    }
    return hypot(re - 1, im);
}

/* Worst-phase error of the detector's fractional phases at f (cycles per input sample). */
static double our_err(const struct truepeak *tp, double f)
{
    double e = 0, w = 2 * M_PI * f;
    for (unsigned p = 0; p + 1 < tp->factor; p++) {
        /* tap k is input m + k - delay; the point is at m + (p + 1) / factor */
        double d0 = (double)(p + 1) / tp->factor + tp->delay;
        double x = phase_err(tp->coef + p * tp->taps, tp->taps, w, d0, -1);
        e = x > e ? x : e;
    }
    return e;
}

static void test_filter_vs_annex2(void)
{
    static struct truepeak tp;
    truepeak_init(&tp, 48000);
    float an[4][12];
    for (int p = 0; p < 4; p++)
        for (int k = 0; k < 12; k++)
            an[p][k] = (float)annex2[p][k];
    double ours_max = 0, annex_max = 0, ours_20k = 0, annex_20k = 0, ours_044 = 0;
    int worse = 0;
    double first_worse = 0;
    for (int i = 1; i <= 950; i++) {
        double f = 0.5 * i / 1000, w = 2 * M_PI * f; /* f in units of the input rate */
        double eo = our_err(&tp, f), ea = 0;
        for (unsigned p = 0; p < 4; p++) {
            double e = phase_err(an[p], 12, w, (p - 23.5) / 4.0, 1);
            ea = e > ea ? e : ea;
        }
        ours_max = eo > ours_max ? eo : ours_max;
        annex_max = ea > annex_max ? ea : annex_max;
        if (f <= 20000.0 / 48000 + 1e-9) {
            ours_20k = ours_max;
            annex_20k = annex_max;
        }
        if (f <= 0.44 + 1e-9) ours_044 = ours_max;
        if (eo > ea && !worse) {
            worse = 1;
            first_worse = f;
        }
    }
    ok(!worse,
       "4x: interpolation error below Annex 2's at every frequency up to 0.475 fs (first "
       "worse at %.4f fs, 0 = none)",
       first_worse);
    ok(ours_20k <= 0.0046 && ours_044 <= 0.008,
       "4x: worst-phase error %.4f up to 20 kHz at 48 kHz (Annex 2: %.4f), %.4f up to 0.44 fs",
       ours_20k, annex_20k, ours_044);

    truepeak_init(&tp, 96000);
    double e2 = 0;
    for (int i = 1; i <= 907; i++) {
        double e = our_err(&tp, 0.5 * i / 1000);
        e2 = e > e2 ? e : e2;
    }
    ok(tp.factor == 2 && e2 <= 0.0066, "2x: worst-phase error %.4f up to 0.4535 fs (43.5 kHz)", e2);
}

/* The running max, its reset by take, and recovery from non-finite input. */
static void test_max_and_nan(void)
{
    static struct truepeak tp;
    float x[768], z[256] = {0}, pk[256];
    truepeak_init(&tp, 48000);
    for (unsigned i = 0; i < 768; i++)
        x[i] = (float)(0.25 * sin(i * 0.05));
    truepeak_process(&tp, x, z, 256, NULL);
    float m1 = truepeak_take_max(&tp), m2 = truepeak_take_max(&tp);
    ok(fabsf(m1 - 0.25f) < 0.002f && m2 == 0.0f, "take_max %.4f then %.4f after the take", m1, m2);

    x[256 + 10] = NAN;
    x[256 + 20] = INFINITY;
    truepeak_process(&tp, x + 256, z, 256, pk);
    int finite_after = 1;
    for (unsigned i = 20 + TRUEPEAK_TAPS_MAX + 1; i < 256; i++)
        finite_after &= isfinite(pk[i]) && pk[i] <= 0.2505f;
    float m3 = truepeak_take_max(&tp);
    ok(finite_after && isinf(m3),
       "NaN/Inf input: peaks finite and right again %d frames later; running max %g (the Inf; "
       "NaN never wins)",
       TRUEPEAK_TAPS_MAX + 1, m3);
    truepeak_process(&tp, x + 512, z, 256, NULL);
    float m4 = truepeak_take_max(&tp);
    ok(fabsf(m4 - 0.25f) < 0.002f, "and the next take reads %.4f", m4);
}

/* truepeak_init_meter is libebur128's interpolator, point for point: on white noise (the most
 * near-Nyquist content, where interpolators differ most) and on tones near fs/3 and 0.47 fs, at
 * each of its factors, its reading equals libebur128's to float precision. */
static void test_meter_is_libebur128(void)
{
    static const double rates[] = {44100, 48000, 96000, 192000};
    const unsigned n = 20000;
    float *l = malloc(n * sizeof *l), *r = malloc(n * sizeof *r);
    for (unsigned ri = 0; ri < 4; ri++)
        for (int kind = 0; kind < 3; kind++) {
            double f = (kind == 0 ? 0.33 : 0.47) * rates[ri];
            for (unsigned i = 0; i < n; i++) {
                l[i] = kind == 2 ? (float)(0.7 * urand())
                                 : (float)(0.8 * sin(2 * M_PI * f * i / rates[ri] + 0.3));
                r[i] = (float)(0.5 * urand());
            }
            static struct truepeak tp;
            truepeak_init_meter(&tp, rates[ri]);
            truepeak_process(&tp, l, r, n, NULL);
            double ours = truepeak_take_max(&tp), ref = ref_true_peak(l, r, n, (unsigned)rates[ri]);
            ok(fabs(db(ours / ref)) < 1e-5,
               "meter interpolator at %.0f Hz, %s: %.7f, libebur128 %.7f", rates[ri],
               kind == 2 ? "white noise"
               : kind    ? "tone at 0.47 fs"
                         : "tone at 0.33 fs",
               ours, ref);
        }
    free(l);
    free(r);
}

int main(void)
{
    test_tech3341();
    test_sines_analytic();
    test_vs_libebur128();
    test_white_noise_vs_ideal();
    test_chunk_invariance();
    test_delay();
    test_filter_vs_annex2();
    test_max_and_nan();
    test_meter_is_libebur128(); /* last: it draws from urand, which the cases above replay */
    return done_testing();
}
