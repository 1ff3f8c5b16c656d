/* tools/pool.h: a small thread pool giving dsp/mix.h its parallel for (stemd-render only). */
#ifndef STEMD_POOL_H
#define STEMD_POOL_H

struct pool;

/* Start nthreads - 1 workers (the caller is the last one). Returns NULL when nthreads < 2 or
 * on failure (then run single-threaded). */
struct pool *pool_new(unsigned nthreads);
void pool_free(struct pool *p);

/* A mix_for_fn: job(arg, i) for i in 0..count-1 across the pool; returns when all are done. */
void pool_for(void *pool, void (*job)(void *arg, unsigned i), void *arg, unsigned count);

#endif
