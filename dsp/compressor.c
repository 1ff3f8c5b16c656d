/* dsp/compressor.c: feed-forward stereo compressor (Giannoulis, Massberg & Reiss 2012; see .h). */
#include "dsp/compressor.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dsp/table.h"

#define LOG2_PER_DB 0.166096404744368117f /* log2(10) / 20 */
#define DB_PER_LOG2 6.02059991327962390f  /* 20 / log2(10) */

/* The detector's range (peak_level, rms_level): -301 .. +102 dBFS. The floor keeps log2 finite
 * on silence (a NaN key also reads as silence); the ceiling bounds the gain reduction an
 * infinite key could ask for, so the unit comes back from it in one release time rather than
 * from thousands of dB, and keeps every exponent the sample loops see within +-40. */

/* States smaller than this are set to zero at sub-block starts, so a decaying detector or gain
 * smoother never reaches the denormal range even without FTZ (1e-30 is -600 dB). */
#define TINY 1e-30f

enum { MODE_OFF, MODE_ON, MODE_MIX };

#define pos compressor_pos

/* The bits of |x| clamped to [lo, hi], as integers (positive floats order like their bits);
 * NaN maps to lo, so a NaN key reads as silence (by a mask: a conditional here is turned into
 * a branch and stops the loop vectorizing). */
static inline uint32_t level_bits(float x, uint32_t lo, uint32_t hi)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    u &= 0x7fffffffu;
    u &= 0u - (uint32_t)(u <= 0x7f800000u);
    u = u > lo ? u : lo;
    return u < hi ? u : hi;
}

/* log2 of the positive normal float with bits u, absolute error < 2.2e-6 (1.3e-5 dB).
 * x = 2^e * m with m in [sqrt(1/2), sqrt(2)) by integer arithmetic on the bits, then
 * log2(m) = t * P(t), t = m - 1, P of degree 5 fitted for minimax error on that interval. */
static inline float fast_log2_bits(uint32_t u)
{
    /* e = exponent, plus 1 when the mantissa is >= sqrt(2) (0x3504f3 its fraction bits):
     * adding 0x800000 + (0x800000 - 0x3504f3) carries into the exponent exactly then. */
    int32_t e = (int32_t)((u + 0x00cafb0du) >> 23) - 128;
    uint32_t mu = u - ((uint32_t)e << 23);
    float m;
    memcpy(&m, &mu, sizeof m);
    float t = m - 1.0f;
    float p = -0.206594378f;
    p = p * t + 0.322159111f;
    p = p * t - 0.367490619f;
    p = p * t + 0.479347646f;
    p = p * t - 0.721131802f;
    p = p * t + 1.4427135f;
    return (float)e + t * p;
}

/* 2^x for finite |x| < 120 (the callers' values are bounded by the level clamps: |x| < 40),
 * relative error < 2e-7 (2e-6 dB), exactly 1 at x = 0 so unity gain stays unity. Round x to
 * n, then 2^f for f = x - n in [-1/2, 1/2] by a degree-5 polynomial with P(0) = 1, times 2^n
 * built from bits. */
static inline float fast_exp2(float x)
{
    int32_t n = (int32_t)(x + 128.5f) - 128;
    float f = x - (float)n;
    float p = 0.00134072651f;
    p = p * f + 0.00967188086f;
    p = p * f + 0.0555030853f;
    p = p * f + 0.24022235f;
    p = p * f + 0.693147242f;
    p = p * f + 1.0f;
    uint32_t s = (uint32_t)(n + 127) << 23;
    float sc;
    memcpy(&sc, &s, sizeof sc);
    return p * sc;
}

/* Each stage of the glides lands exactly on its target when within this (smooth.h). */
#define GLIDE_SNAP 1e-6f

static void ramp_to(struct compressor_ramp *r, float v, int snap)
{
    r->prev = snap ? v : r->cur;
    r->cur = v;
}

/* The ramp ends the sample loops use, from the smoothed values. */
static void derive(struct compressor *c, int snap)
{
    float w = c->knee;
    ramp_to(&c->r_k0, c->thr - 0.5f * w, snap);
    ramp_to(&c->r_knee, w, snap);
    ramp_to(&c->r_inv2w, w > 0.0f ? 0.5f / w : 0.0f, snap);
    ramp_to(&c->r_slope, c->slope, snap);
    ramp_to(&c->r_makeup, c->makeup, snap);
    ramp_to(&c->r_link, c->link, snap);
    const struct compressor_ramp *r[] = {&c->r_k0,    &c->r_knee,   &c->r_inv2w,
                                         &c->r_slope, &c->r_makeup, &c->r_link};
    c->moving = 0;
    for (unsigned i = 0; i < sizeof r / sizeof r[0]; i++)
        c->moving |= r[i]->prev != r[i]->cur;
}

