/* server/meters_rt.c: the process thread's half of the meters: each cycle's peaks, reductions
 * and energies into atomics (compare-and-swap loops, no lock, no system call). */
#include "server/meters.h"

/* RT: keep the larger of the stored and v (v >= 0: non-negative floats order as their bits). */
static inline void max_f(_Atomic uint32_t *a, float v)
{
    if (!(v > 0.0f)) return;
    uint32_t nv = meters_f2u(v), old = atomic_load_explicit(a, memory_order_relaxed);
    while (old < nv && !atomic_compare_exchange_weak_explicit(a, &old, nv, memory_order_relaxed,
                                                              memory_order_relaxed))
        ;
}

/* RT: keep whichever of the stored and v is farther from 0 (a signed gain: a cut or a boost). */
static inline void far_f(_Atomic uint32_t *a, float v)
{
    if (!(v != 0.0f)) return;
    uint32_t nv = meters_f2u(v), old = atomic_load_explicit(a, memory_order_relaxed);
    while ((old & 0x7fffffffu) < (nv & 0x7fffffffu) &&
           !atomic_compare_exchange_weak_explicit(a, &old, nv, memory_order_relaxed,
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

void meters_rt_push(struct meters_rt *m, const struct mix_meters *c, unsigned n)
{
    max_f(&m->bus_peak_l, c->bus.peak_l);
    max_f(&m->bus_peak_r, c->bus.peak_r);
    max_f(&m->bus_true_peak, c->bus.true_peak);
    max_f(&m->bus_gr_limiter, c->bus.gr_limiter_db);
    for (unsigned b = 0; b < STEMD_MB_BANDS; b++)
        max_f(&m->bus_gr_band[b], c->bus.gr_band_db[b]);
    atomic_store_explicit(&m->bus_correlation, meters_f2u(c->bus.correlation),
                          memory_order_relaxed);
    atomic_store_explicit(&m->bus_compare_gain, meters_f2u(c->bus.compare_gain_db),
                          memory_order_relaxed);
    for (unsigned k = 0; k < m->nstems; k++) {
        struct meter_acc *a = &m->stem[k];
        max_f(&a->peak_l, c->stem[k].peak_l);
        max_f(&a->peak_r, c->stem[k].peak_r);
        max_f(&a->gr_db, c->stem[k].gr_db);
        for (unsigned b = 0; b < STEMD_DEQ_BANDS; b++)
            far_f(&a->deq_db[b], c->stem[k].deq_db[b]);
        max_f(&a->deess_db, c->stem[k].deess_db);
        add_d(&a->energy_bits, (double)c->stem[k].rms * c->stem[k].rms * n);
        atomic_fetch_add_explicit(&a->frames, n, memory_order_relaxed);
    }
}
