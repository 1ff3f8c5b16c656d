/* tests/test_dyneq.c: the dynamic EQ: its static curve against the formula, its attack and
 * release times, exact neutrality on a silent or quiet key, chunk invariance, and the case it
 * exists for: a bass's low band ducked by the kick, end to end through the mix, against the
 * compressor's sidechain doing the same job. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/dsp.h"
#include "dsp/dyneq.h"
#include "dsp/mix.h"
#include "tests/measure.h"
#include "tests/tap.h"

#define RATE 48000.0

static uint32_t seed = 777;
static float urand(void) /* uniform in [-1, 1) */
{
    seed = seed * 1664525u + 1013904223u;
    return (float)(seed >> 8) / 8388608.0f - 1.0f;
}

static struct dyneq_band_params band_defaults(void)
{
    return (struct dyneq_band_params){.on = 1,
                                      .type = DYNEQ_BELL,
                                      .freq_hz = 1000,
                                      .q = 1,
                                      .threshold_db = -30,
                                      .range_db = 12,
                                      .ratio = 4,
                                      .attack_ms = 5,
                                      .release_ms = 20,
                                      .key_filter = DYNEQ_KEY_BAND,
                                      .key_freq_hz = 1000,
                                      .key_q = 1,
                                      .mode = DYNEQ_ABOVE};
}

/* The formula, written from the textbook piecewise form (G&R eq. 4), not from the unit's code:
 * x the key's level in the band (dB), the knee W = DYNEQ_KNEE_DB. */
static double formula(const struct dyneq_band_params *p, double x)
{
    double over = p->mode == DYNEQ_BELOW ? p->threshold_db - x : x - p->threshold_db;
    double w = DYNEQ_KNEE_DB, s = 1 - 1 / p->ratio, a;
    if (2 * over < -w)
        a = 0;
    else if (2 * fabs(over) <= w)
        a = s * (over + w / 2) * (over + w / 2) / (2 * w);
    else
        a = s * over;
    double lim = fabs(p->range_db);
    a = a < lim ? a : lim;
    return p->range_db >= 0 ? -a : a;
}

/* The static curve: a 1 kHz sine keys its own bell at 1 kHz; the output's gain at the centre of
 * the bell is the band's gain. Against the formula at key levels across the knee and the range. */
static void test_static_curve(void)
{
    const unsigned LEN = 19200; /* 0.4 s: settled, then 0.1 s measured */
    float *l = malloc(LEN * 4), *r = malloc(LEN * 4), *in = malloc(LEN * 4);
    static struct dyneq d;
    struct {
        int mode;
        float thr, range, ratio;
    } cases[] = {{DYNEQ_ABOVE, -30, 12, 4}, {DYNEQ_ABOVE, -20, 6, 2}, {DYNEQ_BELOW, -30, -6, 2}};
    for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double worst = 0, worst_at = 0, worst_got = 0;
        unsigned acting = 0;
        for (double lev = -50; lev <= -4; lev += 1.5) {
            struct dyneq_band_params bp = band_defaults();
            bp.mode = cases[c].mode, bp.threshold_db = cases[c].thr;
            bp.range_db = cases[c].range, bp.ratio = cases[c].ratio;
            dyneq_init(&d, RATE);
            dyneq_set_band(&d, 0, &bp);
            /* a sine's mean square is a^2/2: level lev dB is amplitude 10^((lev+3.01)/20) */
            double a = pow(10, (lev + 10 * log10(2.0)) / 20);
            for (unsigned i = 0; i < LEN; i++)
                in[i] = l[i] = r[i] = (float)(a * sin(2 * M_PI * 1000 * i / RATE));
            for (unsigned i = 0; i < LEN; i += 64)
                dyneq_process(&d, l + i, r + i, NULL, NULL, 64);
            double got = db(rms(l, LEN - 4800, LEN) / rms(in, LEN - 4800, LEN));
            double want = formula(&bp, lev);
            acting += fabs(want) > 0.5;
            if (fabs(got - want) > worst) worst = fabs(got - want), worst_at = lev, worst_got = got;
        }
        ok(worst < 0.2 && acting >= 8,
           "static curve (%s, T %g, range %g, ratio %g): within %.3f dB of the formula at 31 key "
           "levels (worst at %.1f dB: %.3f dB, want %.3f)",
           cases[c].mode == DYNEQ_BELOW ? "below" : "above", cases[c].thr, cases[c].range,
           cases[c].ratio, worst, worst_at, worst_got,
           formula(&(struct dyneq_band_params){.mode = cases[c].mode,
                                               .threshold_db = cases[c].thr,
                                               .range_db = cases[c].range,
                                               .ratio = cases[c].ratio},
                   worst_at));
    }
    free(l), free(r), free(in);
}

