/* tests/test_mix.c: the whole graph: transparency, every table row reaching the DSP, click-free
 * parameter jumps for every row, chunk invariance, solo/mute/sidechain, NaN recovery, latency. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/compare.h"
#include "dsp/dsp.h"
#include "dsp/mix.h"
#include "dsp/preset.h"
#include "tests/measure.h"
#include "tests/tap.h"
#include "tools/busy.h"

#define RATE 48000.0

static uint32_t seed = 12345;
static float urand(void) /* uniform in [-1, 1) */
{
    seed = seed * 1664525u + 1013904223u;
    return (float)(seed >> 8) / 8388608.0f - 1.0f;
}

struct sig {
    unsigned nstems, n;
    float **l, **r;
};

static struct sig sig_new(unsigned nstems, unsigned n)
{
    struct sig s = {nstems, n, calloc(nstems, sizeof(float *)), calloc(nstems, sizeof(float *))};
    for (unsigned k = 0; k < nstems; k++) {
        s.l[k] = calloc(n, sizeof(float));
        s.r[k] = calloc(n, sizeof(float));
    }
    return s;
}

static void sig_free(struct sig *s)
{
    for (unsigned k = 0; k < s->nstems; k++)
        free(s->l[k]), free(s->r[k]);
    free(s->l), free(s->r);
}

/* Stereo programme-ish noise with a level envelope, plus a tone, different per stem. */
static void fill_noise(struct sig *s, float amp)
{
    for (unsigned k = 0; k < s->nstems; k++)
        for (unsigned i = 0; i < s->n; i++) {
            float env = 0.6f + 0.4f * sinf(2 * (float)M_PI * 3.0f * i / (float)RATE + k);
            float tone = 0.3f * sinf(2 * (float)M_PI * 110.0f * (k + 1) * i / (float)RATE);
            s->l[k][i] = amp * env * (0.7f * urand() + tone);
            s->r[k][i] = amp * env * (0.7f * urand() + tone);
        }
}

/* Run the mix over the whole signal in calls of `block` frames (0 = random sizes). */
static void run(struct mix *m, const struct params *p, const struct sig *s, float *ol, float *or_,
                unsigned block)
{
    const float *il[64], *ir[64];
    for (unsigned done = 0; done < s->n;) {
        unsigned n = block ? block : 1 + (unsigned)((urand() + 1.0f) * 150);
        if (n > s->n - done) n = s->n - done;
        for (unsigned k = 0; k < s->nstems; k++)
            il[k] = s->l[k] + done, ir[k] = s->r[k] + done;
        mix_process(m, p, il, ir, ol + done, or_ + done, n);
        done += n;
    }
}

static struct params *busy(unsigned nstems, unsigned busy_stems, int bus_busy)
{
    struct params *p = params_new(nstems);
    char *text = busy_preset(busy_stems, bus_busy, 1);
    struct params_names pn = {nstems, NULL};
    if (!p || !text || preset_apply(p, text, "busy", &pn, NULL, NULL) != 0)
        bail("busy preset refused");
    free(text);
    return p;
}

static void test_transparency(void)
{
    const unsigned N = 4, LEN = 48000;
    struct sig s = sig_new(N, LEN);
    struct mix *m;
    struct params *p = params_new(N);
    float *ol = calloc(LEN, 4), *or_ = calloc(LEN, 4);
    fill_noise(&s, 0.15f);
    /* a few denormal-free extremes: exact zeros and tiny values */
    s.l[0][100] = 0.0f;
    s.r[1][200] = 1e-30f;
    mix_create(&m, N, RATE);
    mix_reset(m, p);
    run(m, p, &s, ol, or_, 64);
    unsigned lat = mix_latency(m), diff = 0;
    for (unsigned i = lat; i < LEN; i++) {
        float el = 0.0f, er = 0.0f;
        for (unsigned k = 0; k < N; k++)
            el += s.l[k][i - lat], er += s.r[k][i - lat];
        diff += memcmp(&el, &ol[i], 4) != 0 || memcmp(&er, &or_[i], 4) != 0;
    }
    ok(diff == 0, "all modules neutral: output = plain sum of the stems, bit for bit (%u differ)",
       diff);
    unsigned head = 0;
    for (unsigned i = 0; i < lat; i++)
        head += ol[i] != 0.0f || or_[i] != 0.0f;
    ok(head == 0, "the first %u frames (the latency) are silence", lat);
    mix_destroy(m);
    params_free(p);
    free(ol), free(or_);
    sig_free(&s);
}

