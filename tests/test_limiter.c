/* tests/test_limiter.c: the true-peak limiter against libebur128 (the ceiling), bit-exact
 * transparency, latency, gain, release, chunk invariance, NaN recovery and click-free moves. */
#include <ebur128.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/limiter.h"
#include "tests/ref_ebur128.h"
#include "tests/ref_ffmpeg.h"
#include "tests/ref_ideal_tp.h"
#include "tests/measure.h"
#include "tests/tap.h"

static void *xmalloc(size_t n)
{
    void *p = calloc(1, n);
    if (!p) bail("out of memory");
    return p;
}

static uint32_t rng_state = 987654321u;
static double urand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return (rng_state >> 8) * (1.0 / 16777216.0) * 2.0 - 1.0;
}

struct params {
    int on;
    float ceiling_db, release_ms, lookahead_ms, drive_db;
};

static const struct params defaults = {1, -1.0f, 50.0f, 1.5f, 0.0f};

/* A parameter change at frame `at` (a multiple of DSP_SUB). */
struct change {
    unsigned at;
    struct params p;
};

/* Run a fresh limiter over n frames (in place) in calls of `chunk` frames, split further at
 * the changes so that each is set at the same frame however the host slices. The input is
 * padded with latency frames of silence so that all of it comes out: l and r must hold
 * n + latency frames; on return they hold the output, aligned so that out[i] = in[i] when
 * transparent (the delay taken out). Returns the latency. */
static unsigned run(double rate, struct params p, const struct change *ch, unsigned nch, float *l,
                    float *r, unsigned n, unsigned chunk)
{
    static struct limiter lim;
    if (limiter_init(&lim, rate) < 0) bail("limiter_init failed");
    unsigned lat = limiter_latency(&lim);
    memset(l + n, 0, lat * sizeof *l);
    memset(r + n, 0, lat * sizeof *r);
    limiter_set(&lim, p.on, p.ceiling_db, p.release_ms, p.lookahead_ms, p.drive_db);
    limiter_reset(&lim); /* start on these parameters, not gliding to them */
    unsigned total = n + lat, c = 0;
    for (unsigned i = 0; i < total;) {
        while (c < nch && ch[c].at <= i) {
            limiter_set(&lim, ch[c].p.on, ch[c].p.ceiling_db, ch[c].p.release_ms,
                        ch[c].p.lookahead_ms, ch[c].p.drive_db);
            c++;
        }
        unsigned m = total - i < chunk ? total - i : chunk;
        if (c < nch && ch[c].at - i < m) m = ch[c].at - i;
        limiter_process(&lim, l + i, r + i, m);
        i += m;
    }
    limiter_free(&lim);
    memmove(l, l + lat, n * sizeof *l);
    memmove(r, r + lat, n * sizeof *r);
    return lat;
}

/* Torture signals, all peaking at or above full scale. */
enum { SIG_SQUARES, SIG_SWEEP, SIG_CLIPPED_NOISE, SIG_NEAR_NYQUIST, SIG_BURST, SIG_COUNT };
static const char *sig_names[] = {"square waves 0 dBFS", "log sweep, +12 dB drive",
                                  "clipped noise, +12 dB drive", "tones near Nyquist, +6 dB drive",
                                  "full-scale burst after silence"};
static const float sig_drive[] = {0, 12, 12, 6, 0};