/* Time at which the series g (one value per sub-block end) first crosses v, interpolated. */
static double crossing(const float *g, unsigned from, unsigned n, double v)
{
    for (unsigned j = from + 1; j < n; j++) {
        double a = fabs(g[j - 1]), b = fabs(g[j]);
        if ((a - v) * (b - v) <= 0 && a != b)
            return ((j - 1) + (v - a) / (b - a) + 1) * DSP_SUB / RATE * 1000.0;
    }
    return NAN;
}

/* Attack and release: a key stepping on and off, the band's gain sampled at every sub-block.
 * Between 50 % and 90 % of the way the motion is a pure exponential (the detector has settled),
 * so the time between the two is tau ln 5, whatever the detector's own lag. */
static void test_times(void)
{
    const unsigned SUBS = 5 * (unsigned)RATE / DSP_SUB; /* 5 s */
    const unsigned ON = 150, OFF = 1500;                /* sub-blocks: 0.1 s, 1 s */
    float *g = malloc(SUBS * 4), l[DSP_SUB], r[DSP_SUB], kl[DSP_SUB], kr[DSP_SUB];
    static struct dyneq d;
    static const float attacks[] = {5, 20, 100}, releases[] = {50, 200, 400};
    for (unsigned t = 0; t < 3; t++) {
        struct dyneq_band_params bp = band_defaults();
        bp.threshold_db = -40, bp.ratio = 20, bp.range_db = 6;
        bp.attack_ms = attacks[t], bp.release_ms = releases[t];
        dyneq_init(&d, RATE);
        dyneq_set_band(&d, 0, &bp);
        const float *keys_l[DYNEQ_BANDS] = {kl}, *keys_r[DYNEQ_BANDS] = {kr};
        for (unsigned j = 0; j < SUBS; j++) {
            for (unsigned i = 0; i < DSP_SUB; i++) {
                unsigned n = j * DSP_SUB + i;
                l[i] = r[i] = 0.1f * urand();
                kl[i] = kr[i] =
                    j >= ON && j < OFF ? (float)(0.1 * sin(2 * M_PI * 1000 * n / RATE)) : 0.0f;
            }
            dyneq_process(&d, l, r, keys_l, keys_r, DSP_SUB);
            g[j] = dyneq_gain_db(&d, 0);
        }
        double att = (crossing(g, ON, OFF, 0.9 * 6) - crossing(g, ON, OFF, 0.5 * 6)) / log(5);
        double rel = (crossing(g, OFF, SUBS, 0.1 * 6) - crossing(g, OFF, SUBS, 0.5 * 6)) / log(5);
        ok(fabs(att / attacks[t] - 1) < 0.1, "attack %g ms: measured %.2f ms (%+.1f %%)",
           attacks[t], att, 100 * (att / attacks[t] - 1));
        ok(fabs(rel / releases[t] - 1) < 0.1, "release %g ms: measured %.1f ms (%+.1f %%)",
           releases[t], rel, 100 * (rel / releases[t] - 1));
        ok(g[OFF - 1] == -6.0f && g[SUBS - 1] == 0.0f,
           "and the gain lands exactly on the range (%g dB) and back on 0 dB (%g)", g[OFF - 1],
           g[SUBS - 1]);
    }
    free(g);
}

/* A band that is on is exactly neutral while its key is silent or under the threshold (and off
 * bands are, of course): the samples come out bit for bit. And the output does not depend on
 * the call sizes. */
