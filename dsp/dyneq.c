/* dsp/dyneq.c: the dynamic EQ: keyed bands whose gain follows the key at control rate (see .h). */
#include "dsp/dyneq.h"

#include <math.h>
#include <string.h>

#include "dsp/compressor.h" /* compressor_curve: the one gain computer */
#include "dsp/svf.h"
#include "dsp/table.h"

/* Glides land once this close (as the EQ's: eq.c). */
#define SNAP_LF 1e-4f
#define SNAP_LQ 1e-4f
/* The detector's floor: a silent key reads -300 dB, far under any threshold. */
#define MS_FLOOR 1e-30f

static const enum svf_type band_svf[] = {SVF_BELL, SVF_LOWSHELF, SVF_HIGHSHELF};
static const enum svf_type key_svf[] = {SVF_BANDPASS, SVF_LOWPASS, SVF_HIGHPASS};

static int sect_identity(const struct eq_sect *k)
{
    return k->f0 == 1.0f && k->f1 == 0.0f && k->f2 == 0.0f;
}

static void clear_audio(struct dyneq_band *b)
{
    b->p1[0] = b->p1[1] = b->p2[0] = b->p2[1] = 0.0f;
}

static void clear_key(struct dyneq_band *b)
{
    b->kp1[0] = b->kp1[1] = b->kp2[0] = b->kp2[1] = 0.0f;
    b->ms = 0.0f;
}

/* The audio section at gain g (dB) and the glides' frequency and Q. The tan of the prewarp is
 * cached: while a band works its gain moves every sub-block, its frequency rarely. */
static void design(const struct dyneq *d, struct dyneq_band *b, float g, struct eq_sect *k)
{
    if (b->warp_lf != b->lf.cur) {
        b->warp_lf = b->lf.cur;
        b->warp = svf_prewarp(b->lf.cur == b->lf_t ? b->p.freq_hz : exp(b->lf.cur), d->rate);
    }
    double q = b->lq.cur == b->lq_t ? b->p.q : exp(b->lq.cur);
    struct svf_coefs c;
    svf_design_warped(&c, band_svf[b->type], b->warp, q, g);
    eq_sect_from_svf(k, &c);
}

static void design_key(const struct dyneq *d, struct dyneq_band *b)
{
    struct svf_coefs c;
    if (b->p.key_filter == DYNEQ_KEY_SEPARATE)
        svf_design(&c, SVF_BANDPASS, b->p.key_freq_hz, b->p.key_q, 0.0, d->rate);
    else
        svf_design(&c, key_svf[b->p.type], b->p.freq_hz, b->p.q, 0.0, d->rate);
    eq_sect_from_svf(&b->key, &c);
    b->key_valid = 1;
}

/* Back to rest: 0 dB, the identity, states cleared, glides at their targets. */
static void rest(struct dyneq *d, struct dyneq_band *b)
{
    clear_audio(b);
    clear_key(b);
    b->g = 0.0f;
    b->type = b->p.type;
    glide_jump(&b->lf, b->lf_t);
    glide_jump(&b->lq, b->lq_t);
    design(d, b, 0.0f, &b->k);
    b->kend = b->k;
    memset(&b->dk, 0, sizeof b->dk);
    b->audio = b->ramp = 0;
    b->key_valid = 0;
}

static void sanitize(struct dyneq_band *b)
{
    if (!isfinite(b->p1[0] + b->p1[1] + b->p2[0] + b->p2[1])) clear_audio(b);
    if (!isfinite(b->kp1[0] + b->kp1[1] + b->kp2[0] + b->kp2[1]) || !(b->ms <= 1e30f)) clear_key(b);
    dsp_zero_tiny(b->p1, 2);
    dsp_zero_tiny(b->p2, 2);
    dsp_zero_tiny(b->kp1, 2);
    dsp_zero_tiny(b->kp2, 2);
    if (b->ms < MS_FLOOR) b->ms = 0.0f;
}