static unsigned make_torture(int kind, double rate, float *l, float *r)
{
    unsigned n = (unsigned)(rate * 0.6);
    for (unsigned i = 0; i < n; i++) {
        double t = i / rate, a = 0, b = 0;
        switch (kind) {
        case SIG_SQUARES: { /* naive (aliased) squares, 0.15 s each: worst-case overshoots */
            static const double f[] = {100, 997, 3100, 7001};
            double fr = f[(unsigned)(t / 0.15) % 4];
            a = fmod(t * fr, 1.0) < 0.5 ? 1.0 : -1.0;
            b = fmod(t * fr + 0.25, 1.0) < 0.5 ? 1.0 : -1.0;
            break;
        }
        case SIG_SWEEP: {
            double T = n / rate, k = log(1000.0);
            double ph = 2 * M_PI * 20.0 * T / k * (exp(k * t / T) - 1);
            a = 0.9 * sin(ph);
            b = 0.9 * sin(ph + 1.0);
            break;
        }
        case SIG_CLIPPED_NOISE:
            a = 3 * urand();
            b = 3 * urand();
            a = a > 1 ? 1 : a < -1 ? -1 : a;
            b = b > 1 ? 1 : b < -1 ? -1 : b;
            break;
        case SIG_NEAR_NYQUIST: { /* 19.9, 21 and 21.5 kHz (where below rate/2), 0.2 s each */
            static const double f[] = {19900, 21000, 21500};
            double fr = f[(unsigned)(t / 0.2) % 3];
            a = sin(2 * M_PI * fr * t + 0.4);
            b = sin(2 * M_PI * fr * t + 2.0);
            break;
        }
        default: /* 0.3 s silence, then full-scale noise and a full-scale 1 kHz square */
            if (t >= 0.3) {
                a = urand() > 0 ? 1.0 : -1.0;
                b = fmod(t * 1000, 1.0) < 0.5 ? 1.0 : -1.0;
            }
            break;
        }
        l[i] = (float)a;
        r[i] = (float)b;
    }
    return n;
}

/* The promise: libebur128's true peak of the output <= ceiling. Also checks our own detector
 * on the output against the aimed level (ceiling - margin): what exceeds it is the gain's own
 * motion, which LIMITER_HOLD keeps small. */
static void test_ceiling(void)
{
    static const double rates[] = {44100, 48000, 96000};
    static const float ceilings[] = {-1.0f, -0.1f, -6.0f};
    double worst = -1e9, worst_own = -1e9;
    const char *worst_sig = "";
    double worst_rate = 0;
    float worst_c = 0;
    for (unsigned ri = 0; ri < 3; ri++) {
        unsigned cap = (unsigned)(rates[ri] * 0.7);
        float *l = xmalloc(cap * sizeof *l), *r = xmalloc(cap * sizeof *r);
        for (int kind = 0; kind < SIG_COUNT; kind++) {
            for (unsigned ci = 0; ci < 3; ci++) {
                unsigned n = make_torture(kind, rates[ri], l, r);
                struct params p = defaults;
                p.ceiling_db = ceilings[ci];
                p.drive_db = sig_drive[kind];
                run(rates[ri], p, NULL, 0, l, r, n, 256);
                double out = db(ref_true_peak(l, r, n, (unsigned)rates[ri]));
                double margin = out - ceilings[ci];
                ok(margin <= 0.0, "%.0f Hz, ceiling %.1f dBTP, %s: output %.3f dBTP (%+.3f dB)",
                   rates[ri], ceilings[ci], sig_names[kind], out, margin);
                if (margin > worst) {
                    worst = margin;
                    worst_sig = sig_names[kind];
                    worst_rate = rates[ri];
                    worst_c = ceilings[ci];
                }
                static struct truepeak tp;
                truepeak_init_fine(&tp, rates[ri], LIMITER_TP_RATE, LIMITER_TP_TAPS);
                truepeak_process(&tp, l, r, n, NULL);
                double own = db(truepeak_take_max(&tp)) - (ceilings[ci] - LIMITER_MARGIN_DB);
                worst_own = own > worst_own ? own : worst_own;
            }
        }
        free(l);
        free(r);
    }
    diag("worst output true peak re ceiling: %+.4f dB (%s, %.0f Hz, ceiling %.1f)", worst,
         worst_sig, worst_rate, worst_c);
    ok(worst_own <= 0.02,
       "the limiter's own detector on the outputs: at most %+.4f dB over the aimed level (gain "
       "motion)",
       worst_own);
}

/* Music-like test signal: lowpassed noise plus two tones, scaled so libebur128 reads
 * `tp_db` dBTP. */
