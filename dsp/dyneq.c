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

/* The bands' m frames as one wavefront. The bands run in series (band b filters band b-1's
 * output), so one band's loop is as slow as its state recurrence's latency, and four of them
 * four times that. Skewed by a frame a band, the four become independent: step i filters frame
 * i in band 0, i-1 in band 1, ..., i-3 in band 3, each band's lanes take the lanes below them
 * from step i-1, and every step is one SIMD pass over 8 lanes (band b's left and right are
 * lanes 2b, 2b+1). The key detectors, which depend on nothing in the chain, run unskewed in the
 * same steps. Each lane does what the one band's scalar loop did, in the same order (ISO C:
 * no fused multiply-adds), so the output is the same bit for bit; a band that does not filter
 * passes its lanes through unchanged, and the first and last 3 steps hold the bands that have
 * no frame yet or any more. */
#if DYNEQ_BANDS != 4
#error "the wavefront is written for 4 bands (8 lanes)"
#endif
typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
#define SKEW (DYNEQ_BANDS - 1)

/* one filter per lane pair: eq_sect's coefficients, broadcast to the band's two lanes */
struct lsect {
    v8 c1, c2, c3, f0, f1, f2;
};

struct wave {
    struct lsect k, dk, kk; /* audio (stepping by dk), key */
    v8 p1, p2, kp1, kp2, ms;
    v8 y;     /* the previous step's audio output */
    v8i idle; /* lanes of bands that leave the audio alone */
    v8 bm;
};

/* lanes of a where m is set, of b elsewhere (a macro: a v8 passed by value or returned would
 * change the ABI of a function built without AVX, which -Wpsabi refuses) */
#define SEL(m, a, b) ((v8)(((v8i)(a) & (m)) | ((v8i)(b) & ~(m))))

/* The lanes from the 4 bands: PAIR8 one field of each band's struct in both its lanes, LR8
 * each band's left/right pair. */
#define PAIR8(p, f)                                                                                \
    {                                                                                              \
        p[0]->f, p[0]->f, p[1]->f, p[1]->f, p[2]->f, p[2]->f, p[3]->f, p[3]->f                     \
    }
#define LR8(p)                                                                                     \
    {                                                                                              \
        p[0][0], p[0][1], p[1][0], p[1][1], p[2][0], p[2][1], p[3][0], p[3][1]                     \
    }

static inline __attribute__((always_inline)) void lsect_of(struct lsect *v,
                                                           const struct eq_sect *const *s)
{
    v->c1 = (v8)PAIR8(s, c1), v->c2 = (v8)PAIR8(s, c2), v->c3 = (v8)PAIR8(s, c3);
    v->f0 = (v8)PAIR8(s, f0), v->f1 = (v8)PAIR8(s, f1), v->f2 = (v8)PAIR8(s, f2);
}

static void lsect_get(const struct lsect *v, unsigned b, struct eq_sect *k)
{
    unsigned c = 2 * b;
    *k = (struct eq_sect){v->c1[c], v->c2[c], v->c3[c], v->f0[c], v->f1[c], v->f2[c]};
}

/* eq_sect_tick on 8 lanes: *x in, filtered in place; the states move. */
static inline __attribute__((always_inline)) void lsect_tick(const struct lsect *k, v8 *p1, v8 *p2,
                                                             v8 *x)
{
    v8 s1 = *p1, s2 = *p2, t = *x - s2;
    *x = k->f0 * *x + k->f1 * s1 + k->f2 * s2;
    *p1 = s1 + (k->c1 * s1 + k->c2 * t);
    *p2 = s2 + (k->c2 * s1 + k->c3 * t);
}

/* One step: the keys' frame i (when key is set), the audio's frame i - b in band b. masked: the
 * steps where some band has no frame, act its lanes that do. */
