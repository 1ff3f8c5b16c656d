/* tests/test_compare.c: the loudness-matched bypass (/bus/compare) through the whole mix: lined
 * up with the processed master sample for sample (the plain sum times the gain, exactly), at the
 * processed master's loudness by libebur128 (short-term and integrated matches, on a busy chain),
 * the ceiling kept, the processing running underneath (off again: the processed samples, bit for
 * bit), and the same samples however the host slices the signal. The switch's crossfade is
 * judged by tests/test_mix.c's click test, which covers every row of the table. */
#include <ebur128.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/compare.h"
#include "dsp/mix.h"
#include "dsp/preset.h"
#include "tests/ref_ebur128.h"
#include "tests/tap.h"
#include "tools/busy.h"

#define RATE   48000
#define NSTEMS 4

static uint32_t rng = 12345u;
static float urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return (float)((rng >> 8) * (1.0 / 16777216.0) * 2.0 - 1.0);
}

struct sig {
    unsigned n;
    float *l[NSTEMS], *r[NSTEMS];
};

/* Programme-like stems: noise with a slow level envelope and a tone, each its own. */
static struct sig sig_new(unsigned n, float amp)
{
    struct sig s = {n, {0}, {0}};
    for (unsigned k = 0; k < NSTEMS; k++) {
        s.l[k] = malloc(n * sizeof(float));
        s.r[k] = malloc(n * sizeof(float));
        if (!s.l[k] || !s.r[k]) bail("out of memory");
        for (unsigned i = 0; i < n; i++) {
            float env = 0.6f + 0.4f * sinf(2.0f * (float)M_PI * 0.7f * i / RATE + (float)k);
            float tone = 0.3f * sinf(2.0f * (float)M_PI * 110.0f * (k + 1) * i / RATE);
            s.l[k][i] = amp * env * (0.7f * urand() + tone);
            s.r[k][i] = amp * env * (0.7f * urand() + tone);
        }
    }
    return s;
}

static void sig_free(struct sig *s)
{
    for (unsigned k = 0; k < NSTEMS; k++)
        free(s->l[k]), free(s->r[k]);
}

/* The mix over [from, to) of the signal in calls of `block` frames (0: random sizes); at frame
 * `at` (a call boundary is made there) the compare row takes `then`. */
static void run(struct mix *m, struct params *p, const struct sig *s, float *ol, float *or_,
                unsigned from, unsigned to, unsigned block)
{
    const float *il[NSTEMS], *ir[NSTEMS];
    for (unsigned done = from; done < to;) {
        unsigned n = block ? block : 1 + (unsigned)((urand() + 1.0f) * 300);
        if (n > to - done) n = to - done;
        for (unsigned k = 0; k < NSTEMS; k++)
            il[k] = s->l[k] + done, ir[k] = s->r[k] + done;
        mix_process(m, p, il, ir, ol + done, or_ + done, n);
        done += n;
    }
}

static struct params *preset(const char *text)
{
    struct params *p = params_new(NSTEMS);
    struct params_names pn = {NSTEMS, NULL};
    if (!p || preset_apply(p, text, "test", &pn, NULL, NULL) != 0) bail("preset refused");
    return p;
}

/* libebur128's integrated loudness of frames [from, to). */
static double ref_lufs(const float *l, const float *r, unsigned from, unsigned to)
{
    ebur128_state *st = ebur128_init(2, RATE, EBUR128_MODE_I);
    float *il = malloc(2 * (size_t)(to - from) * sizeof *il);
    double v = -HUGE_VAL;
    if (!st || !il) bail("libebur128: out of memory");
    for (unsigned i = from; i < to; i++)
        il[2 * (i - from)] = l[i], il[2 * (i - from) + 1] = r[i];
    ebur128_add_frames_float(st, il, to - from);
    ebur128_loudness_global(st, &v);
    ebur128_destroy(&st);
    free(il);
    return v;
}

/* A chain that changes the waveform (a +6 dB bell at 1 kHz) and no limiter: the bypass must come
 * out as the plain sum delayed by the latency times the gain the meter reads, sample for sample,
 * and not as the processed master. */
