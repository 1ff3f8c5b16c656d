/* tests/test_deesser.c: the de-esser: sibilant bursts (noise band-limited to 5-9 kHz) reduced by
 * the range, a 1 kHz tone under them untouched in split-band mode and reduced in wide-band mode,
 * the gain reduction metered, listen giving the band alone, and off bit-exact. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/deesser.h"
#include "dsp/mix.h"
#include "tests/tap.h"

#define RATE 48000.0
#define LEN  96000 /* 2 s */

static uint32_t seed = 4242;
static double urand(void)
{
    seed = seed * 1664525u + 1013904223u;
    return (double)(seed >> 8) / 8388608.0 - 1.0;
}

/* A 4th-order Butterworth (two RBJ biquads), in double, the test's own. */
struct bq4 {
    double b[2][3], a[2][3], z[2][2];
};

static void bq4_init(struct bq4 *h, int high, double f)
{
    static const double q[2] = {0.54119610, 1.30656296};
    double w = 2 * M_PI * f / RATE, cw = cos(w), sw = sin(w);
    memset(h, 0, sizeof *h);
    for (int s = 0; s < 2; s++) {
        double al = sw / (2 * q[s]), a0 = 1 + al;
        double b0 = high ? (1 + cw) / 2 : (1 - cw) / 2;
        h->b[s][0] = b0 / a0;
        h->b[s][1] = (high ? -2 * b0 : 2 * b0) / a0;
        h->b[s][2] = b0 / a0;
        h->a[s][1] = -2 * cw / a0;
        h->a[s][2] = (1 - al) / a0;
    }
}

static double bq4_tick(struct bq4 *h, double x)
{
    for (int s = 0; s < 2; s++) {
        double o = h->b[s][0] * x + h->z[s][0];
        h->z[s][0] = h->b[s][1] * x - h->a[s][1] * o + h->z[s][1];
        h->z[s][1] = h->b[s][2] * x - h->a[s][2] * o;
        x = o;
    }
    return x;
}

/* Bursts of 5-9 kHz noise (100 ms in every 250 ms, from 0.5 s) at about -16 dBFS RMS. */
static void make_bursts(float *s)
{
    struct bq4 hp, lp;
    bq4_init(&hp, 1, 5000);
    bq4_init(&lp, 0, 9000);
    for (unsigned i = 0; i < LEN; i++) {
        double x = bq4_tick(&lp, bq4_tick(&hp, urand()));
        unsigned t = i % 12000;
        s[i] = i >= 24000 && t < 4800 ? (float)(0.6 * x) : 0.0f;
    }
}

/* Energy above 4 kHz of x over the bursts' steady parts (10 ms after each start to its end). */
static double burst_energy(const float *x)
{
    struct bq4 hp;
    bq4_init(&hp, 1, 4000);
    double e = 0;
    for (unsigned i = 0; i < LEN; i++) {
        double y = bq4_tick(&hp, x[i]);
        unsigned t = i % 12000;
        if (i >= 24000 && t >= 480 && t < 4800) e += y * y;
    }
    return e;
}

/* The 1 kHz amplitude over the bursts' steady parts (whole periods: 48 samples each), or with
 * all, over everything from the first burst on. */
static double tone_amp(const float *x, int all)
{
    double re = 0, im = 0;
    unsigned n = 0;
    for (unsigned i = 24000; i < LEN; i++) {
        unsigned t = i % 12000;
        if (!all && !(t >= 480 && t < 4800)) continue;
        re += x[i] * cos(2 * M_PI * 1000 * i / RATE);
        im += x[i] * sin(2 * M_PI * 1000 * i / RATE);
        n++;
    }
    return 2 * sqrt(re * re + im * im) / n;
}

struct run_out {
    float *l, *r;
    float gr; /* the largest reduction metered */
};

static void run(const struct deesser_params *p, const float *tone, const float *bursts,
                struct run_out *o)
{
    static struct deesser d;
    deesser_init(&d, RATE);
    deesser_set(&d, p);
    o->gr = 0;
    for (unsigned i = 0; i < LEN; i++)
        o->l[i] = o->r[i] = tone[i] + bursts[i];
    for (unsigned i = 0; i < LEN; i += 64) {
        deesser_process(&d, o->l + i, o->r + i, 64);
        float g = deesser_take_gr_db(&d);
        o->gr = g > o->gr ? g : o->gr;
    }
}

