/* dsp/mix.h: the whole mix graph: N stem strips, their sum, the master bus, meters, loudness.
 *
 * The same graph runs in the live server's JACK process callback and in stemd-render, so the
 * two give the same samples. Everything is allocated by mix_create; mix_process and every
 * function marked RT allocates nothing, takes no lock and makes no system call. */
#ifndef STEMD_MIX_H
#define STEMD_MIX_H

#include "dsp/params.h"

struct mix;

/* Meters since the last mix_take_meters. Peaks are linear (1.0 = 0 dBFS); gains reductions are
 * dB >= 0 (the largest since the last take); rms is the RMS of both channels since the last take
 * (linear); correlation is -1..+1 (0 on silence), smoothed over ~300 ms; a dynamic EQ band's gain
 * is dB, signed (negative: a cut), the one farthest from 0 dB since the last take. */
struct mix_stem_meters {
    float peak_l, peak_r, rms, gr_db;
    float deq_db[STEMD_DEQ_BANDS];
    float deess_db; /* the de-esser's gain reduction, dB >= 0 */
};
struct mix_bus_meters {
    float peak_l, peak_r; /* sample peak of the output */
    float true_peak;      /* ITU-R BS.1770-4 true peak of the output */
    float correlation;
    float gr_limiter_db;
    float gr_band_db[STEMD_MB_BANDS];
    float compare_gain_db; /* the loudness-matched bypass's gain now (dsp/compare.h) */
};
struct mix_meters {
    unsigned nstems;
    struct mix_bus_meters bus;
    struct mix_stem_meters stem[]; /* nstems entries */
};

/* A meters record for nstems stems (calloc'd: free() it). NULL when out of memory. */
struct mix_meters *mix_meters_new(unsigned nstems);
/* Fold one reading t into an accumulation acc (the same stem count), for a reader that takes
 * less often than the meters are taken: peaks and reductions their largest, a dynamic EQ gain
 * the one farthest from 0 dB, correlation and the compare gain the latest, and rms the sum of
 * the readings' squares (the reader divides by its count). The one list of how each meter
 * accumulates. */
void mix_meters_merge(struct mix_meters *acc, const struct mix_meters *t);

/* Build a mix of nstems (1..STEMD_MAX_STEMS) stereo stems at rate Hz (44100..192000), every
 * unit at its default. Returns 0, -EINVAL (bad count or rate) or -ENOMEM. Not real-time. */
int mix_create(struct mix **out, unsigned nstems, double rate);
void mix_destroy(struct mix *m);

/* The graph's latency in frames: the limiter's constant lookahead delay (2 ms). Every path is
 * aligned to it; input frame t comes out as output frame t + latency. */
unsigned mix_latency(const struct mix *m);

/* The frame position in the current DSP_SUB sub-block of the stems stage (mix_process's and
 * mix_stems') and of the bus stage (mix_bus'): where a morph's next sub-block starts. */
unsigned mix_phase(const struct mix *m);
unsigned mix_bus_phase(const struct mix *m);

/* A parallel for: call job(arg, i) for every i in 0..count-1, on as many threads as the host
 * likes, and return when all are done. The stems of a pass are independent and their results
 * are summed in stem order afterwards, so the output is the same samples either way. */
typedef void (*mix_for_fn)(void *ctx, void (*job)(void *arg, unsigned i), void *arg,
                           unsigned count);
/* Let the mix run its stems through fn (NULL: one thread, the caller's). Not for the JACK
 * process thread, which must not wait on other threads; for stemd-render. */
void mix_set_parallel(struct mix *m, mix_for_fn fn, void *ctx);

/* Clear every state (filters, envelopes, delay lines, meters, loudness). With p, also bring
 * every smoothed parameter and crossfade to p's values (a 250 ms pre-roll on silence; not RT),
 * as if the mix had always run with p; with p NULL (RT) the units keep their targets. */
void mix_reset(struct mix *m, const struct params *p);

/* RT: process n frames (any n). in_l[k], in_r[k] are stem k's channels (NULL = silence);
 * non-finite input samples are replaced by 0 and finite ones beyond +-2^20 (+120 dBFS) clamped, so
 * nothing downstream overflows. p is the parameter snapshot (p->nstems, the mix's stem count); it
 * must stay valid for the call. out_l/out_r receive the master. The output does not depend on how a
 * signal is cut into calls. */
void mix_process(struct mix *m, const struct params *p, const float *const *in_l,
                 const float *const *in_r, float *out_l, float *out_r, unsigned n);

/* The two stages of mix_process, for a host that pipelines them (stemd-render):
 * mix_stems runs n frames (any n) of every stem through its strip and writes their sum, in stem
 * order, to sum_l/sum_r; mix_bus runs the master bus over n frames of that sum, in place, and
 * queues the loudness blocks. mix_process is exactly mix_stems then mix_bus. The two stages
 * share no state, so one thread may run mix_stems on a block while another runs mix_bus on an
 * earlier one, provided the bus gets every frame of the sum, in order; the output is then the
 * same samples as mix_process gives. RT, like mix_process; p must stay valid for each call. */
void mix_stems(struct mix *m, const struct params *p, const float *const *in_l,
               const float *const *in_r, float *sum_l, float *sum_r, unsigned n);
void mix_bus(struct mix *m, const struct params *p, float *l, float *r, unsigned n);

/* Meters on (1, the default) or off (0): off skips the stems' peak/RMS, the master's sample and
 * true peak, correlation and K-weighting, for a host that meters the output itself
 * (stemd-render). The gain-reduction meters stay (the units compute them anyway). The output
 * samples are the same either way. Not while mix_process runs. */
void mix_set_meters(struct mix *m, int on);

/* RT: copy the meters gathered since the last take into out (out->nstems must match) and
 * restart them. */
void mix_take_meters(struct mix *m, struct mix_meters *out);

/* RT: the K-weighted mean-square energies (ITU-R BS.1770-4) of the 100 ms quarter-blocks of
 * the output completed since the last take, oldest first, at most max; feed them to a
 * loudness_gate. The mix holds up to MIX_LOUDNESS_QUEUE (6.4 s); older ones are dropped and
 * counted in *dropped (may be NULL). Returns how many were written. */
#define MIX_LOUDNESS_QUEUE 64
unsigned mix_take_loudness(struct mix *m, double *quarters, unsigned max, unsigned *dropped);

#endif
