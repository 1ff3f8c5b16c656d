/* tools/pipeline.c: the hand-overs between stemd-render's two threads (see pipeline.h). */
#include "tools/pipeline.h"

#include <pthread.h>
#include <stdlib.h>

struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t submitted, finished;
    unsigned slots;
    unsigned long nsub, nfin; /* chunks submitted and finished so far */
    int closed, abandoned;
};

struct pipeline *pipeline_new(unsigned slots)
{
    struct pipeline *pl = calloc(1, sizeof *pl);
    if (!pl) return NULL;
    pl->slots = slots ? slots : 1;
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->submitted, NULL);
    pthread_cond_init(&pl->finished, NULL);
    return pl;
}

void pipeline_free(struct pipeline *pl)
{
    if (!pl) return;
    pthread_mutex_destroy(&pl->mu);
    pthread_cond_destroy(&pl->submitted);
    pthread_cond_destroy(&pl->finished);
    free(pl);
}

unsigned pipeline_slots(const struct pipeline *pl)
{
    return pl->slots;
}

void pipeline_submit(struct pipeline *pl)
{
    pthread_mutex_lock(&pl->mu);
    pl->nsub++;
    pthread_cond_signal(&pl->submitted);
    pthread_mutex_unlock(&pl->mu);
}

void pipeline_wait(struct pipeline *pl, unsigned long q)
{
    pthread_mutex_lock(&pl->mu);
    while (pl->nfin <= q)
        pthread_cond_wait(&pl->finished, &pl->mu);
    pthread_mutex_unlock(&pl->mu);
}

void pipeline_close(struct pipeline *pl, int abandon)
{
    pthread_mutex_lock(&pl->mu);
    pl->closed = 1;
    pl->abandoned |= abandon != 0;
    pthread_cond_signal(&pl->submitted);
    pthread_mutex_unlock(&pl->mu);
}

int pipeline_work(struct pipeline *pl)
{
    int slot = -1;
    pthread_mutex_lock(&pl->mu);
    while (pl->nfin == pl->nsub && !pl->closed)
        pthread_cond_wait(&pl->submitted, &pl->mu);
    if (pl->nfin < pl->nsub && !pl->abandoned) slot = (int)(pl->nfin % pl->slots);
    pthread_mutex_unlock(&pl->mu);
    return slot;
}

void pipeline_finish(struct pipeline *pl)
{
    pthread_mutex_lock(&pl->mu);
    pl->nfin++;
    pthread_cond_signal(&pl->finished);
    pthread_mutex_unlock(&pl->mu);
}
