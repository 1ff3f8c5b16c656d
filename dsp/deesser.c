/* dsp/deesser.c: split-band / wide-band de-esser on an LR4 split (see deesser.h). */
#include "dsp/deesser.h"

#include <math.h>
#include <string.h>

#include "dsp/compressor.h" /* compressor_curve */
#include "dsp/dyneq.h"      /* DYNEQ_RMS_MS, DYNEQ_KNEE_DB, DYNEQ_SNAP_DB */
#include "dsp/eq.h"         /* EQ_GLIDE_MS */
#include "dsp/svf.h"
#include "dsp/table.h"

#define SNAP_LF  1e-4f
#define MS_FLOOR 1e-30f
/* Q = 1/sqrt(2) in every section: k = 1/Q */
#define K_SPLIT 1.41421356237309505f

static void design(const struct deesser *d, float *a)
{
    struct svf_coefs c;
    double f = d->lf.cur == d->lf_t ? d->p.freq_hz : exp(d->lf.cur);
    svf_design(&c, SVF_HIGHPASS, f, M_SQRT1_2, 0.0, d->rate);
    a[0] = c.a1, a[1] = c.a2, a[2] = c.a3;
}

static void clear_state(struct deesser *d)
{
    for (int c = 0; c < 2; c++)
        d->s1[c] = d->s2[c] = d->t1[c] = d->t2[c] = 0.0f;
    d->ms = 0.0f;
    d->g_db = 0.0f;
    d->g0 = d->g1 = 1.0f;
}

static void wake(struct deesser *d)
{
    clear_state(d);
    glide_jump(&d->lf, d->lf_t);
    design(d, d->a);
    memcpy(d->aend, d->a, sizeof d->a);
    memset(d->da, 0, sizeof d->da);
    d->ramp = 0;
    d->wide_x.w = d->p.mode == DEESS_WIDE ? 1.0f : 0.0f;
    d->wide_x.target = d->p.mode == DEESS_WIDE;
    d->listen_x.w = d->p.listen ? 1.0f : 0.0f;
    d->listen_x.target = d->p.listen;
    d->dormant = 0;
}

static void sanitize(struct deesser *d)
{
    float sum =
        d->s1[0] + d->s1[1] + d->s2[0] + d->s2[1] + d->t1[0] + d->t1[1] + d->t2[0] + d->t2[1];
    if (!isfinite(sum) || !(d->ms <= 1e30f)) {
        float g = d->g_db;
        clear_state(d);
        d->g_db = g;
        d->g0 = d->g1 = dsp_db_to_lin(g);
    }
    dsp_zero_tiny(d->s1, 2);
    dsp_zero_tiny(d->s2, 2);
    dsp_zero_tiny(d->t1, 2);
    dsp_zero_tiny(d->t2, 2);
    if (d->ms < MS_FLOOR) d->ms = 0.0f;
}

static void subblock_start(struct deesser *d)
{
    xfade_set(&d->on_x, d->p.on);
    if (xfade_idle_off(&d->on_x)) {
        if (!d->dormant) clear_state(d), d->dormant = 1;
        return;
    }
    if (d->dormant) wake(d);
    sanitize(d);
    xfade_set(&d->wide_x, d->p.mode == DEESS_WIDE);
    xfade_set(&d->listen_x, d->p.listen);

    /* the gain computer on the level measured so far, then attack/release */
    float lev = 10.0f * log10f(d->ms > MS_FLOOR ? d->ms : MS_FLOOR);
    const float w = DYNEQ_KNEE_DB;
    float a = compressor_curve(lev - d->p.threshold_db + 0.5f * w, w, 0.5f / w,
                               1.0f - 1.0f / DEESS_RATIO);
    float gt = -(a < d->p.range_db ? a : d->p.range_db);
    float coef = gt < d->g_db ? d->b_att : d->b_rel;
    float g = d->g_db + coef * (gt - d->g_db);
    if (fabsf(gt - g) <= DYNEQ_SNAP_DB) g = gt;
    d->g_db = g;
    d->g0 = d->g1;
    d->g1 = g == 0.0f ? 1.0f : powf(10.0f, 0.05f * g);
    float gr = -g;
    d->gr_max = gr > d->gr_max ? gr : d->gr_max;

    d->ramp = 0;
    if (glide_step(&d->lf, d->lf_t, d->alpha, SNAP_LF)) {
        design(d, d->aend);
        for (int i = 0; i < 3; i++)
            d->da[i] = (d->aend[i] - d->a[i]) * (1.0f / DSP_SUB);
        d->ramp = 1;
    }
}

