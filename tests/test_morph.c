/* tests/test_morph.c: a scene recall's morph (dsp/morph.h): each kind of parameter along its
 * taper against the formula written here from the taper's definition (a frequency
 * geometrically, a fader along the fader law, a switch and an enum at the midpoint), the live
 * values exactly at the end; the same values however the calls are cut; a second recall
 * starting where the first had got to; a change during the morph taking its parameter out;
 * more moving values than the per-sub-block budget; and the audio of a morph through a real mix
 * the same at block 64 and at random block sizes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/dsp.h"
#include "dsp/mix.h"
#include "dsp/morph.h"
#include "tests/tap.h"

#define RATE   48000.0
#define NSTEMS 2

static uint32_t rng = 4242u;
static unsigned urand(unsigned n)
{
    rng = rng * 1664525u + 1013904223u;
    return (rng >> 8) % n;
}

static struct param_ref ref_of(const char *path)
{
    struct param_ref ref;
    char err[160];
    const struct params_names names = {8, NULL};
    if (params_resolve(path, &names, &ref, err, sizeof err) < 0) bail(err);
    return ref;
}

static void set(struct params *p, const char *path, float v)
{
    struct param_ref ref = ref_of(path);
    *params_slot(p, &ref) = v;
}

/* What morph_run handed out: one value per frame (the value in force at that frame). */
struct trace {
    struct param_ref ref;
    float *v;
    unsigned at;
    const struct params *last;
};

static void record(void *ctx, const struct params *p, unsigned off, unsigned n)
{
    struct trace *t = ctx;
    (void)off;
    for (unsigned i = 0; i < n; i++)
        t->v[t->at + i] = params_get(p, &t->ref);
    t->at += n;
    t->last = p;
}

/* Run frames of a morph in calls of `block` frames (0: random sizes), tracing ref. */
static void run(struct morph *m, const struct params *live, uint64_t seq,
                const struct morph_plan *plan, unsigned frames, unsigned block, struct trace *t,
                unsigned *phase)
{
    for (unsigned done = 0; done < frames;) {
        unsigned n = block ? block : 1 + urand(100);
        n = n < frames - done ? n : frames - done;
        unsigned at;
        morph_run(m, *phase, live, seq, plan, n, record, t, &at);
        *phase = (*phase + n) % DSP_SUB;
        done += n;
    }
}

