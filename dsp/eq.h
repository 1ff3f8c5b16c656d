/* dsp/eq.h: the N-band parametric EQ (bell, shelves, notch) of every stem and of the master. */
#ifndef STEMD_EQ_H
#define STEMD_EQ_H

#include <math.h>

#include "dsp/dsp.h"
#include "dsp/filterswitch.h"
#include "dsp/smooth.h" /* struct glide */
#include "dsp/svf.h"
#include "dsp/xfade.h"

#define EQ_MAX_BANDS 8

/* Parameter ranges and defaults are the table's rows eq/N/freq, gain, q (dsp/params.def, the
 * same rows on a stem and on the master); values outside are clamped. The frequency is also
 * clamped to 0.49 * rate (the bilinear warp goes to infinity at Nyquist). */

/* Time for 99 % of a frequency, gain or Q change (see smooth.h's struct glide; in ln Hz, dB and ln
 * Q; the coefficients ramp per sample inside each sub-block). 30 ms glides a 48 dB or ten-octave
 * jump without a click or a zipper, yet a knob turned by hand feels immediate. */
#define EQ_GLIDE_MS 30.0

/* The order of eq/N/type's names in the table, "bell|lowshelf|highshelf|notch" (tests/test_table.c
 * checks). */
enum eq_type { EQ_BELL, EQ_LOWSHELF, EQ_HIGHSHELF, EQ_NOTCH };
#define EQ_TYPES (EQ_NOTCH + 1)

/* What a band filters, the master's eq/N/channel names "stereo|mid|side|left|right" (checked
 * likewise). Mid and side go through the exact matrix M = (L+R)/2, S = (L-R)/2 and back
 * L = M+S, R = M-S around the band, and only while the band is computed: a band resting at
 * 0 dB is skipped, matrix and all, so it stays bit-exact transparent in every mode. The channel
 * the band leaves alone (side for a mid band, and so on) passes through it untouched; with mid
 * or side, up to the matrix's rounding (L+R and L-R in float). */
enum eq_channel { EQ_STEREO, EQ_MID, EQ_SIDE, EQ_LEFT, EQ_RIGHT };

/* One svf.h section as the sample loop runs it; the EQ and the pass filters share it. With
 * t = x - p2:
 *   y = f0*x + f1*p1 + f2*p2,  p1 += c1*p1 + c2*t,  p2 += c2*p1 + c3*t
 * This is svf.c's recurrence rewritten as increments (c1 = 2*(a1 - 1), c2 = 2*a2, c3 = 2*a3):
 * the loop-carried chain is three operations instead of five (svf_process2 measured 5.6 ns per
 * section per stereo frame here; this form 3.3 alone, 2.0 with six bands fused), and a
 * low-frequency state keeps its precision because it is never multiplied by a number close to
 * 1. Precision limit, inherited from svf_coefs being float: a1 near 1 holds 1 - a1 = g(g+k)a1
 * only to 6e-8 absolute; worst in range, the peak of a 20 Hz, Q 10, +24 dB bell measured 0.017 dB
 * off at 192 kHz (0.006 dB at 48 kHz). */
struct eq_sect {
    float c1, c2, c3;
    float f0, f1, f2;
};

/* Convert one svf_design() result to the loop form. At 0 dB (bell, shelves) svf_design gives the
 * identity mix, and so does this: f0 = 1, f1 = f2 = 0 exactly. Cheap (a few multiplies), RT. */
void eq_sect_from_svf(struct eq_sect *k, const struct svf_coefs *c);

/* RT: one sample of section k on both channels: x[0], x[1] in, filtered in place; p1[c], p2[c]
 * the channel's states. Written over the channel pair so the compiler can run left and right in
 * one SIMD register. */
static inline void eq_sect_tick(const struct eq_sect *k, float *p1, float *p2, float *x)
{
    for (unsigned c = 0; c < 2; c++) {
        float s1 = p1[c], s2 = p2[c], t = x[c] - s2;
        x[c] = k->f0 * x[c] + k->f1 * s1 + k->f2 * s2;
        p1[c] = s1 + (k->c1 * s1 + k->c2 * t);
        p2[c] = s2 + (k->c2 * s1 + k->c3 * t);
    }
}