static void design_hpf(struct compressor *c)
{
    /* One SVF high-pass with Q = 1/sqrt(2): the 12 dB/oct Butterworth. */
    svf_design(&c->hpf_c, SVF_HIGHPASS, exp2((double)c->hpf_log2), M_SQRT1_2, 0.0, c->rate);
}

static void clear_state(struct compressor *c)
{
    c->y[0] = c->y[1] = 0.0;
    c->ms[0] = c->ms[1] = 0.0f;
    svf_reset(&c->hpf_s);
    c->gr_now = 0.0f;
}

static void update_times(struct compressor *c)
{
    /* G&R eq. 7: alpha = exp(-1 / (tau * fs)); we keep b = 1 - alpha (dsp_onepole_coef). */
    if (c->p.attack_ms != c->att_ms) {
        c->att_ms = c->p.attack_ms;
        c->b_att = dsp_onepole_coef(c->att_ms, c->rate, 1);
    }
    if (c->p.release_ms != c->rel_ms) {
        c->rel_ms = c->p.release_ms;
        c->b_rel = dsp_onepole_coef(c->rel_ms, c->rate, 1);
    }
}

/* A state that went non-finite is cleared; one that decayed below TINY is zeroed. */
static void sanitize(struct compressor *c)
{
    for (int ch = 0; ch < 2; ch++) {
        if (!(fabs(c->y[ch]) >= TINY && fabs(c->y[ch]) <= 1e30)) c->y[ch] = 0.0;
        if (!(c->ms[ch] >= TINY && c->ms[ch] <= FLT_MAX)) c->ms[ch] = 0.0f;
        if (!(fabsf(c->hpf_s.ic1[ch]) >= TINY)) c->hpf_s.ic1[ch] = 0.0f;
        if (!(fabsf(c->hpf_s.ic2[ch]) >= TINY)) c->hpf_s.ic2[ch] = 0.0f;
    }
    svf_sanitize(&c->hpf_s);
}

static int xfade_mode(const struct xfade *x)
{
    return xfade_idle_off(x) ? MODE_OFF : xfade_full_on(x) ? MODE_ON : MODE_MIX;
}

/* Off -> on: start from rest, threshold, knee and link at their targets, but ratio 1 and no
 * makeup, gliding to theirs: the wet signal starts equal to the dry one and departs from it
 * smoothly, so the on-crossfade mixes two nearly equal signals instead of bending the gain by
 * up to (wet/dry - 1) / 480 per sample at 48 kHz (a 12 dB makeup: 0.6 % per sample). */
static void wake(struct compressor *c)
{
    clear_state(c);
    c->thr = c->thr_m = c->t_thr;
    c->knee = c->knee_m = c->t_knee;
    c->slope = c->slope_m = 0.0f;
    c->makeup = c->makeup_m = 0.0f;
    c->link = c->link_m = c->t_link;
    derive(c, 1);
    int rms = c->p.detector == COMPRESSOR_RMS;
    c->rms_run = rms;
    c->rms_warm = 0;
    c->det_x.w = rms ? 1.0f : 0.0f;
    c->det_x.target = rms;
    c->hpf_log2 = c->t_hpf_log2;
    design_hpf(c);
    c->hpf_x.w = c->p.sc_hpf_on ? 1.0f : 0.0f;
    c->hpf_x.target = c->p.sc_hpf_on;
    c->dormant = 0;
}