static void make_music(float *l, float *r, unsigned n, double rate, double tp_db)
{
    double y1 = 0, y2 = 0;
    for (unsigned i = 0; i < n; i++) {
        y1 += 0.2 * (urand() - y1);
        y2 += 0.2 * (urand() - y2);
        l[i] = (float)(y1 + 0.3 * sin(2 * M_PI * 110 * i / rate));
        r[i] = (float)(y2 + 0.3 * sin(2 * M_PI * 2750 * i / rate + 1));
    }
    double g = pow(10, tp_db / 20) / ref_true_peak(l, r, n, (unsigned)rate);
    for (unsigned i = 0; i < n; i++) {
        l[i] = (float)(l[i] * g);
        r[i] = (float)(r[i] * g);
    }
}

/* Drive 0 dB and a true peak under the ceiling: the output is the input delayed, bit for bit. */
static void test_transparency(void)
{
    static const double rates[] = {44100, 48000, 96000, 192000};
    for (unsigned ri = 0; ri < 4; ri++) {
        unsigned n = (unsigned)rates[ri];
        float *l = xmalloc((n + 1000) * sizeof *l), *r = xmalloc((n + 1000) * sizeof *r);
        float *l0 = xmalloc(n * sizeof *l0), *r0 = xmalloc(n * sizeof *r0);
        make_music(l0, r0, n, rates[ri], -3.0);
        int same = 1;
        for (unsigned c = 0; c < 2; c++) {
            memcpy(l, l0, n * sizeof *l);
            memcpy(r, r0, n * sizeof *r);
            run(rates[ri], defaults, NULL, 0, l, r, n, c ? 7 : 64);
            same &= !memcmp(l, l0, n * sizeof *l) && !memcmp(r, r0, n * sizeof *r);
        }
        ok(same, "%.0f Hz: -3 dBTP music, ceiling -1, drive 0: output = input bit for bit",
           rates[ri]);
        free(l);
        free(r);
        free(l0);
        free(r0);
    }
}

/* An impulse comes out exactly limiter_latency() frames later, on and off. */
static void test_latency(void)
{
    static const double rates[] = {44100, 48000, 96000, 192000};
    static const unsigned expect[] = {88, 96, 192, 384};
    for (unsigned ri = 0; ri < 4; ri++) {
        static struct limiter lim;
        limiter_init(&lim, rates[ri]);
        unsigned lat = limiter_latency(&lim), n = 2000;
        int good = lat == expect[ri];
        for (int on = 1; on >= 0; on--) {
            float l[2000] = {0}, r[2000] = {0};
            l[500] = 0.5f;
            r[700] = -0.25f;
            limiter_set(&lim, on, -1, 50, 1.5f, 0);
            limiter_reset(&lim);
            for (unsigned i = 0; i < n; i += 37)
                limiter_process(&lim, l + i, r + i, n - i < 37 ? n - i : 37);
            for (unsigned i = 0; i < n; i++) {
                float el = i == 500 + lat ? 0.5f : 0.0f, er = i == 700 + lat ? -0.25f : 0.0f;
                good &= l[i] == el && r[i] == er;
            }
        }
        ok(good, "%.0f Hz: latency %u frames (expected %u), impulses exact, on and off", rates[ri],
           lat, expect[ri]);
        limiter_free(&lim);
    }
}

/* A 1 kHz sine whose driven true peak is 6 dB over the ceiling comes out 6 dB (plus the margin)
 * lower, and the meters say so. */