static void test_neutral(void)
{
    const unsigned LEN = 48000;
    float *l = malloc(LEN * 4), *r = malloc(LEN * 4), *il = malloc(LEN * 4), *ir = malloc(LEN * 4);
    float *k = malloc(LEN * 4);
    static struct dyneq d;
    for (int quiet = 0; quiet < 2; quiet++) {
        dyneq_init(&d, RATE);
        for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
            struct dyneq_band_params bp = band_defaults();
            bp.type = (int)(b % 3);
            bp.freq_hz = 100.0f * (float)(b + 1) * (float)(b + 1);
            bp.key_filter = (int)(b & 1);
            dyneq_set_band(&d, b, &bp);
        }
        for (unsigned i = 0; i < LEN; i++) {
            il[i] = l[i] = 0.5f * urand();
            ir[i] = r[i] = 0.5f * urand();
            /* quiet: a 1 kHz key at -70 dBFS, far under the -30 dB threshold's knee */
            k[i] = quiet ? (float)(3e-4 * sin(2 * M_PI * 1000 * i / RATE)) : 0.0f;
        }
        for (unsigned i = 0; i < LEN;) {
            unsigned n = 1 + (unsigned)((urand() + 1) * 100);
            n = n < LEN - i ? n : LEN - i;
            const float *kp[DYNEQ_BANDS] = {k + i, k + i, k + i, k + i};
            dyneq_process(&d, l + i, r + i, kp, kp, n);
            i += n;
        }
        ok(!memcmp(l, il, LEN * 4) && !memcmp(r, ir, LEN * 4) && dyneq_take_gain_db(&d, 0) == 0.0f,
           "4 bands on, key %s: the output is the input bit for bit, the meter reads 0 dB",
           quiet ? "70 dB under the threshold" : "silent");
    }

    /* chunk invariance with the bands working: one call against random sizes */
    float *a = malloc(LEN * 4), *b2 = malloc(LEN * 4), *ar = malloc(LEN * 4), *br = malloc(LEN * 4);
    for (unsigned i = 0; i < LEN; i++)
        k[i] = (float)(0.5 * sin(2 * M_PI * 900 * i / RATE) * (i % 12000 < 6000));
    for (int pass = 0; pass < 2; pass++) {
        float *xl = pass ? b2 : a, *xr = pass ? br : ar;
        memcpy(xl, il, LEN * 4);
        memcpy(xr, ir, LEN * 4);
        dyneq_init(&d, RATE);
        for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
            struct dyneq_band_params bp = band_defaults();
            bp.type = (int)(b % 3);
            bp.range_db = b == 2 ? -6.0f : 9.0f;
            dyneq_set_band(&d, b, &bp);
        }
        for (unsigned i = 0; i < LEN;) {
            unsigned n = pass ? 1 + (unsigned)((urand() + 1) * 100) : LEN;
            n = n < LEN - i ? n : LEN - i;
            const float *kp[DYNEQ_BANDS] = {k + i, NULL, k + i, NULL};
            dyneq_process(&d, xl + i, xr + i, kp, kp, n);
            i += n;
        }
    }
    ok(!memcmp(a, b2, LEN * 4) && !memcmp(ar, br, LEN * 4) && memcmp(a, il, LEN * 4),
       "bands working: one call and random call sizes give the same samples");
    free(a), free(b2), free(ar), free(br);
    free(l), free(r), free(il), free(ir), free(k);
}

/* The unit runs its bands as one skewed SIMD wavefront (dyneq.c): that must be exactly four
 * bands in series. Four bands working at once, each keyed by its own signal, called in random
 * sizes, against four units of one band each (the band in its own slot, the others off) run
 * one after another on whole blocks. */
static void test_series(void)
{
    const unsigned LEN = 24000;
    float *l = malloc(LEN * 4), *r = malloc(LEN * 4), *sl = malloc(LEN * 4), *sr = malloc(LEN * 4);
    float *k = malloc(DYNEQ_BANDS * LEN * 4);
    static struct dyneq all, one[DYNEQ_BANDS];
    static const float key_hz[DYNEQ_BANDS] = {60, 400, 2000, 6000};
    dyneq_init(&all, RATE);
    for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
        struct dyneq_band_params bp = band_defaults();
        bp.type = (int)(b % 3);
        bp.freq_hz = key_hz[b];
        bp.range_db = b == 2 ? -6.0f : 9.0f;
        bp.attack_ms = 1.0f + (float)b;
        dyneq_set_band(&all, b, &bp);
        dyneq_init(&one[b], RATE);
        dyneq_set_band(&one[b], b, &bp);
    }
    for (unsigned i = 0; i < LEN; i++) {
        sl[i] = l[i] = 0.5f * urand();
        sr[i] = r[i] = 0.5f * urand();
        for (unsigned b = 0; b < DYNEQ_BANDS; b++) /* bursts, each band's in its own rhythm */
            k[b * LEN + i] = (float)(0.5 * sin(2 * M_PI * key_hz[b] * i / RATE) *
                                     (i % (3000 + 1100 * b) < 1500));
    }
    for (unsigned i = 0; i < LEN;) {
        unsigned n = 1 + (unsigned)((urand() + 1) * 100);
        n = n < LEN - i ? n : LEN - i;
        const float *kp[DYNEQ_BANDS];
        for (unsigned b = 0; b < DYNEQ_BANDS; b++)
            kp[b] = k + b * LEN + i;
        dyneq_process(&all, l + i, r + i, kp, kp, n);
        i += n;
    }
    int moved = 1;
    for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
        const float *kp[DYNEQ_BANDS] = {k, k + LEN, k + 2 * LEN, k + 3 * LEN};
        float before = sl[LEN / 2];
        dyneq_process(&one[b], sl, sr, kp, kp, LEN);
        moved &= sl[LEN / 2] != before;
    }
    ok(moved && !memcmp(l, sl, LEN * 4) && !memcmp(r, sr, LEN * 4),
       "4 bands working at once, in random call sizes: the samples of 4 one-band units in series");
    free(l), free(r), free(sl), free(sr), free(k);
}