int main(void)
{
    float *tone = malloc(LEN * 4), *bursts = malloc(LEN * 4), *none = calloc(LEN, 4);
    float *in = malloc(LEN * 4);
    struct run_out o = {malloc(LEN * 4), malloc(LEN * 4), 0};
    for (unsigned i = 0; i < LEN; i++)
        tone[i] = (float)(0.1 * sin(2 * M_PI * 1000 * i / RATE));
    make_bursts(bursts);
    for (unsigned i = 0; i < LEN; i++)
        in[i] = tone[i] + bursts[i];
    double e_in = burst_energy(in), a_in = tone_amp(in, 0);

    static const float ranges[] = {6, 12};
    for (unsigned k = 0; k < 2; k++) {
        struct deesser_params p = {1, 3000, -40, ranges[k], DEESS_SPLIT, 0};
        run(&p, tone, bursts, &o);
        double red = 10 * log10(burst_energy(o.l) / e_in);
        double dt = 20 * log10(tone_amp(o.l, 0) / a_in);
        ok(fabs(red + ranges[k]) < 1.0,
           "split-band at 3 kHz, range %g dB: the 5-9 kHz bursts drop by %.2f dB", ranges[k], red);
        ok(fabs(dt) < 0.1,
           "... the 1 kHz tone under them, while they are reduced, is untouched (%+.3f dB)", dt);
        ok(fabs(o.gr - ranges[k]) < 0.05, "... the meter reads the reduction (%.2f dB)", o.gr);
    }

    struct deesser_params p = {1, 3000, -40, 6, DEESS_WIDE, 0};
    run(&p, tone, bursts, &o);
    double red = 10 * log10(burst_energy(o.l) / e_in);
    double dt = 20 * log10(tone_amp(o.l, 0) / a_in);
    ok(fabs(red + 6) < 0.5 && fabs(dt + 6) < 0.5,
       "wide-band: the bursts drop by %.2f dB and the tone with them (%.2f dB)", red, dt);

    /* listen: the band above the frequency alone (the tone gone, the bursts kept) */
    p = (struct deesser_params){1, 3000, 0, 6, DEESS_SPLIT, 1};
    run(&p, tone, bursts, &o);
    double lt = 20 * log10(tone_amp(o.l, 1) / tone_amp(in, 1)),
           lb = 10 * log10(burst_energy(o.l) / e_in);
    ok(lt < -35 && fabs(lb) < 0.5, "listen: the tone is gone (%.1f dB), the bursts stay (%+.2f dB)",
       lt, lb);

    /* off: bit for bit; on with nothing above the threshold: the tone's magnitude untouched */
    p = (struct deesser_params){0, 3000, -40, 6, DEESS_SPLIT, 0};
    run(&p, tone, bursts, &o);
    ok(!memcmp(o.l, in, LEN * 4) && !memcmp(o.r, in, LEN * 4) && o.gr == 0,
       "off: the output is the input bit for bit");
    p = (struct deesser_params){1, 3000, -40, 6, DEESS_SPLIT, 0};
    run(&p, tone, none, &o);
    dt = 20 * log10(tone_amp(o.l, 1) / tone_amp(tone, 1));
    ok(o.gr == 0 && fabs(dt) < 0.001,
       "on, a tone under the frequency alone: no reduction, %+.4f dB", dt);

    /* chunk invariance while it works and its fades move: one call against random sizes */
    static struct deesser d;
    float *a = malloc(LEN * 4), *b = malloc(LEN * 4), *ar = malloc(LEN * 4), *br = malloc(LEN * 4);
    for (int pass = 0; pass < 2; pass++) {
        float *xl = pass ? b : a, *xr = pass ? br : ar;
        memcpy(xl, in, LEN * 4);
        memcpy(xr, in, LEN * 4);
        deesser_init(&d, RATE);
        p = (struct deesser_params){1, 3000, -40, 9, DEESS_SPLIT, 0};
        for (unsigned i = 0; i < LEN;) {
            unsigned n = pass ? 1 + (unsigned)((urand() + 1) * 90) : 4096;
            /* the switches every 4096 frames, where both passes start a call */
            unsigned next = (i / 4096 + 1) * 4096, blk = i / 4096;
            n = n < next - i ? n : next - i;
            n = n < LEN - i ? n : LEN - i;
            p.mode = blk % 3 == 1 ? DEESS_WIDE : DEESS_SPLIT;
            p.freq_hz = blk % 2 ? 6000.0f : 3000.0f;
            deesser_set(&d, &p);
            deesser_process(&d, xl + i, xr + i, n);
            i += n;
        }
    }
    ok(!memcmp(a, b, LEN * 4) && !memcmp(ar, br, LEN * 4) && memcmp(a, in, LEN * 4),
       "working, switching mode and frequency: one call per 4096 frames and random call sizes "
       "give the same samples");
    free(a), free(b), free(ar), free(br);

    free(tone), free(bursts), free(none), free(in), free(o.l), free(o.r);
    return done_testing();
}