/* One fade's weight after a step (xfade.h's motion, per sample). */
static inline float fade_step(struct xfade *x)
{
    float w = x->w + (x->target ? x->step : -x->step);
    x->w = w < 0.0f ? 0.0f : w > 1.0f ? 1.0f : w;
    return xfade_curve(x->w);
}

static int fade_rests(const struct xfade *x)
{
    return x->w == (x->target ? 1.0f : 0.0f);
}

/* What a sub-block piece computes: while no fade moves, only the one output in use. */
enum out { OUT_MIX, OUT_SPLIT, OUT_WIDE, OUT_LISTEN };

/* Left and right in lanes 0 and 1 of one SSE register (2 and 3 ride along): half the
 * instructions of two scalar channels, and few enough live values that the mean square's chain
 * stays in a register (spilled, it waited on a store and a load every sample). Each lane does
 * the scalar sequence, so the output is the same bit for bit. */
typedef float v4 __attribute__((vector_size(16)));

/* The split, the detector and the output; `what` is a constant in each call, so each loop is
 * specialised (the general one steps the three fades per sample). */
static inline __attribute__((always_inline)) void run_as(struct deesser *d, float *restrict l,
                                                         float *restrict r, unsigned off,
                                                         unsigned m, enum out what)
{
    const v4 zero = {0.0f, 0.0f, 0.0f, 0.0f};
    v4 a1 = zero + d->a[0], a2 = zero + d->a[1], a3 = zero + d->a[2];
    const v4 d1 = zero + d->da[0], d2 = zero + d->da[1], d3 = zero + d->da[2];
    const v4 k = zero + K_SPLIT, k2 = zero + 2.0f * K_SPLIT, bm = zero + d->b_ms;
    /* the gain from the sample's place in the sub-block, never accumulated: the same value
     * however the sub-block is cut into calls */
    const float g0 = d->g0, dg = (d->g1 - d->g0) * (1.0f / DSP_SUB);
    const int ramp = d->ramp;
    v4 s1 = {d->s1[0], d->s1[1]}, s2 = {d->s2[0], d->s2[1]};
    v4 t1 = {d->t1[0], d->t1[1]}, t2 = {d->t2[0], d->t2[1]};
    v4 ms = zero + d->ms;

    for (unsigned i = 0; i < m; i++) {
        if (ramp) a1 += d1, a2 += d2, a3 += d3;
        const v4 g = zero + (g0 + dg * (float)(off + i + 1));
        v4 x = {l[i], r[i]};
        /* first section: HP2 and the allpass from the same states */
        v4 v3 = x - s2;
        v4 v1 = a1 * s1 + a2 * v3;
        v4 v2 = s2 + a2 * s1 + a3 * v3;
        s1 = 2.0f * v1 - s1;
        s2 = 2.0f * v2 - s2;
        v4 h = x - k * v1 - v2;
        v4 ap = x - k2 * v1;
        /* second section: HP4 */
        v4 u3 = h - t2;
        v4 u1 = a1 * t1 + a2 * u3;
        v4 u2 = t2 + a2 * t1 + a3 * u3;
        t1 = 2.0f * u1 - t1;
        t2 = 2.0f * u2 - t2;
        v4 h4 = h - k * u1 - u2;
        /* both channels' energy in both lanes (l^2 + r^2 and r^2 + l^2 are the same float) */
        v4 e = h4 * h4;
        e = (e + __builtin_shufflevector(e, e, 1, 0, 3, 2)) * 0.5f;
        ms = ms + bm * (e - ms);
        v4 y;
        if (what == OUT_SPLIT) {
            y = ap - (1.0f - g) * h4;
        } else if (what == OUT_WIDE) {
            y = g * ap;
        } else if (what == OUT_LISTEN) {
            y = h4;
        } else {
            v4 won = zero + fade_step(&d->on_x), ww = zero + fade_step(&d->wide_x);
            v4 wl = zero + fade_step(&d->listen_x);
            v4 sp = ap - (1.0f - g) * h4;
            y = sp + (g * ap - sp) * ww;
            y += (h4 - y) * wl;
            y = x + (y - x) * won;
        }
        l[i] = y[0];
        r[i] = y[1];
    }
    d->a[0] = a1[0], d->a[1] = a2[0], d->a[2] = a3[0];
    d->s1[0] = s1[0], d->s1[1] = s1[1], d->s2[0] = s2[0], d->s2[1] = s2[1];
    d->t1[0] = t1[0], d->t1[1] = t1[1], d->t2[0] = t2[0], d->t2[1] = t2[1];
    d->ms = ms[0];
}