/* All control work, once per DSP_SUB frames: the only place targets reach the sample loops. */
static void subblock_start(struct compressor *c)
{
    xfade_set(&c->on_x, c->p.on);
    c->mode = xfade_mode(&c->on_x);
    if (c->mode == MODE_OFF) {
        if (!c->dormant) {
            clear_state(c);
            c->rms_run = 0;
            c->dormant = 1;
        }
        return;
    }
    if (c->dormant) {
        wake(c);
    } else {
        sanitize(c);
        /* Two one-poles in cascade: the motion starts with zero slope, so even a 24 dB makeup
         * jump bends the gain curve by at most ~0.15 % per sample at a sub-block corner (one
         * pole: 0.84 %, which a third-difference click detector sees like a 0.04 dB step). */
        const float k = c->k_smooth;
        c->thr_m = smooth_pole(c->thr_m, c->t_thr, k, GLIDE_SNAP);
        c->knee_m = smooth_pole(c->knee_m, c->t_knee, k, GLIDE_SNAP);
        c->slope_m = smooth_pole(c->slope_m, c->t_slope, k, GLIDE_SNAP);
        c->makeup_m = smooth_pole(c->makeup_m, c->t_makeup, k, GLIDE_SNAP);
        c->link_m = smooth_pole(c->link_m, c->t_link, k, GLIDE_SNAP);
        c->thr = smooth_pole(c->thr, c->thr_m, k, GLIDE_SNAP);
        c->knee = smooth_pole(c->knee, c->knee_m, k, GLIDE_SNAP);
        c->slope = smooth_pole(c->slope, c->slope_m, k, GLIDE_SNAP);
        c->makeup = smooth_pole(c->makeup, c->makeup_m, k, GLIDE_SNAP);
        c->link = smooth_pole(c->link, c->link_m, k, GLIDE_SNAP);
        derive(c, 0);
    }
    update_times(c);

    /* Detector: peak -> RMS waits for the mean square to warm up, then crossfades the levels. */
    if (c->p.detector == COMPRESSOR_RMS) {
        if (!c->rms_run) {
            c->rms_run = 1;
            c->ms[0] = c->ms[1] = 0.0f;
            c->rms_warm = (long)(COMPRESSOR_RMS_WARM_MS * 0.001 * c->rate);
        }
        if (c->rms_warm > 0)
            c->rms_warm -= DSP_SUB;
        else
            xfade_set(&c->det_x, 1);
    } else {
        xfade_set(&c->det_x, 0);
    }
    c->det_mode = xfade_mode(&c->det_x);
    if (c->det_mode == MODE_OFF && c->p.detector != COMPRESSOR_RMS) c->rms_run = 0;

    /* Sidechain high-pass: a fade-in starts from a cleared filter at the target frequency. */
    if (c->p.sc_hpf_on && xfade_idle_off(&c->hpf_x)) {
        svf_reset(&c->hpf_s);
        c->hpf_log2 = c->t_hpf_log2;
        design_hpf(c);
    }
    xfade_set(&c->hpf_x, c->p.sc_hpf_on);
    c->hpf_mode = xfade_mode(&c->hpf_x);
    if (c->hpf_mode != MODE_OFF && c->hpf_log2 != c->t_hpf_log2) {
        c->hpf_log2 = smooth_pole(c->hpf_log2, c->t_hpf_log2, c->k_smooth, GLIDE_SNAP);
        design_hpf(c);
    }
}

/* Internal buffers are DSP_SUB long and the vectorizable loops run over m rounded up to a
 * multiple of 4 (GCC's -O2 cost model only vectorizes loops with no scalar remainder). The
 * padding lanes compute on zeros and are never used. */
static unsigned pad4(unsigned m)
{
    return (m + 3u) & ~3u;
}

static void zero_pad(float *x, unsigned m)
{
    for (unsigned i = m; i < pad4(m); i++)
        x[i] = 0.0f;
}

/* The key's peak level, log2 units, one channel. */
static void peak_level(const float *restrict key, float *restrict out, unsigned m)
{
    const unsigned mm = pad4(m);
    const uint32_t lo = 0x26800000u, hi = 0x48000000u; /* 2^-50 .. 2^17 */
    for (unsigned i = 0; i < mm; i++)
        out[i] = fast_log2_bits(level_bits(key[i], lo, hi));
}

/* The mean square of both channels (a serial one-pole), into o0/o1. */
static void rms_track(struct compressor *c, const float *restrict kl, const float *restrict kr,
                      float *restrict o0, float *restrict o1, unsigned m)
{
    const float b = c->b_rms, a = c->a_rms;
    float s0 = c->ms[0], s1 = c->ms[1];
    for (unsigned i = 0; i < m; i++) {
        float x = kl[i], y = kr[i];
        s0 = a * s0 + b * (x * x);
        s1 = a * s1 + b * (y * y);
        o0[i] = s0;
        o1[i] = s1;
    }
    c->ms[0] = s0;
    c->ms[1] = s1;
    zero_pad(o0, m);
    zero_pad(o1, m);
}

