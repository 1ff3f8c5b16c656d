/* dsp/compressor.h: the feed-forward stereo compressor of every stem and of each master band.
 *
 * The design is Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor Design - A
 * Tutorial and Analysis" (JAES 60(6), 2012), in the arrangement they recommend (their fig. 7,
 * "log domain, smooth branching"):
 *
 *   key -> [sidechain HPF] -> level detector -> dB -> gain computer (soft knee, eq. 4)
 *       -> smooth branching attack/release in the gain-reduction (dB) domain (eq. 17)
 *       -> stereo link -> makeup -> linear gain, applied to the audio.
 *
 * Everything runs per sample, so the attack and release times hold to one sample down to the
 * shortest settings (a control-rate gain computer would add up to its period of delay: 4
 * samples are 18 % of a 0.5 ms attack at 44.1 kHz). What makes that affordable: the dB
 * conversions are short polynomials for log2 and exp2 (errors below 2e-5 dB) instead of libm,
 * in branch-free loops GCC vectorizes at -O2, and the one serial recursion per channel is a
 * multiply, an add and a select. About 8 ns per stereo frame at 48 kHz (sidechain HPF: +5 ns),
 * ~0.1 ns while off. Internally levels and gains are in log2 units of amplitude (1 = 6.02 dB).
 *
 * Detector: 0 = peak, the level of each sample |key|; 1 = RMS, the mean square through a one-pole
 * of COMPRESSOR_RMS_MS (10 ms) time constant, reported as 10*log10(mean square) (a full-scale
 * sine reads -3.01 dB, a full-scale square 0 dB).
 *
 * Stereo link, k in 0..1: with g_l, g_r each channel's own smoothed gain reduction (dB) and
 * g_max = max(g_l, g_r) (the louder channel's), channel c gets (1 - k) * g_c + k * g_max. So
 * k = 1 gives both channels one gain, bit for bit, and k = 0 independent ones.
 *
 * Chunk invariance: the unit counts frames modulo DSP_SUB from its reset and does all of its
 * control work at sub-block starts: parameter smoothing (per sub-block, ramped linearly per
 * sample: threshold, knee and makeup in dB, ratio as the slope 1 - 1/ratio, link, sidechain HPF
 * frequency in log2), attack/release coefficients, and the on/off, detector and
 * sidechain-HPF crossfades (dsp/xfade.h), whose fading/idle state is latched for the whole
 * sub-block. The output is therefore the same bit for bit however the host slices the frames.
 * The count advances only in compressor_process(): a caller that sometimes skips the call keeps
 * that invariance only if what it skips does not itself depend on the slicing.
 *
 * Turning on starts from rest with ratio 1 and no makeup gliding to their targets, so the wet
 * signal leaves the dry one smoothly while the on-crossfade runs.
 */
#ifndef STEMD_COMPRESSOR_H
#define STEMD_COMPRESSOR_H

#include "dsp/dsp.h"
#include "dsp/smooth.h"
#include "dsp/svf.h"
#include "dsp/xfade.h"

/* Time constant of the RMS detector's mean square. 10 ms follows the level of a kick or a
 * syllable; the price is ripple on low notes: the one-pole passes a sine's 2f component at
 * 1/(4*pi*f*tau) of the mean, i.e. +-0.64 dB of level at 50 Hz, +-0.035 dB at 1 kHz, which the
 * attack/release smoothing then mostly absorbs. */
#define COMPRESSOR_RMS_MS 10.0
/* A switch from peak to RMS starts the detector's crossfade only after the mean square has
 * run for this long (5 time constants: within 0.03 dB), so the fade never blends in a detector
 * still rising from zero. The other way round fades at once. */
#define COMPRESSOR_RMS_WARM_MS 50.0
/* Threshold, knee, ratio, makeup and link glide to new values through two one-poles in cascade
 * (per sub-block) of this time constant: 99 % of a jump in 30 ms, starting with zero slope, so
 * a control-surface move never clicks. The sidechain-HPF frequency takes one such pole. */
#define COMPRESSOR_SMOOTH_MS 4.5

/* The order of comp/detector's names in the table, "peak|rms" (tests/test_table.c checks). */
enum compressor_detector {
    COMPRESSOR_PEAK = 0,
    COMPRESSOR_RMS = 1,
};

/* All parameters of the unit. compressor_set() clamps each to the range of its stem row in the
 * parameter table (comp/threshold, comp/ratio, ...; a NaN becomes the minimum), so any value is
 * safe. The master's band rows share those ranges (tests/test_table.c checks). */
struct compressor_params {
    int on;             /* 0: bypass (after a 10 ms crossfade, bit-exact and nearly free) */
    float threshold_db; /* dBFS */
    float ratio;        /* 1: no compression */
    float knee_db;      /* the full width of the soft knee (0: hard knee) */
    float attack_ms;    /* time for 1-1/e of a rise in gain reduction */
    float release_ms;   /* time for 1-1/e of a fall in gain reduction */
    float makeup_db;
    int detector;  /* enum compressor_detector; any other value is peak */
    float link;    /* 0 .. 1 (the table's percent / 100), see the top of this file */
    int sc_hpf_on; /* high-pass the key (12 dB/oct Butterworth) */
    float sc_hpf_hz;
};

