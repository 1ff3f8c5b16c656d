/* server/metertap.c: more than one reader of the meters. The process thread's accumulators
 * (meters_rt) restart on every take, so two readers taking in turn would each miss the peaks the
 * other took. While a tap exists, every take (by anyone) goes into a scratch record that is
 * merged into each reader's own accumulation, and a reader's take hands out its own. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "server/metertap.h"
#include "server/server.h"

struct stemd_meter_tap {
    struct stemd_meter_tap *next;
    struct mix_meters *acc; /* maxima; rms holds the sum of squares of the takes */
    unsigned takes;
    float last_rms[STEMD_MAX_STEMS];
};

static void merge(struct mix_meters *a, float *last_rms, const struct mix_meters *t)
{
    mix_meters_merge(a, t);
    for (unsigned k = 0; k < t->nstems; k++)
        last_rms[k] = t->stem[k].rms;
}

/* a's reading into out, and a restarts. One take is handed out as it was (no square root of a
 * square), so a lone reader reads exactly what the accumulators held. */
static void hand_out(struct mix_meters *a, unsigned *takes, const float *last_rms,
                     struct mix_meters *out)
{
    unsigned n = a->nstems;
    memcpy(out, a, sizeof *a + n * sizeof a->stem[0]);
    for (unsigned k = 0; k < n; k++)
        out->stem[k].rms = *takes == 1 ? last_rms[k]
                           : *takes    ? sqrtf(a->stem[k].rms / (float)*takes)
                                       : 0.0f;
    memset(a, 0, sizeof *a + n * sizeof a->stem[0]);
    a->nstems = n;
    *takes = 0;
}

/* A take from the accumulators, shared out among every reader. mlock held. */
static void take_all(struct stemd *sd)
{
    struct control *c = &sd->ctl;
    meters_rt_take(engine_meters(&sd->eng), c->mscratch);
    merge(c->mprimary, c->mprimary_rms, c->mscratch);
    c->mprimary_takes++;
    for (struct stemd_meter_tap *t = c->taps; t; t = t->next) {
        merge(t->acc, t->last_rms, c->mscratch);
        t->takes++;
    }
}

void metertap_take_primary(struct stemd *sd, struct mix_meters *out)
{
    struct control *c = &sd->ctl;
    if (!c->taps && !c->mprimary_takes) {
        meters_rt_take(engine_meters(&sd->eng),
                       out); /* the only reader: straight from the atomics */
        return;
    }
    take_all(sd);
    hand_out(c->mprimary, &c->mprimary_takes, c->mprimary_rms, out);
}

int stemd_meter_tap_new(struct stemd *sd, struct stemd_meter_tap **out)
{
    struct control *c = &sd->ctl;
    unsigned n = sd->cfg.nstems;
    struct stemd_meter_tap *t = calloc(1, sizeof *t);
    if (t) t->acc = mix_meters_new(n);
    pthread_mutex_lock(&c->mlock);
    if (t && t->acc && !c->mscratch) c->mscratch = mix_meters_new(n);
    if (t && t->acc && c->mscratch && !c->mprimary) c->mprimary = mix_meters_new(n);
    if (!t || !t->acc || !c->mscratch || !c->mprimary) {
        pthread_mutex_unlock(&c->mlock);
        if (t) free(t->acc);
        free(t);
        return -ENOMEM;
    }
    /* What the accumulators hold now belongs to the readers so far (stemd_take_meters'). */
    take_all(sd);
    t->next = c->taps;
    c->taps = t;
    pthread_mutex_unlock(&c->mlock);
    *out = t;
    return 0;
}

void stemd_meter_tap_free(struct stemd *sd, struct stemd_meter_tap *t)
{
    if (!t) return;
    pthread_mutex_lock(&sd->ctl.mlock);
    for (struct stemd_meter_tap **p = &sd->ctl.taps; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    pthread_mutex_unlock(&sd->ctl.mlock);
    free(t->acc);
    free(t);
}

int stemd_meter_tap_take(struct stemd *sd, struct stemd_meter_tap *t, struct mix_meters *out,
                         struct stemd_loudness *loud)
{
    if (out) {
        if (out->nstems != sd->cfg.nstems) return -EINVAL;
        pthread_mutex_lock(&sd->ctl.mlock);
        take_all(sd);
        hand_out(t->acc, &t->takes, t->last_rms, out);
        pthread_mutex_unlock(&sd->ctl.mlock);
    }
    return stemd_take_meters(sd, NULL, loud);
}

void metertap_fini(struct stemd *sd)
{
    struct control *c = &sd->ctl;
    while (c->taps) {
        struct stemd_meter_tap *t = c->taps;
        c->taps = t->next;
        free(t->acc);
        free(t);
    }
    free(c->mscratch);
    free(c->mprimary);
    c->mscratch = c->mprimary = NULL;
}