/* The amplitude of the f Hz component of x over [from, from + n): n must hold whole periods. */
static double amp(const float *x, unsigned from, unsigned n, double f)
{
    double re = 0, im = 0;
    for (unsigned i = 0; i < n; i++) {
        double w = 2 * M_PI * f * (from + i) / RATE;
        re += x[from + i] * cos(w);
        im += x[from + i] * sin(w);
    }
    return 2 * sqrt(re * re + im * im) / n;
}

enum duck { DUCK_NONE, DUCK_DEQ, DUCK_COMP };

/* Stem 1 a kick (55 Hz bursts, muted: it only keys), stem 2 a bass (55 Hz and its harmonics at
 * 220, 440, 880 Hz); the master (limiter off) is the bass. meter_at, when given, receives the
 * band's gain meter every sub-block. */
#define KICKS      3
#define KICK_S     1.0 /* a kick every second, from 0.5 s */
#define BASS_S     (0.5 + KICKS * KICK_S)
#define LEN_KB     ((unsigned)(BASS_S * RATE))
#define ONSET_K(k) ((unsigned)((0.5 + (k)*KICK_S) * RATE))
static void kick_bass(enum duck how, float *out, float *meter_at)
{
    const unsigned LEN = LEN_KB;
    float *kick = calloc(LEN, 4), *bass = malloc(LEN * 4), *outr = malloc(LEN * 4);
    for (unsigned k = 0; k < KICKS; k++)
        for (unsigned i = ONSET_K(k); i < LEN; i++) {
            double t = (i - ONSET_K(k)) / RATE;
            kick[i] += (float)(0.9 * sin(2 * M_PI * 55 * t) * exp(-t / 0.15));
        }
    for (unsigned i = 0; i < LEN; i++) {
        double t = i / RATE;
        bass[i] = (float)(0.3 * sin(2 * M_PI * 55 * t) + 0.1 * sin(2 * M_PI * 220 * t) +
                          0.1 * sin(2 * M_PI * 440 * t) + 0.1 * sin(2 * M_PI * 880 * t));
    }
    struct params *p = params_new(2);
    struct mix *m;
    if (!p || mix_create(&m, 2, RATE) < 0) bail("mix_create");
    p->bus[BUS_LIM_ON] = 0;
    p->stem[0][STEM_MUTE] = 1;
    float *s = p->stem[1];
    if (how == DUCK_DEQ) {
        s[STEM_DEQ_ON] = 1;
        s[STEM_DEQ_TYPE] = DYNEQ_BELL;
        s[STEM_DEQ_FREQ] = 55;
        s[STEM_DEQ_Q] = 2;
        s[STEM_DEQ_THRESHOLD] = -30;
        s[STEM_DEQ_RANGE] = 6;
        s[STEM_DEQ_RATIO] = 20;
        s[STEM_DEQ_ATTACK] = 5;
        s[STEM_DEQ_RELEASE] = 50;
        s[STEM_DEQ_KEY] = 1;
        s[STEM_DEQ_KEY_FILTER] = DYNEQ_KEY_SEPARATE;
        s[STEM_DEQ_KEY_FREQ] = 60;
        s[STEM_DEQ_KEY_Q] = 1;
    } else if (how == DUCK_COMP) {
        s[STEM_COMP_ON] = 1;
        s[STEM_COMP_THRESHOLD] = -30;
        s[STEM_COMP_RATIO] = 4;
        s[STEM_COMP_ATTACK] = 5;
        s[STEM_COMP_RELEASE] = 50;
        s[STEM_COMP_SIDECHAIN] = 1;
    }
    mix_reset(m, p);
    struct mix_meters *mm = mix_meters_new(2);
    const float *il[2], *ir[2];
    for (unsigned i = 0; i < LEN; i += DSP_SUB) {
        il[0] = ir[0] = kick + i;
        il[1] = ir[1] = bass + i;
        mix_process(m, p, il, ir, out + i, outr + i, DSP_SUB);
        mix_take_meters(m, mm);
        if (meter_at) meter_at[i / DSP_SUB] = mm->stem[1].deq_db[0];
    }
    free(mm);
    mix_destroy(m);
    params_free(p);
    free(kick), free(bass), free(outr);
}