/* The gain the key asks for now (dB, signed), from the mean square measured so far. */
static float target_gain(const struct dyneq_band *b)
{
    const struct dyneq_band_params *p = &b->p;
    float lev = 10.0f * log10f(b->ms > MS_FLOOR ? b->ms : MS_FLOOR);
    float over = p->mode == DYNEQ_BELOW ? p->threshold_db - lev : lev - p->threshold_db;
    const float w = DYNEQ_KNEE_DB;
    float a = compressor_curve(over + 0.5f * w, w, 0.5f / w, 1.0f - 1.0f / p->ratio);
    float lim = fabsf(p->range_db);
    a = a < lim ? a : lim;
    return p->range_db >= 0.0f ? -a : a;
}

/* A sub-block start: everything band b does in this sub-block is decided here. */
static void band_control(struct dyneq *d, struct dyneq_band *b)
{
    const struct dyneq_band_params *p = &b->p;
    if (!b->run) {
        if (!p->on) return; /* dormant */
        rest(d, b);
        b->run = 1;
    }
    sanitize(b);
    if (p->attack_ms != b->att_ms)
        b->att_ms = p->attack_ms,
        b->b_att = (float)dsp_onepole_coef(p->attack_ms, d->rate, DSP_SUB);
    if (p->release_ms != b->rel_ms)
        b->rel_ms = p->release_ms,
        b->b_rel = (float)dsp_onepole_coef(p->release_ms, d->rate, DSP_SUB);
    if (!b->key_valid) design_key(d, b);

    /* Off or changing shape: back to 0 dB first (every shape is the identity there). */
    int gate = !p->on || b->type != p->type;
    float gt = 0.0f, coef = d->b_fade;
    if (!gate) {
        gt = target_gain(b);
        coef = fabsf(gt) > fabsf(b->g) ? b->b_att : b->b_rel;
    }
    float g = b->g + coef * (gt - b->g);
    if (fabsf(gt - g) <= DYNEQ_SNAP_DB) g = gt;
    int moved = g != b->g;
    b->g = g;
    if (gate && g == 0.0f && sect_identity(&b->k)) {
        if (!p->on) {
            rest(d, b);
            b->run = 0;
            return;
        }
        b->type = p->type; /* switch shape at the identity */
        moved = 1;
    }
    if (g == 0.0f && !moved && sect_identity(&b->k)) {
        /* Resting at the identity: the glides jump (nothing to hear), nothing is filtered. */
        glide_jump(&b->lf, b->lf_t);
        glide_jump(&b->lq, b->lq_t);
    } else {
        moved |= glide_step(&b->lf, b->lf_t, d->alpha, SNAP_LF);
        moved |= glide_step(&b->lq, b->lq_t, d->alpha, SNAP_LQ);
    }
    b->ramp = 0;
    if (moved) {
        design(d, b, g, &b->kend);
        eq_sect_ramp(&b->dk, &b->k, &b->kend);
        b->ramp = 1;
    }
    b->audio = b->ramp || !sect_identity(&b->k);
    if (!b->audio) clear_audio(b);
    if (fabsf(g) > fabsf(b->meter)) b->meter = g;
}

/* m frames of one running band: the key detector and, when it works, the audio section (two
 * independent recurrences the CPU overlaps). */
