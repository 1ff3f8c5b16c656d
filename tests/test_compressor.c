/* tests/test_compressor.c: the compressor against Giannoulis-Massberg-Reiss's static curve and
 * time constants; link, sidechain, bypass, chunk invariance, NaN recovery, denormals, clicks. */
#include "dsp/compressor.h"
#include "tests/tap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000.0

static struct compressor_params base_params(void)
{
    struct compressor_params p = {
        .on = 1,
        .threshold_db = -20.0f,
        .ratio = 4.0f,
        .knee_db = 0.0f,
        .attack_ms = 1.0f,
        .release_ms = 50.0f,
        .makeup_db = 0.0f,
        .detector = COMPRESSOR_PEAK,
        .link = 1.0f,
        .sc_hpf_on = 0,
        .sc_hpf_hz = 100.0f,
    };
    return p;
}

static float *alloc_floats(size_t n)
{
    float *x = calloc(n, sizeof *x);
    if (!x) bail("out of memory");
    return x;
}

/* The static gain (dB, makeup included) of G&R eq. 4, written out independently of the unit:
 * output level y for input level x, threshold T, ratio R, knee width W. */
static double expected_gain_db(double x, double T, double R, double W, double M)
{
    double y;
    if (2.0 * (x - T) < -W)
        y = x;
    else if (W > 0.0 && 2.0 * fabs(x - T) <= W)
        y = x + (1.0 / R - 1.0) * (x - T + W / 2.0) * (x - T + W / 2.0) / (2.0 * W);
    else
        y = T + (x - T) / R;
    return y - x + M;
}

/* Run n frames in slices of `chunk`. */
static void run(struct compressor *c, float *l, float *r, const float *kl, const float *kr,
                size_t n, unsigned chunk)
{
    for (size_t i = 0; i < n; i += chunk) {
        unsigned m = (unsigned)(n - i < chunk ? n - i : chunk);
        compressor_process(c, l + i, r + i, kl ? kl + i : NULL, kr ? kr + i : NULL, m);
    }
}