static void test_latency(void)
{
    static const double rates[] = {44100, 48000, 88200, 96000, 176400, 192000};
    int good = 1;
    for (unsigned i = 0; i < 6; i++) {
        struct mix *m;
        if (mix_create(&m, 2, rates[i]) != 0) {
            good = 0;
            continue;
        }
        unsigned want = (unsigned)lround(0.002 * rates[i]);
        if (mix_latency(m) != want) {
            good = 0;
            diag("%.0f Hz: latency %u, want %u", rates[i], mix_latency(m), want);
        }
        /* an impulse comes out exactly `latency` frames later */
        struct params *p = params_new(2);
        struct sig s = sig_new(2, 2048);
        float ol[2048], or_[2048];
        s.l[0][10] = 0.5f;
        mix_reset(m, p);
        run(m, p, &s, ol, or_, 100);
        unsigned peak = 0;
        for (unsigned j = 0; j < 2048; j++)
            if (fabsf(ol[j]) > fabsf(ol[peak])) peak = j;
        if (peak != 10 + want || ol[peak] != 0.5f) {
            good = 0;
            diag("%.0f Hz: impulse at %u (%g), want %u", rates[i], peak, (double)ol[peak],
                 10 + want);
        }
        sig_free(&s);
        params_free(p);
        mix_destroy(m);
    }
    ok(good, "latency is 2 ms (rounded) at every rate from 44.1 to 192 kHz, impulse aligned");
    struct mix *m;
    ok(mix_create(&m, 0, 48000) == -22 && mix_create(&m, 2, 8000) == -22 &&
           mix_create(&m, STEMD_MAX_STEMS + 1, 48000) == -22,
       "bad stem counts and rates refused with -EINVAL");
}

static void test_chunks(void)
{
    const unsigned N = 3, LEN = 24000;
    struct sig s = sig_new(N, LEN);
    struct params *p = busy(N, N, 1);
    struct mix *m;
    float *a[2] = {calloc(LEN, 4), calloc(LEN, 4)}, *b[2] = {calloc(LEN, 4), calloc(LEN, 4)};
    fill_noise(&s, 0.5f);
    p->stem[1][STEM_COMP_SIDECHAIN] = 1; /* stem 2 keyed by stem 1 */
    mix_create(&m, N, RATE);
    mix_reset(m, p);
    run(m, p, &s, a[0], a[1], LEN);
    mix_reset(m, p);
    run(m, p, &s, b[0], b[1], 0);
    ok(memcmp(a[0], b[0], LEN * 4) == 0 && memcmp(a[1], b[1], LEN * 4) == 0,
       "busy mix: one call and random call sizes give the same samples");
    mix_reset(m, p);
    run(m, p, &s, b[0], b[1], 1);
    ok(memcmp(a[0], b[0], LEN * 4) == 0, "and so does one frame per call");
    mix_destroy(m);
    params_free(p);
    free(a[0]), free(a[1]), free(b[0]), free(b[1]);
    sig_free(&s);
}

/* mix_stems and mix_bus driven as stemd-render's pipeline drives them (the stems a block ahead
 * of the bus, odd block sizes, meters off) give mix_process's samples. */
static void test_stages(void)
{
    const unsigned N = 3, LEN = 24000;
    struct sig s = sig_new(N, LEN);
    struct params *p = busy(N, N, 1);
    struct mix *m;
    float *a[2] = {calloc(LEN, 4), calloc(LEN, 4)}, *b[2] = {calloc(LEN, 4), calloc(LEN, 4)};
    const float *il[8], *ir[8];
    fill_noise(&s, 0.5f);
    p->stem[2][STEM_COMP_SIDECHAIN] = 1;
    mix_create(&m, N, RATE);
    mix_reset(m, p);
    run(m, p, &s, a[0], a[1], LEN);
    mix_reset(m, p);
    mix_set_meters(m, 0);
    const unsigned blk = 3001; /* not a multiple of a sub-block or of the mix's passes */
    unsigned bus_done = 0;
    for (unsigned done = 0; done < LEN;) {
        unsigned n = LEN - done < blk ? LEN - done : blk;
        for (unsigned k = 0; k < N; k++)
            il[k] = s.l[k] + done, ir[k] = s.r[k] + done;
        mix_stems(m, p, il, ir, b[0] + done, b[1] + done, n);
        done += n;
        if (done > blk || done == LEN) { /* the bus a block behind, then the rest at the end */
            unsigned upto = done == LEN ? LEN : done - n;
            mix_bus(m, p, b[0] + bus_done, b[1] + bus_done, upto - bus_done);
            bus_done = upto;
        }
    }
    ok(bus_done == LEN && memcmp(a[0], b[0], LEN * 4) == 0 && memcmp(a[1], b[1], LEN * 4) == 0,
       "mix_stems a block ahead of mix_bus, meters off: mix_process's samples");
    struct mix_meters *mm = mix_meters_new(N);
    mix_take_meters(m, mm);
    ok(mm->bus.true_peak == 0.0f && mm->bus.peak_l == 0.0f && mm->stem[0].peak_l == 0.0f,
       "meters off: the peak meters stay at zero");
    free(mm);
    mix_destroy(m);
    params_free(p);
    free(a[0]), free(a[1]), free(b[0]), free(b[1]);
    sig_free(&s);
}