/* Mean square -> level, log2 units, in place. */
static void rms_level(float *x, unsigned m)
{
    const unsigned mm = pad4(m);
    const uint32_t lo = 0x0d800000u, hi = 0x50800000u; /* 2^-100 .. 2^34 */
    for (unsigned i = 0; i < mm; i++)
        x[i] = 0.5f * fast_log2_bits(level_bits(x[i], lo, hi));
}

/* G&R eq. 4 (compressor_curve in compressor.h) per sample. Threshold, knee and slope ramp per
 * sample while they glide. */
static void gain_computer(const struct compressor *c, const float *restrict lev,
                          float *restrict out, unsigned ph, unsigned m)
{
    const unsigned mm = pad4(m);
    const float k0p = c->r_k0.prev, dk0 = c->r_k0.cur - k0p;
    const float wp = c->r_knee.prev, dw = c->r_knee.cur - wp;
    const float ip = c->r_inv2w.prev, di = c->r_inv2w.cur - ip;
    const float sp = c->r_slope.prev, ds = c->r_slope.cur - sp;

    if (!c->moving) {
        for (unsigned i = 0; i < mm; i++)
            out[i] = compressor_curve(lev[i] - k0p, wp, ip, sp);
        return;
    }
    for (unsigned i = 0; i < mm; i++) {
        float t = (float)(ph + i + 1) * (1.0f / DSP_SUB);
        float k0 = k0p + dk0 * t, w = wp + dw * t, inv = ip + di * t, s = sp + ds * t;
        out[i] = compressor_curve(lev[i] - k0, w, inv, s);
    }
}

/* G&R eq. 17, the smooth branching detector, on the gain reduction of both channels, in place:
 * y = alpha * y + (1 - alpha) * x, alpha the attack's if x > y, else the release's. The state
 * is double: with a 2 s release at 192 kHz, 1 - alpha = 2.6e-6 and a float state would stall
 * where (1 - alpha) * (x - y) falls under half an ulp of y, 0.3 dB short of its target. This
 * recursion is the unit's critical path, so both branches are computed and one selected, and
 * (1 - alpha) * x is formed off the chain: multiply, add, select per sample (about 1.5 ns per
 * frame less than selecting the coefficient first and updating y += b * (x - y)). */
static void smooth_gr(struct compressor *c, float *restrict g0, float *restrict g1, unsigned m)
{
    const double ba = c->b_att, br = c->b_rel, aa = 1.0 - ba, ar = 1.0 - br;
    double y0 = c->y[0], y1 = c->y[1];
    for (unsigned i = 0; i < m; i++) {
        double x0 = g0[i], x1 = g1[i];
        double u0 = aa * y0 + ba * x0, v0 = ar * y0 + br * x0;
        double u1 = aa * y1 + ba * x1, v1 = ar * y1 + br * x1;
        y0 = x0 > y0 ? u0 : v0;
        y1 = x1 > y1 ? u1 : v1;
        g0[i] = (float)y0;
        g1[i] = (float)y1;
    }
    c->y[0] = y0;
    c->y[1] = y1;
}

/* Stereo link and makeup: the linked reductions replace g0/g1 (for the meters), the linear
 * gains go to o0/o1. (1-k)*g + k*max rather than g + k*(max-g): at k = 1 it is max exactly,
 * so both channels get one gain bit for bit. */
static void link_gain(const struct compressor *c, float *restrict g0, float *restrict g1,
                      float *restrict o0, float *restrict o1, unsigned ph, unsigned m)
{
    const unsigned mm = pad4(m);
    const float lp = c->r_link.prev, dl = c->r_link.cur - lp;
    const float mp = c->r_makeup.prev, dm = c->r_makeup.cur - mp;

    if (!c->moving) {
        const float kc = 1.0f - lp;
        for (unsigned i = 0; i < mm; i++) {
            float a = g0[i], b = g1[i], mx = b + pos(a - b);
            float e0 = kc * a + lp * mx, e1 = kc * b + lp * mx;
            g0[i] = e0;
            g1[i] = e1;
            o0[i] = fast_exp2(mp - e0);
            o1[i] = fast_exp2(mp - e1);
        }
        return;
    }
    for (unsigned i = 0; i < mm; i++) {
        float t = (float)(ph + i + 1) * (1.0f / DSP_SUB);
        float lk = lp + dl * t, mk = mp + dm * t;
        float a = g0[i], b = g1[i], mx = b + pos(a - b);
        float e0 = (1.0f - lk) * a + lk * mx, e1 = (1.0f - lk) * b + lk * mx;
        g0[i] = e0;
        g1[i] = e1;
        o0[i] = fast_exp2(mk - e0);
        o1[i] = fast_exp2(mk - e1);
    }
}