static void test_tapers(void)
{
    struct params *a = params_new(NSTEMS), *b = params_new(NSTEMS);
    set(a, "/stem/1/eq/1/freq", 100), set(b, "/stem/1/eq/1/freq", 1000);
    set(a, "/stem/1/fader", -40), set(b, "/stem/1/fader", 6);
    set(a, "/stem/1/eq/1/on", 0), set(b, "/stem/1/eq/1/on", 1);
    set(a, "/stem/1/eq/1/type", 0), set(b, "/stem/1/eq/1/type", 3);
    set(a, "/bus/limiter/ceiling", -3), set(b, "/bus/limiter/ceiling", -1);
    const double secs = 0.5;
    struct morph_plan *plan = morph_plan_new(1, a, secs, RATE);
    struct morph *m = morph_new(NSTEMS);
    const unsigned len = plan->len, frames = (len + 4) * DSP_SUB;
    ok(len == (unsigned)(secs * RATE / DSP_SUB + 0.5), "0.5 s is %u sub-blocks of %d frames", len,
       DSP_SUB);

    static const char *const path[] = {"/stem/1/eq/1/freq", "/stem/1/fader", "/stem/1/eq/1/on",
                                       "/stem/1/eq/1/type", "/bus/limiter/ceiling"};
    for (unsigned q = 0; q < 5; q++) {
        struct trace t = {ref_of(path[q]), calloc(frames, sizeof(float)), 0, NULL};
        unsigned phase = 0;
        morph_reset(m);
        /* the morph is a new plan to a fresh state: same id again needs a fresh morph */
        morph_free(m);
        m = morph_new(NSTEMS);
        run(m, b, 1, plan, frames, 64, &t, &phase);
        const struct param_def *d = t.ref.def;
        float va = params_get(a, &t.ref), vb = params_get(b, &t.ref);
        double worst = 0;
        int exact_end = 1;
        for (unsigned j = 0; j < len + 4; j++) {
            float got = t.v[j * DSP_SUB];
            double want;
            /* sub-block j (from 0) is j + 1 steps of len on: the last one the live value */
            double u = j + 1 >= len ? 1.0 : (double)(j + 1) / len;
            if (d->type != PT_FLOAT) {
                want = u < 0.5 ? va : vb;
            } else if (d->taper == TAPER_LOG) {
                want = va * pow(vb / va, u);
            } else if (d->taper == TAPER_FADER) {
                /* the fader law of params.h: 0.25 of the travel at -30 dB, linear on both sides */
                double na = 0.25 * (va - d->min) / (-30.0 - d->min);
                double nb = 0.25 + 0.75 * (vb + 30.0) / (d->max + 30.0);
                double nn = na + (nb - na) * u;
                want = nn >= 0.25 ? -30.0 + (nn - 0.25) / 0.75 * (d->max + 30.0)
                                  : d->min + nn / 0.25 * (-30.0 - d->min);
            } else {
                want = va + (vb - va) * u;
            }
            if (j + 1 >= len) exact_end &= got == vb;
            double e = d->taper == TAPER_LOG ? fabs(log(got / want)) : fabs(got - want);
            worst = e > worst ? e : worst;
        }
        ok(worst < 1e-4 && exact_end,
           "%s: %g -> %g along its taper (worst %.2g off the formula), exactly %g from the last "
           "sub-block",
           path[q], va, vb, worst, vb);
        free(t.v);
    }
    ok(morph_done_id(m) == 1 && !morph_active(m), "the morph reports its end");
    morph_free(m);
    morph_plan_free(plan);
    params_free(a), params_free(b);
}

static void test_slicing_and_changes(void)
{
    struct params *a = params_new(NSTEMS), *b = params_new(NSTEMS), *c = params_new(NSTEMS);
    set(a, "/stem/2/eq/3/freq", 200), set(b, "/stem/2/eq/3/freq", 5000);
    set(a, "/stem/2/pan", -1), set(b, "/stem/2/pan", 1);
    memcpy(c, b, params_size(NSTEMS));
    set(c, "/stem/2/eq/3/freq", 300);
    struct morph_plan *plan = morph_plan_new(7, a, 0.2, RATE);
    const unsigned frames = (plan->len + 2) * DSP_SUB + 17;
    float *v[2];
    for (int pass = 0; pass < 2; pass++) {
        struct morph *m = morph_new(NSTEMS);
        struct trace t = {ref_of("/stem/2/eq/3/freq"), calloc(frames + 40, sizeof(float)), 0, 0};
        unsigned phase = 0;
        /* 40 frames before the recall: a plan meets the run mid sub-block */
        run(m, a, 1, NULL, 40, 0, &t, &phase);
        run(m, b, 2, plan, frames, pass ? 0 : 64, &t, &phase);
        v[pass] = t.v;
        morph_free(m);
    }
    int same = !memcmp(v[0], v[1], (frames + 40) * sizeof(float));
    /* the recall lands at the first boundary after frame 40: 64 */
    ok(same && v[0][63] == 200.0f && v[0][64] > 200.0f,
       "calls of 64 and of random sizes: the same value at every frame; the morph starts at the "
       "first sub-block boundary after the recall (%g at 63, %g at 64)",
       v[0][63], v[0][64]);
    free(v[0]), free(v[1]);

    /* A second recall at 40 % of the first: from where the first had got to. */
    struct morph *m = morph_new(NSTEMS);
    struct trace t = {ref_of("/stem/2/eq/3/freq"), calloc(4 * plan->len * DSP_SUB, sizeof(float)),
                      0, NULL};
    unsigned phase = 0, at1 = plan->len * 2 / 5 * DSP_SUB;
    run(m, b, 2, plan, at1, 64, &t, &phase);
    float before = t.v[at1 - 1];
    struct morph_plan *plan2 = morph_plan_new(8, b, 0.2, RATE);
    run(m, c, 3, plan2, (plan2->len + 1) * DSP_SUB, 64, &t, &phase);
    float first = t.v[at1], end = t.v[t.at - 1];
    double step = fabs(log(first / before)), full = log(5000.0 / 200.0) / plan->len;
    ok(step < 2 * full && end == 300.0f,
       "a recall during a morph starts where it had got to (%.1f Hz, then %.1f Hz: a step of "
       "%.2g in log, one sub-block's is %.2g) and ends on the new scene (%g Hz)",
       before, first, step, full, end);
    free(t.v);
    morph_free(m);

    /* A change during the morph: its parameter leaves it, the others go on. */
    m = morph_new(NSTEMS);
    struct trace tf = {ref_of("/stem/2/eq/3/freq"), calloc(4 * plan->len * DSP_SUB, 4), 0, NULL};
    struct trace tp = {ref_of("/stem/2/pan"), calloc(4 * plan->len * DSP_SUB, 4), 0, NULL};
    phase = 0;
    run(m, b, 2, plan, at1, 64, &tf, &phase);
    struct params *b2 = params_dup(b);
    set(b2, "/stem/2/pan", 0.25f);
    unsigned off = morph_offset(&tp.ref);
    struct morph_plan *less = morph_plan_without(plan, &off, 1);
    phase = 0;
    unsigned rest = (plan->len + 1) * DSP_SUB - at1;
    for (unsigned done = 0; done < rest; done += DSP_SUB) {
        unsigned at;
        morph_run(m, phase, b2, 3, less, DSP_SUB, record, &tp, &at);
        tf.v[tf.at] = params_get(tp.last, &tf.ref);
        tf.at += DSP_SUB;
    }
    ok(tp.v[0] == 0.25f && tf.v[at1] > tf.v[at1 - 1] && tf.v[tf.at - DSP_SUB] == 5000.0f,
       "a change during the morph: that parameter takes its value at once (pan %g), the others "
       "go on (eq freq %.1f -> %.1f Hz, 5000 at the end)",
       tp.v[0], tf.v[at1 - 1], tf.v[at1]);
    free(tf.v), free(tp.v);
    morph_free(m);
    morph_plan_free(less), morph_plan_free(plan2), morph_plan_free(plan);
    params_free(a), params_free(b), params_free(b2), params_free(c);
}