/* Enable the module a row belongs to: every BOOL row named "<prefix>on" for each prefix of the
 * row's name (eq/%d/gain -> eq/%d/on; comp/sc_hpf/freq -> comp/sc_hpf/on and comp/on). */
static int differs(const float *a, const float *b, unsigned n)
{
    return memcmp(a, b, n * sizeof *a) != 0;
}

static void test_rows_reach_dsp(void)
{
    const unsigned N = 2, LEN = 9600;
    struct sig s = sig_new(N, LEN);
    struct params *base = busy(N, N, 1), *p = params_dup(base);
    struct mix *m;
    float *a[2] = {calloc(LEN, 4), calloc(LEN, 4)}, *b[2] = {calloc(LEN, 4), calloc(LEN, 4)};
    unsigned silent = 0, tested = 0;
    fill_noise(&s, 0.6f);
    mix_create(&m, N, RATE);
    /* the bus and stem 1 (stem 2 has the same rows) */
    for (unsigned i = 0; i < BUS_NPARAMS + STEM_NPARAMS; i++) {
        struct param_ref ref;
        params_ref_at(N, i, &ref);
        const struct param_def *d = ref.def;
        float lo = d->min, hi = d->type == PT_STEM ? 2.0f : d->max;
        char path[128];
        params_path(&ref, NULL, path, sizeof path);
        memcpy(p, base, params_size(N));
        /* what the bypass's gain matches is heard only in the bypass */
        if (ref.stem < 0 && d->id == BUS_COMPARE_MATCH) p->bus[BUS_COMPARE] = COMPARE_BYPASS;
        *params_slot(p, &ref) = lo;
        mix_reset(m, p);
        run(m, p, &s, a[0], a[1], 256);
        *params_slot(p, &ref) = hi;
        mix_reset(m, p);
        run(m, p, &s, b[0], b[1], 256);
        tested++;
        if (!differs(a[0], b[0], LEN) && !differs(a[1], b[1], LEN)) {
            silent++;
            diag("%s: %g and %g give the same output", path, (double)lo, (double)hi);
        }
    }
    ok(silent == 0, "every one of %u rows (bus and a stem) changes the output", tested);
    mix_destroy(m);
    params_free(p);
    params_free(base);
    free(a[0]), free(a[1]), free(b[0]), free(b[1]);
    sig_free(&s);
}

/* The click metric. A click is a step in the waveform: its energy spreads to the top of the
 * spectrum (falling as 1/f), while a glide of gain, frequency or Q, even a fast one, only adds
 * sidebands close to the signal. So: play low sines (220..440 Hz), high-pass the output at 4 kHz
 * with a 4th-order Butterworth (two RBJ biquads, in double, here in the test: -84 dB at 440 Hz),
 * and take the peak of what is left. A jump of a parameter must leave no more than twice what the
 * same preset leaves in steady state at either end of the jump (compression and limiting add
 * harmonics of their own), plus a floor of -60 dB of the signal's peak. A 1 % step in the
 * waveform leaves ~1 % (-40 dB): flagged (tested below). */
struct hp4 {
    double b[2][3], a[2][3], z[2][2];
};

static void hp4_init(struct hp4 *h, double f, double fs)
{
    static const double q[2] = {0.54119610, 1.30656296}; /* 4th-order Butterworth sections */
    double w = 2 * M_PI * f / fs, cw = cos(w), sw = sin(w);
    memset(h, 0, sizeof *h);
    for (int s = 0; s < 2; s++) {
        double al = sw / (2 * q[s]), a0 = 1 + al;
        h->b[s][0] = (1 + cw) / 2 / a0;
        h->b[s][1] = -(1 + cw) / a0;
        h->b[s][2] = (1 + cw) / 2 / a0;
        h->a[s][1] = -2 * cw / a0;
        h->a[s][2] = (1 - al) / a0;
    }
}

