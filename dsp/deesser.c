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

/* The split, the detector and the output; `what` is a constant in each call, so each loop is
 * specialised (the general one steps the three fades per sample). */
static inline __attribute__((always_inline)) void run_as(struct deesser *d, float *restrict l,
                                                         float *restrict r, unsigned off,
                                                         unsigned m, enum out what)
{
    float a1 = d->a[0], a2 = d->a[1], a3 = d->a[2];
    const float d1 = d->da[0], d2 = d->da[1], d3 = d->da[2];
    const float k = K_SPLIT, k2 = 2.0f * K_SPLIT, bm = d->b_ms;
    /* the gain from the sample's place in the sub-block, never accumulated: the same value
     * however the sub-block is cut into calls */
    const float g0 = d->g0, dg = (d->g1 - d->g0) * (1.0f / DSP_SUB);
    const int ramp = d->ramp;
    float s1l = d->s1[0], s1r = d->s1[1], s2l = d->s2[0], s2r = d->s2[1];
    float t1l = d->t1[0], t1r = d->t1[1], t2l = d->t2[0], t2r = d->t2[1];
    float ms = d->ms;

    for (unsigned i = 0; i < m; i++) {
        if (ramp) a1 += d1, a2 += d2, a3 += d3;
        const float g = g0 + dg * (float)(off + i + 1);
        float xl = l[i], xr = r[i];
        /* first section: HP2 and the allpass from the same states */
        float v3l = xl - s2l, v3r = xr - s2r;
        float v1l = a1 * s1l + a2 * v3l, v1r = a1 * s1r + a2 * v3r;
        float v2l = s2l + a2 * s1l + a3 * v3l, v2r = s2r + a2 * s1r + a3 * v3r;
        s1l = 2.0f * v1l - s1l, s1r = 2.0f * v1r - s1r;
        s2l = 2.0f * v2l - s2l, s2r = 2.0f * v2r - s2r;
        float hl = xl - k * v1l - v2l, hr = xr - k * v1r - v2r;
        float apl = xl - k2 * v1l, apr = xr - k2 * v1r;
        /* second section: HP4 */
        float u3l = hl - t2l, u3r = hr - t2r;
        float u1l = a1 * t1l + a2 * u3l, u1r = a1 * t1r + a2 * u3r;
        float u2l = t2l + a2 * t1l + a3 * u3l, u2r = t2r + a2 * t1r + a3 * u3r;
        t1l = 2.0f * u1l - t1l, t1r = 2.0f * u1r - t1r;
        t2l = 2.0f * u2l - t2l, t2r = 2.0f * u2r - t2r;
        float h4l = hl - k * u1l - u2l, h4r = hr - k * u1r - u2r;
        ms += bm * (0.5f * (h4l * h4l + h4r * h4r) - ms);
        float yl, yr;
        if (what == OUT_SPLIT) {
            yl = apl - (1.0f - g) * h4l, yr = apr - (1.0f - g) * h4r;
        } else if (what == OUT_WIDE) {
            yl = g * apl, yr = g * apr;
        } else if (what == OUT_LISTEN) {
            yl = h4l, yr = h4r;
        } else {
            float won = fade_step(&d->on_x), ww = fade_step(&d->wide_x);
            float wl = fade_step(&d->listen_x);
            float sl = apl - (1.0f - g) * h4l, sr = apr - (1.0f - g) * h4r;
            yl = sl + (g * apl - sl) * ww, yr = sr + (g * apr - sr) * ww;
            yl += (h4l - yl) * wl, yr += (h4r - yr) * wl;
            yl = xl + (yl - xl) * won, yr = xr + (yr - xr) * won;
        }
        l[i] = yl;
        r[i] = yr;
    }
    d->a[0] = a1, d->a[1] = a2, d->a[2] = a3;
    d->s1[0] = s1l, d->s1[1] = s1r, d->s2[0] = s2l, d->s2[1] = s2r;
    d->t1[0] = t1l, d->t1[1] = t1r, d->t2[0] = t2l, d->t2[1] = t2r;
    d->ms = ms;
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