static void test_gain_reduction(void)
{
    const double rate = 48000;
    const unsigned n = 24000;
    float *l = xmalloc((n + 200) * sizeof *l), *r = xmalloc((n + 200) * sizeof *r);
    float *x = xmalloc(n * sizeof *x);
    double a = pow(10, -1.0 / 20);
    for (unsigned i = 0; i < n; i++)
        x[i] = l[i] = r[i] = (float)(a * sin(2 * M_PI * 1000 * i / rate + 0.3));
    static struct limiter lim;
    limiter_init(&lim, rate);
    limiter_set(&lim, 1, -1.0f, 50, 1.5f, 6.0f);
    limiter_reset(&lim);
    unsigned lat = limiter_latency(&lim);
    limiter_process(&lim, l, r, n);
    float gr = limiter_gr_db(&lim), grmax = limiter_take_max_gr_db(&lim);
    float gr_after = limiter_take_max_gr_db(&lim);
    double in = 0, out = 0; /* the last 0.25 s */
    for (unsigned i = n - 12000; i < n; i++) {
        in += (double)x[i - lat] * x[i - lat];
        out += (double)l[i] * l[i];
    }
    double change = 10 * log10(out / in) - 6.0; /* re the driven input */
    double want = -(6.0 + LIMITER_MARGIN_DB);
    double tp = db(ref_true_peak(l + n - 12000, r + n - 12000, 12000, (unsigned)rate));
    ok(fabs(change - want) < 0.1 && fabs(gr + want) < 0.1 && fabs(grmax + want) < 0.1 &&
           gr_after == 0.0f && tp <= -1.0 && tp > -1.0 - LIMITER_MARGIN_DB - 0.05,
       "sine 6 dB over: output %.3f dB re driven input (want %.2f), output %.3f dBTP; meters: "
       "GR %.3f dB, max %.3f dB, then %.1f after the take",
       change, want, tp, gr, grmax, gr_after);
    limiter_set(&lim, 0, -1.0f, 50, 1.5f, 6.0f);
    limiter_process(&lim, l, r, n);
    ok(limiter_gr_db(&lim) == 0.0f, "off: GR meter reads %.1f dB", limiter_gr_db(&lim));
    limiter_free(&lim);
    free(l);
    free(r);
    free(x);
}

/* Release: after a burst, the reduction depth 1 - g decays exponentially with time constant
 * release_ms. DC makes g visible sample by sample: output / input. */
static void test_release(void)
{
    static const float rel[] = {5, 50, 200, 1000};
    const double rate = 48000;
    for (unsigned k = 0; k < 4; k++) {
        unsigned burst = 4800, n = burst + (unsigned)(rate * rel[k] * 0.004) + 4800;
        float *l = xmalloc((n + 200) * sizeof *l), *r = xmalloc((n + 200) * sizeof *r);
        for (unsigned i = 0; i < n; i++)
            l[i] = r[i] = i < burst ? 2.0f : 0.1f;
        struct params p = defaults;
        p.release_ms = rel[k];
        run(rate, p, NULL, 0, l, r, n, 64);
        double d0 = 0;
        for (unsigned i = burst; i < n; i++)
            d0 = fmax(d0, 1 - l[i] / 0.1);
        /* crossings of d0/2, d0/2e and d0/2e^2: each interval is one time constant */
        double lv[3] = {d0 / 2, d0 / 2 / M_E, d0 / 2 / M_E / M_E};
        unsigned at[3] = {0, 0, 0};
        for (unsigned i = burst, j = 0; i < n && j < 3; i++)
            if (1 - l[i] / 0.1 <= lv[j]) at[j++] = i;
        double t1 = (at[1] - at[0]) * 1000.0 / rate, t2 = (at[2] - at[1]) * 1000.0 / rate;
        ok(at[2] && fabs(t1 / rel[k] - 1) < 0.15 && fabs(t2 / rel[k] - 1) < 0.15,
           "release %.0f ms: measured time constants %.2f and %.2f ms (from depth %.3f)", rel[k],
           t1, t2, d0);
        free(l);
        free(r);
    }
}

