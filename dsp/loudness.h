/* dsp/loudness.h: the loudness meter: BS.1770-4 K-weighting, EBU R128 momentary / short-term /
 * integrated loudness and EBU Tech 3342 loudness range, split into a real-time and a gating half.
 *
 * The live server runs the K-weighting (struct loudness_kw) in the JACK thread: it filters both
 * channels and emits one mean-square energy per 100 ms "quarter" (a quarter of the 400 ms
 * momentary block: BS.1770-4 Annex 1 overlaps the gating blocks by 75 %). Those doubles cross a
 * lock-free ring buffer to the control thread, where struct loudness_gate turns them into
 * momentary (4 quarters), short-term (30 quarters), their maxima, the gated integrated loudness
 * and the loudness range. Both halves are bounded: the gate keeps fixed-size histograms, so a
 * 24-hour programme costs the same memory as a 10-second one. struct loudness_meter joins the two
 * for offline use (the renderer, tests).
 *
 * Units: loudness in LUFS (LKFS), ranges in LU. Energies are the BS.1770 sum over channels of the
 * mean square of the K-weighted signal (channel weights G_L = G_R = 1), so a loudness is
 * -0.691 + 10 log10(energy). Full scale is 1.0f. */
#ifndef STEMD_LOUDNESS_H
#define STEMD_LOUDNESS_H

#include <stdint.h>

/* One second-order section, a0 = 1: y = b0 x + b1 x[-1] + b2 x[-2] - a1 y[-1] - a2 y[-2]. */
struct loudness_biquad {
    double b0, b1, b2, a1, a2;
};

/* K-weighting and quarter-block energy accumulation for one stereo signal. A plain struct: no
 * allocation, copyable, readable (the coefficients are public so tests can check them). Filter
 * states and sums are double: the RLB high-pass has its poles within 0.0013 of z = 1 at 192 kHz,
 * and a quarter sums up to 38 400 squares. */
struct loudness_kw {
    struct loudness_biquad shelf; /* stage 1: high shelf, +4 dB above ~1.7 kHz (head effects) */
    struct loudness_biquad hpf;   /* stage 2: RLB high-pass at ~38 Hz */
    double z[2][4];               /* [channel][shelf s1, shelf s2, hpf s1, hpf s2], TDF-II */
    double sum;                   /* sum of yL^2 + yR^2 over the current quarter so far */
    unsigned rate_hz;             /* the rate rounded to 1 Hz: times the quarters */
    unsigned len;                 /* frames in the current quarter */
    unsigned pos;                 /* frames of it already accumulated */
    unsigned rem;                 /* (k * rate_hz) mod 10 at the current quarter's start */
    unsigned long long dropped;   /* quarters completed with no room left in quarters[] */
};

/* Set up kw for rate_hz (8 000 to 768 000 Hz; designed and tested for 44 100 to 192 000) and
 * reset it. The two biquads are the bilinear transforms, prewarped at their own f0, of the
 * analogue prototypes obtained by inverting the transform of BS.1770-4's 48 kHz coefficients, so
 * at 48 kHz they equal the published ones (to ~1e-15) and elsewhere the magnitude response stays
 * within 0.006 dB of 48 kHz's from 20 Hz to 10 kHz. The high-pass keeps the 48 kHz filter's
 * passband gain (+0.0432 dB, which the -0.691 constant assumes) at every rate; libebur128 does not
 * (it reads 0.02 LU lower at 96 kHz, 0.03 at 192 kHz).
 * Quarters end at sample floor(k * rate_hz / 10) counted from the reset: exactly rate/10 frames
 * at every standard rate, alternating lengths (e.g. 1102, 1103) where 100 ms is not a whole
 * number of samples, so the block grid never drifts.
 * Returns 0, or -EINVAL (kw untouched) if rate_hz is not finite or out of range. Not RT (tan). */
int loudness_kw_init(struct loudness_kw *kw, double rate_hz);

/* Zero the filter states and kw->dropped and start a new quarter at the next frame; keeps the
 * design. RT. */
void loudness_kw_reset(struct loudness_kw *kw); /* RT */

/* K-weight n frames of l[] and r[] (full scale 1.0; non-finite samples count as 0 so a NaN never
 * reaches the filter states) and write the energy of each quarter completed within these frames
 * to quarters[0..], in order; returns how many. At most n / (rate_hz / 10) + 1 quarters complete
 * (1 whenever n <= rate_hz / 10, e.g. any JACK period at 44.1 kHz and up); quarters beyond
 * max_quarters are discarded and counted in kw->dropped. The result is bit-identical however the
 * frames are sliced into calls. n = 0 is allowed. Cost: ~3.4 ns per stereo frame at -O2 on x86-64
 * (two double biquads per channel); bounded, no allocation, no system call. RT. */
unsigned loudness_kw_process(struct loudness_kw *kw, const float *l, const float *r, unsigned n,
                             double *quarters, unsigned max_quarters); /* RT */