static void run_band(const struct dyneq *d, struct dyneq_band *b, float *restrict l,
                     float *restrict r, const float *restrict kl, const float *restrict kr,
                     unsigned m)
{
    const struct eq_sect kk = b->key;
    const float bm = d->b_ms;
    float kp1[2] = {b->kp1[0], b->kp1[1]}, kp2[2] = {b->kp2[0], b->kp2[1]}, ms = b->ms;
    struct eq_sect k = b->k;
    const struct eq_sect dk = b->dk;
    float p1[2] = {b->p1[0], b->p1[1]}, p2[2] = {b->p2[0], b->p2[1]};

    if (!b->audio) {
        for (unsigned i = 0; i < m; i++) {
            float x[2] = {kl[i], kr[i]};
            eq_sect_tick(&kk, kp1, kp2, x);
            ms += bm * (0.5f * (x[0] * x[0] + x[1] * x[1]) - ms);
        }
    } else if (b->ramp) {
        for (unsigned i = 0; i < m; i++) {
            float x[2] = {kl[i], kr[i]};
            eq_sect_tick(&kk, kp1, kp2, x);
            ms += bm * (0.5f * (x[0] * x[0] + x[1] * x[1]) - ms);
            eq_sect_step(&k, &dk);
            float y[2] = {l[i], r[i]};
            eq_sect_tick(&k, p1, p2, y);
            l[i] = y[0];
            r[i] = y[1];
        }
    } else {
        for (unsigned i = 0; i < m; i++) {
            float x[2] = {kl[i], kr[i]};
            eq_sect_tick(&kk, kp1, kp2, x);
            ms += bm * (0.5f * (x[0] * x[0] + x[1] * x[1]) - ms);
            float y[2] = {l[i], r[i]};
            eq_sect_tick(&k, p1, p2, y);
            l[i] = y[0];
            r[i] = y[1];
        }
    }
    memcpy(b->kp1, kp1, sizeof kp1);
    memcpy(b->kp2, kp2, sizeof kp2);
    b->ms = ms;
    b->k = k;
    memcpy(b->p1, p1, sizeof p1);
    memcpy(b->p2, p2, sizeof p2);
}

void dyneq_process(struct dyneq *d, float *l, float *r, const float *const *key_l,
                   const float *const *key_r, unsigned n)
{
    DSP_SUB_WALK (w, &d->phase, n) {
        if (w.off == 0) {
            d->any = 0;
            for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
                band_control(d, &d->band[b]);
                d->any |= d->band[b].run;
            }
        }
        if (!d->any) continue;
        float *xl = l + w.done, *xr = r + w.done;
        /* A band keyed by the unit's own input (a NULL key) reads a copy: the bands before it
         * change xl/xr. The mix always passes keys, so it never pays for the copy. */
        float in[2][DSP_SUB];
        int self = !key_l || !key_r;
        for (unsigned b = 0; b < DYNEQ_BANDS && !self; b++)
            self = d->band[b].run && (!key_l[b] || !key_r[b]);
        if (self) {
            memcpy(in[0], xl, w.n * sizeof *xl);
            memcpy(in[1], xr, w.n * sizeof *xr);
        }
        for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
            struct dyneq_band *bd = &d->band[b];
            if (!bd->run) continue;
            const float *kl = key_l && key_l[b] ? key_l[b] + w.done : in[0];
            const float *kr = key_r && key_r[b] ? key_r[b] + w.done : in[1];
            run_band(d, bd, xl, xr, kl, kr, w.n);
        }
        if (dsp_sub_ends(&w))
            for (unsigned b = 0; b < DYNEQ_BANDS; b++)
                if (d->band[b].ramp) d->band[b].k = d->band[b].kend; /* land exactly */
    }
}

