/* dsp/truepeak.h: ITU-R BS.1770-4 Annex 2 true-peak detection (oversampled peak), per frame.
 *
 * The signal is oversampled 4x below 88.2 kHz, 2x below 176.4 kHz and not at all from 176.4 kHz
 * up (every rate reaches >= 176.4 kHz, as Annex 2 asks), then the largest absolute value is taken.
 *
 * The interpolator is our own windowed sinc, not the Annex's printed table, and it is better
 * everywhere that matters:
 * - Phase 0 (the sample instants) is the identity, so the detector never reads below the sample
 *   peak, and costs nothing.
 * - Each fractional phase is sinc(t) under a Kaiser window (beta 4.5): 24 taps (+-12 input
 *   samples) for the 3 phases at 4x, 72 multiply-adds per channel per frame (the Annex: 48);
 *   32 taps for the one phase at 2x.
 * - Measured worst-phase complex interpolation error |H(w) - e^{-jwd}| (it bounds the relative
 *   reading error for any sine), 4x: <= 0.0045 (+-0.04 dB) up to 0.417 fs (20 kHz at 48 kHz),
 *   <= 0.0079 up to 0.44 fs; the Annex 2 filter's is 0.027 (+-0.23 dB) over that whole band,
 *   down to DC (its phases' DC gains are 0.973..1.002). At every frequency up to 0.475 fs our
 *   worst-phase error is below the Annex filter's (tests/test_truepeak.c checks both claims
 *   from the coefficients). Above ~0.44 fs every short interpolator rolls off (ours -0.7 dB at
 *   20 kHz at 44.1 kHz; libebur128's -5.6 dB), where the identity phase still gives at least
 *   the sample peak. 2x: <= 0.0065 up to 0.4535 fs. Largest over-read: +0.056 dB.
 *
 * Group delay: peak_out[i] describes the signal truepeak_delay() frames earlier: 11 frames at
 * 4x (0.23 ms at 48 kHz), 15 at 2x (0.16 ms at 96 kHz), 0 at 1x.
 *
 * Speed (this machine, AVX2 clone, blocks of 64): ~6 ns per stereo frame at 44.1/48 kHz, ~3 ns
 * at 96 kHz.
 *
 * Chunk invariance: results do not depend on how the frames are sliced into calls (each output
 * is the same arithmetic on the same history), bit for bit. */
#ifndef STEMD_TRUEPEAK_H
#define STEMD_TRUEPEAK_H

#define TRUEPEAK_TAPS_4X    24 /* taps per fractional phase at 4x (3 such phases) */
#define TRUEPEAK_TAPS_2X    32 /* at 2x (1 such phase) */
#define TRUEPEAK_TAPS_MAX   48
#define TRUEPEAK_FACTOR_MAX 8
#define TRUEPEAK_BLOCK      64 /* frames per internal block */

struct truepeak {
    unsigned factor; /* 1, 2 or 4 */
    unsigned taps;   /* per fractional phase; 0 at 1x */
    unsigned delay;  /* frames: taps / 2 - 1, or 0 at 1x */
    int hann;        /* window: Hann (truepeak_init_meter), else Kaiser */
    /* coef[p * taps + k] weighs input x[m + k - delay] for the point at m + (p + 1) / factor */
    float coef[(TRUEPEAK_FACTOR_MAX - 1) * TRUEPEAK_TAPS_MAX];
    /* per channel: the last taps - 1 input frames, then the block being processed, then room
     * for the vector loop to run past the end of a block */
    float hist[2][TRUEPEAK_TAPS_MAX - 1 + TRUEPEAK_BLOCK + 8];
    float pk[TRUEPEAK_BLOCK + 8];
    float max_lin; /* running max since the last take */
};

/* Set up for rate_hz (any rate > 0; 44.1-192 kHz are the ones the design targets) and clear
 * the history. Plain struct: no allocation, nothing to free. Not RT (calls exp/sin). */
void truepeak_init(struct truepeak *tp, double rate_hz);

/* The limiter's detector: a finer one than the meter's. Oversample to at least min_rate_hz
 * (factor 2, 4 or 8, capped at TRUEPEAK_FACTOR_MAX) with taps (even, <= TRUEPEAK_TAPS_MAX)
 * per phase. A 4x grid can miss the crest of content near Nyquist by up to 0.69 dB (cos(pi/8));
 * 8x by 0.17 dB; longer filters keep the gain up closer to Nyquist. Same rules otherwise. */
void truepeak_init_fine(struct truepeak *tp, double rate_hz, double min_rate_hz, unsigned taps);

/* The common meter's interpolator, exactly: libebur128's (1.2.x, used by loudness-scanner,
 * r128gain's C path and many DAWs' plug-ins), a 49-tap Hann-windowed sinc at 4x below 96 kHz
 * and 2x below 192 kHz, none above. Its phases are 12 (4x) or 24 (2x) taps of sinc(d) times
 * 0.5 (1 + cos(pi d / half)), half = taps / 2: the same points as its 49-tap polyphase filter.
 * It over-reads some content (up to +0.11 dB on a tone near fs/3; more on dense programme near
 * full scale, where its wide transition band lets images of the top octave through), so a
 * limiter that promises a ceiling by every meter takes the larger of its reading and a fine
 * detector's (dsp/limiter.h). Same rules otherwise. */
void truepeak_init_meter(struct truepeak *tp, double rate_hz);

/* RT: clear the history and the running max (as after init). */
void truepeak_reset(struct truepeak *tp);

/* Group delay in frames between an input frame and the peak_out value that covers it. */
unsigned truepeak_delay(const struct truepeak *tp);

/* RT: feed n frames (any n, including 0) of the two channels l and r (not modified).
 * peak_out[i] (if peak_out is not NULL; may alias neither l nor r) receives, for input frame i,
 * the largest |oversampled value| of either channel over the interval (t - 1, t] of the input's
 * time, where t = i - truepeak_delay() (frames counted as fed): the interpolated points strictly
 * after frame t - 1 and the sample at t itself. Linear, >= 0. Also updates the running max.
 * Non-finite input yields non-finite (NaN) points for at most TRUEPEAK_TAPS frames; the running
 * max ignores NaN; the state needs no reset (an FIR forgets). */
void truepeak_process(struct truepeak *tp, const float *l, const float *r, unsigned n,
                      float *peak_out);

/* RT: the largest value of peak_out (linear, >= 0) since the previous take or the reset, and
 * start over. For meters: call from the thread that calls truepeak_process. */
float truepeak_take_max(struct truepeak *tp);

#endif
