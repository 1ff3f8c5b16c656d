/* server/meters.h: meters from the process thread to the control side, and the loudness gate.
 *
 * The process thread adds each cycle's meters into atomics (meters_rt.c: no lock, no system
 * call); the control side takes and restarts them (meters.c), which also holds the loudness
 * gate the ring of K-weighted quarter energies feeds (dsp/loudness.h's control half). */
#ifndef STEMD_METERS_H
#define STEMD_METERS_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "dsp/mix.h"
#include "server/control.h"

/* Meters on their way out of the process thread: each field an atomic, so the control side
 * never waits for the process thread and vice versa. Peaks and reductions are maxima since the
 * last take (float bits in a uint32: positive floats order like their bits); energies add up. */
struct meter_acc {
    _Atomic uint32_t peak_l, peak_r, gr_db;
    _Atomic uint32_t deq_db[STEMD_DEQ_BANDS]; /* signed: the gain farthest from 0 dB */
    _Atomic uint32_t deess_db;
    _Atomic uint64_t energy_bits; /* double: sum of rms^2 * frames */
    _Atomic uint64_t frames;
};
struct meters_rt {
    unsigned nstems;
    _Atomic uint32_t bus_peak_l, bus_peak_r, bus_true_peak, bus_gr_limiter;
    _Atomic uint32_t bus_gr_band[STEMD_MB_BANDS];
    _Atomic uint32_t bus_correlation;  /* the latest value */
    _Atomic uint32_t bus_compare_gain; /* the latest value */
    struct meter_acc stem[];
};

/* Not RT: zeroed accumulators for nstems stems; NULL when out of memory. free() it. */
struct meters_rt *meters_rt_new(unsigned nstems);
/* RT (meters_rt.c): add one cycle's meters (from mix_take_meters over n frames). */
void meters_rt_push(struct meters_rt *m, const struct mix_meters *cycle, unsigned n);
/* Control side (meters.c): everything since the last take into out, and restart. */
void meters_rt_take(struct meters_rt *m, struct mix_meters *out);

/* Loudness on the control side (meters.c): 100 ms K-weighted quarter energies in, M/S/I/LRA out. */
struct loudness;
struct loudness *loudness_new(void);
void loudness_free(struct loudness *l);
void loudness_add(struct loudness *l, const double *quarters, unsigned n);
void loudness_read(struct loudness *l, struct stemd_loudness *out);
void loudness_reset(struct loudness *l);

/* Float bits in a uint32 and back (memcpy: no aliasing games), shared by both halves. */
static inline uint32_t meters_f2u(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float meters_u2f(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#endif
