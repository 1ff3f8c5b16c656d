/* dsp/dyneq.h: the dynamic EQ of every stem: STEMD_DEQ_BANDS bands whose gain follows a key.
 *
 * Each band is a bell or a shelf (an svf.h section, the EQ's topology) whose gain in dB is set,
 * once per DSP_SUB sub-block, by the level of a key signal in the band: the key (this stem's
 * post-EQ signal or any other stem's, like the compressor's sidechain) goes through a key
 * filter (the band's own shape: a band-pass for a bell, a low-pass for a low shelf, a high-pass
 * for a high shelf, at the band's frequency and Q; or a separate band-pass), its mean square
 * (both channels, one-pole of DYNEQ_RMS_MS) is read as dB at each sub-block start, and the
 * compressor's gain computer (compressor_curve in compressor.h, threshold, ratio and a fixed
 * DYNEQ_KNEE_DB soft knee) turns the part of it past the threshold (above it, or in the "below"
 * mode under it) into an amount of gain, limited to |range|: a cut for a positive range, a
 * boost for a negative one:
 *
 *     L = 10 log10(mean square of the filtered key)           dB
 *     d = (mode above ? L - T : T - L) + W/2
 *     a = min(compressor_curve(d, W, 1/(2W), 1 - 1/ratio), |range|)
 *     target gain = range >= 0 ? -a : +a
 *
 * The gain then moves towards its target by a one-pole per sub-block with the attack time
 * constant while it moves away from 0 dB and the release one while it returns (the exact
 * per-sub-block equivalent of a continuous one-pole: 1 - e^(-DSP_SUB / (tau rate))), and lands
 * on it once within DYNEQ_SNAP_DB. Control rate, not per sample: the band's coefficients are
 * redesigned at each sub-block start and ramped linearly to it over the sub-block (eq.h's
 * eq_sect_ramp), so the filter never steps and the SVF stays stable while it moves.
 *
 * Click-free switches without crossfades: every shape at 0 dB is the identity, bit for bit. A
 * band turned off, or asked for another shape, glides its gain to 0 dB (DYNEQ_FADE_MS), then
 * stops or changes shape there. The frequency and Q glide like the EQ's (EQ_GLIDE_MS).
 *
 * Neutral is bit-exact: a band off (once back at 0 dB) is not computed and touches nothing; a
 * band on whose gain rests at exactly 0 dB (a silent key, or one under the threshold in the
 * "above" mode) runs its key detector only and leaves the audio alone.
 *
 * Chunk invariance: the unit counts frames modulo DSP_SUB from its reset and decides everything
 * at sub-block starts, so the output is the same bit for bit however the host slices it. */
#ifndef STEMD_DYNEQ_H
#define STEMD_DYNEQ_H

#include "dsp/eq.h" /* struct eq_sect */
#include "dsp/params.h"
#include "dsp/smooth.h"

#define DYNEQ_BANDS STEMD_DEQ_BANDS
/* The key detector's mean-square time constant. Short, so the level the gain computer sees
 * lags the key by little next to the attack (a 55 Hz kick reaches within 1 dB of its level in
 * ~6 ms); the ripple it leaves on low notes (+-1.1 dB of level at 55 Hz) is what the range
 * clamp and the attack/release smoothing absorb. */
#define DYNEQ_RMS_MS 5.0
/* The gain computer's soft knee (its full width), fixed: a band reacts smoothly around its
 * threshold without a knee row of its own. */
#define DYNEQ_KNEE_DB 6.0f
/* A band switched off or changing shape glides to 0 dB with this time constant, whatever its
 * release. */
#define DYNEQ_FADE_MS 8.0
/* The gain lands exactly on its target once this close (0 dB bit for bit: the band is skipped). */
#define DYNEQ_SNAP_DB 1e-3f

/* The order of deq/N/type's, key_filter's and mode's names in the table ("bell|lowshelf|
 * highshelf", "band|separate", "above|below"; tests/test_table.c checks). */
enum dyneq_type { DYNEQ_BELL, DYNEQ_LOWSHELF, DYNEQ_HIGHSHELF };
enum dyneq_key_filter { DYNEQ_KEY_BAND, DYNEQ_KEY_SEPARATE };
enum dyneq_mode { DYNEQ_ABOVE, DYNEQ_BELOW };