/* How a morph ends other than at its end: a reset, a dropped plan, a new graph seeded with the
 * plan its predecessor ran (none replays); and a recall that follows one not yet started. */
static void test_ends(void)
{
    struct params *a = params_new(NSTEMS), *b = params_new(NSTEMS);
    set(a, "/stem/1/eq/2/freq", 200), set(b, "/stem/1/eq/2/freq", 5000);
    struct morph_plan *plan = morph_plan_new(5, a, 0.2, RATE);
    const unsigned frames = 4 * plan->len * DSP_SUB;
    struct trace t = {ref_of("/stem/1/eq/2/freq"), calloc(frames, sizeof(float)), 0, NULL};
    unsigned phase = 0, half = plan->len / 2 * DSP_SUB;

    struct morph *m = morph_new(NSTEMS);
    run(m, b, 2, plan, half, 64, &t, &phase);
    int mid = morph_active(m) && morph_done_id(m) == 0;
    morph_reset(m);
    t.at = 0;
    run(m, b, 2, plan, DSP_SUB, 64, &t, &phase);
    ok(mid && !morph_active(m) && morph_done_id(m) == 5 && t.v[0] == 5000.0f,
       "a reset mid-morph ends it: reported done (id %llu), the live value at once (%g), no "
       "replay",
       (unsigned long long)morph_done_id(m), t.v[0]);
    morph_free(m);

    m = morph_new(NSTEMS);
    run(m, b, 2, plan, half, 64, &t, &phase);
    run(m, b, 3, NULL, DSP_SUB, 64, &t, &phase);
    ok(!morph_active(m) && morph_done_id(m) == 5, "a dropped plan mid-morph is reported done");
    morph_free(m);

    m = morph_new(NSTEMS);
    morph_seed(m, 5);
    t.at = 0, phase = 0;
    run(m, b, 2, plan, DSP_SUB, 64, &t, &phase);
    ok(!morph_active(m) && morph_done_id(m) == 5 && t.v[0] == 5000.0f,
       "seeded with its plan (a new graph), a morph does not replay: the live value (%g)", t.v[0]);
    morph_free(m);

    /* a (200 Hz) -> mid (1000 Hz) recalled and then mid -> b (5000 Hz). Before any sub-block
     * of the first ran, the second starts where the audio is (near 200: its first sub-block is
     * one step on), not at the first one's target; after the first ran to its end, at 1000. */
    struct params *mid_p = params_dup(a);
    set(mid_p, "/stem/1/eq/2/freq", 1000);
    struct morph_plan *first = morph_plan_new(6, a, 0.2, RATE);
    struct morph_plan *second = morph_plan_new(7, mid_p, 0.2, RATE);
    if (morph_plan_follow(second, first) < 0) bail("out of memory");
    m = morph_new(NSTEMS);
    t.at = 0, phase = 0;
    run(m, b, 2, second, (second->len + 1) * DSP_SUB, 64, &t, &phase);
    ok(t.v[0] < 300.0f && t.v[DSP_SUB] > t.v[0] && t.v[t.at - 1] == 5000.0f,
       "a recall after one not yet started: from where the audio is (%g, then %.1f Hz), to the "
       "last scene (%g)",
       t.v[0], t.v[DSP_SUB], t.v[t.at - 1]);
    morph_free(m);
    m = morph_new(NSTEMS);
    t.at = 0, phase = 0;
    run(m, mid_p, 2, first, (first->len + 1) * DSP_SUB, 64, &t, &phase);
    float ended = t.v[t.at - 1];
    t.at = 0;
    run(m, b, 3, second, (second->len + 1) * DSP_SUB, 64, &t, &phase);
    ok(ended == 1000.0f && t.v[0] > 1000.0f && t.v[0] < 1100.0f && t.v[t.at - 1] == 5000.0f,
       "... and after the first ran to its end (%g Hz): from there (%.1f Hz), not from before it",
       ended, t.v[0]);
    morph_free(m);
    morph_plan_free(first), morph_plan_free(second), morph_plan_free(plan);
    free(t.v);
    params_free(a), params_free(b), params_free(mid_p);
}