void dyneq_set_band(struct dyneq *d, unsigned b, const struct dyneq_band_params *bp)
{
    if (b >= DYNEQ_BANDS) return;
    struct dyneq_band *bd = &d->band[b];
    struct dyneq_band_params *p = &bd->p;
    const struct table_row *t = table_stem;
    float fmax = dsp_clampf((float)(0.49 * d->rate), t[STEM_DEQ_FREQ].min, t[STEM_DEQ_FREQ].max);
    struct dyneq_band_params old = *p;
    p->on = bp->on != 0;
    p->type = bp->type >= DYNEQ_BELL && bp->type <= DYNEQ_HIGHSHELF ? bp->type : DYNEQ_BELL;
    p->freq_hz = dsp_clampf(bp->freq_hz, t[STEM_DEQ_FREQ].min, fmax);
    p->q = dsp_clampf(bp->q, t[STEM_DEQ_Q].min, t[STEM_DEQ_Q].max);
    p->threshold_db =
        dsp_clampf(bp->threshold_db, t[STEM_DEQ_THRESHOLD].min, t[STEM_DEQ_THRESHOLD].max);
    p->range_db = dsp_clampf(bp->range_db, t[STEM_DEQ_RANGE].min, t[STEM_DEQ_RANGE].max);
    p->ratio = dsp_clampf(bp->ratio, t[STEM_DEQ_RATIO].min, t[STEM_DEQ_RATIO].max);
    p->attack_ms = dsp_clampf(bp->attack_ms, t[STEM_DEQ_ATTACK].min, t[STEM_DEQ_ATTACK].max);
    p->release_ms = dsp_clampf(bp->release_ms, t[STEM_DEQ_RELEASE].min, t[STEM_DEQ_RELEASE].max);
    p->key_filter = bp->key_filter == DYNEQ_KEY_SEPARATE ? DYNEQ_KEY_SEPARATE : DYNEQ_KEY_BAND;
    p->key_freq_hz = dsp_clampf(bp->key_freq_hz, t[STEM_DEQ_KEY_FREQ].min, fmax);
    p->key_q = dsp_clampf(bp->key_q, t[STEM_DEQ_KEY_Q].min, t[STEM_DEQ_KEY_Q].max);
    p->mode = bp->mode == DYNEQ_BELOW ? DYNEQ_BELOW : DYNEQ_ABOVE;
    if (p->freq_hz != old.freq_hz) bd->lf_t = logf(p->freq_hz);
    if (p->q != old.q) bd->lq_t = logf(p->q);
    if (p->type != old.type || p->freq_hz != old.freq_hz || p->q != old.q ||
        p->key_filter != old.key_filter || p->key_freq_hz != old.key_freq_hz ||
        p->key_q != old.key_q)
        bd->key_valid = 0;
}

void dyneq_params_of_stem(struct dyneq_band_params *bp, const float *sp, unsigned b)
{
    *bp = (struct dyneq_band_params){
        .on = sp[STEM_DEQ_ON + b] != 0.0f,
        .type = (int)sp[STEM_DEQ_TYPE + b],
        .freq_hz = sp[STEM_DEQ_FREQ + b],
        .q = sp[STEM_DEQ_Q + b],
        .threshold_db = sp[STEM_DEQ_THRESHOLD + b],
        .range_db = sp[STEM_DEQ_RANGE + b],
        .ratio = sp[STEM_DEQ_RATIO + b],
        .attack_ms = sp[STEM_DEQ_ATTACK + b],
        .release_ms = sp[STEM_DEQ_RELEASE + b],
        .key_filter = (int)sp[STEM_DEQ_KEY_FILTER + b],
        .key_freq_hz = sp[STEM_DEQ_KEY_FREQ + b],
        .key_q = sp[STEM_DEQ_KEY_Q + b],
        .mode = (int)sp[STEM_DEQ_MODE + b],
    };
}

void dyneq_init(struct dyneq *d, double rate)
{
    memset(d, 0, sizeof *d);
    d->rate = rate;
    d->alpha = glide_alpha(rate, EQ_GLIDE_MS);
    d->b_ms = (float)dsp_onepole_coef(DYNEQ_RMS_MS, rate, 1);
    d->b_fade = (float)dsp_onepole_coef(DYNEQ_FADE_MS, rate, DSP_SUB);
    float sp[STEM_NPARAMS];
    table_stem_defaults(sp);
    for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
        struct dyneq_band *bd = &d->band[b];
        bd->p.freq_hz = bd->p.q = NAN; /* the first set converts them */
        bd->warp_lf = NAN;
        bd->att_ms = bd->rel_ms = -1.0f;
        struct dyneq_band_params bp;
        dyneq_params_of_stem(&bp, sp, b);
        dyneq_set_band(d, b, &bp);
    }
    dyneq_reset(d);
}

void dyneq_reset(struct dyneq *d)
{
    d->phase = 0;
    d->any = 0;
    for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
        rest(d, &d->band[b]);
        d->band[b].run = 0;
        d->band[b].meter = 0.0f;
    }
}

float dyneq_gain_db(const struct dyneq *d, unsigned b)
{
    return b < DYNEQ_BANDS ? d->band[b].g : 0.0f;
}

float dyneq_take_gain_db(struct dyneq *d, unsigned b)
{
    if (b >= DYNEQ_BANDS) return 0.0f;
    float g = d->band[b].meter;
    d->band[b].meter = 0.0f;
    return g;
}
