/* dsp/limiter.h: the master's lookahead true-peak limiter (the ceiling is a promise in dBTP).
 *
 * Signal flow: input x drive -> true-peak detector (truepeak.h, BS.1770-4 oversampling) ->
 * required gain per inter-sample interval r = min(1, ceiling / peak) -> for each sample, the
 * minimum over the intervals on both sides of it, widened by LIMITER_HOLD frames each way (the
 * interpolation that makes inter-sample peaks spans many samples, so the gain must not be
 * rising or falling right at a peak) -> sliding-window minimum over the attack length L (a
 * monotonic deque: O(1) amortized, bounded) -> boxcar (moving average) of length L, so the gain
 * ramps down linearly over L frames and lands on the required value exactly at the peak ->
 * release: recovers exponentially, never above that envelope -> applied to the input delayed by
 * the constant latency. The same design as zita-audiotools' and x42-dpl's limiters.
 *
 * Why exact: the boxcar runs on integers (gains quantized down to 2^-24), so it never drifts:
 * a window of 1.0 gives exactly 1.0f, and with drive 0 dB a signal under the ceiling comes out
 * as the input delayed, bit for bit. The release runs on the reduction depth 1 - g, which
 * float represents finely near g = 1, so it lands on exactly 1.0f instead of stalling below.
 *
 * Latency: LIMITER_LATENCY_MS (2 ms) rounded to frames, whatever the parameters (on/off too):
 * 88 frames at 44.1 kHz, 96 at 48 kHz, 192 at 96 kHz, 384 at 192 kHz. The attack length is
 * the lookahead parameter, capped at latency - detector delay (23) - LIMITER_HOLD (61 frames =
 * 1.38 ms at 44.1 kHz, 69 = 1.44 ms at 48 kHz; the table's maximum, 1.25 ms, fits every rate):
 * a longer ramp would need more delay. Before an isolated peak at a sample, the gain starts to
 * fall L + HOLD frames ahead and is fully down HOLD + 1 frames ahead.
 *
 * Detector: finer than a BS.1770 meter's (truepeak_init_fine): 8x at 44.1/48 kHz (4x at 96,
 * 2x at 192) with 48-tap phases. A 4x grid misses the crest of content near Nyquist by up to
 * 0.69 dB and a short interpolator rolls off there: on programme with full-band noise limited
 * to -1 dBTP by a 4x/24-tap detector, a 32x/128-tap reference read -0.40 dBTP and libebur128
 * -0.92. With this detector, LIMITER_HOLD 4 and the margin below, the same case reads -1.01
 * (reference) and -1.04 (libebur128): the ceiling holds for the real signal too.
 *
 * And the common meter's: each interval's peak is the larger of the fine detector's reading and
 * libebur128's interpolator's (truepeak_init_meter, delayed to line up). A meter reads what its
 * interpolator makes of the output, and libebur128's (49 Hann taps) over-reads dense material
 * near full scale: on clipped pink noise at +12 dB with a 1 ms release and 0.25 ms attack, where
 * the gain puts nearly every peak at the ceiling, it read -0.73 dBTP at 44.1 kHz (-0.82 at 48)
 * for a -1 dBTP ceiling, while the 32x reference read -1.03 and ffmpeg -1.02. Bounding its
 * reading too costs ~9 ns a frame (8.7-10.9 ns, thread CPU time, median of 9, once on the
 * master) and holds all three (tests/test_limiter.c, test_meters_agree):
 * libebur128 now reads the aimed level, -1.30.
 *
 * Margin: the gain computer aims LIMITER_MARGIN_DB (0.3 dB) under the ceiling, so that an
 * independent BS.1770 meter reads the output at or under it. What it covers, measured:
 * - Meters disagree. libebur128's interpolator (Hann-windowed sinc, 49 taps) over-reads a
 *   tone by up to +0.110 dB (near fs/3, 16 kHz at 48 kHz); near Nyquist every short
 *   interpolator (libebur128's, ours) under-reads by different amounts.
 * - The output is g[n] * x[n] with g moving, which a meter interpolates as a whole; the hold
 *   keeps g at its minimum over the interpolator's main lobe around a peak.
 * tests/test_limiter.c's torture signals (squares, sweep and clipped noise at +12 dB drive,
 * tones at 19.9-21.5 kHz, bursts after silence; ceilings -0.1/-1/-6 dBTP; 44.1/48/96 kHz) and
 * tests/test_render.c's full-band programme check it against libebur128.
 *
 * Parameters are smoothed inside: ceiling and drive glide in dB (one-pole per sub-block of
 * DSP_SUB frames, 99 % in ~37 ms; the drive also ramps per frame inside the sub-block), the
 * attack length moves one frame per sub-block, the release coefficient changes at once (it is
 * a rate, nothing steps), on/off crossfades (xfade.h) against the delayed, undriven input.
 * While a ceiling glides, the promise holds against the ceiling in force when the peak was
 * detected. All state updates happen at sub-block starts counted from the reset, so the output
 * is identical bit for bit however the host slices the frames. */
#ifndef STEMD_LIMITER_H
#define STEMD_LIMITER_H

#include <stdint.h>

#include "dsp/dsp.h"
#include "dsp/smooth.h"
#include "dsp/truepeak.h"
#include "dsp/xfade.h"