/* Everything identical bit for bit however the host slices, with parameters moving. */
static void test_chunk_invariance(void)
{
    static const unsigned chunks[] = {1, 7, 32, 64, 1000};
    static const double rates[] = {44100, 96000};
    for (unsigned ri = 0; ri < 2; ri++) {
        double rate = rates[ri];
        unsigned n = (unsigned)(rate * 0.6), sub = (unsigned)(rate * 0.05) / DSP_SUB * DSP_SUB;
        float *l0 = xmalloc(n * sizeof *l0), *r0 = xmalloc(n * sizeof *r0);
        float *lr = xmalloc((n + 400) * sizeof *lr), *rr = xmalloc((n + 400) * sizeof *rr);
        float *l = xmalloc((n + 400) * sizeof *l), *r = xmalloc((n + 400) * sizeof *r);
        for (unsigned i = 0; i < n; i++) {
            double t = i / rate;
            l0[i] = (float)(0.8 * sin(2 * M_PI * 440 * t) + 0.3 * urand());
            r0[i] = (float)(0.8 * sin(2 * M_PI * 7000 * t * (1 + t)) + 0.3 * urand());
        }
        struct change ch[] = {
            {1 * sub, {1, -3.0f, 50, 1.5f, 6}},  {2 * sub, {1, -3.0f, 50, 1.5f, 12}},
            {3 * sub, {1, -3.0f, 50, 0.3f, 12}}, {4 * sub, {1, -3.0f, 5, 0.3f, 12}},
            {5 * sub, {1, -0.5f, 5, 2.0f, 12}},  {6 * sub, {0, -0.5f, 5, 2.0f, 12}},
            {8 * sub, {1, -0.5f, 300, 2.0f, 3}}, {10 * sub, {1, -1.0f, 50, 1.0f, 0}},
        };
        struct params p = defaults;
        p.drive_db = 6;
        memcpy(lr, l0, n * sizeof *lr);
        memcpy(rr, r0, n * sizeof *rr);
        run(rate, p, ch, sizeof ch / sizeof ch[0], lr, rr, n, 1);
        int same = 1;
        for (unsigned c = 1; c < sizeof chunks / sizeof chunks[0]; c++) {
            memcpy(l, l0, n * sizeof *l);
            memcpy(r, r0, n * sizeof *r);
            run(rate, p, ch, sizeof ch / sizeof ch[0], l, r, n, chunks[c]);
            same &= !memcmp(l, lr, n * sizeof *l) && !memcmp(r, rr, n * sizeof *r);
        }
        ok(same,
           "%.0f Hz: output identical bit for bit for chunks 1, 7, 32, 64, 1000, with "
           "every parameter moving",
           rate);
        free(l0);
        free(r0);
        free(lr);
        free(rr);
        free(l);
        free(r);
    }
}

/* NaN and Inf on the input: the limiter recovers by itself (and a bad parameter is refused). */
static void test_nan(void)
{
    const double rate = 48000;
    const unsigned n = 96000, bad = 12000, quiet = 48000;
    float *l = xmalloc((n + 200) * sizeof *l), *r = xmalloc((n + 200) * sizeof *r);
    float *x = xmalloc(n * sizeof *x);
    for (unsigned i = 0; i < n; i++) {
        double s = sin(2 * M_PI * 500 * i / rate);
        x[i] = (float)(i < quiet ? s : 0.3 * s);
    }
    memcpy(l, x, n * sizeof *l);
    memcpy(r, x, n * sizeof *r);
    l[bad] = NAN;
    r[bad + 100] = INFINITY;
    l[bad + 300] = -INFINITY;
    for (unsigned i = bad + 1000; i < bad + 1100; i++)
        r[i] = NAN;
    struct params p = defaults;
    p.drive_db = 6;
    p.release_ms = 20;
    run(rate, p, NULL, 0, l, r, n, 64);
    int finite = 1;
    for (unsigned i = bad + 1100; i < n; i++)
        finite &= isfinite(l[i]) && isfinite(r[i]);
    double tp =
        db(ref_true_peak(l + bad + 4800, r + bad + 4800, quiet - bad - 4800, (unsigned)rate));
    /* the quiet part (drive +6 dB, so -4.5 dBTP, under the ceiling): exact again */
    int exact = 1;
    float g = dsp_db_to_lin(6.0f);
    for (unsigned i = quiet + 24000; i < n; i++)
        exact &= l[i] == x[i] * g && r[i] == l[i];
    ok(finite && tp <= -1.0 && exact,
       "NaN/Inf input: output finite after it, still limited (%.3f dBTP), and back to exact "
       "(drive only) once quiet",
       tp);

    static struct limiter lim;
    limiter_init(&lim, rate);
    int e1 = limiter_set(&lim, 1, NAN, 50, 1.5f, 0);
    int e2 = limiter_set(&lim, 1, -3.0f, INFINITY, 1.5f, 0);
    ok(e1 < 0 && e2 < 0 && lim.ceiling_db_t == -3.0f && lim.release_ms_t == 50.0f,
       "non-finite parameters are refused (%d, %d) and change nothing else", e1, e2);
    limiter_free(&lim);
    free(l);
    free(r);
    free(x);
}