/* A ramp of a smoothed parameter: the values at the last two sub-block starts. */
struct compressor_ramp {
    float prev, cur;
};

/* Plain struct: embed it, no allocation. Fields are private to compressor.c (the tests read the
 * states to check them for denormals). */
struct compressor {
    double rate;
    float k_smooth; /* per-sub-block smoothing coefficient */
    unsigned phase; /* frame position in the current sub-block, 0 .. DSP_SUB-1 */

    /* targets, clamped and converted (log2 units) by compressor_set() */
    struct compressor_params p;
    float t_thr, t_knee, t_slope, t_makeup, t_link, t_hpf_log2;

    /* smoothed values (log2 units) and what the sample loop ramps */
    float thr, knee, slope, makeup, link, hpf_log2;
    float thr_m, knee_m, slope_m, makeup_m, link_m; /* first poles of the two-pole glides */
    struct compressor_ramp r_k0, r_knee, r_inv2w, r_slope, r_makeup, r_link;
    int moving; /* some ramp is not flat in this sub-block */

    /* attack/release: coefficient b = 1 - exp(-1 / (tau * rate)) for the ms value cached */
    float att_ms, rel_ms;
    double b_att, b_rel;
    float b_rms, a_rms; /* RMS one-pole: ms = a * ms + b * key^2 */

    /* crossfades and the modes latched at the sub-block start */
    struct xfade on_x, det_x, hpf_x;
    int mode, det_mode, hpf_mode;
    int dormant;   /* off and idle: states cleared, nothing computed */
    int rms_run;   /* the mean square is being tracked */
    long rms_warm; /* frames of RMS warm-up left before the peak->RMS fade */

    /* signal state */
    double y[2]; /* smoothed gain reduction per channel, log2 units (double: see .c) */
    float ms[2]; /* RMS detector mean square */
    struct svf_coefs hpf_c;
    struct svf_state hpf_s;

    /* meters, log2 units */
    float gr_now, gr_max;
};

/* Branch-free max(x, 0), exact (x + |x| is 2x or 0). Plain comparisons would be clearer, but
 * without -ffast-math GCC keeps them as branches and the loops stop vectorizing. */
static inline float compressor_pos(float x)
{
    return 0.5f * (x + fabsf(x));
}

/* The gain computer, G&R eq. 4 as a gain reduction (input minus output level, >= 0), in any
 * level unit (the compressor's log2, the dynamic EQ's dB), branch-free: with threshold T, knee
 * width W, k0 = T - W/2, d = x - k0, u = clamp(d, 0, W), inv2w = 1/(2W) (0 when W = 0) and
 * slope = 1 - 1/R,
 *   gr = slope * (u^2 / (2W) + max(d - u, 0)),
 * which is 0 below the knee, slope (x - T + W/2)^2 / (2W) inside it and slope (x - T) above
 * it. The compressor and the dynamic EQ (dsp/dyneq.c) share it. */
static inline float compressor_curve(float d, float w, float inv2w, float slope)
{
    float p = compressor_pos(d);
    float u = p - compressor_pos(p - w); /* min(max(d, 0), W) */
    return slope * (u * u * inv2w + compressor_pos(d - u));
}

/* The compressor parameters of a stem's snapshot row sp (STEM_NPARAMS values). */
void compressor_params_of_stem(struct compressor_params *cp, const float *sp);

/* Not RT (calls exp, tan): set up for rate (44.1 to 192 kHz; others work from 8 kHz up) with
 * the parameters at the table's defaults for a stem's compressor (off). Cannot fail. */
void compressor_init(struct compressor *c, double rate);

/* RT: clear the signal state (detectors, gain smoother, sidechain filter) and the meters and
 * restart the sub-block count. Smoothed parameters and crossfades keep their positions. */
void compressor_reset(struct compressor *c);

/* RT, cheap: store new targets (clamped to the ranges above). Takes effect, smoothed, from the
 * next sub-block start. Calling it every sub-block with unchanged values costs a few compares. */
void compressor_set(struct compressor *c, const struct compressor_params *p);

/* RT: compress n frames of l/r in place (any n, including 0). key_l/key_r is the sidechain
 * signal the level is measured on; it may alias l/r (it is read before the audio is written),
 * and NULL means the unit's own input. Bounded work, no allocation, no system call; stack use
 * is a few DSP_SUB-sized buffers. While off and idle it touches neither buffer. */
void compressor_process(struct compressor *c, float *l, float *r, const float *key_l,
                        const float *key_r, unsigned n);

/* RT: the gain reduction at the last processed frame, dB >= 0 (the larger of the channels;
 * makeup not included; 0 while off). */
float compressor_gr_db(const struct compressor *c);

/* RT: the largest gain reduction (dB >= 0) of any frame since the previous call, then start
 * over. For peak-reading meters. */
float compressor_take_max_gr_db(struct compressor *c);

#endif