#define LIMITER_LATENCY_MS 2.0
#define LIMITER_TP_RATE    352800.0 /* the detector oversamples to at least this */
#define LIMITER_TP_TAPS    48       /* taps per phase of the detector */
#define LIMITER_HOLD       4        /* frames the gain stays at its minimum each side of a peak */
#define LIMITER_MARGIN_DB  0.3f     /* aim this far under the ceiling (see above) */
/* The unit takes lookaheads up to this, past the table's maximum, so its cap (above) can be
 * tested; the table's limiter/lookahead row keeps the parameter within every rate's cap. */
#define LIMITER_LOOKAHEAD_MAX_MS 2.0f

struct limiter {
    double rate;
    unsigned latency;    /* D: frames of audio delay */
    unsigned tp_delay;   /* G: detector group delay */
    unsigned look_max;   /* D - G - HOLD */
    unsigned mask;       /* ring size - 1 (a power of two >= D + 2 * DSP_SUB) */
    struct truepeak tp;  /* the fine detector */
    struct truepeak tpm; /* the common meter's interpolator (truepeak_init_meter) */
    unsigned tpm_lag;    /* tp's delay - tpm's: frames tpm's readings wait to line up */
    struct xfade on;

    /* targets, as last set */
    int on_t;
    float ceiling_db_t, release_ms_t, lookahead_ms_t, drive_db_t;
    unsigned look_t; /* lookahead_ms_t in frames */

    /* smoothed parameters and what is derived from them */
    float k_smooth; /* one-pole coefficient per sub-block */
    float ceiling_db, drive_db;
    float ceil_lin;       /* the aimed ceiling, linear, this sub-block */
    float drive0, drive1; /* linear drive at the end of the previous / this sub-block */
    float rel;            /* release coefficient per frame */
    float rel_ms;         /* release_ms it was computed for */
    unsigned look;        /* attack length L in frames */
    double inv_look;      /* 1 / (L * 2^24) */

    /* counters, in frames since the reset */
    int64_t n_in;       /* frames fed */
    int64_t i_next;     /* next frame whose gain is computed */
    int64_t k_pushed;   /* next interval index to push into the deque */
    int64_t last_below; /* last interval index whose required gain was < 1 */
    unsigned sub_pos;   /* position inside the current sub-block */

    /* gain computer */
    uint64_t deficit; /* L * 2^24 - boxcar sum of the quantized window minima */
    float depth;      /* 1 - gain, after release */
    float depth_max;  /* meter: largest depth since the last take */
    unsigned dq_head, dq_tail;

    /* rings (one allocation), indexed by frame & mask */
    float *dl, *dr;  /* raw input (dry path), mirrored DSP_SUB frames past the end */
    float *gain;     /* (1 - depth) * drive per frame, mirrored likewise */
    float *drv;      /* drive applied to each input frame */
    float *req;      /* required gain per interval */
    uint32_t *uq;    /* window minimum per frame, quantized to 2^-24 */
    int64_t *dq_idx; /* deque of interval indices, values increasing front to back */
    float *dq_val;
    float *mpk; /* tpm's reading per frame, until the fine detector's of it comes */
    void *mem;

    float xl[DSP_SUB], xr[DSP_SUB], pk[DSP_SUB], pkm[DSP_SUB]; /* scratch: driven input, peaks */
};

/* Set up for rate_hz (44.1-192 kHz; any rate >= 8 kHz works) with the table's defaults for
 * limiter/on, ceiling, release, lookahead and drive. Allocates the delay rings (a few KiB).
 * Returns 0, or -ENOMEM (nothing to free then), or -EINVAL for a rate < 8 kHz. Not RT. */
int limiter_init(struct limiter *lim, double rate_hz);

/* Free what init allocated. Safe on a zeroed struct and twice. Not RT. */
void limiter_free(struct limiter *lim);

/* RT: silence the delay line, forget all gain reduction, land the smoothed parameters on their
 * targets and restart the sub-block count (as just after init, with the current parameters). */
void limiter_reset(struct limiter *lim);

/* Constant audio delay in frames: round(LIMITER_LATENCY_MS * rate). */
unsigned limiter_latency(const struct limiter *lim);

/* RT, cheap (stores targets; call it every sub-block): on (non-zero = on), ceiling_db (dBTP),
 * release_ms (time constant of the gain's exponential recovery: 63 % of the way back in
 * release_ms), lookahead_ms (length of the attack ramp; up to LIMITER_LOOKAHEAD_MAX_MS, capped
 * as said above), drive_db (gain into the limiter), in the ranges of the table's limiter rows.
 * Values out of range are clamped and a non-finite one leaves that parameter as it was; returns
 * -EINVAL if any value was not finite, else 0. */
int limiter_set(struct limiter *lim, int on, float ceiling_db, float release_ms, float lookahead_ms,
                float drive_db);

/* RT: limit n frames (any n) of l and r in place. The output is the input delayed by
 * limiter_latency() frames (driven and limited when on). Bounded work: O(n + latency). */
void limiter_process(struct limiter *lim, float *l, float *r, unsigned n);

/* RT: the gain reduction (dB, >= 0) of the most recent gain computed. 0 when off. */
float limiter_gr_db(const struct limiter *lim);

/* RT: the largest gain reduction (dB, >= 0) since the previous take (or the reset), and start
 * over. For meters: call from the thread that calls limiter_process. */
float limiter_take_max_gr_db(struct limiter *lim);

#endif