/* Click-free parameter moves. The signal is a 200 Hz sine pair of amplitude A (x), so the output
 * is y = G x with G the total gain (drive, limiting, crossfade). By the product rule,
 * |D3 y| <= A (Gmax w^3 + 3 s w^2 + 6 s w + 4 s) where w = 2 pi f / fs and s bounds the per-frame
 * change of G. We call a move click-free if G never changes faster than a ramp across its whole
 * range Gmax in 1 ms (s = Gmax / (1 ms * fs)), the length of a DAW's de-click fade; that is the
 * bound B. A hard step of the same move puts |dG| |x| into one frame, several times B. */
static double max_d3(const float *y, unsigned from, unsigned to)
{
    double m = 0;
    for (unsigned i = from; i + 3 < to; i++) {
        double d = y[i + 3] - 3.0 * y[i + 2] + 3.0 * y[i + 1] - y[i];
        m = fabs(d) > m ? fabs(d) : m;
    }
    return m;
}

static void test_clicks(void)
{
    const double rate = 48000, f = 200, A = 0.5, w = 2 * M_PI * f / rate;
    const unsigned J = 24000, n = 48000;
    static const struct {
        const char *what;
        struct params a, b;
        int step_demo;
    } moves[] = {
        {"ceiling -1 -> -6 dBTP", {1, -1, 50, 1.5f, 9}, {1, -6, 50, 1.5f, 9}, 1},
        {"ceiling -6 -> -1 dBTP", {1, -6, 50, 1.5f, 9}, {1, -1, 50, 1.5f, 9}, 1},
        {"drive 0 -> 12 dB", {1, -1, 50, 1.5f, 0}, {1, -1, 50, 1.5f, 12}, 1},
        {"drive 12 -> 0 dB", {1, -1, 50, 1.5f, 12}, {1, -1, 50, 1.5f, 0}, 1},
        {"on -> off", {1, -1, 50, 1.5f, 9}, {0, -1, 50, 1.5f, 9}, 1},
        {"off -> on", {0, -1, 50, 1.5f, 9}, {1, -1, 50, 1.5f, 9}, 1},
        {"lookahead 2 -> 0.25 ms", {1, -1, 50, 2, 9}, {1, -1, 50, 0.25f, 9}, 0},
        {"lookahead 0.25 -> 2 ms", {1, -1, 50, 0.25f, 9}, {1, -1, 50, 2, 9}, 0},
        {"release 1000 -> 1 ms", {1, -1, 1000, 1.5f, 9}, {1, -1, 1, 1.5f, 9}, 0},
    };
    float *l = xmalloc((n + 200) * sizeof *l), *r = xmalloc((n + 200) * sizeof *r);
    float *la = xmalloc((n + 200) * sizeof *la), *ra = xmalloc((n + 200) * sizeof *ra);
    float *lb = xmalloc((n + 200) * sizeof *lb), *rb = xmalloc((n + 200) * sizeof *rb);
    double worst_ratio = 0, min_step_ratio = 1e9;
    for (unsigned m = 0; m < sizeof moves / sizeof moves[0]; m++) {
        /* cos: the move lands on a crest, where a step shows most */
        for (unsigned i = 0; i < n; i++) {
            la[i] = lb[i] = l[i] = (float)(A * cos(w * i));
            ra[i] = rb[i] = r[i] = (float)(A * cos(w * i + 0.5));
        }
        struct change ch = {J, moves[m].b};
        run(rate, moves[m].a, &ch, 1, l, r, n, 64);
        run(rate, moves[m].a, NULL, 0, la, ra, n, 64);
        run(rate, moves[m].b, NULL, 0, lb, rb, n, 64);
        double gmax = 0;
        for (unsigned i = n / 4; i < n; i++)
            gmax = fmax(gmax, fmax(fabs(la[i]), fabs(lb[i])) / A);
        double s = gmax / (0.001 * rate);
        double B = A * (gmax * w * w * w + 3 * s * w * w + 6 * s * w + 4 * s);
        double got = fmax(max_d3(l, J - 2000, n), max_d3(r, J - 2000, n));
        worst_ratio = fmax(worst_ratio, got / B);
        if (moves[m].step_demo) {
            /* the same move as a hard step: the old setting's output, then the new one's */
            for (unsigned i = J; i < n; i++) {
                la[i] = lb[i];
                ra[i] = rb[i];
            }
            double step = fmax(max_d3(la, J - 8, J + 8), max_d3(ra, J - 8, J + 8));
            min_step_ratio = fmin(min_step_ratio, step / B);
            ok(got <= B && step > 2 * B,
               "%s: max |D3 y| %.5f <= bound %.5f (%.0f %%); as a hard step %.4f (%.1fx the "
               "bound)",
               moves[m].what, got, B, 100 * got / B, step, step / B);
        } else {
            ok(got <= B, "%s: max |D3 y| %.5f <= bound %.5f (%.0f %%)", moves[m].what, got, B,
               100 * got / B);
        }
    }
    diag("clicks: worst move at %.0f %% of the bound; hard steps at >= %.1fx the bound",
         100 * worst_ratio, min_step_ratio);
    free(l);
    free(r);
    free(la);
    free(ra);
    free(lb);
    free(rb);
}