/* Peak of the 4 kHz high-passed signal over [from, to), filtering from 0 so it has settled. */
static double click_metric(const float *y, unsigned from, unsigned to)
{
    struct hp4 h;
    double mx = 0;
    hp4_init(&h, 4000, RATE);
    for (unsigned i = 0; i < to; i++) {
        double x = y[i];
        for (int s = 0; s < 2; s++) { /* transposed direct form II */
            double o = h.b[s][0] * x + h.z[s][0];
            h.z[s][0] = h.b[s][1] * x - h.a[s][1] * o + h.z[s][1];
            h.z[s][1] = h.b[s][2] * x - h.a[s][2] * o;
            x = o;
        }
        if (i >= from && fabs(x) > mx) mx = fabs(x);
    }
    return mx;
}

static float peak(const float *y, unsigned from, unsigned to)
{
    float mx = 0;
    for (unsigned i = from; i < to; i++)
        mx = fabsf(y[i]) > mx ? fabsf(y[i]) : mx;
    return mx;
}

/* The context a row is jumped in: defaults, limiter off, and the row's own module switched on
 * and doing something (its "on" switches, an EQ band's gain, a compressor working, the limiter
 * driven), so the jump shows the parameter's own smoothing rather than other units reacting. */
static void row_context(struct params *p, const struct param_ref *ref)
{
    const char *name = ref->def->name;
    float *v = ref->stem < 0 ? p->bus : p->stem[ref->stem];
    unsigned n, b = ref->index;
    const struct param_def *rows = params_rows(ref->stem < 0 ? SCOPE_BUS : SCOPE_STEM, &n);

    params_set_defaults(p);
    p->bus[BUS_LIM_ON] = 0;
    /* every BOOL row "<prefix>on" whose prefix starts the row's name */
    for (unsigned r = 0; r < n; r++) {
        const char *on = rows[r].name;
        size_t len = strlen(on);
        if (rows[r].type != PT_BOOL || len < 2 || strcmp(on + len - 2, "on") != 0) continue;
        if (strncmp(on, name, len - 2) == 0) v[rows[r].id + (rows[r].count > 1 ? b : 0)] = 1;
    }
    if (!strncmp(name, "eq/", 3)) {
        int gain = ref->stem < 0 ? BUS_EQ_GAIN : STEM_EQ_GAIN;
        if (ref->def->id != gain) v[gain + b] = 6;
    } else if (!strncmp(name, "comp/", 5)) {
        v[STEM_COMP_ON] = 1;
        if (ref->def->id != STEM_COMP_THRESHOLD) v[STEM_COMP_THRESHOLD] = -30;
    } else if (!strncmp(name, "mb/", 3)) {
        v[BUS_MB_ON] = 1;
        for (unsigned i = 0; i < STEMD_MB_BANDS; i++)
            if (ref->def->id != BUS_MB_THRESHOLD || i != b) v[BUS_MB_THRESHOLD + i] = -30;
    } else if (!strncmp(name, "limiter/", 8)) {
        v[BUS_LIM_ON] = 1;
        if (ref->def->id != BUS_LIM_DRIVE) v[BUS_LIM_DRIVE] = 6;
    }
}

