/* dsp/crossover.h: Linkwitz-Riley 4th-order band splits: 3 bands (multiband), 2 (bass mono). */
#ifndef STEMD_CROSSOVER_H
#define STEMD_CROSSOVER_H

/* LR4 = two cascaded 2nd-order Butterworth sections (Q = 1/sqrt 2) per output. LP4(f) + HP4(f)
 * is the 2nd-order allpass AP(f) (Q = 1/sqrt 2), so the bands always sum to an allpass: flat
 * magnitude, and each band is -6.02 dB at its crossover. Every section is svf.h's SVF; one
 * section at f yields both the low-pass and the high-pass that feed the second LP and HP
 * sections, so a split costs three sections, not four.
 *
 * Ranges and defaults (clamped) are the table's: crossover3 f1 mb/xover/low, f2 mb/xover/high,
 * and f2 >= 1.5 * f1 (closer pairs are spread symmetrically in log around their geometric mean,
 * so the mid band keeps a passband); crossover2 imager/bassmono/freq. The frequencies glide
 * (XOVER_GLIDE_MS to 99 %, two cascaded one-poles per sub-block in ln Hz, coefficients ramped per
 * sample), so moving a crossover never clicks. */
#include "dsp/smooth.h"

#define XOVER3_MIN_RATIO 1.5f
#define XOVER_GLIDE_MS   30.0

/* One Butterworth section's integrator coefficients in the loop form (see eq.h's eq_sect):
 * with t = x - p2, p1 += c1*p1 + c2*t, p2 += c2*p1 + c3*t. */
struct xover_coefs {
    float c1, c2, c3;
};

/* One split frequency: its glide and its coefficients. Private to crossover.c. */
struct xover_freq {
    float set_hz;     /* the raw value last set (after clamping and spreading) */
    float hz_t, lf_t; /* target in Hz and in ln Hz */
    struct glide lf;  /* ln Hz */
    int ramp;         /* this sub-block moves k to kend */
    struct xover_coefs k, dk, kend;
};

/* Private to crossover.c; visible so the structs can be embedded and tested.
 * States: [section][channel]. */
struct crossover3 {
    double rate;
    unsigned pos;
    float alpha;
    float set_f1, set_f2;
    struct xover_freq f[2];
    float p1[7][2], p2[7][2];
};

struct crossover2 {
    double rate;
    unsigned pos;
    float alpha;
    struct xover_freq f;
    float p1[3][2], p2[3][2];
};

/* Set up at rate Hz (44100..192000), crossovers at the table's defaults. Plain struct, no
 * allocation. Not RT. */
void crossover3_init(struct crossover3 *x, double rate);

/* RT: clear the states and jump to the target frequencies; the sub-block phase restarts at 0.
 * Bounded and allocation-free; it redesigns (tan), so call it on an event only. */
void crossover3_reset(struct crossover3 *x);

/* RT: set the target crossovers f1_hz (low/mid) and f2_hz (mid/high), clamped as above;
 * non-finite values are ignored. Only stores targets; unchanged values cost a compare. */
void crossover3_set(struct crossover3 *x, float f1_hz, float f2_hz);

/* RT: split n frames of l, r into three bands:
 *   low = AP(f2)*LP4(f1), mid = LP4(f2)*HP4(f1), high = HP4(f2)*HP4(f1);
 *   low + mid + high = AP(f2)*AP(f1).
 * Each output array may be the very array l or r (every frame is read before it is written);
 * otherwise no two arrays may overlap. The output does not depend on how the signal is cut into
 * calls; a state gone non-finite is cleared at the next sub-block start. About 7 SVF sections
 * per channel. */
void crossover3_process(struct crossover3 *x, const float *l, const float *r, float *low_l,
                        float *low_r, float *mid_l, float *mid_r, float *high_l, float *high_r,
                        unsigned n);

/* The same for two bands at one frequency (imager/bassmono/freq's range and default): low = LP4(f),
 * high = HP4(f), low + high = AP(f). Same rules as crossover3. */
void crossover2_init(struct crossover2 *x, double rate);
/* RT */
void crossover2_reset(struct crossover2 *x);
/* RT */
void crossover2_set(struct crossover2 *x, float f_hz);
/* RT */
void crossover2_process(struct crossover2 *x, const float *l, const float *r, float *low_l,
                        float *low_r, float *high_l, float *high_r, unsigned n);

#endif