static void test_lined_up(void)
{
    const unsigned LEN = 10 * RATE, FROM = 9 * RATE;
    struct sig s = sig_new(LEN, 0.05f);
    struct params *p = preset("/bus/limiter/on 0\n/bus/eq/3/on 1\n/bus/eq/3/freq 1000\n"
                              "/bus/eq/3/gain 6\n/bus/eq/3/q 0.7\n/bus/compare bypass\n");
    struct params *off = params_dup(p);
    off->bus[BUS_COMPARE] = COMPARE_OFF;
    float *ol = malloc(LEN * 4), *or_ = malloc(LEN * 4), *pl = malloc(LEN * 4),
          *pr = malloc(LEN * 4);
    struct mix *m;
    if (!off || mix_create(&m, NSTEMS, RATE) != 0 || !ol || !or_ || !pl || !pr) bail("mix_create");
    mix_reset(m, off);
    run(m, off, &s, pl, pr, 0, LEN, 256);
    mix_reset(m, p);
    run(m, p, &s, ol, or_, 0, LEN, 256);
    struct mix_meters *mm = mix_meters_new(NSTEMS);
    mix_take_meters(m, mm);
    unsigned lat = mix_latency(m), bad = 0, unlike = 0;
    /* the gain over the last second, least squares: the glide moves it by far less than 1e-3 */
    double num = 0, den = 0;
    for (unsigned i = FROM; i < LEN; i++)
        for (unsigned ch = 0; ch < 2; ch++) {
            double sum = 0;
            for (unsigned k = 0; k < NSTEMS; k++)
                sum += ch ? s.r[k][i - lat] : s.l[k][i - lat];
            num += sum * (ch ? or_[i] : ol[i]), den += sum * sum;
        }
    double g = num / den, worst = 0;
    for (unsigned i = FROM; i < LEN; i++) {
        double sl = 0, sr = 0;
        for (unsigned k = 0; k < NSTEMS; k++)
            sl += s.l[k][i - lat], sr += s.r[k][i - lat];
        double e = fmax(fabs(ol[i] - g * sl), fabs(or_[i] - g * sr)),
               ref = fabs(sl) + fabs(sr) + 1e-9;
        worst = fmax(worst, e / ref);
        bad += e > 1e-3 * ref + 1e-7;
        unlike += fabs(pl[i] - g * sl) > 1e-2 * ref + 1e-6;
    }
    ok(bad == 0 && unlike > RATE / 2,
       "bypass at 9-10 s = the plain sum delayed by the latency (%u frames) times one gain, within "
       "0.1 %% (worst %.2g relative; %u frames off), where the processed master is not (%u of %u "
       "frames differ)",
       lat, worst, bad, unlike, RATE);
    ok(fabs(20 * log10(g) - mm->bus.compare_gain_db) < 0.01 && mm->bus.compare_gain_db > 0.3f,
       "that gain is the compare_gain meter's, %.3f dB (%.3f)", (double)mm->bus.compare_gain_db,
       20 * log10(g));
    free(mm);
    mix_destroy(m);
    params_free(p), params_free(off);
    free(ol), free(or_), free(pl), free(pr);
    sig_free(&s);
}

/* A busy chain (every module on, the limiter working): the bypass at the processed master's
 * loudness, by an independent meter, for each match; the ceiling kept. */
static void test_fair(void)
{
    const unsigned LEN = 16 * RATE;
    struct sig s = sig_new(LEN, 0.12f);
    char *busy = busy_preset(NSTEMS, 1, 1);
    if (!busy) bail("out of memory");
    float *pl = malloc(LEN * 4), *pr = malloc(LEN * 4), *bl = malloc(LEN * 4),
          *br = malloc(LEN * 4);
    if (!pl || !pr || !bl || !br) bail("out of memory");
    struct params *proc = preset(busy);
    struct mix *m;
    if (mix_create(&m, NSTEMS, RATE) != 0) bail("mix_create");
    mix_reset(m, proc);
    run(m, proc, &s, pl, pr, 0, LEN, 512);
    double lp = ref_lufs(pl, pr, 8 * RATE, LEN);
    float ceiling = proc->bus[BUS_LIM_CEILING];
    static const char *const match[] = {"short-term", "integrated"};
    for (unsigned k = 0; k < 2; k++) {
        struct params *b = params_dup(proc);
        b->bus[BUS_COMPARE] = COMPARE_BYPASS;
        b->bus[BUS_COMPARE_MATCH] = (float)k;
        mix_reset(m, b);
        run(m, b, &s, bl, br, 0, LEN, 512);
        double lb = ref_lufs(bl, br, 8 * RATE, LEN);
        double lsum = 0;
        {
            /* the plain sum's own loudness: what an unmatched bypass would play */
            float *sl = malloc(LEN * 4), *sr = malloc(LEN * 4);
            if (!sl || !sr) bail("out of memory");
            for (unsigned i = 0; i < LEN; i++) {
                sl[i] = sr[i] = 0;
                for (unsigned j = 0; j < NSTEMS; j++)
                    sl[i] += s.l[j][i], sr[i] += s.r[j][i];
            }
            lsum = ref_lufs(sl, sr, 8 * RATE, LEN);
            free(sl), free(sr);
        }
        unsigned differ = 0;
        for (unsigned i = 8 * RATE; i < LEN; i++)
            differ += bl[i] != pl[i];
        ok(fabs(lb - lp) <= 0.5 && fabs(lsum - lp) > 3.0 && differ > RATE,
           "%s match: the bypass at %.2f LUFS, the processed master at %.2f (within 0.5 LU; "
           "the plain sum is %.2f, the bypass differs in %u frames)",
           match[k], lb, lp, lsum, differ);
        double tp = 20 * log10(ref_true_peak(bl + 8 * RATE, br + 8 * RATE, LEN - 8 * RATE, RATE));
        ok(tp <= ceiling + 0.05, "%s match: the bypass keeps the ceiling, %.2f dBTP (ceiling %.1f)",
           match[k], tp, (double)ceiling);
        params_free(b);
    }
    mix_destroy(m);
    params_free(proc);
    free(busy);
    free(pl), free(pr), free(bl), free(br);
    sig_free(&s);
}