static void test_clicks(void)
{
    const unsigned N = 2, SEG = 9600, LEN = 3 * SEG; /* 0.2 s at min, 0.2 s at max, 0.2 s back */
    struct sig s = sig_new(N, LEN);
    struct params *base = busy(N, N, 1), *lo = params_dup(base), *hi = params_dup(base);
    struct mix *m;
    float *ra[2] = {calloc(LEN, 4), calloc(LEN, 4)}, *rb[2] = {calloc(LEN, 4), calloc(LEN, 4)};
    float *y[2] = {calloc(LEN, 4), calloc(LEN, 4)};
    unsigned clicks = 0, tested = 0;
    double worst = 0;
    char worst_path[128] = "";
    const float *il[2], *ir[2];

    /* Low sines, different in each channel and stem, so M/S, pan and solo all show. */
    for (unsigned k = 0; k < N; k++)
        for (unsigned i = 0; i < LEN; i++) {
            s.l[k][i] = 0.3f * sinf(2 * (float)M_PI * (220.0f + 110 * k) * i / (float)RATE);
            s.r[k][i] = 0.25f * sinf(2 * (float)M_PI * (330.0f + 110 * k) * i / (float)RATE);
        }
    mix_create(&m, N, RATE);
    for (unsigned i = 0; i < BUS_NPARAMS + STEM_NPARAMS; i++) {
        struct param_ref ref_;
        params_ref_at(N, i, &ref_);
        const struct param_def *d = ref_.def;
        char path[128];
        params_path(&ref_, NULL, path, sizeof path);
        row_context(lo, &ref_);
        memcpy(hi, lo, params_size(N));
        *params_slot(lo, &ref_) = d->min;
        *params_slot(hi, &ref_) = d->type == PT_STEM ? 2.0f : d->max;
        /* steady references at both ends */
        mix_reset(m, lo);
        run(m, lo, &s, ra[0], ra[1], 64);
        mix_reset(m, hi);
        run(m, hi, &s, rb[0], rb[1], 64);
        /* jump to the high value and back, at once, mid-period */
        mix_reset(m, lo);
        for (unsigned done = 0; done < LEN; done += 64) {
            const struct params *p = done >= SEG + 7 * 64 && done < 2 * SEG ? hi : lo;
            for (unsigned k = 0; k < N; k++)
                il[k] = s.l[k] + done, ir[k] = s.r[k] + done;
            mix_process(m, p, il, ir, y[0] + done, y[1] + done, 64);
        }
        tested++;
        for (int c = 0; c < 2; c++) {
            double steady =
                fmax(click_metric(ra[c], SEG / 2, LEN), click_metric(rb[c], SEG / 2, LEN));
            double pk = fmax(peak(ra[c], SEG / 2, LEN), peak(rb[c], SEG / 2, LEN));
            double bound = 2 * steady + 1e-3 * pk + 1e-7;
            double got = click_metric(y[c], SEG / 2, LEN);
            if (!(got <= bound)) {
                clicks++;
                diag("%s: HF residue %.2e > bound %.2e (channel %d, steady %.2e, peak %.2f)", path,
                     got, bound, c, steady, pk);
            }
            if (got / bound > worst)
                worst = got / bound, snprintf(worst_path, sizeof worst_path, "%s", path);
        }
    }
    ok(clicks == 0, "jumping each of %u rows min->max->min during sines: no click", tested);
    diag("worst: %s at %.2f of its bound", worst_path, worst);

    /* The metric can fail: a 1 % step in the steady output is caught. */
    mix_reset(m, base);
    run(m, base, &s, ra[0], ra[1], 64);
    memcpy(y[0], ra[0], LEN * 4);
    unsigned at = SEG;
    for (unsigned i = SEG; i < SEG + 200; i++)
        at = fabsf(ra[0][i]) > fabsf(ra[0][at]) ? i : at;
    for (unsigned i = at; i < LEN; i++)
        y[0][i] *= 0.99f;
    double bound = 2 * click_metric(ra[0], SEG / 2, LEN) + 1e-3 * peak(ra[0], SEG / 2, LEN);
    ok(click_metric(y[0], SEG / 2, LEN) > bound,
       "a hard 1 %% gain step is flagged as a click (%.2e > %.2e)",
       click_metric(y[0], SEG / 2, LEN), bound);
    mix_destroy(m);
    params_free(lo), params_free(hi), params_free(base);
    free(ra[0]), free(ra[1]), free(rb[0]), free(rb[1]), free(y[0]), free(y[1]);
    sig_free(&s);
}

static float peak(const float *y, unsigned from, unsigned to);

