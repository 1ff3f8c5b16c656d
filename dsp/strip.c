/* dsp/strip.c: one stem's channel strip (see strip.h for the order and the two halves). */
#include "dsp/strip.h"

#include <math.h>
#include <string.h>

#include "dsp/table.h"

static void mat_tick(struct strip *s);

int strip_init(struct strip *s, double rate)
{
    memset(s, 0, sizeof *s);
    s->k = smooth_coef(rate, SMOOTH_TAU_MS);
    passfilter_init(&s->hpf, PASS_HIGH, rate);
    passfilter_init(&s->lpf, PASS_LOW, rate);
    eq_init(&s->eq, STEMD_EQ_BANDS, rate);
    dyneq_init(&s->deq, rate);
    deesser_init(&s->deess, rate);
    compressor_init(&s->comp, rate);
    s->meters = 1;
    /* Start as a snapshot of the table's defaults sets the strip, the gains already there. */
    float sp[STEM_NPARAMS];
    table_stem_defaults(sp);
    strip_set_pre(s, sp);
    strip_set_post(s, sp, 1);
    for (int i = 0; i < 2; i++)
        smooth_jump(&s->in[i], s->in[i].target);
    for (int i = 0; i < 4; i++)
        smooth_jump(&s->mat[i], s->mat[i].target);
    mat_tick(s);
    return 0;
}

void strip_free(struct strip *s)
{
    (void)s; /* every unit of the strip is a plain struct */
}

void strip_reset(struct strip *s)
{
    passfilter_reset(&s->hpf);
    passfilter_reset(&s->lpf);
    eq_reset(&s->eq);
    dyneq_reset(&s->deq);
    deesser_reset(&s->deess);
    compressor_reset(&s->comp);
    s->peak_l = s->peak_r = 0.0f;
    s->ms_sum = 0.0;
    s->ms_n = 0;
}

/* The strip sees the same snapshot for thousands of sub-blocks in a row: when nothing changed
 * only the glides move (the units keep their targets), and the setters' pow/cos/tan are
 * skipped. */
static int unchanged(float *cache, int *valid, const float *sp)
{
    if (*valid && memcmp(cache, sp, sizeof(float) * STEM_NPARAMS) == 0) return 1;
    memcpy(cache, sp, sizeof(float) * STEM_NPARAMS);
    *valid = 1;
    return 0;
}

void strip_set_pre(struct strip *s, const float *sp)
{
    if (unchanged(s->last_pre, &s->pre_valid, sp)) {
        smooth_tick(&s->in[0], s->k);
        smooth_tick(&s->in[1], s->k);
        return;
    }
    float trim = dsp_db_to_lin(sp[STEM_TRIM]);
    s->in[0].target = sp[STEM_POL_L] != 0.0f ? -trim : trim;
    s->in[1].target = sp[STEM_POL_R] != 0.0f ? -trim : trim;
    smooth_tick(&s->in[0], s->k);
    smooth_tick(&s->in[1], s->k);

    passfilter_set(&s->hpf, sp[STEM_HPF_ON] != 0.0f, sp[STEM_HPF_FREQ], (int)sp[STEM_HPF_SLOPE]);
    passfilter_set(&s->lpf, sp[STEM_LPF_ON] != 0.0f, sp[STEM_LPF_FREQ], (int)sp[STEM_LPF_SLOPE]);
    for (unsigned b = 0; b < STEMD_EQ_BANDS; b++)
        eq_set_band(&s->eq, b, sp[STEM_EQ_ON + b] != 0.0f, (enum eq_type)sp[STEM_EQ_TYPE + b],
                    sp[STEM_EQ_FREQ + b], sp[STEM_EQ_GAIN + b], sp[STEM_EQ_Q + b]);
}

/* One sub-block's step of the output matrix's glide, and what the samples may skip. */
static void mat_tick(struct strip *s)
{
    int still = 1;
    for (int i = 0; i < 4; i++) {
        smooth_tick(&s->mat[i], s->k);
        still &= smooth_still(&s->mat[i]);
    }
    s->mat_still = still;
    s->mat_identity = still && s->mat[0].cur == 1.0f && s->mat[1].cur == 0.0f &&
                      s->mat[2].cur == 0.0f && s->mat[3].cur == 1.0f;
}

