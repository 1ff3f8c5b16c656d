/* dsp/deesser.h: the de-esser of every stem: the band above a frequency measured, and reduced
 * alone (split-band) or with the whole signal (wide-band).
 *
 * The split is a Linkwitz-Riley 4th-order pair built from two SVF high-pass sections (Q 1/sqrt 2,
 * the same coefficients): the first section gives HP2(x) and, from the same states, the 2nd-order
 * allpass AP(x) = x - 2k band; the second turns HP2 into HP4. LR4's low and high outputs are in
 * phase and sum to that allpass, LP4 + HP4 = AP (exactly, in the trapezoidal z-domain too), so
 *
 *     split-band:  y = AP(x) - (1 - g) HP4(x)   (= LP4 + g HP4: only the band above is reduced)
 *     wide-band:   y = g AP(x)
 *     listen:      y = HP4(x)                  (the measured band alone)
 *
 * with g the gain. A 1 kHz tone under a split at 3 kHz is 0.05 dB from untouched at 12 dB of
 * reduction (HP4 there is 1/82). While on and idle (g = 1) the output is AP(x): the magnitude is
 * untouched, the top's phase turned (the price of a minimum-phase split that needs no latency).
 * Off (after its crossfade) the unit touches nothing: bit-exact.
 *
 * The level is the mean square of HP4 (both channels, DYNEQ_RMS_MS one-pole), read as dB at each
 * sub-block start; the compressor's gain computer (compressor_curve: ratio DEESS_RATIO, knee
 * DYNEQ_KNEE_DB) gives the reduction, limited to the range, smoothed per sub-block (attack
 * DEESS_ATTACK_MS, release DEESS_RELEASE_MS) and ramped linearly per sample. Mode, listen and
 * on/off crossfade (xfade.h); the frequency glides (EQ_GLIDE_MS) with the coefficients ramped
 * per sample. Chunk-invariant like every unit (sub-blocks counted from reset). */
#ifndef STEMD_DEESSER_H
#define STEMD_DEESSER_H

#include "dsp/dsp.h"
#include "dsp/smooth.h"
#include "dsp/xfade.h"

#define DEESS_RATIO      10.0f /* well past the threshold the reduction is the range */
#define DEESS_ATTACK_MS  1.5
#define DEESS_RELEASE_MS 60.0

/* The order of deess/mode's names in the table, "split|wide" (tests/test_table.c checks). */
enum deesser_mode { DEESS_SPLIT, DEESS_WIDE };

/* The unit's parameters; deesser_set clamps them to the deess/... rows (NaN: the minimum). */
struct deesser_params {
    int on;
    float freq_hz, threshold_db, range_db;
    int mode; /* enum deesser_mode */
    int listen;
};

/* Private to deesser.c; visible so it can be embedded and tested. */
struct deesser {
    double rate;
    unsigned phase;
    float alpha;                /* frequency glide step per sub-block */
    float b_ms, b_att, b_rel;   /* detector (per sample), attack and release (per sub-block) */
    struct deesser_params p;    /* clamped targets */
    float lf_t;                 /* target, ln Hz */
    struct glide lf;            /* the split frequency */
    float a[3], da[3], aend[3]; /* the sections' a1..a3, their per-sample ramp, ramp end */
    int ramp;                   /* the coefficients ramp in this sub-block */
    float s1[2], s2[2], t1[2], t2[2]; /* states: first section, second section, per channel */
    float ms;                         /* mean square of HP4 */
    float g_db;                       /* gain at the end of the current sub-block, dB <= 0 */
    float g0, g1;                     /* linear gain at its start and end */
    struct xfade on_x, wide_x, listen_x;
    int dormant;
    float gr_max; /* dB >= 0, since the last take */
};

/* The de-esser parameters of a stem's snapshot row sp. */
void deesser_params_of_stem(struct deesser_params *dp, const float *sp);
/* Not RT: set up for rate at the table's defaults (off). A plain struct: nothing to free. */
void deesser_init(struct deesser *d, double rate);
/* RT: clear the states and meter; gain back to 0 dB; the sub-block count restarts. */
void deesser_reset(struct deesser *d);
/* RT, cheap: new targets, from the next sub-block start. */
void deesser_set(struct deesser *d, const struct deesser_params *p);
/* RT: process n frames (any n) in place. Off and idle: touches nothing. */
void deesser_process(struct deesser *d, float *l, float *r, unsigned n);
/* RT: the largest gain reduction (dB >= 0) since the previous call, then start over. */
float deesser_take_gr_db(struct deesser *d);

#endif