/* Bypass for 3 s, then off: after the 10 ms crossfade the output is the processed master's, bit
 * for bit (the chain kept running underneath); and the bypass's samples do not depend on how
 * the signal is sliced into calls. */
static void test_underneath_and_slicing(void)
{
    const unsigned LEN = 5 * RATE, SWITCH = 3 * RATE;
    struct sig s = sig_new(LEN, 0.12f);
    char *busy = busy_preset(NSTEMS, 1, 1);
    struct params *off = preset(busy), *on = params_dup(off);
    on->bus[BUS_COMPARE] = COMPARE_BYPASS;
    float *al = malloc(LEN * 4), *ar = malloc(LEN * 4), *bl = malloc(LEN * 4),
          *br = malloc(LEN * 4);
    if (!busy || !on || !al || !ar || !bl || !br) bail("out of memory");
    struct mix *m;
    if (mix_create(&m, NSTEMS, RATE) != 0) bail("mix_create");
    mix_reset(m, off);
    run(m, off, &s, al, ar, 0, LEN, 256);
    mix_reset(m, off);
    run(m, on, &s, bl, br, 0, SWITCH, 256);
    run(m, off, &s, bl, br, SWITCH, LEN, 256);
    unsigned fade = (unsigned)(XFADE_MS * RATE / 1000) + 1, differ = 0, during = 0;
    for (unsigned i = SWITCH + fade; i < LEN; i++)
        differ += al[i] != bl[i] || ar[i] != br[i];
    for (unsigned i = RATE; i < SWITCH; i++)
        during += al[i] != bl[i];
    ok(during > 0 && differ == 0,
       "off again after 3 s of bypass: the processed master bit for bit once the crossfade is "
       "done (%u frames differ after it; the bypass differed in %u)",
       differ, during);

    /* Switched at fixed frames (on at 1 s, off at 2 s, on again 5 ms later: mid-fade; off at
     * 3 s, on again 490 frames later: just after the 480-frame fade-out ended, inside one call of
     * 64 frames, in calls of its own when the calls are single frames), in calls of 64 frames and
     * of random sizes: the same samples, warm-ups and fades included. */
    const unsigned at[] = {0, RATE, 2 * RATE, 2 * RATE + RATE / 200, 3 * RATE, 3 * RATE + 490, LEN};
    for (unsigned pass = 0; pass < 2; pass++) {
        float *xl = pass ? bl : al, *xr = pass ? br : ar;
        mix_reset(m, off);
        for (unsigned k = 0; k + 1 < sizeof at / sizeof at[0]; k++)
            run(m, k % 2 ? on : off, &s, xl, xr, at[k], at[k + 1], pass ? (k == 4 ? 1 : 0) : 64);
    }
    ok(!memcmp(al, bl, LEN * 4) && !memcmp(ar, br, LEN * 4),
       "switched on, off, on mid-fade, off, on after the fade: the same samples in calls of 64 "
       "frames and of random sizes");
    mix_destroy(m);
    params_free(off), params_free(on);
    free(busy);
    free(al), free(ar), free(bl), free(br);
    sig_free(&s);
}

int main(void)
{
    test_lined_up();
    test_fair();
    test_underneath_and_slicing();
    return done_testing();
}