static void run(struct deesser *d, float *l, float *r, unsigned off, unsigned m)
{
    if (xfade_full_on(&d->on_x) && fade_rests(&d->wide_x) && fade_rests(&d->listen_x)) {
        if (d->listen_x.target)
            run_as(d, l, r, off, m, OUT_LISTEN);
        else if (d->wide_x.target)
            run_as(d, l, r, off, m, OUT_WIDE);
        else
            run_as(d, l, r, off, m, OUT_SPLIT);
    } else {
        run_as(d, l, r, off, m, OUT_MIX);
    }
}

void deesser_process(struct deesser *d, float *l, float *r, unsigned n)
{
    DSP_SUB_WALK (w, &d->phase, n) {
        if (w.off == 0) subblock_start(d);
        if (d->dormant) continue;
        run(d, l + w.done, r + w.done, w.off, w.n);
        if (dsp_sub_ends(&w) && d->ramp) memcpy(d->a, d->aend, sizeof d->a); /* land exactly */
    }
}

void deesser_set(struct deesser *d, const struct deesser_params *p)
{
    const struct table_row *t = table_stem;
    d->p.on = p->on != 0;
    float fmax =
        dsp_clampf((float)(0.45 * d->rate), t[STEM_DEESS_FREQ].min, t[STEM_DEESS_FREQ].max);
    float f = dsp_clampf(p->freq_hz, t[STEM_DEESS_FREQ].min, fmax);
    if (f != d->p.freq_hz) d->p.freq_hz = f, d->lf_t = logf(f);
    d->p.threshold_db =
        dsp_clampf(p->threshold_db, t[STEM_DEESS_THRESHOLD].min, t[STEM_DEESS_THRESHOLD].max);
    d->p.range_db = dsp_clampf(p->range_db, t[STEM_DEESS_RANGE].min, t[STEM_DEESS_RANGE].max);
    d->p.mode = p->mode == DEESS_WIDE ? DEESS_WIDE : DEESS_SPLIT;
    d->p.listen = p->listen != 0;
}

void deesser_params_of_stem(struct deesser_params *dp, const float *sp)
{
    *dp = (struct deesser_params){
        .on = sp[STEM_DEESS_ON] != 0.0f,
        .freq_hz = sp[STEM_DEESS_FREQ],
        .threshold_db = sp[STEM_DEESS_THRESHOLD],
        .range_db = sp[STEM_DEESS_RANGE],
        .mode = (int)sp[STEM_DEESS_MODE],
        .listen = sp[STEM_DEESS_LISTEN] != 0.0f,
    };
}

void deesser_init(struct deesser *d, double rate)
{
    memset(d, 0, sizeof *d);
    d->rate = rate;
    d->alpha = glide_alpha(rate, EQ_GLIDE_MS);
    d->b_ms = (float)dsp_onepole_coef(DYNEQ_RMS_MS, rate, 1);
    d->b_att = (float)dsp_onepole_coef(DEESS_ATTACK_MS, rate, DSP_SUB);
    d->b_rel = (float)dsp_onepole_coef(DEESS_RELEASE_MS, rate, DSP_SUB);
    d->p.freq_hz = NAN;
    xfade_init(&d->on_x, rate, 0);
    xfade_init(&d->wide_x, rate, 0);
    xfade_init(&d->listen_x, rate, 0);
    float sp[STEM_NPARAMS];
    struct deesser_params dp;
    table_stem_defaults(sp);
    deesser_params_of_stem(&dp, sp);
    deesser_set(d, &dp);
    wake(d);
    d->dormant = 1;
    deesser_reset(d);
}

void deesser_reset(struct deesser *d)
{
    clear_state(d);
    d->phase = 0;
    d->gr_max = 0.0f;
}

float deesser_take_gr_db(struct deesser *d)
{
    float g = d->gr_max;
    d->gr_max = 0.0f;
    return g;
}