/* One band's parameters, in the table's units. dyneq_set_band clamps each to its deq/N/... row
 * (a NaN becomes the minimum), so any value is safe. */
struct dyneq_band_params {
    int on, type; /* type: an enum dyneq_type (another value: bell) */
    float freq_hz, q;
    float threshold_db, range_db, ratio, attack_ms, release_ms;
    int key_filter; /* enum dyneq_key_filter */
    float key_freq_hz, key_q;
    int mode; /* enum dyneq_mode */
};

/* Private to dyneq.c; visible so the struct can be embedded and the tests can read it. */
struct dyneq_band {
    struct dyneq_band_params p; /* clamped targets */
    int type;                   /* the shape in use */
    int run;                    /* 0: dormant (off at 0 dB): nothing computed */
    int audio;                  /* this sub-block filters the audio */
    int ramp;                   /* ... with coefficients ramping from k to kend */
    float lf_t, lq_t;           /* targets, ln Hz and ln Q */
    struct glide lf, lq;        /* the audio filter's frequency and Q */
    float warp_lf;              /* the ln Hz that warp was computed for */
    double warp;                /* tan(pi f / rate) */
    float att_ms, rel_ms;       /* what b_att, b_rel were computed for */
    float b_att, b_rel;         /* per-sub-block one-pole coefficients */
    float g;                    /* the gain (dB) at the end of the current sub-block */
    int key_valid;              /* the key filter matches p */
    struct eq_sect key;         /* the key filter */
    float kp1[2], kp2[2];       /* its states */
    float ms;                   /* the key's mean square in the band */
    struct eq_sect k, dk, kend; /* audio coefficients in use, per-sample step, sub-block end */
    float p1[2], p2[2];         /* audio states */
    float meter;                /* the gain farthest from 0 dB since the last take */
};

struct dyneq {
    double rate;
    unsigned phase; /* frame position in the current sub-block */
    float alpha;    /* the frequency/Q glide step (glide_alpha, EQ_GLIDE_MS) */
    float b_ms;     /* the key detector's per-sample one-pole coefficient */
    float b_fade;   /* per-sub-block coefficient of DYNEQ_FADE_MS */
    int any;        /* some band runs in the current sub-block */
    struct dyneq_band band[DYNEQ_BANDS];
};

/* Band b's parameters from a stem's snapshot row sp (STEM_NPARAMS values). */
void dyneq_params_of_stem(struct dyneq_band_params *bp, const float *sp, unsigned b);

/* Not RT (designs every band): set up for rate (44.1 to 192 kHz) with every band at the table's
 * defaults (off). A plain struct: nothing to free. */
void dyneq_init(struct dyneq *d, double rate);

/* RT: clear the signal states (key detectors, filters, gains back at 0 dB), the meters and the
 * sub-block count; the frequency/Q glides jump to their targets. */
void dyneq_reset(struct dyneq *d);

/* RT, cheap: band b's new targets (b >= DYNEQ_BANDS is ignored), clamped. Takes effect from the
 * next sub-block start; unchanged values cost a compare (the attack/release coefficients are
 * recomputed only when those change, at the sub-block start). */
void dyneq_set_band(struct dyneq *d, unsigned b, const struct dyneq_band_params *bp);

/* RT: filter n frames (any n) of l/r in place. key_l[b], key_r[b] is band b's key for these n
 * frames; a NULL array, or a NULL entry, means the unit's input (as it enters the first band).
 * A key must not alias l/r otherwise. Bounded work, no allocation; stack use is a few DSP_SUB
 * buffers. With every band dormant it touches nothing and costs a few compares per sub-block. */
void dyneq_process(struct dyneq *d, float *l, float *r, const float *const *key_l,
                   const float *const *key_r, unsigned n);

/* RT: band b's gain (dB, negative = cut) at the last processed frame. */
float dyneq_gain_db(const struct dyneq *d, unsigned b);
/* RT: band b's gain farthest from 0 dB (signed) since the previous call, then start over. */
float dyneq_take_gain_db(struct dyneq *d, unsigned b);

#endif