static void mul(float *restrict x, const float *restrict g, unsigned m)
{
    if (m == DSP_SUB) { /* the usual case, with a trip count the vectorizer accepts */
        for (unsigned i = 0; i < DSP_SUB; i++)
            x[i] *= g[i];
        return;
    }
    for (unsigned i = 0; i < m; i++)
        x[i] *= g[i];
}

/* m frames (m <= DSP_SUB - phase) of an active sub-block. */
static void run(struct compressor *c, float *l, float *r, const float *kl, const float *kr,
                unsigned m)
{
    float kb[2][DSP_SUB], pk[2][DSP_SUB], rm[2][DSP_SUB], xg[2][DSP_SUB], g[2][DSP_SUB];
    float dry[2][DSP_SUB];
    const unsigned ph = c->phase;

    /* 1. The key, copied (it may alias l/r, which are written last), high-passed through its
     * crossfade. */
    memcpy(kb[0], kl, m * sizeof *kl);
    memcpy(kb[1], kr, m * sizeof *kr);
    if (c->hpf_mode != MODE_OFF) {
        svf_process2(&c->hpf_c, &c->hpf_s, kb[0], kb[1], m);
        if (c->hpf_mode == MODE_MIX) xfade_mix2(&c->hpf_x, kl, kr, kb[0], kb[1], m);
    }
    zero_pad(kb[0], m);
    zero_pad(kb[1], m);

    /* 2. Level, log2 units: peak, RMS or a crossfade of the two (blended in dB). */
    const float *lev0 = pk[0], *lev1 = pk[1];
    if (c->det_mode != MODE_ON) {
        peak_level(kb[0], pk[0], m);
        peak_level(kb[1], pk[1], m);
    }
    if (c->rms_run) {
        rms_track(c, kb[0], kb[1], rm[0], rm[1], m);
        if (c->det_mode != MODE_OFF) {
            rms_level(rm[0], m);
            rms_level(rm[1], m);
            if (c->det_mode == MODE_MIX) xfade_mix2(&c->det_x, pk[0], pk[1], rm[0], rm[1], m);
            lev0 = rm[0];
            lev1 = rm[1];
        }
    }

    /* 3. Gain computer, then attack/release. */
    gain_computer(c, lev0, xg[0], ph, m);
    gain_computer(c, lev1, xg[1], ph, m);
    smooth_gr(c, xg[0], xg[1], m);

    /* 4. Link and makeup; the meters; apply; the on/off crossfade. */
    link_gain(c, xg[0], xg[1], g[0], g[1], ph, m);
    float mx = c->gr_max;
    for (unsigned i = 0; i < m; i++) {
        float e = xg[0][i] > xg[1][i] ? xg[0][i] : xg[1][i];
        mx = e > mx ? e : mx;
    }
    c->gr_max = mx;
    c->gr_now = xg[0][m - 1] > xg[1][m - 1] ? xg[0][m - 1] : xg[1][m - 1];
    if (c->mode == MODE_MIX) {
        memcpy(dry[0], l, m * sizeof *l);
        memcpy(dry[1], r, m * sizeof *r);
    }
    mul(l, g[0], m);
    mul(r, g[1], m);
    if (c->mode == MODE_MIX) xfade_mix2(&c->on_x, dry[0], dry[1], l, r, m);
}

void compressor_process(struct compressor *c, float *l, float *r, const float *key_l,
                        const float *key_r, unsigned n)
{
    if (!key_l) key_l = l;
    if (!key_r) key_r = r;
    DSP_SUB_WALK (w, &c->phase, n) {
        if (w.off == 0) subblock_start(c);
        if (c->mode != MODE_OFF)
            run(c, l + w.done, r + w.done, key_l + w.done, key_r + w.done, w.n);
    }
}