/* The gating half. Opaque and fixed-size (about 256 KB: two histograms of 8 000 bins). */
struct loudness_gate;

/* Allocate a gate in its reset state into *out. Returns 0, or -ENOMEM (*out = NULL). Not RT. */
int loudness_gate_create(struct loudness_gate **out);

/* Free a gate made by loudness_gate_create; NULL is allowed. Not RT. */
void loudness_gate_destroy(struct loudness_gate *g);

/* Forget everything measured (integrated, LRA, maxima, the momentary and short-term windows).
 * RT-safe; clears 256 KB (~2 us). */
void loudness_gate_reset(struct loudness_gate *g); /* RT */

/* Consume the next quarter energy (from loudness_kw_process; a negative or non-finite value is
 * taken as 0). Updates momentary and short-term and their maxima; from the 4th quarter on, the
 * 400 ms block ending here enters the integrated histogram if above -70 LUFS (BS.1770-4 absolute
 * gate); from the 30th on, the 3 s short-term value enters the LRA histogram if above -70 LUFS
 * (Tech 3342 v3: short-term values at >= 10 Hz, here every 100 ms). Histograms have 0.01 LU bins
 * from -70 to +10 LUFS (louder values share the top bin) and each bin keeps the count and the exact
 * sum of its values' energies. Constant cost: ~40 additions and two log10 (~45 ns). RT. */
void loudness_gate_add(struct loudness_gate *g, double quarter); /* RT */

/* How many quarters the gate has consumed since its reset (measured time = quarters / 10 s). RT. */
uint64_t loudness_gate_quarters(const struct loudness_gate *g); /* RT */

/* Momentary loudness, LUFS: the mean of the last 4 quarters, i.e. 400 ms, updated every 100 ms.
 * Before 4 quarters the missing ones count as silence (as libebur128 does: its window starts
 * zeroed), so it rises over the first 400 ms. -HUGE_VAL for digital silence or before any
 * quarter. RT. */
double loudness_momentary(const struct loudness_gate *g); /* RT */

/* Short-term loudness, LUFS: the last 30 quarters (3 s), missing ones before 3 s counting as
 * silence. -HUGE_VAL for silence or before any quarter. RT. */
double loudness_short_term(const struct loudness_gate *g); /* RT */

/* The largest momentary / short-term value reported since the reset (sampled every 100 ms; the
 * partial windows of the first 0.4 s / 3 s can never exceed the first complete one, so they do
 * not bias it). -HUGE_VAL before any non-silent quarter. RT. */
double loudness_momentary_max(const struct loudness_gate *g);  /* RT */
double loudness_short_term_max(const struct loudness_gate *g); /* RT */

/* Integrated (programme) loudness, LUFS, BS.1770-4 Annex 1: the energy mean of the 400 ms
 * blocks above -70 LUFS, then of those above that mean minus 10 LU. Exact except for blocks within
 * 0.01 LU of the relative gate: a bin is kept or dropped whole, by its blocks' mean energy (so
 * blocks of equal loudness are still decided exactly). Blocks above +10 LUFS are exact as long as
 * the relative gate is below +10 LUFS. -HUGE_VAL if no block passes the gates. Scans the
 * histogram twice: 16 000 bins, ~6 us. RT (bounded). */
double loudness_integrated(const struct loudness_gate *g); /* RT */

/* Loudness range, LU, EBU Tech 3342: of the short-term values above -70 LUFS, keep those above
 * their energy mean minus 20 LU; LRA = the 95th minus the 10th percentile, as nearest ranks
 * floor((N - 1) p + 0.5) of the N kept values in ascending order (libebur128's definition). Each
 * percentile is its bin's mean loudness: within 0.01 LU, exact when the bin holds equal values.
 * 0 when no short-term value passes (fewer than 3 s measured, or silence). Scans the histogram
 * three times: 24 000 bins, ~11 us. RT (bounded). */
double loudness_lra(const struct loudness_gate *g); /* RT */

/* Offline convenience: K-weighting feeding a gate directly. */
struct loudness_meter {
    struct loudness_kw kw;
    struct loudness_gate *gate; /* read it with the loudness_* readers above */
};

/* Set up m for rate_hz (as loudness_kw_init) and allocate its gate. Returns 0, -EINVAL (bad
 * rate) or -ENOMEM; on error nothing is left allocated. Not RT. */
int loudness_meter_init(struct loudness_meter *m, double rate_hz);

/* Free the gate; m may then be initialised again. Not RT. */
void loudness_meter_free(struct loudness_meter *m);

/* K-weight n frames and feed every completed quarter to the gate; slicing-independent like
 * loudness_kw_process, never drops a quarter. RT. */
void loudness_meter_process(struct loudness_meter *m, const float *l, const float *r,
                            unsigned n); /* RT */

#endif