static uint32_t rng_next(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static float rng_uniform(uint32_t *s) /* -1 .. 1 */
{
    return (float)((double)(rng_next(s) >> 8) / 8388608.0 - 1.0);
}

/* ---- static curve ---------------------------------------------------------------------- */

/* Steady signals at -80 .. 0 dB in 1 dB steps. Peak: a DC key (peak = level). RMS: a 1 kHz
 * sine whose RMS is the level (the detector's 10 ms mean square ripples +-0.035 dB at 2 kHz;
 * the gain is measured as the RMS ratio over 100 whole periods). */
static void test_static_curve(void)
{
    static const float knees[] = {0.0f, 6.0f, 12.0f}, ratios[] = {2.0f, 4.0f, 20.0f};
    static const float thrs[] = {-40.0f, -12.0f};
    enum { NP = 4800, NR = 14400, MEAS = 4800 };
    float *l = alloc_floats(NR), *r = alloc_floats(NR), *unit = alloc_floats(NR);
    for (unsigned i = 0; i < NR; i++)
        unit[i] = (float)(M_SQRT2 * sin(2.0 * M_PI * 1000.0 * i / RATE));

    for (int det = 0; det < 2; det++) {
        double worst = 0.0;
        char where[160] = "";
        for (unsigned ki = 0; ki < 3; ki++)
            for (unsigned ri = 0; ri < 3; ri++)
                for (unsigned ti = 0; ti < 2; ti++) {
                    struct compressor_params p = base_params();
                    p.detector = det;
                    p.knee_db = knees[ki];
                    p.ratio = ratios[ri];
                    p.threshold_db = thrs[ti];
                    p.makeup_db = (float)(3 * ri + 2 * ti); /* 0 .. 8 dB */
                    p.release_ms = 20.0f;
                    for (int lvl = -80; lvl <= 0; lvl++) {
                        double a = pow(10.0, lvl / 20.0), meas;
                        struct compressor c;
                        compressor_init(&c, RATE);
                        compressor_set(&c, &p);
                        if (det == COMPRESSOR_PEAK) {
                            for (unsigned i = 0; i < NP; i++)
                                l[i] = r[i] = (float)a;
                            run(&c, l, r, NULL, NULL, NP, 64);
                            meas = 20.0 * log10(l[NP - 1] / a);
                        } else {
                            for (unsigned i = 0; i < NR; i++)
                                l[i] = r[i] = (float)(a * unit[i]);
                            run(&c, l, r, NULL, NULL, NR, 64);
                            double so = 0.0, si = 0.0;
                            for (unsigned i = NR - MEAS; i < NR; i++) {
                                so += (double)l[i] * l[i];
                                si += a * unit[i] * a * unit[i];
                            }
                            meas = 10.0 * log10(so / si);
                        }
                        double want =
                            expected_gain_db(lvl, p.threshold_db, p.ratio, p.knee_db, p.makeup_db);
                        double err = fabs(meas - want);
                        if (err > worst || isnan(err)) {
                            worst = isnan(err) ? INFINITY : err;
                            snprintf(where, sizeof where,
                                     "level %d T %g R %g W %g M %g: %.4f dB, want %.4f", lvl,
                                     p.threshold_db, p.ratio, p.knee_db, p.makeup_db, meas, want);
                        }
                    }
                }
        diag("%s detector, worst static error %.5f dB at %s", det ? "RMS" : "peak", worst, where);
        ok(worst <= 0.1,
           "%s detector: static curve within 0.1 dB of G&R eq. 4 (knee 0/6/12, "
           "ratio 2/4/20, threshold -40/-12, with makeup)",
           det ? "RMS" : "peak");
    }

    /* Ratio 1 and no makeup: on, yet transparent bit for bit (2^0 is exactly 1). */
    struct compressor c;
    struct compressor_params p = base_params();
    p.ratio = 1.0f;
    p.knee_db = 6.0f;
    p.detector = COMPRESSOR_RMS;
    compressor_init(&c, RATE);
    compressor_set(&c, &p);
    uint32_t seed = 7;
    for (unsigned i = 0; i < NR; i++)
        unit[i] = l[i] = r[i] = rng_uniform(&seed);
    run(&c, l, r, NULL, NULL, NR, 100);
    ok(!memcmp(l, unit, NR * sizeof *l) && !memcmp(r, unit, NR * sizeof *r),
       "ratio 1, makeup 0: output equals input bit for bit");
    free(l);
    free(r);
    free(unit);
}

/* ---- time constants -------------------------------------------------------------------- */

/* Peak detector, DC key stepping between -40 dB (below the -20 dB hard-knee threshold) and 0 dB
 * (gain reduction 15 dB at ratio 4); audio 1.0, so the output is the gain. The time constant is
 * the time from the step to the first frame where the gain reduction has covered 1 - 1/e of
 * the step (a one-pole per sample reaches it at ceil(tau * rate) frames). */
static double measure_tc(double rate, float att_ms, float rel_ms, int release)
{
    struct compressor c;
    struct compressor_params p = base_params();
    p.attack_ms = att_ms;
    p.release_ms = rel_ms;
    compressor_init(&c, rate);
    compressor_set(&c, &p);

    double tau = (release ? rel_ms : att_ms) * 0.001;
    size_t pre = release ? (size_t)(rate * (0.2 + 40.0 * att_ms * 0.001)) + 13 : 10007;
    size_t n = pre + (size_t)(rate * tau * 3.0) + 64;
    float *l = alloc_floats(n), *r = alloc_floats(n), *k = alloc_floats(n);
    float lo = 0.01f, hi = 1.0f;
    for (size_t i = 0; i < n; i++) {
        l[i] = r[i] = 1.0f;
        k[i] = (i < pre) == !release ? lo : hi;
    }
    run(&c, l, r, k, k, n, 256);

    double full = 15.0, start = -20.0 * log10(l[pre - 1]);
    double goal = release ? full / M_E : full * (1.0 - 1.0 / M_E);
    if (fabs(start - (release ? full : 0.0)) > 0.01) {
        diag("not settled before the step: %.4f dB", start);
        free(l), free(r), free(k);
        return INFINITY;
    }
    size_t i = pre;
    for (; i < n; i++) {
        double gr = -20.0 * log10(l[i]);
        if (release ? gr <= goal : gr >= goal) break;
    }
    free(l), free(r), free(k);
    return (double)(i - pre + 1) / rate;
}

static void test_time_constants(void)
{
    static const double rates[] = {44100.0, 48000.0, 192000.0};
    static const float atts[] = {0.5f, 1.0f, 10.0f, 50.0f}, rels[] = {5.0f, 50.0f, 200.0f, 1000.0f};
    for (unsigned ri = 0; ri < 3; ri++) {
        double worst = 0.0, rate = rates[ri];
        for (unsigned i = 0; i < 4; i++) {
            double t = measure_tc(rate, atts[i], 50.0f, 0), e = t / (atts[i] * 0.001) - 1.0;
            diag("%.0f Hz attack %g ms: measured %.4f ms (%+.2f %%)", rate, atts[i], t * 1e3,
                 e * 100.0);
            worst = fabs(e) > worst || isnan(e) ? (isnan(e) ? INFINITY : fabs(e)) : worst;
        }
        ok(worst <= 0.10, "%.0f Hz: attack 0.5/1/10/50 ms within 10 %% (worst %.2f %%)", rate,
           worst * 100.0);
        worst = 0.0;
        for (unsigned i = 0; i < 4; i++) {
            double t = measure_tc(rate, 1.0f, rels[i], 1), e = t / (rels[i] * 0.001) - 1.0;
            diag("%.0f Hz release %g ms: measured %.3f ms (%+.2f %%)", rate, rels[i], t * 1e3,
                 e * 100.0);
            worst = fabs(e) > worst || isnan(e) ? (isnan(e) ? INFINITY : fabs(e)) : worst;
        }
        ok(worst <= 0.10, "%.0f Hz: release 5/50/200/1000 ms within 10 %% (worst %.2f %%)", rate,
           worst * 100.0);
    }
}

/* ---- stereo link ----------------------------------------------------------------------- */

/* Same audio on both channels (0.5), one key channel at 0 dB (15 dB of reduction alone), the
 * other at -40 dB (none alone); both ways round. */
static void test_link(void)
{
    enum { N = 9600 };
    float *l = alloc_floats(N), *r = alloc_floats(N), *kl = alloc_floats(N), *kr = alloc_floats(N);
    static const float links[] = {1.0f, 0.0f, 0.5f};
    for (int swap = 0; swap < 2; swap++)
        for (unsigned li = 0; li < 3; li++) {
            struct compressor c;
            struct compressor_params p = base_params();
            p.link = links[li];
            compressor_init(&c, RATE);
            compressor_set(&c, &p);
            for (unsigned i = 0; i < N; i++) {
                l[i] = r[i] = 0.5f;
                kl[i] = swap ? 0.01f : 1.0f;
                kr[i] = swap ? 1.0f : 0.01f;
            }
            run(&c, l, r, kl, kr, N, 32);
            float *loud = swap ? r : l, *quiet = swap ? l : r;
            double gl = -20.0 * log10(loud[N - 1] / 0.5), gq = -20.0 * log10(quiet[N - 1] / 0.5);
            double want_q = 15.0 * links[li];
            const char *side = swap ? "R loud" : "L loud";
            diag("%s, link %.1f: gain reduction loud %.4f dB, quiet %.4f dB (want 15, %.2f)", side,
                 links[li], gl, gq, want_q);
            if (links[li] == 1.0f)
                ok(!memcmp(l, r, N * sizeof *l), "%s, link 1: one gain for both, bit for bit",
                   side);
            if (links[li] == 0.0f) {
                int same = 1;
                for (unsigned i = 0; i < N; i++)
                    same &= quiet[i] == 0.5f;
                ok(same, "%s, link 0: the quiet channel is untouched (gain exactly 1)", side);
            }
            ok(fabs(gl - 15.0) < 0.01 && fabs(gq - want_q) < 0.01,
               "%s, link %.1f: loud side reduced 15 dB, quiet side %.2f dB, within 0.01 dB", side,
               links[li], want_q);
            if (links[li] == 1.0f && !swap) {
                float now = compressor_gr_db(&c), mx = compressor_take_max_gr_db(&c);
                float again = compressor_take_max_gr_db(&c);
                diag("meters: gr %.4f dB, max %.4f dB, max after take %.4f dB", now, mx, again);
                ok(fabsf(now - 15.0f) < 0.01f && fabsf(mx - 15.0f) < 0.01f && again == 0.0f,
                   "meters: current and max gain reduction 15 dB; max restarts after a take");
            }
        }
    free(l), free(r), free(kl), free(kr);
}

/* ---- sidechain ------------------------------------------------------------------------- */

/* The mean gain reduction (dB) over the last `meas` frames of DC audio 0.01 (-40 dB, below any
 * threshold used here) keyed by a sine of frequency f and peak amplitude 1. */
static double keyed_gr(const struct compressor_params *p, double f, int use_key)
{
    enum { N = 48000, MEAS = 24000 };
    float *l = alloc_floats(N), *r = alloc_floats(N), *k = alloc_floats(N);
    for (unsigned i = 0; i < N; i++) {
        l[i] = r[i] = 0.01f;
        k[i] = (float)sin(2.0 * M_PI * f * i / RATE);
    }
    struct compressor c;
    compressor_init(&c, RATE);
    compressor_set(&c, p);
    run(&c, l, r, use_key ? k : NULL, use_key ? k : NULL, N, 64);
    double s = 0.0;
    for (unsigned i = N - MEAS; i < N; i++)
        s += -20.0 * log10(l[i] / 0.01f);
    free(l), free(r), free(k);
    return s / MEAS;
}

static void test_sidechain(void)
{
    struct compressor_params p = base_params();
    p.detector = COMPRESSOR_RMS;
    p.attack_ms = 10.0f;
    p.release_ms = 100.0f;

    /* A 1 kHz key at -3.01 dB RMS: 0.75 * 16.99 dB of reduction on a -40 dB input. */
    double want = -expected_gain_db(20.0 * log10(M_SQRT1_2), -20.0, 4.0, 0.0, 0.0);
    double g_key = keyed_gr(&p, 1000.0, 1), g_self = keyed_gr(&p, 1000.0, 0);
    diag("1 kHz key: gain reduction %.4f dB (want %.4f); own input: %.4f dB", g_key, want, g_self);
    ok(fabs(g_key - want) < 0.1, "an external key compresses a quiet input as its level says");
    ok(g_self == 0.0, "keyed by its own quiet input, the unit does nothing");

    /* 12 dB/oct Butterworth at fc: |H(f)|^2 = r^4 / (1 + r^4), r = f / fc. */
    double g40 = keyed_gr(&p, 40.0, 1);
    p.sc_hpf_on = 1;
    p.sc_hpf_hz = 300.0f;
    double g40h = keyed_gr(&p, 40.0, 1), g300h = keyed_gr(&p, 300.0, 1);
    double want300 =
        -expected_gain_db(20.0 * log10(M_SQRT1_2) - 10.0 * log10(2.0), -20.0, 4.0, 0.0, 0.0);
    diag("40 Hz key: %.4f dB without the sidechain HPF, %.4f dB with it at 300 Hz (key "
         "attenuated %.1f dB)",
         g40, g40h, 10.0 * log10(pow(40.0 / 300.0, 4) / (1.0 + pow(40.0 / 300.0, 4))));
    ok(g40 > 10.0 && g40h < 0.01, "sidechain HPF at 300 Hz stops a 40 Hz key (>10 dB -> <0.01 dB)");
    diag("300 Hz key through the 300 Hz HPF (-3.01 dB): %.4f dB, want %.4f", g300h, want300);
    ok(fabs(g300h - want300) < 0.15, "sidechain HPF is -3 dB at its cutoff (within 0.15 dB)");

    /* The key may alias the audio: the same as NULL and as a copy. */
    enum { N = 20000 };
    float *a = alloc_floats(N), *b = alloc_floats(N), *x = alloc_floats(N), *y = alloc_floats(N);
    float *ka = alloc_floats(N), *kb = alloc_floats(N);
    uint32_t seed = 3;
    for (unsigned i = 0; i < N; i++) {
        a[i] = x[i] = ka[i] = 0.8f * rng_uniform(&seed) * (float)(i % 4000 < 2000);
        b[i] = y[i] = kb[i] = 0.5f * rng_uniform(&seed);
    }
    struct compressor c1, c2, c3;
    p = base_params();
    p.sc_hpf_on = 1;
    p.detector = COMPRESSOR_RMS;
    compressor_init(&c1, RATE);
    compressor_init(&c2, RATE);
    compressor_init(&c3, RATE);
    compressor_set(&c1, &p);
    compressor_set(&c2, &p);
    compressor_set(&c3, &p);
    run(&c1, a, b, a, b, N, 100);
    run(&c2, x, y, NULL, NULL, N, 100);
    float *u = alloc_floats(N), *v = alloc_floats(N);
    memcpy(u, ka, N * sizeof *u);
    memcpy(v, kb, N * sizeof *v);
    run(&c3, u, v, ka, kb, N, 100);
    ok(!memcmp(a, x, N * sizeof *a) && !memcmp(b, y, N * sizeof *b) &&
           !memcmp(a, u, N * sizeof *a) && !memcmp(b, v, N * sizeof *b),
       "key aliasing the audio = NULL key = a copy of the input, bit for bit");
    free(a), free(b), free(x), free(y), free(ka), free(kb), free(u), free(v);
}

/* ---- bypass ---------------------------------------------------------------------------- */

static void test_off(void)
{
    enum { N = 48000 };
    float *l = alloc_floats(N), *r = alloc_floats(N), *l0 = alloc_floats(N), *r0 = alloc_floats(N);
    uint32_t seed = 11;
    for (unsigned i = 0; i < N; i++) {
        l[i] = l0[i] = rng_uniform(&seed);
        r[i] = r0[i] = rng_uniform(&seed) * 1e-3f;
    }
    l[5] = l0[5] = -0.0f;
    l[6] = l0[6] = NAN;
    r[7] = r0[7] = INFINITY;
    l[8] = l0[8] = 1e-40f; /* a denormal */

    struct compressor c;
    compressor_init(&c, RATE);
    struct compressor_params p = base_params();
    p.on = 0;
    p.threshold_db = -60.0f;
    p.makeup_db = 12.0f;
    compressor_set(&c, &p);
    run(&c, l, r, NULL, NULL, N, 64);
    ok(!memcmp(l, l0, N * sizeof *l) && !memcmp(r, r0, N * sizeof *r),
       "off from init: output is the input bit for bit (NaN, Inf, -0, denormal included)");

    /* On for a while, then off: after the 10 ms fade (and the sub-block it ends in) the output
     * is the input again. */
    for (unsigned i = 0; i < N; i++) {
        l[i] = l0[i] = 0.5f * rng_uniform(&seed);
        r[i] = r0[i] = 0.5f * rng_uniform(&seed);
    }
    p.on = 1;
    compressor_set(&c, &p);
    run(&c, l, r, NULL, NULL, 9600, 64);
    int changed = memcmp(l, l0, 9600 * sizeof *l) != 0;
    p.on = 0;
    compressor_set(&c, &p);
    run(&c, l + 9600, r + 9600, NULL, NULL, N - 9600, 64);
    size_t from = 9600 + (size_t)(RATE * XFADE_MS * 0.001) + 2 * DSP_SUB;
    ok(changed && !memcmp(l + from, l0 + from, (N - from) * sizeof *l) &&
           !memcmp(r + from, r0 + from, (N - from) * sizeof *r),
       "on, then off: bit-exact bypass from the end of the fade on");
    ok(compressor_gr_db(&c) == 0.0f, "off: the meter reads 0 dB");
    free(l), free(r), free(l0), free(r0);
}

/* ---- chunk invariance ------------------------------------------------------------------ */

struct event {
    size_t frame;
    struct compressor_params p;
};

/* A scene with every kind of change, some of them off the sub-block grid. */
static unsigned make_scene(struct event *ev)
{
    unsigned n = 0;
    struct compressor_params p = base_params();
    p.knee_db = 6.0f;
    p.makeup_db = 3.0f;
    p.link = 0.7f;
    p.detector = COMPRESSOR_RMS;
    p.release_ms = 80.0f;
    ev[n++] = (struct event){0, p};
    p.threshold_db = -35.0f, p.ratio = 8.0f;
    ev[n++] = (struct event){5003, p};
    p.detector = COMPRESSOR_PEAK, p.sc_hpf_on = 1, p.sc_hpf_hz = 250.0f;
    ev[n++] = (struct event){9001, p};
    p.knee_db = 18.0f, p.makeup_db = 9.0f, p.link = 0.0f, p.sc_hpf_hz = 40.0f;
    ev[n++] = (struct event){14000, p};
    p.on = 0;
    ev[n++] = (struct event){20017, p};
    p.on = 1, p.detector = COMPRESSOR_RMS, p.attack_ms = 0.3f;
    ev[n++] = (struct event){20300, p};
    p.sc_hpf_on = 0, p.link = 1.0f;
    ev[n++] = (struct event){30011, p};
    p.on = 0;
    ev[n++] = (struct event){40000, p};
    p.on = 1;
    ev[n++] = (struct event){60007, p};
    return n;
}

static void run_scene(float *l, float *r, const float *kl, const float *kr, size_t n,
                      const unsigned *sizes, unsigned nsizes, float *gr_out)
{
    struct event ev[16];
    unsigned ne = make_scene(ev), e = 0, s = 0;
    struct compressor c;
    compressor_init(&c, RATE);
    for (size_t i = 0; i < n;) {
        while (e < ne && ev[e].frame <= i)
            compressor_set(&c, &ev[e++].p);
        size_t m = sizes[s++ % nsizes];
        if (m > n - i) m = n - i;
        if (e < ne && ev[e].frame < i + m) m = ev[e].frame - i;
        compressor_process(&c, l + i, r + i, kl + i, kr + i, (unsigned)m);
        i += m;
    }
    gr_out[0] = compressor_gr_db(&c);
    gr_out[1] = compressor_take_max_gr_db(&c);
}

static void test_chunk_invariance(void)
{
    enum { N = 96000 };
    float *in_l = alloc_floats(N), *in_r = alloc_floats(N), *kl = alloc_floats(N);
    float *kr = alloc_floats(N), *rl = alloc_floats(N), *rr = alloc_floats(N);
    float *l = alloc_floats(N), *r = alloc_floats(N);
    uint32_t seed = 5;
    for (unsigned i = 0; i < N; i++) {
        float env = (float)(0.5 + 0.5 * sin(2.0 * M_PI * 3.0 * i / RATE));
        in_l[i] = env * (0.3f * rng_uniform(&seed) + 0.4f * (float)sin(0.02 * i));
        in_r[i] = env * 0.3f * rng_uniform(&seed);
        kl[i] = (i % 12000 < 3000) ? 0.9f * (float)sin(2.0 * M_PI * 60.0 * i / RATE) : 0.0f;
        kr[i] = 0.2f * rng_uniform(&seed);
    }
    static const unsigned ref_sizes[] = {DSP_SUB};
    static const unsigned pattern[] = {1, 7, 32, 64, 1000, 3, 250, 31, 33};
    static const unsigned ones[] = {1};
    unsigned rnd[64];
    for (unsigned i = 0; i < 64; i++)
        rnd[i] = 1 + rng_next(&seed) % 2048;
    const unsigned *sets[] = {pattern, ones, rnd};
    const unsigned nset[] = {9, 1, 64};
    const char *names[] = {"1,7,32,64,1000,3,250,31,33", "n = 1", "random 1..2048"};

    float g_ref[2], g[2];
    memcpy(rl, in_l, N * sizeof *rl);
    memcpy(rr, in_r, N * sizeof *rr);
    run_scene(rl, rr, kl, kr, N, ref_sizes, 1, g_ref);
    for (unsigned s = 0; s < 3; s++) {
        memcpy(l, in_l, N * sizeof *l);
        memcpy(r, in_r, N * sizeof *r);
        run_scene(l, r, kl, kr, N, sets[s], nset[s], g);
        size_t bad = 0;
        for (unsigned i = 0; i < N; i++)
            bad += memcmp(&l[i], &rl[i], sizeof *l) != 0 || memcmp(&r[i], &rr[i], sizeof *r) != 0;
        diag("slices %s: %zu frames differ from 32-frame slicing", names[s], bad);
        ok(bad == 0 && g[0] == g_ref[0] && g[1] == g_ref[1],
           "chunk invariance, slices %s: output and meters identical bit for bit", names[s]);
    }
    free(in_l), free(in_r), free(kl), free(kr), free(rl), free(rr), free(l), free(r);
}

/* ---- NaN / Inf recovery ---------------------------------------------------------------- */

static void test_nan_recovery(void)
{
    enum { N = 48000 };
    float *l = alloc_floats(N), *r = alloc_floats(N), *ref_l = alloc_floats(N);
    float *ref_r = alloc_floats(N), *k = alloc_floats(N);
    for (int variant = 0; variant < 4; variant++) {
        struct compressor_params p = base_params();
        p.detector = variant & 1 ? COMPRESSOR_RMS : COMPRESSOR_PEAK;
        p.sc_hpf_on = variant >> 1;
        p.release_ms = 100.0f;
        struct compressor c, ref;
        compressor_init(&c, RATE);
        compressor_init(&ref, RATE);
        compressor_set(&c, &p);
        compressor_set(&ref, &p);
        for (unsigned i = 0; i < N; i++) {
            l[i] = ref_l[i] = (float)(0.5 * sin(2.0 * M_PI * 440.0 * i / RATE));
            r[i] = ref_r[i] = (float)(0.3 * sin(2.0 * M_PI * 330.0 * i / RATE));
            k[i] = l[i];
        }
        /* Bad values in the key (the audio stays finite). */
        k[4000] = NAN;
        k[4001] = INFINITY;
        k[7000] = -INFINITY;
        k[7003] = NAN;
        run(&c, l, r, k, r, 16000, 64);
        run(&ref, ref_l, ref_r, ref_l, ref_r, 16000, 64);
        /* Then the state itself, at a sub-block start. */
        c.y[0] = NAN;
        c.y[1] = INFINITY;
        c.ms[0] = NAN;
        c.ms[1] = INFINITY;
        c.hpf_s.ic1[0] = NAN;
        c.hpf_s.ic2[1] = INFINITY;
        run(&c, l + 16000, r + 16000, l + 16000, r + 16000, N - 16000, 64);
        run(&ref, ref_l + 16000, ref_r + 16000, ref_l + 16000, ref_r + 16000, N - 16000, 64);
        int finite = 1;
        for (unsigned i = 0; i < N; i++)
            finite &= isfinite(l[i]) && isfinite(r[i]);
        double worst = 0.0;
        for (unsigned i = N - 4800; i < N; i++) {
            if (fabsf(ref_l[i]) > 0.01f)
                worst = fmax(worst, fabs(20.0 * log10(fabs(l[i] / ref_l[i]))));
            if (fabsf(ref_r[i]) > 0.01f)
                worst = fmax(worst, fabs(20.0 * log10(fabs(r[i] / ref_r[i]))));
        }
        diag("%s%s: after NaN/Inf key samples and a NaN/Inf state, final gain off by %.2e dB",
             p.detector ? "RMS" : "peak", p.sc_hpf_on ? " + sidechain HPF" : "", worst);
        ok(finite && worst < 0.01,
           "%s%s: NaN/Inf in key and state: output stays finite and recovers (< 0.01 dB)",
           p.detector ? "RMS" : "peak", p.sc_hpf_on ? " + sidechain HPF" : "");
    }
    free(l), free(r), free(ref_l), free(ref_r), free(k);
}

/* ---- denormals ------------------------------------------------------------------------- */

static int state_has_subnormal(const struct compressor *c)
{
    int bad = 0;
    for (int ch = 0; ch < 2; ch++) {
        bad |= fpclassify(c->y[ch]) == FP_SUBNORMAL;
        bad |= fpclassify((float)c->y[ch]) == FP_SUBNORMAL;
        bad |= fpclassify(c->ms[ch]) == FP_SUBNORMAL;
        bad |= fpclassify(c->hpf_s.ic1[ch]) == FP_SUBNORMAL;
        bad |= fpclassify(c->hpf_s.ic2[ch]) == FP_SUBNORMAL;
    }
    bad |= fpclassify(c->gr_now) == FP_SUBNORMAL || fpclassify(c->gr_max) == FP_SUBNORMAL;
    return bad;
}

/* A loud burst, then 10 s of silence with the fastest release; the state is checked after
 * every 7-frame slice. First without FTZ (the unit's own floors must keep the state normal),
 * then with dsp_flush_denormals(). */
static int decay_has_subnormal(void)
{
    enum { N = 480000, C = 7 };
    float *l = alloc_floats(N), *r = alloc_floats(N);
    for (unsigned i = 0; i < 24000; i++) {
        l[i] = (float)(0.9 * sin(0.05 * i));
        r[i] = (float)(0.9 * sin(0.07 * i));
    }
    struct compressor c;
    struct compressor_params p = base_params();
    p.detector = COMPRESSOR_RMS;
    p.sc_hpf_on = 1;
    p.sc_hpf_hz = 20.0f;
    p.release_ms = 5.0f;
    p.knee_db = 24.0f;
    p.threshold_db = -60.0f;
    compressor_init(&c, RATE);
    compressor_set(&c, &p);
    int bad = 0;
    for (unsigned i = 0; i < N; i += C) {
        compressor_process(&c, l + i, r + i, NULL, NULL, N - i < C ? N - i : C);
        bad |= state_has_subnormal(&c);
    }
    int out_bad = 0;
    for (unsigned i = 0; i < N; i++)
        out_bad |= fpclassify(l[i]) == FP_SUBNORMAL || fpclassify(r[i]) == FP_SUBNORMAL;
    free(l), free(r);
    return bad | out_bad << 1;
}

static void test_denormals(void)
{
    int bad = decay_has_subnormal();
    ok(!bad, "without FTZ: no subnormal in state or output through a 10 s decay (%d)", bad);
    dsp_flush_denormals();
    bad = decay_has_subnormal();
    ok(!bad, "with dsp_flush_denormals(): no FP_SUBNORMAL in state or output (%d)", bad);
}

/* ---- clicks ---------------------------------------------------------------------------- */

/* Third differences of g[n] * A sin(w n): by Leibniz's rule for differences,
 *   |D3 y| <= A (g w3^3 + 3 |Dg| w3^2 + 3 |D2g| w3 + |D3g|),  w3 = 2 sin(w/2),
 * so a steady sine gives |D3 y| <= max|y| * w3^3, and anything but smooth gain motion shows in
 * the last term: a gain step of d (linear) near the crest adds about 2 d A (D3 of a step is
 * the triplet 1, -2, 1), a corner where the gain's slope changes by s per sample adds s A.
 * Bound: max|y| * (w3^3 + 0.003). At 200 Hz, 48 kHz, w3^3 = 1.8e-5. The 0.003 is what the
 * project's own definition of a click-free switch needs: xfade.h's 10 ms linear crossfade puts
 * corners of (wet - dry) / 480 per sample into the gain, at most 1/480 = 0.0021 of the larger
 * amplitude; a hard step of 0.015 dB at the crest already exceeds it, and the 0.1 dB step
 * demonstrated below is 8x over. The measured worst of each jump is printed. */
static double d3_ratio(const float *y, size_t from, size_t to)
{
    double d3 = 0.0, amp = 0.0;
    for (size_t i = from; i + 3 < to; i++) {
        double d = (double)y[i + 3] - 3.0 * y[i + 2] + 3.0 * y[i + 1] - y[i];
        d3 = fmax(d3, fabs(d));
        amp = fmax(amp, fabs(y[i]));
    }
    return amp > 0.0 ? d3 / amp : 0.0;
}

static void test_clicks(void)
{
    enum { SEG = 19200, NSEG = 22 };
    const double f = 200.0, w = 2.0 * M_PI * f / RATE, w3 = pow(2.0 * sin(w / 2.0), 3.0);
    const double bound = w3 + 0.003;
    size_t n = (size_t)SEG * NSEG;
    float *l = alloc_floats(n), *r = alloc_floats(n);
    for (size_t i = 0; i < n; i++) {
        l[i] = (float)(0.5 * sin(w * (double)i));
        r[i] = (float)(0.2 * sin(w * (double)i + 1.0));
    }

    /* The demonstration: a hard 0.1 dB gain step at the crest. */
    size_t step_at = (size_t)(RATE / f / 4.0) + 240 * 5; /* sin = 1 */
    float *y = alloc_floats(4096);
    for (size_t i = 0; i < 4096; i++)
        y[i] = (float)(0.5 * sin(w * (double)i) * (i < step_at ? 1.0 : pow(10.0, 0.1 / 20.0)));
    double demo = d3_ratio(y, 0, 4096), clean = d3_ratio(l, 0, 4096);
    diag("bound %.5f; a clean sine %.6f; a hard 0.1 dB gain step %.5f", bound, clean, demo);
    ok(demo > bound && clean < bound, "the click bound passes a clean sine, fails a 0.1 dB step");
    free(y);

    struct compressor_params seq[NSEG];
    const char *what[NSEG];
    struct compressor_params p = base_params();
    p.detector = COMPRESSOR_RMS;
    p.knee_db = 6.0f;
    p.attack_ms = 10.0f;
    p.release_ms = 100.0f;
    unsigned k = 0;
#define STEP(desc, stmt)                                                                           \
    do {                                                                                           \
        stmt;                                                                                      \
        seq[k] = p;                                                                                \
        what[k++] = desc;                                                                          \
    } while (0)
    STEP("settle", (void)0);
    STEP("threshold -20 -> -50", p.threshold_db = -50.0f);
    STEP("threshold -50 -> -10", p.threshold_db = -10.0f);
    STEP("threshold -10 -> -30, ratio 4 -> 20", (p.threshold_db = -30.0f, p.ratio = 20.0f));
    STEP("ratio 20 -> 1.5", p.ratio = 1.5f);
    STEP("ratio 1.5 -> 6, knee 6 -> 24", (p.ratio = 6.0f, p.knee_db = 24.0f));
    STEP("knee 24 -> 0", p.knee_db = 0.0f);
    STEP("makeup 0 -> 24", p.makeup_db = 24.0f);
    STEP("makeup 24 -> 0", p.makeup_db = 0.0f);
    STEP("link 1 -> 0", p.link = 0.0f);
    STEP("link 0 -> 1", p.link = 1.0f);
    STEP("detector RMS -> peak", p.detector = COMPRESSOR_PEAK);
    STEP("detector peak -> RMS", p.detector = COMPRESSOR_RMS);
    STEP("sidechain HPF on at 500 Hz", (p.sc_hpf_on = 1, p.sc_hpf_hz = 500.0f));
    STEP("sidechain HPF 500 -> 20 Hz", p.sc_hpf_hz = 20.0f);
    STEP("sidechain HPF off", p.sc_hpf_on = 0);
    STEP("attack 10 -> 1 ms, release 100 -> 30 ms", (p.attack_ms = 1.0f, p.release_ms = 30.0f));
    STEP("makeup 0 -> 12 with threshold -60", (p.makeup_db = 12.0f, p.threshold_db = -60.0f));
    STEP("off", p.on = 0);
    STEP("on", p.on = 1);
    STEP("everything at once", (p.threshold_db = -5.0f, p.ratio = 2.0f, p.knee_db = 12.0f,
                                p.makeup_db = 3.0f, p.link = 0.3f, p.detector = COMPRESSOR_PEAK));
    STEP("off again", p.on = 0);
#undef STEP

    struct compressor c;
    compressor_init(&c, RATE);
    for (unsigned s = 0; s < NSEG; s++) {
        compressor_set(&c, &seq[s]);
        run(&c, l + (size_t)s * SEG, r + (size_t)s * SEG, NULL, NULL, SEG, 64);
    }
    double worst = 0.0;
    const char *worst_what = "";
    for (unsigned s = 1; s < NSEG; s++) {
        size_t from = (size_t)s * SEG - 3, to = (size_t)(s + 1) * SEG;
        double e = fmax(d3_ratio(l, from, to), d3_ratio(r, from, to));
        diag("%-40s max|D3 y|/max|y| = %.6f", what[s], e);
        if (e > worst || isnan(e)) {
            worst = isnan(e) ? INFINITY : e;
            worst_what = what[s];
        }
    }
    ok(worst < bound, "parameter jumps on a 200 Hz sine are click-free: worst %.6f (%s) < %.5f",
       worst, worst_what, bound);
    free(l), free(r);
}

int main(void)
{
    test_static_curve();
    test_time_constants();
    test_link();
    test_sidechain();
    test_off();
    test_chunk_invariance();
    test_nan_recovery();
    test_denormals();
    test_clicks();
    return done_testing();
}