/* More moving values than MORPH_BUDGET: each refreshed every few sub-blocks, all exact at the
 * end. */
static void test_budget(void)
{
    const unsigned ns = 8;
    struct params *a = params_new(ns), *b = params_new(ns);
    unsigned nmoving = 0;
    for (unsigned i = 0; i < params_count(ns); i++) {
        struct param_ref ref;
        params_ref_at(ns, i, &ref);
        if (ref.def->type != PT_FLOAT || ref.def->max == ref.def->def) continue;
        *params_slot(b, &ref) = ref.def->max;
        nmoving++;
    }
    struct morph_plan *plan = morph_plan_new(1, a, 1.0, RATE);
    struct morph *m = morph_new(ns);
    unsigned rounds = (nmoving + MORPH_BUDGET - 1) / MORPH_BUDGET, stale_max = 0;
    struct params *prev = params_dup(a);
    unsigned *stale = calloc(params_count(ns), sizeof *stale);
    int exact = 0;
    for (unsigned j = 0; j <= plan->len; j++) {
        struct trace t = {ref_of("/bus/eq/1/gain"), calloc(DSP_SUB, 4), 0, NULL};
        unsigned at;
        morph_run(m, 0, b, 1, plan, DSP_SUB, record, &t, &at);
        for (unsigned i = 0; i < params_count(ns) && j < plan->len - 1; i++) {
            struct param_ref ref;
            params_ref_at(ns, i, &ref);
            float now = params_get(t.last, &ref);
            stale[i] = now != params_get(prev, &ref) ? 0 : stale[i] + 1;
            if (params_get(b, &ref) != params_get(a, &ref) && stale[i] > stale_max)
                stale_max = stale[i];
        }
        memcpy(prev, t.last, params_size(ns));
        exact = !memcmp(t.last, b, params_size(ns));
        free(t.v);
    }
    ok(nmoving > MORPH_BUDGET && stale_max < rounds && exact,
       "%u values moving, %u recomputed a sub-block: each refreshed at least every %u sub-blocks "
       "(longest wait %u), all exact at the end",
       nmoving, MORPH_BUDGET, rounds, stale_max + 1);
    free(stale);
    params_free(prev), params_free(a), params_free(b);
    morph_plan_free(plan);
    morph_free(m);
}

