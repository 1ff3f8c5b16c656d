/* dsp/xfade.h: the click-free on/off switch every unit uses (a linear dry/wet crossfade).
 *
 * A unit that is off costs nothing and passes its input bit for bit; one that is on outputs only
 * its processed signal; in between, for XFADE_MS, it mixes the two. Changing a filter's type or
 * slope is done as fade out, switch (and clear the state), fade in, so no switch ever steps the
 * waveform. 10 ms is long enough that the fade's own spectrum stays below ~100 Hz (no click) and
 * short enough to feel immediate on a control surface. The weight follows a smoothstep
 * (3w^2 - 2w^3) of the linear ramp, so the fade starts and ends with zero slope: a linear fade's
 * corners leave a faint tick at the top of the spectrum. */
#ifndef STEMD_XFADE_H
#define STEMD_XFADE_H

#define XFADE_MS 10.0

struct xfade {
    float w;    /* current wet weight, 0..1 */
    float step; /* per-sample change of w */
    int target; /* 1: fading towards wet */
};

static inline void xfade_init(struct xfade *x, double rate, int on)
{
    x->step = (float)(1000.0 / (XFADE_MS * rate));
    x->w = on ? 1.0f : 0.0f;
    x->target = on;
}

static inline void xfade_set(struct xfade *x, int on)
{
    x->target = !!on;
}

/* Nothing to compute: fully off and staying off. */
static inline int xfade_idle_off(const struct xfade *x)
{
    return x->w == 0.0f && !x->target;
}

/* Fully on and staying on: the output is the wet signal itself. */
static inline int xfade_full_on(const struct xfade *x)
{
    return x->w == 1.0f && x->target;
}

static inline float xfade_curve(float w)
{
    return w * w * (3.0f - 2.0f * w);
}

/* RT: wet[i] = dry[i]*(1-c) + wet[i]*c on both channels, c = xfade_curve(w), for n samples, w
 * moving one step per sample towards the target. Call only when neither idle_off nor full_on
 * holds (the callers skip the work then). */
static inline void xfade_mix2(struct xfade *x, const float *dry_l, const float *dry_r, float *wet_l,
                              float *wet_r, unsigned n)
{
    float w = x->w, d = x->target ? x->step : -x->step;
    for (unsigned i = 0; i < n; i++) {
        w += d;
        w = w < 0.0f ? 0.0f : w > 1.0f ? 1.0f : w;
        if (w < 1.0f) {
            float c = xfade_curve(w);
            wet_l[i] = dry_l[i] + (wet_l[i] - dry_l[i]) * c;
            wet_r[i] = dry_r[i] + (wet_r[i] - dry_r[i]) * c;
        }
    }
    x->w = w;
}

#endif