static void test_kick_bass(void)
{
    const unsigned LEN = LEN_KB, W = 9600; /* 0.2 s: whole periods of 55, 220, 440 and 880 Hz */
    float *ref = malloc(LEN * 4), *deq = malloc(LEN * 4), *comp = malloc(LEN * 4);
    float *meter = malloc((LEN / DSP_SUB + 1) * 4);
    static const double f[] = {55, 220, 440, 880};
    kick_bass(DUCK_NONE, ref, NULL);
    kick_bass(DUCK_DEQ, deq, meter);
    kick_bass(DUCK_COMP, comp, NULL);
    unsigned lat = (unsigned)lround(0.002 * RATE);
    double worst55 = 0, worst_hi = 0, worst_rec = 0, c55 = 0, c880 = 0, c_spread = 0;
    double worst_reach = 0;
    for (unsigned k = 0; k < KICKS; k++) {
        /* during the kick (30 .. 230 ms after its onset) and before the next (750 .. 950 ms) */
        unsigned hit = ONSET_K(k) + lat + (unsigned)(0.03 * RATE);
        unsigned calm = ONSET_K(k) + lat + (unsigned)(0.75 * RATE);
        double d[4], dc[4];
        for (unsigned i = 0; i < 4; i++) {
            d[i] = db(amp(deq, hit, W, f[i]) / amp(ref, hit, W, f[i]));
            dc[i] = db(amp(comp, hit, W, f[i]) / amp(ref, hit, W, f[i]));
        }
        double rec = db(amp(deq, calm, W, 55) / amp(ref, calm, W, 55));
        worst55 = fmax(worst55, fabs(d[0] + 6));
        worst_hi = fmax(worst_hi, fmax(fabs(d[2]), fabs(d[3])));
        worst_rec = fmax(worst_rec, fabs(rec));
        c55 = fmin(c55, dc[0]), c880 = fmin(c880, dc[3]);
        c_spread = fmax(c_spread, fabs(dc[3] - dc[0]));
        diag("kick %u: dynamic EQ 55 %+.2f, 220 %+.3f, 440 %+.3f, 880 %+.3f dB, 55 before the "
             "next %+.3f; compressor 55 %+.2f, 880 %+.2f dB",
             k + 1, d[0], d[1], d[2], d[3], rec, dc[0], dc[3]);
        /* the band's gain meter: within 0.5 dB of the range after 3 attack times */
        unsigned sub = (ONSET_K(k) + (unsigned)(0.015 * RATE)) / DSP_SUB;
        worst_reach = fmax(worst_reach, fabs(meter[sub] + 6));
    }
    ok(worst55 < 0.3,
       "kick against bass, dynamic EQ keyed by the kick at 60 Hz: the bass's 55 Hz "
       "drops by the 6 dB range in every kick (worst off by %.3f dB)",
       worst55);
    ok(worst_reach < 0.5,
       "the band's gain meter reaches the range within 3 attack times of each onset (worst %.2f "
       "dB off)",
       worst_reach);
    ok(worst_hi < 0.1, "while the bass's 440 and 880 Hz change by less than 0.1 dB (worst %.3f)",
       worst_hi);
    ok(worst_rec < 0.2, "and its 55 Hz has recovered before the next kick (worst %.3f dB)",
       worst_rec);
    ok(c880 < -3 && c_spread < 0.5,
       "the compressor's sidechain instead ducks the whole bass: 880 Hz by %.1f dB like 55 Hz "
       "(%.1f dB; spread %.2f dB)",
       c880, c55, c_spread);
    free(ref), free(deq), free(comp), free(meter);
}

int main(void)
{
    dsp_flush_denormals();
    test_static_curve();
    test_times();
    test_neutral();
    test_series();
    test_kick_bass();
    return done_testing();
}
