/* tools/pool.c: workers that share the stems of each mix pass (see pool.h). */
#include "tools/pool.h"

#include <pthread.h>
#include <stdlib.h>

#define POOL_MAX 16

struct pool {
    pthread_t th[POOL_MAX];
    unsigned nth; /* workers, not counting the caller */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long gen;
    void (*job)(void *, unsigned);
    void *arg;
    unsigned count, next, busy;
    int quit;
};

/* Take indices until none is left. Called with the lock held; returns with it held. */
static void drain(struct pool *p)
{
    while (p->next < p->count) {
        unsigned i = p->next++;
        pthread_mutex_unlock(&p->mu);
        p->job(p->arg, i);
        pthread_mutex_lock(&p->mu);
    }
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        /* The passes come every ~0.1 ms during a render: waiting on the condition variable
         * alone, a worker wakes after the caller has already done the pass's jobs. Poll a
         * little first (a few tens of microseconds), then sleep. */
        for (int spin = 0; spin < 2000 && p->gen == seen && !p->quit; spin++) {
            pthread_mutex_unlock(&p->mu);
            for (volatile int k = 0; k < 20; k++)
                ;
            pthread_mutex_lock(&p->mu);
        }
        while (p->gen == seen && !p->quit)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->quit) break;
        seen = p->gen;
        drain(p);
        if (--p->busy == 0) pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct pool *pool_new(unsigned nthreads)
{
    if (nthreads < 2) return NULL;
    struct pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    for (unsigned i = 0; i + 1 < nthreads && i < POOL_MAX; i++) {
        if (pthread_create(&p->th[i], NULL, worker, p) != 0) break;
        p->nth++;
    }
    if (p->nth == 0) {
        pool_free(p);
        return NULL;
    }
    return p;
}

void pool_free(struct pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nth; i++)
        pthread_join(p->th[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    free(p);
}

void pool_for(void *pool, void (*job)(void *arg, unsigned i), void *arg, unsigned count)
{
    struct pool *p = pool;
    pthread_mutex_lock(&p->mu);
    p->job = job;
    p->arg = arg;
    p->count = count;
    p->next = 0;
    p->busy = p->nth;
    p->gen++;
    pthread_cond_broadcast(&p->go);
    drain(p);
    while (p->busy > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
