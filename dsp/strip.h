/* dsp/strip.h: one stem's channel strip: trim, polarity, HPF/LPF, EQ, dynamic EQ, de-esser,
 * compressor, width, pan, fader, mute/solo.
 *
 * The mix drives it in two halves so any stem can key another's dynamic EQ bands and
 * compressor: first strip_pre for every stem (trim .. EQ: the sidechain tap), then strip_post
 * (dynamic EQ, de-esser, compressor .. fader). Each half
 * takes the position (off) of its n frames inside the current DSP_SUB sub-block, off + n <=
 * DSP_SUB, and has its own setter, called at every sub-block start of that half, so the two
 * halves may run a whole block apart. */
#ifndef STEMD_STRIP_H
#define STEMD_STRIP_H

#include "dsp/compressor.h"
#include "dsp/deesser.h"
#include "dsp/dyneq.h"
#include "dsp/eq.h"
#include "dsp/params.h"
#include "dsp/passfilter.h"
#include "dsp/smooth.h"

struct strip {
    float k;             /* smoothing coefficient per sub-block */
    struct smooth in[2]; /* trim x polarity, per channel */
    struct passfilter hpf, lpf;
    struct eq eq;
    struct dyneq deq;
    struct deesser deess;
    struct compressor comp;
    struct smooth mat[4]; /* width, balance, fader, mute: out = [a b; c d] x in */
    int mat_still;        /* the matrix rests: constant coefficients */
    int mat_identity;     /* ... at the identity: skip it */
    float last_pre[STEM_NPARAMS], last_post[STEM_NPARAMS]; /* what the setters last saw */
    int pre_valid, post_valid, last_audible;
    /* meters, since the last take (skipped while meters is 0) */
    int meters;
    float peak_l, peak_r;
    double ms_sum;
    unsigned ms_n;
};

/* Not RT: set up for rate with every unit at its default. */
int strip_init(struct strip *s, double rate);
void strip_free(struct strip *s);
/* RT: clear states and meters (smoothed values keep their positions). */
void strip_reset(struct strip *s);

/* RT: hand each half its parameters (sp = one stem's STEM_NPARAMS values) at a sub-block start
 * of that half. audible = 0 when muted or silenced by another stem's solo. */
void strip_set_pre(struct strip *s, const float *sp);
void strip_set_post(struct strip *s, const float *sp, int audible);

/* RT: trim, polarity, filters and EQ, in place. */
void strip_pre(struct strip *s, float *l, float *r, unsigned off, unsigned n);

/* The keys of strip_post's n frames: each is this stem's or another stem's strip_pre output.
 * The compressor's may alias l/r (NULL: l/r); a dynamic EQ band's must not (NULL: the dynamic
 * EQ's input). */
struct strip_keys {
    const float *comp_l, *comp_r;
    const float *deq_l[DYNEQ_BANDS], *deq_r[DYNEQ_BANDS];
};

/* RT: the dynamic EQ, the de-esser, the compressor, then width, balance, fader and mute, in place,
 * keyed as keys says; updates the meters. */
void strip_post(struct strip *s, float *l, float *r, const struct strip_keys *keys, unsigned off,
                unsigned n);

#endif