static inline __attribute__((always_inline)) void
step(struct wave *w, float *restrict l, float *restrict r, const float *const *kl,
     const float *const *kr, unsigned i, unsigned m, int key, int masked, const v8i *actp)
{
    if (key) {
        v8 x = {kl[0][i], kr[0][i], kl[1][i], kr[1][i], kl[2][i], kr[2][i], kl[3][i], kr[3][i]};
        lsect_tick(&w->kk, &w->kp1, &w->kp2, &x);
        v8 e = x * x;
        e = (e + __builtin_shufflevector(e, e, 1, 0, 3, 2, 5, 4, 7, 6)) * 0.5f;
        w->ms = w->ms + w->bm * (e - w->ms);
    }
    v8 in = {i < m ? l[i] : 0.0f, i < m ? r[i] : 0.0f};
    v8 x = __builtin_shufflevector(in, w->y, 0, 1, 8, 9, 10, 11, 12, 13);
    struct lsect k = w->k;
    k.c1 += w->dk.c1, k.c2 += w->dk.c2, k.c3 += w->dk.c3;
    k.f0 += w->dk.f0, k.f1 += w->dk.f1, k.f2 += w->dk.f2;
    v8 p1 = w->p1, p2 = w->p2;
    v8 y = x;
    lsect_tick(&k, &p1, &p2, &y);
    y = SEL(w->idle, x, y);
    if (masked) {
        const v8i act = *actp;
        w->p1 = SEL(act, p1, w->p1), w->p2 = SEL(act, p2, w->p2);
        w->k.c1 = SEL(act, k.c1, w->k.c1), w->k.c2 = SEL(act, k.c2, w->k.c2);
        w->k.c3 = SEL(act, k.c3, w->k.c3), w->k.f0 = SEL(act, k.f0, w->k.f0);
        w->k.f1 = SEL(act, k.f1, w->k.f1), w->k.f2 = SEL(act, k.f2, w->k.f2);
    } else {
        w->p1 = p1, w->p2 = p2, w->k = k;
    }
    w->y = y;
    if (!masked || (i >= SKEW && i - SKEW < m)) {
        l[i - SKEW] = y[6];
        r[i - SKEW] = y[7];
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
static void
wave_run(struct wave *wp, float *restrict l, float *restrict r, const float *const *kl,
         const float *const *kr, unsigned m)
{
    const v8i band = {0, 0, 1, 1, 2, 2, 3, 3}, all = {-1, -1, -1, -1, -1, -1, -1, -1};
    struct wave wl = *wp, *w = &wl; /* a local copy the compiler keeps in registers */
    unsigned i = 0;
    for (; i < SKEW && i < m; i++) {
        const v8i act = (int)i - band >= 0;
        step(w, l, r, kl, kr, i, m, 1, 1, &act);
    }
    for (; i < m; i++)
        step(w, l, r, kl, kr, i, m, 1, 0, &all);
    for (; i < m + SKEW; i++) {
        const v8i back = (int)i - band, act = (back >= 0) & (back < (int)m);
        step(w, l, r, kl, kr, i, m, 0, 1, &act);
    }
    *wp = wl;
}

/* The piece of m frames through every running band; kl[b], kr[b] band b's key. */
static void run_bands(struct dyneq *d, float *restrict l, float *restrict r, const float *const *kl,
                      const float *const *kr, unsigned m)
{
    static const float silence[DSP_SUB]; /* a dormant band's key: read, never used */
    static const float zero2[2] = {0.0f, 0.0f};
    /* no band filters: a dormant one's lanes stay at zero, the audio passes untouched */
    static const struct eq_sect rest_k = {0.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
    /* -0 is the exact identity of addition: a band that does not ramp keeps its k */
    static const struct eq_sect still = {-0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f};
    const float *kl8[DYNEQ_BANDS], *kr8[DYNEQ_BANDS];
    const struct eq_sect *kk[DYNEQ_BANDS], *ka[DYNEQ_BANDS], *kd[DYNEQ_BANDS];
    const float *kp1[DYNEQ_BANDS], *kp2[DYNEQ_BANDS], *p1[DYNEQ_BANDS], *p2[DYNEQ_BANDS];
    float ms[DYNEQ_BANDS];
    int idle[DYNEQ_BANDS];
    for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
        const struct dyneq_band *bd = &d->band[b];
        int audio = bd->run && bd->audio;
        kl8[b] = bd->run ? kl[b] : silence;
        kr8[b] = bd->run ? kr[b] : silence;
        kk[b] = &bd->key;
        ka[b] = audio ? &bd->k : &rest_k;
        kd[b] = audio && bd->ramp ? &bd->dk : &still;
        kp1[b] = bd->run ? bd->kp1 : zero2;
        kp2[b] = bd->run ? bd->kp2 : zero2;
        ms[b] = bd->run ? bd->ms : 0.0f;
        p1[b] = audio ? bd->p1 : zero2;
        p2[b] = audio ? bd->p2 : zero2;
        idle[b] = audio ? 0 : -1;
    }
    struct wave w;
    lsect_of(&w.kk, kk);
    lsect_of(&w.k, ka);
    lsect_of(&w.dk, kd);
    w.kp1 = (v8)LR8(kp1), w.kp2 = (v8)LR8(kp2), w.p1 = (v8)LR8(p1), w.p2 = (v8)LR8(p2);
    w.ms = (v8){ms[0], ms[0], ms[1], ms[1], ms[2], ms[2], ms[3], ms[3]};
    w.idle = (v8i){idle[0], idle[0], idle[1], idle[1], idle[2], idle[2], idle[3], idle[3]};
    w.y = (v8){0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    w.bm = w.y + d->b_ms;
    wave_run(&w, l, r, kl8, kr8, m);
    for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
        struct dyneq_band *bd = &d->band[b];
        if (!bd->run) continue;
        unsigned c = 2 * b;
        bd->kp1[0] = w.kp1[c], bd->kp1[1] = w.kp1[c + 1];
        bd->kp2[0] = w.kp2[c], bd->kp2[1] = w.kp2[c + 1];
        bd->ms = w.ms[c];
        if (!bd->audio) continue;
        lsect_get(&w.k, b, &bd->k);
        bd->p1[0] = w.p1[c], bd->p1[1] = w.p1[c + 1];
        bd->p2[0] = w.p2[c], bd->p2[1] = w.p2[c + 1];
    }
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
        const float *kl[DYNEQ_BANDS], *kr[DYNEQ_BANDS];
        for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
            kl[b] = key_l && key_l[b] ? key_l[b] + w.done : in[0];
            kr[b] = key_r && key_r[b] ? key_r[b] + w.done : in[1];
        }
        run_bands(d, xl, xr, kl, kr, w.n);
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