static void test_nan_recovery(void)
{
    const unsigned N = 2, LEN = 6 * 48000;
    struct sig s = sig_new(N, LEN);
    struct params *p = busy(N, N, 1);
    struct mix *m;
    float *ol = calloc(LEN, 4), *or_ = calloc(LEN, 4);
    fill_noise(&s, 0.5f);
    for (unsigned i = 10000; i < 10100; i++) {
        s.l[0][i] = NAN;
        s.r[0][i] = i & 1 ? INFINITY : -INFINITY;
        s.l[1][i] = 1e-42f; /* denormals */
        s.r[1][i] = -1e-40f;
    }
    for (unsigned k = 0; k < N; k++)
        for (unsigned i = 24000; i < LEN; i++)
            s.l[k][i] = s.r[k][i] = 0.0f; /* then silence */
    mix_create(&m, N, RATE);
    mix_reset(m, p);
    run(m, p, &s, ol, or_, 64);
    unsigned bad = 0, nonzero = 0;
    for (unsigned i = 0; i < LEN; i++)
        bad += !isfinite(ol[i]) || !isfinite(or_[i]);
    ok(bad == 0, "NaN, inf and denormal bursts: every output sample finite (%u not)", bad);
    float after1s = peak(ol, 24000 + 48000, LEN);
    ok(after1s < 1e-9f, "1 s into the silence the output is below -180 dBFS (%.1e)",
       (double)after1s);
    /* The slowest decay is a 50 Hz Q 8 bell (tau ~ 50 ms): float reaches the flush-to-zero
     * threshold (1e-38) after ~87 tau, so 5 s of silence end in exact zeros. */
    for (unsigned i = LEN - 24000; i < LEN; i++)
        nonzero += ol[i] != 0.0f || or_[i] != 0.0f;
    ok(nonzero == 0, "and after 5 s it is exact zeros (%u not): nothing crawls through denormals",
       nonzero);
    mix_destroy(m);
    params_free(p);
    free(ol), free(or_);
    sig_free(&s);
}

static void test_routing(void)
{
    const unsigned N = 3, LEN = 24000;
    struct sig s = sig_new(N, LEN);
    struct params *p = params_new(N);
    struct mix *m;
    float *ol = calloc(LEN, 4), *or_ = calloc(LEN, 4);
    p->bus[BUS_LIM_ON] = 0;
    /* stem k: a sine at its own frequency in both channels */
    for (unsigned k = 0; k < N; k++)
        for (unsigned i = 0; i < LEN; i++)
            s.l[k][i] = s.r[k][i] =
                0.1f * sinf(2 * (float)M_PI * 1000.0f * (k + 1) * i / (float)RATE);
    mix_create(&m, N, RATE);

    p->stem[1][STEM_SOLO] = 1;
    mix_reset(m, p);
    run(m, p, &s, ol, or_, 128);
    /* with stem 2 soloed, the output is stem 2 (delayed) only */
    unsigned lat = mix_latency(m);
    double err = 0;
    for (unsigned i = LEN / 2; i < LEN; i++)
        err = fmax(err, fabs(ol[i] - s.l[1][i - lat]));
    ok(err < 1e-6, "solo in place: only the soloed stem is heard (max error %.1e)", err);

    p->stem[1][STEM_SOLO] = 0;
    p->stem[0][STEM_MUTE] = 1;
    p->stem[2][STEM_MUTE] = 1;
    mix_reset(m, p);
    run(m, p, &s, ol, or_, 128);
    err = 0;
    for (unsigned i = LEN / 2; i < LEN; i++)
        err = fmax(err, fabs(or_[i] - s.r[1][i - lat]));
    ok(err < 1e-6, "mute: muted stems are gone (max error %.1e)", err);

    /* sidechain: stem 1 (quiet) keyed by a loud stem 3 is compressed; keyed by itself it is not */
    memset(p->stem[0], 0, 0);
    p->stem[0][STEM_MUTE] = 0;
    p->stem[2][STEM_MUTE] = 1;
    p->stem[1][STEM_MUTE] = 1;
    for (unsigned i = 0; i < LEN; i++)
        s.l[2][i] = s.r[2][i] = 0.9f * sinf(2 * (float)M_PI * 60.0f * i / (float)RATE);
    p->stem[0][STEM_COMP_ON] = 1;
    p->stem[0][STEM_COMP_THRESHOLD] = -30;
    p->stem[0][STEM_COMP_RATIO] = 10;
    mix_reset(m, p);
    run(m, p, &s, ol, or_, 128);
    double self = rms(ol, LEN / 2, LEN);
    p->stem[0][STEM_COMP_SIDECHAIN] = 3;
    mix_reset(m, p);
    run(m, p, &s, ol, or_, 128);
    double keyed = rms(ol, LEN / 2, LEN);
    ok(20 * log10(keyed / self) < -10, "a muted loud stem keys a quiet stem's compressor: %.1f dB",
       20 * log10(keyed / self));
    mix_destroy(m);
    params_free(p);
    free(ol), free(or_);
    sig_free(&s);
}

int main(void)
{
    dsp_flush_denormals();
    test_latency();
    test_transparency();
    test_chunks();
    test_stages();
    test_routing();
    test_nan_recovery();
    test_rows_reach_dsp();
    test_clicks();
    return done_testing();
}
