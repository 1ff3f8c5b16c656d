/* dsp/filterswitch.h: the switch of a gliding filter section: on/off and shape (an EQ band's
 * type, a pass filter's slope), the one state machine the EQ (eq.c) and the pass filters
 * (passfilter.c) share.
 *
 * Switching on or off crossfades (xfade.h). A shape change fades out, switches (the unit
 * designs the new shape from a cleared state) and fades back in. While silent (fade weight 0)
 * the filter jumps to its targets, so switching on never sweeps from old settings; while
 * sounding its parameters glide and its coefficients ramp. Everything is decided at sub-block
 * starts and latched for the sub-block (chunk invariance). The unit keeps what is its own (the
 * glides, the design, the states); at each sub-block start it calls:
 *
 *     if (filter_switch_begin(&sw)) {         silent: clear the states, jump the glides,
 *         if (!sw.designed || changed) { design(k); sw.designed = 1; }
 *         filter_switch_silent(&sw);          (fades in from here if on)
 *     } else {
 *         if (filter_switch_ramp(&sw, moved)) design the sub-block's end and the ramp to it;
 *         clean the states (non-finite, tiny);
 *         filter_switch_latch(&sw);
 *     }
 *
 * and in the samples filter_switch_keep_dry / filter_switch_mix around its filtering, and
 * filter_switch_land at each sub-block end. */
#ifndef STEMD_FILTERSWITCH_H
#define STEMD_FILTERSWITCH_H

#include <string.h>

#include "dsp/dsp.h"
#include "dsp/xfade.h"

struct filter_switch {
    int on;             /* target on/off */
    int shape_t, shape; /* target shape, shape in use */
    int designed;       /* the coefficients in use match the shape and the glides */
    int ramp;           /* this sub-block ramps the coefficients to their end design */
    int fading;         /* this sub-block crossfades with the dry signal */
    struct xfade fade;
};

static inline void filter_switch_init(struct filter_switch *s, double rate, int shape)
{
    memset(s, 0, sizeof *s);
    xfade_init(&s->fade, rate, 0);
    s->shape_t = s->shape = shape;
}

/* At a reset: the target shape in use, fully on or off, nothing ramping or fading. The unit
 * designs (designed = 1 after). */
static inline void filter_switch_reset(struct filter_switch *s)
{
    s->shape = s->shape_t;
    s->ramp = s->fading = 0;
    s->fade.w = s->on ? 1.0f : 0.0f;
    s->fade.target = s->on;
}

/* A sub-block start. A shape change waits for the fade-out, then switches (the design is stale);
 * on/off steers the fade once the shape is right. Returns 1 while silent (weight 0). */
static inline int filter_switch_begin(struct filter_switch *s)
{
    if (s->shape != s->shape_t) {
        if (s->fade.w == 0.0f) {
            s->shape = s->shape_t;
            s->designed = 0;
        } else {
            xfade_set(&s->fade, 0);
        }
    }
    if (s->shape == s->shape_t) xfade_set(&s->fade, s->on);
    return s->fade.w == 0.0f;
}

/* Silent: nothing ramps; the sub-block fades in when the target is on. Returns that. */
static inline int filter_switch_silent(struct filter_switch *s)
{
    s->ramp = 0;
    s->fading = s->fade.target;
    return s->fading;
}

/* Sounding: the coefficients ramp this sub-block when the glides moved or the design is stale.
 * Returns 1 when they do: the unit then designs the end of the ramp (designed from here). */
static inline int filter_switch_ramp(struct filter_switch *s, int moved)
{
    s->ramp = moved || !s->designed;
    if (s->ramp) s->designed = 1;
    return s->ramp;
}

/* Sounding: whether the sub-block crossfades, fixed for the whole sub-block (deciding per call
 * would make the output depend on where the host cuts the signal: dry + (wet - dry) * 1 is not
 * always wet). */
static inline void filter_switch_latch(struct filter_switch *s)
{
    s->fading = !xfade_full_on(&s->fade);
}

/* RT: before filtering m <= DSP_SUB frames in place: keep the dry signal when fading. */
static inline void filter_switch_keep_dry(const struct filter_switch *s, float dry[2][DSP_SUB],
                                          const float *l, const float *r, unsigned m)
{
    if (!s->fading) return;
    memcpy(dry[0], l, m * sizeof *l);
    memcpy(dry[1], r, m * sizeof *r);
}

/* RT: after filtering: the crossfade with the dry signal when fading. */
static inline void filter_switch_mix(struct filter_switch *s, float dry[2][DSP_SUB], float *l,
                                     float *r, unsigned m)
{
    if (s->fading) xfade_mix2(&s->fade, dry[0], dry[1], l, r, m);
}

/* At a sub-block end: 1 when a ramp ends (the unit lands its coefficients exactly on the
 * ramp's end, whatever the rounding of the steps). */
static inline int filter_switch_land(struct filter_switch *s)
{
    if (!s->ramp) return 0;
    s->ramp = 0;
    return 1;
}

#endif
