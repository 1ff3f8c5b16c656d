/* dsp/passfilter.h: a stem's Butterworth high-pass or low-pass filter, 12 or 24 dB/oct. */
#ifndef STEMD_PASSFILTER_H
#define STEMD_PASSFILTER_H

#include "dsp/eq.h" /* struct eq_sect: the EQ's section loop form */
#include "dsp/smooth.h"
#include "dsp/filterswitch.h"

enum pass_kind { PASS_HIGH, PASS_LOW };

/* The order of hpf/slope's and lpf/slope's names in the table, "12dB|24dB" (tests/test_table.c
 * checks). */
enum pass_slope { PASS_12DB, PASS_24DB };

/* Frequency ranges and defaults: the table's hpf/freq and lpf/freq rows (clamped; also to
 * 0.49 * rate). */

/* Time for 99 % of a frequency change (smooth.h's struct glide in ln Hz, coefficients ramped per
 * sample), as for the EQ. */
#define PASS_GLIDE_MS 30.0

/* Private to passfilter.c; visible so the struct can be embedded and tested. */
struct passfilter {
    double rate;
    enum pass_kind kind;
    unsigned pos;                        /* frames into the current sub-block */
    float alpha;                         /* glide step per sub-block (glide_alpha) */
    float fmin, fmax;                    /* clamp range for this kind and rate */
    float set_freq;                      /* the raw value last given to passfilter_set */
    float freq_t, lf_t;                  /* target in Hz and in ln Hz */
    struct glide lf;                     /* current, ln Hz */
    struct filter_switch sw;             /* on/off and slope (shape: an enum pass_slope) */
    int active;                          /* this sub-block runs the filter */
    struct eq_sect k[2], dk[2], kend[2]; /* sections in use, per-sample step, sub-block end */
    float p1[2][2], p2[2][2];            /* [section][channel] integrator states */
};

/* Set up a filter of kind PASS_HIGH or PASS_LOW at rate Hz (44100..192000), at the table's
 * defaults for the stem's hpf or lpf (on, freq, slope). A plain struct: no allocation. Not RT. */
void passfilter_init(struct passfilter *pf, enum pass_kind kind, double rate);

/* RT: clear the states and jump to the targets (no glide, no fade); the sub-block phase restarts
 * at 0. Bounded and allocation-free; it redesigns (tan), so call it on an event only. */
void passfilter_reset(struct passfilter *pf);

/* RT: set the targets. on is 0 or not; freq_hz the -3 dB corner in the table's range,
 * clamped, non-finite ignored; slope PASS_12DB (2nd-order Butterworth) or PASS_24DB (4th-order
 * Butterworth: sections of Q 0.5412 and 1.3066), other values ignored. Only stores targets; an
 * unchanged value costs a compare. The corner glides (PASS_GLIDE_MS); on/off crossfades (xfade.h);
 * a slope change fades out, switches, clears the state and fades back in. */
void passfilter_set(struct passfilter *pf, int on, float freq_hz, int slope);

/* RT: filter n frames of l and r in place (any n). The output does not depend on how the signal
 * is cut into calls. Off (after its fade), l and r are not touched and the call costs a compare
 * per DSP_SUB frames. A state that went non-finite is cleared at the next sub-block start. */
void passfilter_process(struct passfilter *pf, float *l, float *r, unsigned n);

#endif