/* The audio of a morph through the mix, at block 64 and at random block sizes. */
struct mixrun {
    struct mix *mix;
    const float *const *in_l, *const *in_r;
    float *out_l, *out_r;
    unsigned at;
};

static void mix_piece(void *ctx, const struct params *p, unsigned off, unsigned n)
{
    struct mixrun *r = ctx;
    const float *il[NSTEMS], *ir[NSTEMS];
    for (unsigned k = 0; k < NSTEMS; k++)
        il[k] = r->in_l[k] + r->at + off, ir[k] = r->in_r[k] + r->at + off;
    mix_process(r->mix, p, il, ir, r->out_l + r->at + off, r->out_r + r->at + off, n);
}

static void test_audio(void)
{
    const unsigned frames = 48000;
    float *in[2][NSTEMS], *out[2][2];
    for (unsigned k = 0; k < NSTEMS; k++) {
        in[0][k] = malloc(frames * 4), in[1][k] = malloc(frames * 4);
        for (unsigned i = 0; i < frames; i++) {
            in[0][k][i] = (float)(0.3 * sin(2 * M_PI * (110.0 + 200 * k) * i / RATE)) +
                          0.1f * ((float)urand(2000) / 1000.0f - 1.0f);
            in[1][k][i] = in[0][k][i];
        }
    }
    struct params *a = params_new(NSTEMS), *b = params_new(NSTEMS);
    set(b, "/stem/1/eq/1/on", 1), set(b, "/stem/1/eq/1/gain", 9), set(b, "/stem/1/eq/1/freq", 2000);
    set(b, "/stem/2/comp/on", 1), set(b, "/stem/2/comp/threshold", -30);
    set(b, "/stem/2/fader", -12), set(b, "/bus/limiter/drive", 6);
    struct morph_plan *plan = morph_plan_new(1, a, 0.5, RATE);
    for (int pass = 0; pass < 2; pass++) {
        struct mixrun r = {NULL,
                           (const float *const *)in[0],
                           (const float *const *)in[1],
                           out[pass][0] = calloc(frames, 4),
                           out[pass][1] = calloc(frames, 4),
                           0};
        struct morph *m = morph_new(NSTEMS);
        mix_create(&r.mix, NSTEMS, RATE);
        mix_reset(r.mix, a);
        for (r.at = 0; r.at < frames;) {
            unsigned n = pass ? 1 + urand(300) : 64;
            n = n < frames - r.at ? n : frames - r.at;
            if (r.at < 9600 && r.at + n > 9600) n = 9600 - r.at; /* the recall lands at 9600 */
            int after = r.at >= 9600;
            unsigned at;
            morph_run(m, mix_phase(r.mix), after ? b : a, after ? 2 : 1, after ? plan : NULL, n,
                      mix_piece, &r, &at);
            r.at += n;
        }
        morph_free(m);
        mix_destroy(r.mix);
    }
    double moved = 0;
    for (unsigned i = 9600; i < frames; i++)
        moved += fabs(out[0][0][i] - in[0][0][i]);
    ok(!memcmp(out[0][0], out[1][0], frames * 4) && !memcmp(out[0][1], out[1][1], frames * 4) &&
           moved > 1.0,
       "a morph through the mix: the same samples at block 64 and at random block sizes");
    for (unsigned k = 0; k < NSTEMS; k++)
        free(in[0][k]), free(in[1][k]);
    free(out[0][0]), free(out[0][1]), free(out[1][0]), free(out[1][1]);
    morph_plan_free(plan);
    params_free(a), params_free(b);
}

int main(void)
{
    dsp_flush_denormals();
    test_tapers();
    test_slicing_and_changes();
    test_ends();
    test_budget();
    test_audio();
    return done_testing();
}