/* RT: the per-sample step that takes a section from `from` to `to` in one sub-block (DSP_SUB
 * samples): coefficients ramp linearly, so a moving filter never steps. Shared by the EQ and the
 * pass filters. */
static inline void eq_sect_ramp(struct eq_sect *d, const struct eq_sect *from,
                                const struct eq_sect *to)
{
    const float s = 1.0f / DSP_SUB;
    d->c1 = (to->c1 - from->c1) * s;
    d->c2 = (to->c2 - from->c2) * s;
    d->c3 = (to->c3 - from->c3) * s;
    d->f0 = (to->f0 - from->f0) * s;
    d->f1 = (to->f1 - from->f1) * s;
    d->f2 = (to->f2 - from->f2) * s;
}

/* RT: one sample's step of that ramp. */
static inline void eq_sect_step(struct eq_sect *k, const struct eq_sect *d)
{
    k->c1 += d->c1, k->c2 += d->c2, k->c3 += d->c3;
    k->f0 += d->f0, k->f1 += d->f1, k->f2 += d->f2;
}

/* One band. Private to eq.c; the fields are visible only so the struct can be embedded and
 * tested. */
struct eq_band {
    float set_freq, set_gain, set_q; /* the raw values last given to eq_set_band */
    float freq_t, q_t;               /* targets in Hz and Q, clamped */
    float lf_t, g_t, lq_t;           /* targets: ln Hz, dB, ln Q */
    struct glide lf, g, lq;          /* smoothed current values */
    struct filter_switch sw;         /* on/off and shape: type + EQ_TYPES * channel */
    int type_t, chan_t;              /* the shape's parts asked for */
    int mode;                        /* what this sub-block does (eq.c's enum band_mode) */
    struct eq_sect k, dk, kend; /* coefficients in use, per-sample step, value at sub-block end */
    float p1[2], p2[2];         /* integrator states, left and right */
};

struct eq {
    double rate;
    unsigned nbands;
    unsigned pos;   /* frames into the current sub-block */
    float alpha;    /* glide step per sub-block (glide_alpha) */
    float freq_max; /* the table's maximum clamped to 0.49 * rate */
    struct eq_band band[EQ_MAX_BANDS];
};

/* Set up an EQ of nbands bands (clamped to 0..EQ_MAX_BANDS) at rate Hz (44100..192000). Every
 * band starts at the table's defaults (eq/N/on, type, freq, gain, q). A plain struct: no
 * allocation, nothing to free. Not RT (it designs every band). */
void eq_init(struct eq *eq, unsigned nbands, double rate);

/* RT: clear the filter states and jump every band to its targets (no glide, no fade), as if the
 * current settings had been running on silence forever; the sub-block phase restarts at 0.
 * Bounded and allocation-free, but it redesigns every band (tan and pow per band), so
 * call it on an event, not every sub-block. */
void eq_reset(struct eq *eq);

/* RT: set band's targets. on is 0 or not; type an enum eq_type (another value keeps the type);
 * freq_hz, gain_db (bell and shelves; ignored by the notch) and q within the table's ranges
 * (freq_hz also <= 0.49 * rate): out-of-range values are clamped, non-finite ones ignored (the
 * target stays), a band >= nbands is ignored. Only stores targets; an unchanged value costs a
 * compare. The band glides to the targets (EQ_GLIDE_MS); switching on or off crossfades (xfade.h);
 * changing the type fades out, switches, clears the state and fades back in. */
void eq_set_band(struct eq *eq, unsigned band, int on, enum eq_type type, float freq_hz,
                 float gain_db, float q);

/* RT: what band filters (an enum eq_channel; another value keeps it). A change crossfades like a
 * type change (fade out, switch, fade in). Bands start in stereo. */
void eq_set_channel(struct eq *eq, unsigned band, enum eq_channel chan);

/* RT: filter n frames of l and r in place (any n, including 0). The output does not depend on
 * how the signal is cut into calls. A band that is off (after its fade), or on and resting at
 * exactly 0 dB (bell, shelves), is skipped and its state cleared: with every band so, l and r are
 * not touched (bit-exact) and the call costs a few compares per DSP_SUB frames. A filter state
 * that went non-finite (after a non-finite input) is cleared at the next sub-block start. */
void eq_process(struct eq *eq, float *l, float *r, unsigned n);

#endif