void compressor_set(struct compressor *c, const struct compressor_params *p)
{
    const struct table_row *t = table_stem;
    c->p.on = !!p->on;
    if (p->threshold_db != c->p.threshold_db) {
        c->p.threshold_db =
            dsp_clampf(p->threshold_db, t[STEM_COMP_THRESHOLD].min, t[STEM_COMP_THRESHOLD].max);
        c->t_thr = c->p.threshold_db * LOG2_PER_DB;
    }
    if (p->ratio != c->p.ratio) {
        c->p.ratio = dsp_clampf(p->ratio, t[STEM_COMP_RATIO].min, t[STEM_COMP_RATIO].max);
        c->t_slope = 1.0f - 1.0f / c->p.ratio;
    }
    if (p->knee_db != c->p.knee_db) {
        c->p.knee_db = dsp_clampf(p->knee_db, t[STEM_COMP_KNEE].min, t[STEM_COMP_KNEE].max);
        c->t_knee = c->p.knee_db * LOG2_PER_DB;
    }
    c->p.attack_ms = dsp_clampf(p->attack_ms, t[STEM_COMP_ATTACK].min, t[STEM_COMP_ATTACK].max);
    c->p.release_ms = dsp_clampf(p->release_ms, t[STEM_COMP_RELEASE].min, t[STEM_COMP_RELEASE].max);
    if (p->makeup_db != c->p.makeup_db) {
        c->p.makeup_db = dsp_clampf(p->makeup_db, t[STEM_COMP_MAKEUP].min, t[STEM_COMP_MAKEUP].max);
        c->t_makeup = c->p.makeup_db * LOG2_PER_DB;
    }
    c->p.detector = p->detector == COMPRESSOR_RMS ? COMPRESSOR_RMS : COMPRESSOR_PEAK;
    c->p.link = c->t_link =
        dsp_clampf(p->link, t[STEM_COMP_LINK].min * 0.01f, t[STEM_COMP_LINK].max * 0.01f);
    c->p.sc_hpf_on = !!p->sc_hpf_on;
    if (p->sc_hpf_hz != c->p.sc_hpf_hz) {
        c->p.sc_hpf_hz =
            dsp_clampf(p->sc_hpf_hz, t[STEM_COMP_SC_HPF_FREQ].min, t[STEM_COMP_SC_HPF_FREQ].max);
        c->t_hpf_log2 = log2f(c->p.sc_hpf_hz);
    }
}

void compressor_params_of_stem(struct compressor_params *cp, const float *sp)
{
    *cp = (struct compressor_params){
        .on = sp[STEM_COMP_ON] != 0.0f,
        .threshold_db = sp[STEM_COMP_THRESHOLD],
        .ratio = sp[STEM_COMP_RATIO],
        .knee_db = sp[STEM_COMP_KNEE],
        .attack_ms = sp[STEM_COMP_ATTACK],
        .release_ms = sp[STEM_COMP_RELEASE],
        .makeup_db = sp[STEM_COMP_MAKEUP],
        .detector = (int)sp[STEM_COMP_DETECTOR],
        .link = sp[STEM_COMP_LINK] * 0.01f,
        .sc_hpf_on = sp[STEM_COMP_SC_HPF_ON] != 0.0f,
        .sc_hpf_hz = sp[STEM_COMP_SC_HPF_FREQ],
    };
}

void compressor_init(struct compressor *c, double rate)
{
    memset(c, 0, sizeof *c);
    c->rate = rate;
    c->k_smooth = (float)dsp_onepole_coef(COMPRESSOR_SMOOTH_MS, rate, DSP_SUB);
    double b = dsp_onepole_coef(COMPRESSOR_RMS_MS, rate, 1);
    c->b_rms = (float)b;
    c->a_rms = (float)(1.0 - b);
    /* NaN, so the first compressor_set() converts every field. */
    c->p.threshold_db = c->p.ratio = c->p.knee_db = c->p.makeup_db = c->p.sc_hpf_hz = NAN;
    c->att_ms = c->rel_ms = -1.0f;
    float sp[STEM_NPARAMS];
    struct compressor_params def;
    table_stem_defaults(sp);
    compressor_params_of_stem(&def, sp);
    compressor_set(c, &def);
    xfade_init(&c->on_x, rate, 0);
    xfade_init(&c->det_x, rate, 0);
    xfade_init(&c->hpf_x, rate, 0);
    c->dormant = 1;
    c->mode = MODE_OFF;
    wake(c); /* every derived value consistent (the first turn-on wakes again) */
    update_times(c);
    c->dormant = 1;
    compressor_reset(c);
}

void compressor_reset(struct compressor *c)
{
    clear_state(c);
    c->gr_max = 0.0f;
    c->phase = 0;
}

float compressor_gr_db(const struct compressor *c)
{
    return c->gr_now * DB_PER_LOG2;
}

float compressor_take_max_gr_db(struct compressor *c)
{
    float g = c->gr_max * DB_PER_LOG2;
    c->gr_max = 0.0f;
    return g;
}