/* The gain starts to fall `lookahead` frames (plus the hold) before a peak, and the ramp is
 * linear: an isolated spike on a quiet DC. */
static void test_lookahead(void)
{
    const double rate = 48000;
    static const float la_ms[] = {0.25f, 1.0f, 1.5f, 2.0f};
    for (unsigned k = 0; k < 4; k++) {
        const unsigned n = 4800, at = 2400;
        float l[4800 + 200], r[4800 + 200];
        for (unsigned i = 0; i < n; i++)
            l[i] = r[i] = i == at ? 2.0f : 0.25f;
        struct params p = defaults;
        p.lookahead_ms = la_ms[k];
        p.release_ms = 1000;
        run(rate, p, NULL, 0, l, r, n, 64);
        unsigned first = 0;
        for (unsigned i = 0; i < n && !first; i++)
            if (l[i] != 0.25f) first = i;
        static struct limiter lim;
        limiter_init(&lim, rate);
        unsigned look = (unsigned)lround(la_ms[k] * 0.001 * rate);
        unsigned cap = limiter_latency(&lim) - truepeak_delay(&lim.tp) - LIMITER_HOLD;
        look = look < cap ? look : cap;
        limiter_free(&lim);
        /* the spike's interval, and the one after it, each need the reduction: the ramp ends
         * HOLD + 1 frames before the spike, and is `look` frames long */
        unsigned expect = at - LIMITER_HOLD - 1 - look + 1;
        ok(first == expect,
           "lookahead %.2f ms: gain starts to fall %u frames before the spike "
           "(expected %u = %u ramp + %u hold)",
           la_ms[k], at - first, at - expect, look, LIMITER_HOLD);
    }
}

