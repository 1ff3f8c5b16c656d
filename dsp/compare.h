/* dsp/compare.h: the loudness-matched bypass (/bus/compare): what the chain does, heard fairly.
 *
 * A louder master always sounds better, so a plain bypass flatters the processing. Here the
 * bypass is the plain sum of the stems (the master bus's input) played at the processed
 * master's loudness: both are K-weighted (BS.1770-4, dsp/loudness.h) and gated all the time, the
 * processing keeps running underneath, and the gain (processed minus plain, short-term or
 * integrated) is followed by a one-pole of COMPARE_GAIN_TAU_S, so it never steps. The switch is
 * a 10 ms crossfade (dsp/xfade.h). The ceiling holds: the raised sum goes through a true-peak
 * limiter of its own with the master limiter's settings (no drive), whose constant delay is the
 * graph's latency, so the bypass lines up sample for sample with the processed master. While
 * the sum stays under the ceiling that limiter does nothing: the bypass is the plain sum times
 * the gain. It runs only while the bypass is asked for or fading: switched on, it starts clean
 * and runs its delay's worth (2 ms) before the fade begins.
 *
 * compare_pre takes the bus's input before the bus works on it in place; compare_post takes the
 * processed block, meters both and, while the bypass is heard, replaces it. With compare off
 * and its crossfade at rest the processed block passes bit for bit. */
#ifndef STEMD_COMPARE_H
#define STEMD_COMPARE_H

#include "dsp/limiter.h"
#include "dsp/loudness.h"
#include "dsp/xfade.h"

enum compare_mode { COMPARE_OFF, COMPARE_BYPASS };
enum compare_match { COMPARE_SHORT_TERM, COMPARE_INTEGRATED };

/* 1 s: slow enough that the gain's own movement is not heard as pumping on music, fast enough
 * to settle within the short-term window's 3 s. */
#define COMPARE_GAIN_TAU_S 1.0
/* The most the bypass is raised or lowered: a plain sum 30 dB from the master is a mistake, not
 * something to match. */
#define COMPARE_GAIN_MAX_DB 30.0f

struct compare {
    double rate;
    unsigned max_block;
    float *dry[2];  /* this block's plain sum: max_block frames */
    float *dd[2];   /* the same delayed by the latency, for its meter: max_block frames */
    float *line[2]; /* the delay's ring: the latency's frames */
    unsigned delay, pos;
    struct loudness_kw kw_wet, kw_dry;
    struct loudness_gate *g_wet, *g_dry;
    int match;       /* the match the gates measure for (a change to integrated resets them) */
    float target_db; /* the gain the loudness asks for */
    double gain;     /* the gain applied now, linear: a double, because a float one-pole this
                        slow (b = 2e-5) stalls 0.3 % short of its target, its step under an ulp */
    double coef;     /* its per-sample one-pole coefficient */
    struct limiter lim;
    unsigned phase; /* frames into the limiter's sub-block */
    unsigned warm;  /* frames the limiter still runs before the fade in may begin */
    struct xfade x;
};

/* For a graph at rate Hz in blocks of at most max_block frames. Returns 0, -EINVAL or -ENOMEM
 * (nothing left allocated). Not RT. */
int compare_init(struct compare *c, double rate, unsigned max_block);
void compare_free(struct compare *c);
/* The bypass's delay, frames: the limiter's, the same as the master bus's. */
unsigned compare_latency(const struct compare *c);
/* Clear the meters, the limiter, the gain (0 dB) and the crossfade (off). RT. */
void compare_reset(struct compare *c);
/* RT: n <= max_block frames of the bus's input, before the bus processes them. */
void compare_pre(struct compare *c, const float *l, const float *r, unsigned n);
/* RT: the same n frames processed (l, r, in place); bp is the bus's parameters. */
void compare_post(struct compare *c, const float *bp, float *l, float *r, unsigned n);
/* RT: the bypass's gain now, dB. */
float compare_gain_db(const struct compare *c);

#endif
