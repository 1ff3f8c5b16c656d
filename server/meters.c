/* server/meters.c: meters leave the process thread through atomics; loudness windows (M, S). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/loudness.h"
#include "server/server.h"

static inline uint32_t f2u(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float u2f(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* RT: keep the larger of the stored and v (v >= 0: non-negative floats order as their bits). */
static inline void max_f(_Atomic uint32_t *a, float v)
{
    if (!(v > 0.0f)) return;
    uint32_t nv = f2u(v), old = atomic_load_explicit(a, memory_order_relaxed);
    while (old < nv && !atomic_compare_exchange_weak_explicit(a, &old, nv, memory_order_relaxed,
                                                              memory_order_relaxed))
        ;
}

static inline void add_d(_Atomic uint64_t *a, double v)
{
    uint64_t old = atomic_load_explicit(a, memory_order_relaxed), nv;
    do {
        double d;
        memcpy(&d, &old, sizeof d);
        d += v;
        memcpy(&nv, &d, sizeof nv);
    } while (!atomic_compare_exchange_weak_explicit(a, &old, nv, memory_order_relaxed,
                                                    memory_order_relaxed));
}

struct meters_rt *meters_rt_new(unsigned nstems)
{
    struct meters_rt *m = calloc(1, sizeof *m + nstems * sizeof m->stem[0]);
    if (m) m->nstems = nstems;
    return m;
}

void meters_rt_push(struct meters_rt *m, const struct mix_meters *c, unsigned n)
{
    max_f(&m->bus_peak_l, c->bus.peak_l);
    max_f(&m->bus_peak_r, c->bus.peak_r);
    max_f(&m->bus_true_peak, c->bus.true_peak);
    max_f(&m->bus_gr_limiter, c->bus.gr_limiter_db);
    for (unsigned b = 0; b < STEMD_MB_BANDS; b++)
        max_f(&m->bus_gr_band[b], c->bus.gr_band_db[b]);
    atomic_store_explicit(&m->bus_correlation, f2u(c->bus.correlation), memory_order_relaxed);
    for (unsigned k = 0; k < m->nstems; k++) {
        struct meter_acc *a = &m->stem[k];
        max_f(&a->peak_l, c->stem[k].peak_l);
        max_f(&a->peak_r, c->stem[k].peak_r);
        max_f(&a->gr_db, c->stem[k].gr_db);
        add_d(&a->energy_bits, (double)c->stem[k].rms * c->stem[k].rms * n);
        atomic_fetch_add_explicit(&a->frames, n, memory_order_relaxed);
    }
}

static float take_f(_Atomic uint32_t *a)
{
    return u2f(atomic_exchange_explicit(a, 0, memory_order_relaxed));
}

void meters_rt_take(struct meters_rt *m, struct mix_meters *out)
{
    out->bus.peak_l = take_f(&m->bus_peak_l);
    out->bus.peak_r = take_f(&m->bus_peak_r);
    out->bus.true_peak = take_f(&m->bus_true_peak);
    out->bus.gr_limiter_db = take_f(&m->bus_gr_limiter);
    for (unsigned b = 0; b < STEMD_MB_BANDS; b++)
        out->bus.gr_band_db[b] = take_f(&m->bus_gr_band[b]);
    out->bus.correlation = u2f(atomic_load_explicit(&m->bus_correlation, memory_order_relaxed));
    for (unsigned k = 0; k < m->nstems && k < out->nstems; k++) {
        struct meter_acc *a = &m->stem[k];
        out->stem[k].peak_l = take_f(&a->peak_l);
        out->stem[k].peak_r = take_f(&a->peak_r);
        out->stem[k].gr_db = take_f(&a->gr_db);
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
