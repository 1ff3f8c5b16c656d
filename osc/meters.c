/* osc/meters.c: meters to subscribers at their own rate (--meter-rate, /meters HZ), as bundles
 * of float messages under 1400 bytes. The server holds peaks until taken and has one taker:
 * this file takes at the fastest rate wanted and keeps a per-subscriber accumulator, so a slow
 * subscriber still sees every peak since its last bundle. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osc/internal.h"
#include "server/metertable.h"

int osc_meter_acc_init(struct osc *o, struct osc_meter_acc *a)
{
    a->m = mix_meters_new(o->nstems);
    a->takes = 0;
    return a->m ? 0 : -ENOMEM;
}

void osc_meter_acc_free(struct osc_meter_acc *a)
{
    free(a->m);
    a->m = NULL;
    a->takes = 0;
}

static void merge(struct osc_meter_acc *a, const struct mix_meters *t)
{
    mix_meters_merge(a->m, t); /* rms: the mean square over the takes */
    a->takes++;
}

static void send_meters(struct osc *o, struct osc_client *c, const struct stemd_loudness *l)
{
    struct mix_meters *m = c->acc.m;
    struct osc_out out;
    char addr[64];
    float v[METER_MAX];
    out_init(&out, o, &c->dst);
    for (unsigned k = 0; k < m->nstems; k++) {
        double rms = c->acc.takes ? sqrt(m->stem[k].rms / c->acc.takes) : 0;
        meter_stem_values(&m->stem[k], rms, v);
        for (unsigned j = 0; j < SM_COUNT; j++) {
            snprintf(addr, sizeof addr, "/stem/%u/meter/%s", k + 1, stem_meter_row(j)->name);
            out_msg(&out, addr, "f", (double)v[j]);
        }
    }
    meter_bus_values(&m->bus, l, v);
    for (unsigned j = 0; j < BM_COUNT; j++) {
        snprintf(addr, sizeof addr, "/bus/meter/%s", bus_meter_row(j)->name);
        out_msg(&out, addr, "f", (double)v[j]);
    }
    out_flush(&out);
    unsigned n = m->nstems;
    memset(m, 0, sizeof *m + n * sizeof m->stem[0]);
    m->nstems = n;
    c->acc.takes = 0;
}

void osc_meters_tick(struct osc *o, int64_t now)
{
    int due = 0;
    for (unsigned i = 0; i < OSC_MAX_CLIENTS; i++) {
        struct osc_client *c = &o->clients[i];
        if (c->used && c->sub && c->meter_hz && c->acc.m && now >= c->next_meter_ms) due = 1;
    }
    if (!due) return;
    struct stemd_loudness loud;
    if (stemd_take_meters(o->sd, o->mtake, &loud) < 0) return;
    for (unsigned i = 0; i < OSC_MAX_CLIENTS; i++) {
        struct osc_client *c = &o->clients[i];
        if (!c->used || !c->sub || !c->meter_hz || !c->acc.m) continue;
        merge(&c->acc, o->mtake);
        if (now >= c->next_meter_ms) {
            send_meters(o, c, &loud);
            int64_t period = 1000 / c->meter_hz;
            c->next_meter_ms += period;
            if (c->next_meter_ms <= now) /* fell behind (a stall): do not burst to catch up */
                c->next_meter_ms = now + period;
        }
    }
}