/* Hard-limited material where the meters used to disagree: full-scale kick drum bursts (a
 * 150 -> 50 Hz pitch drop under a 150 ms decay, a clicky 3 ms noise attack, clipped) and clipped
 * pink noise (Kellet's filter; clipping puts energy up to Nyquist), +12 dB into the limiter at
 * the default ceiling, with the fastest release and attack (the gain then sits at the ceiling on
 * nearly every peak, so each meter's largest error shows) and the default release. Three meters:
 * libebur128 (a 49-tap Hann interpolator that over-read such material by up to 0.15 dB past the
 * ceiling before the limiter bounded its reading too), ffmpeg's ebur128 (libswresample) and the
 * near-ideal 32x reference. Each must read the ceiling or under it, within 0.05 dB. */
static void kick_bursts(float *l, float *r, unsigned n, double rate)
{
    for (unsigned i = 0; i < n; i++) {
        double t = fmod(i / rate, 0.25);
        double ph = 2 * M_PI * (50 * t + 100 * 0.02 * (1 - exp(-t / 0.02)));
        double v = exp(-t / 0.15) * sin(ph) + (t < 0.003 ? 0.5 * urand() * (1 - t / 0.003) : 0);
        l[i] = r[i] = (float)(v > 1 ? 1 : v < -1 ? -1 : v);
    }
}

static void clipped_pink(float *l, float *r, unsigned n)
{
    double b[2][7] = {{0}};
    for (unsigned i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            double w = urand(), *x = b[c];
            x[0] = 0.99886 * x[0] + w * 0.0555179;
            x[1] = 0.99332 * x[1] + w * 0.0750759;
            x[2] = 0.96900 * x[2] + w * 0.1538520;
            x[3] = 0.86650 * x[3] + w * 0.3104856;
            x[4] = 0.55000 * x[4] + w * 0.5329522;
            x[5] = -0.7616 * x[5] - w * 0.0168980;
            double v = 0.44 * (x[0] + x[1] + x[2] + x[3] + x[4] + x[5] + x[6] + w * 0.5362);
            x[6] = w * 0.115926;
            (c ? r : l)[i] = (float)(v > 1 ? 1 : v < -1 ? -1 : v);
        }
}

static void test_meters_agree(void)
{
    static const double rates[] = {44100, 48000, 96000};
    static const float releases[] = {1.0f, 50.0f};
    const float ceiling = -1.0f, tol = 0.05f;
    for (unsigned ri = 0; ri < 3; ri++) {
        unsigned n = (unsigned)(rates[ri] * (rates[ri] > 50000 ? 0.25 : 0.5)); /* 2 kicks */
        float *l = xmalloc((n + 1024) * sizeof *l), *r = xmalloc((n + 1024) * sizeof *r);
        for (int kind = 0; kind < 2; kind++)
            for (unsigned k = 0; k < 2; k++) {
                if (kind == 0)
                    kick_bursts(l, r, n, rates[ri]);
                else
                    clipped_pink(l, r, n);
                struct params p = {1, ceiling, releases[k], 0.25f, 12.0f};
                run(rates[ri], p, NULL, 0, l, r, n, 256);
                double e = db(ref_true_peak(l, r, n, (unsigned)rates[ri]));
                double f = db(ref_ffmpeg_true_peak(l, r, n, (unsigned)rates[ri]));
                double il = ideal_tp(l, n), ir = kind == 0 ? il : ideal_tp(r, n);
                double id = db(il > ir ? il : ir);
                ok(e <= ceiling + tol && f <= ceiling + tol && id <= ceiling + tol,
                   "%.0f Hz, %s, release %.0f ms, attack 0.25 ms, +12 dB into %.1f dBTP: "
                   "libebur128 %.3f, ffmpeg %.3f, 32x reference %.3f dBTP",
                   rates[ri], kind ? "clipped pink noise" : "kick bursts", releases[k], ceiling, e,
                   f, id);
            }
        free(l);
        free(r);
    }
}

int main(void)
{
    test_ceiling();
    test_transparency();
    test_latency();
    test_gain_reduction();
    test_release();
    test_chunk_invariance();
    test_nan();
    test_clicks();
    test_lookahead();
    test_meters_agree();
    return done_testing();
}
