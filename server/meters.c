/* server/meters.c: the control side of the meters: taking what the process thread added
 * (meters_rt.c), and the loudness gate (M, S, I, LRA). */
#include "server/meters.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/loudness.h"

struct meters_rt *meters_rt_new(unsigned nstems)
{
    struct meters_rt *m = calloc(1, sizeof *m + nstems * sizeof m->stem[0]);
    if (m) m->nstems = nstems;
    return m;
}

static float take_f(_Atomic uint32_t *a)
{
    return meters_u2f(atomic_exchange_explicit(a, 0, memory_order_relaxed));
}

void meters_rt_take(struct meters_rt *m, struct mix_meters *out)
{
    out->bus.peak_l = take_f(&m->bus_peak_l);
    out->bus.peak_r = take_f(&m->bus_peak_r);
    out->bus.true_peak = take_f(&m->bus_true_peak);
    out->bus.gr_limiter_db = take_f(&m->bus_gr_limiter);
    for (unsigned b = 0; b < STEMD_MB_BANDS; b++)
        out->bus.gr_band_db[b] = take_f(&m->bus_gr_band[b]);
    out->bus.correlation =
        meters_u2f(atomic_load_explicit(&m->bus_correlation, memory_order_relaxed));
    out->bus.compare_gain_db =
        meters_u2f(atomic_load_explicit(&m->bus_compare_gain, memory_order_relaxed));
    for (unsigned k = 0; k < m->nstems && k < out->nstems; k++) {
        struct meter_acc *a = &m->stem[k];
        out->stem[k].peak_l = take_f(&a->peak_l);
        out->stem[k].peak_r = take_f(&a->peak_r);
        out->stem[k].gr_db = take_f(&a->gr_db);
        for (unsigned b = 0; b < STEMD_DEQ_BANDS; b++)
            out->stem[k].deq_db[b] = take_f(&a->deq_db[b]);
        out->stem[k].deess_db = take_f(&a->deess_db);
        /* Energy and frames are taken separately: a cycle landing in between shifts a few
         * frames' energy into the next reading, harmless for a meter. */
        uint64_t e = atomic_exchange_explicit(&a->energy_bits, 0, memory_order_relaxed);
        uint64_t f = atomic_exchange_explicit(&a->frames, 0, memory_order_relaxed);
        double ed;
        memcpy(&ed, &e, sizeof ed);
        out->stem[k].rms = f ? (float)sqrt(ed / (double)f) : 0.0f;
    }
}

/* Loudness: the control side's half of dsp/loudness.h. The process thread only moves the
 * quarter energies that mix_take_loudness hands it into a ring buffer; the gate (momentary,
 * short-term, integrated, LRA) runs here. */
struct loudness {
    struct loudness_gate *gate;
};

struct loudness *loudness_new(void)
{
    struct loudness *l = calloc(1, sizeof *l);
    if (l && loudness_gate_create(&l->gate) < 0) {
        free(l);
        return NULL;
    }
    return l;
}

void loudness_free(struct loudness *l)
{
    if (l) {
        loudness_gate_destroy(l->gate);
        free(l);
    }
}

void loudness_reset(struct loudness *l)
{
    loudness_gate_reset(l->gate);
}

void loudness_add(struct loudness *l, const double *quarters, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        loudness_gate_add(l->gate, quarters[i]);
}

void loudness_read(struct loudness *l, struct stemd_loudness *out)
{
    out->momentary_lufs = loudness_momentary(l->gate);
    out->short_term_lufs = loudness_short_term(l->gate);
    out->integrated_lufs = loudness_integrated(l->gate);
    out->lra_lu = loudness_lra(l->gate);
}