void strip_set_post(struct strip *s, const float *sp, int audible)
{
    if (audible == s->last_audible && s->post_valid &&
        memcmp(s->last_post, sp, sizeof(float) * STEM_NPARAMS) == 0) {
        mat_tick(s); /* cheap once settled: each tick returns at once */
        return;
    }
    s->last_audible = audible;
    s->post_valid = 1;
    memcpy(s->last_post, sp, sizeof(float) * STEM_NPARAMS);
    struct compressor_params cp;
    compressor_params_of_stem(&cp, sp);
    compressor_set(&s->comp, &cp);
    for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
        struct dyneq_band_params bp;
        dyneq_params_of_stem(&bp, sp, b);
        dyneq_set_band(&s->deq, b, &bp);
    }
    struct deesser_params dp;
    deesser_params_of_stem(&dp, sp);
    deesser_set(&s->deess, &dp);

    /* Width in M/S: L' = (1+w)/2 L + (1-w)/2 R, R' = (1-w)/2 L + (1+w)/2 R; then balance, which
     * keeps the centre at unity and turns the far side down along a quarter cosine, then fader
     * and mute. At the defaults this is exactly the identity. */
    float w = sp[STEM_WIDTH] * 0.01f, pan = sp[STEM_PAN];
    /* sin((1 - |pan|) pi/2): exactly 0 at the end stop, where cos(pi/2) in float is -4e-8 */
    float bl = pan > 0.0f ? sinf((1.0f - pan) * (float)M_PI_2) : 1.0f;
    float br = pan < 0.0f ? sinf((1.0f + pan) * (float)M_PI_2) : 1.0f;
    float g = audible ? dsp_db_to_lin(sp[STEM_FADER]) : 0.0f;
    float direct = (1.0f + w) * 0.5f, cross = (1.0f - w) * 0.5f;
    s->mat[0].target = bl * g * direct;
    s->mat[1].target = bl * g * cross;
    s->mat[2].target = br * g * cross;
    s->mat[3].target = br * g * direct;
    mat_tick(s);
}

void strip_pre(struct strip *s, float *l, float *r, unsigned off, unsigned n)
{
    smooth_apply(&s->in[0], l, off, n);
    smooth_apply(&s->in[1], r, off, n);
    passfilter_process(&s->hpf, l, r, n);
    passfilter_process(&s->lpf, l, r, n);
    eq_process(&s->eq, l, r, n);
}

void strip_post(struct strip *s, float *l, float *r, const struct strip_keys *keys, unsigned off,
                unsigned n)
{
    dyneq_process(&s->deq, l, r, keys->deq_l, keys->deq_r, n);
    deesser_process(&s->deess, l, r, n);
    compressor_process(&s->comp, l, r, keys->comp_l, keys->comp_r, n);

    if (s->mat_still && !s->mat_identity) {
        const float a = s->mat[0].cur, b = s->mat[1].cur, c = s->mat[2].cur, d = s->mat[3].cur;
        for (unsigned j = 0; j < n; j++) {
            float x = l[j], y = r[j];
            l[j] = a * x + b * y;
            r[j] = c * x + d * y;
        }
    } else if (!s->mat_still) {
        for (unsigned j = 0; j < n; j++) {
            float a = smooth_at(&s->mat[0], off + j), b = smooth_at(&s->mat[1], off + j);
            float c = smooth_at(&s->mat[2], off + j), d = smooth_at(&s->mat[3], off + j);
            float x = l[j], y = r[j];
            l[j] = a * x + b * y;
            r[j] = c * x + d * y;
        }
    }

    if (!s->meters) return;
    /* Meters: float sums over at most a sub-block are exact enough, double across them. */
    float pl = s->peak_l, pr = s->peak_r, ms = 0.0f;
    for (unsigned j = 0; j < n; j++) {
        float al = fabsf(l[j]), ar = fabsf(r[j]);
        pl = al > pl ? al : pl;
        pr = ar > pr ? ar : pr;
        ms += l[j] * l[j] + r[j] * r[j];
    }
    s->peak_l = pl;
    s->peak_r = pr;
    s->ms_sum += 0.5 * (double)ms;
    s->ms_n += n;
}
