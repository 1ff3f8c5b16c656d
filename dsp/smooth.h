/* dsp/smooth.h: a gain that glides to its target, one step per sub-block, ramped per sample. */
#ifndef STEMD_SMOOTH_H
#define STEMD_SMOOTH_H

#include <math.h>

#include "dsp/dsp.h"

/* At each sub-block start the value takes one step of two cascaded one-poles at the sub-block
 * rate (so its slope, not only its value, changes gradually: a single one-pole starts a jump
 * at full speed, and the corner leaves a faint click on a 48 dB fader jump), and inside the
 * sub-block the samples ramp linearly from the previous value to the new one, so the gain curve
 * has no steps. Within SMOOTH_SNAP of the target it lands exactly on it: a gain returned to 1.0
 * is 1.0, and the unit can skip its multiply (neutral is bit-exact). */
#define SMOOTH_SNAP   1e-6f
#define SMOOTH_TAU_MS 4.0 /* per stage: 99 % of a jump in ~27 ms, fast on a fader, no click */

struct smooth {
    float prev, cur, mid, target;
};

/* The per-sub-block coefficient for time constant tau_ms at rate. */
static inline float smooth_coef(double rate, double tau_ms)
{
    return (float)(1.0 - exp(-(double)DSP_SUB / (tau_ms * 0.001 * rate)));
}

static inline void smooth_jump(struct smooth *s, float v)
{
    s->prev = s->cur = s->mid = s->target = v;
}

/* Call once at each sub-block start, after setting target. */
static inline void smooth_tick(struct smooth *s, float k)
{
    s->prev = s->cur;
    if (s->cur == s->target && s->mid == s->target) return;
    s->mid += k * (s->target - s->mid);
    s->cur += k * (s->mid - s->cur);
    if (fabsf(s->target - s->cur) <= SMOOTH_SNAP && fabsf(s->target - s->mid) <= SMOOTH_SNAP)
        s->cur = s->mid = s->target;
}

/* The value did not move in this sub-block (the samples may use one constant). */
static inline int smooth_still(const struct smooth *s)
{
    return s->prev == s->cur;
}

/* The glide is over: value and inner stage on the target. A glide whose step rounds to nothing
 * for a tick is still, not settled: keep ticking it. */
static inline int smooth_settled(const struct smooth *s)
{
    return s->cur == s->target && s->mid == s->target;
}

/* The value at sample i (0..DSP_SUB-1) of the current sub-block. */
static inline float smooth_at(const struct smooth *s, unsigned i)
{
    return s->prev + (s->cur - s->prev) * (float)(i + 1) * (1.0f / DSP_SUB);
}

/* RT: x[j] *= the smoothed value, for samples off .. off+n-1 of the sub-block. Skips the work
 * when the value rests at 1. */
static inline void smooth_apply(const struct smooth *s, float *x, unsigned off, unsigned n)
{
    if (smooth_still(s)) {
        if (s->cur == 1.0f) return;
        for (unsigned j = 0; j < n; j++)
            x[j] *= s->cur;
        return;
    }
    for (unsigned j = 0; j < n; j++)
        x[j] *= smooth_at(s, off + j);
}

#endif
