/* dsp/smooth.h: every glide of the DSP: how a value moves to its target, once per sub-block.
 *
 * One motion, two one-poles in cascade (critically damped), stepped at sub-block starts
 * (glide_pole2), so a glide starts and ends with zero velocity. With a single one-pole the
 * velocity jumps at the start: a gain's corner leaves a faint click on a 48 dB fader jump, and
 * a filter's per-sample coefficient ramps kink there (a Q jump 0.1 -> 10 of a -24 dB bell
 * centred on a 200 Hz sine measured 2.3x the click bound of tests/test_filters.c, 0.46x with two
 * stages). Two forms use it:
 *   struct smooth  a gain the samples multiply by, ramped linearly per sample inside the
 *                  sub-block (the strips' trims and matrix, the bus's gains, band widths);
 *   struct glide   a filter parameter (ln Hz, dB, ln Q) whose coefficients the unit ramps.
 * smooth_pole is the one-pole step with a landing, for the compressor's two stages (each lands
 * on its own) and the limiter's ceiling and drive. Every form lands exactly on its target once
 * close, so a value brought back rests on the target bit for bit (neutral stays bit-exact). */
#ifndef STEMD_SMOOTH_H
#define STEMD_SMOOTH_H

#include <math.h>

#include "dsp/dsp.h"

/* One sub-block step of the two-pole cascade towards target, coefficient k. */
static inline void glide_pole2(float *mid, float *cur, float target, float k)
{
    *mid += k * (target - *mid);
    *cur += k * (*mid - *cur);
}

/* One sub-block step of a one-pole towards target, landing on it once within snap. */
static inline float smooth_pole(float cur, float target, float k, float snap)
{
    float d = target - cur;
    return fabsf(d) <= snap ? target : cur + k * d;
}

/* ---- gains: struct smooth ---- */

/* Inside the sub-block the samples ramp linearly from the previous value to the new one, so the
 * gain curve has no steps. Within SMOOTH_SNAP of the target (after a step) it lands exactly on
 * it: a gain returned to 1.0 is 1.0, and the unit can skip its multiply. */
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
    glide_pole2(&s->mid, &s->cur, s->target, k);
    if (fabsf(s->target - s->cur) <= SMOOTH_SNAP && fabsf(s->target - s->mid) <= SMOOTH_SNAP)
        s->cur = s->mid = s->target;
}

/* The value did not move in this sub-block (the samples may use one constant). */
static inline int smooth_still(const struct smooth *s)
{
    return s->prev == s->cur;
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

/* ---- filter parameters: struct glide (the EQ, the pass filters, the crossovers) ---- */

struct glide {
    float mid, cur;
};

/* The coefficient for 99 % of a step after t99_ms: (1 + x) e^-x = 0.01 at x = 6.638 time
 * constants. */
static inline float glide_alpha(double rate, double t99_ms)
{
    return (float)(1.0 - exp(-DSP_SUB * 6.638 / (t99_ms * 0.001 * rate)));
}

/* RT: one sub-block step towards target. Once both stages are within snap (before the step)
 * the glide lands exactly on the target. Returns 1 while moving (the unit redesigns). */
static inline int glide_step(struct glide *g, float target, float alpha, float snap)
{
    if (g->cur == target && g->mid == target) return 0;
    if (fabsf(target - g->mid) <= snap && fabsf(target - g->cur) <= snap) {
        g->mid = g->cur = target;
        return 1;
    }
    glide_pole2(&g->mid, &g->cur, target, alpha);
    return 1;
}

static inline void glide_jump(struct glide *g, float v)
{
    g->mid = g->cur = v;
}

#endif
