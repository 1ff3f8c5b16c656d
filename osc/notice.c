/* osc/notice.c: another layer's verbs (osc_set_ext: the MIDI layer's /midi/...) and its notices
 * to every subscriber (osc_notice: /midi/learned), queued from its thread, sent by the tick. */
#include <stdio.h>
#include <string.h>

#include "osc/internal.h"

void osc_set_ext(struct osc *o, const char *prefix, osc_ext_fn fn, void *ctx)
{
    if (!o) return;
    pthread_mutex_lock(&o->re_lock);
    snprintf(o->ext_prefix, sizeof o->ext_prefix, "%s", prefix);
    o->ext_fn = fn;
    o->ext_ctx = ctx;
    pthread_mutex_unlock(&o->re_lock);
}

void osc_notice(struct osc *o, const char *addr, const char *a, const char *b)
{
    if (!o) return;
    pthread_mutex_lock(&o->notice_lock);
    if (o->nnotices < sizeof o->notices / sizeof o->notices[0]) {
        struct osc_notice_item *n = &o->notices[o->nnotices++];
        snprintf(n->addr, sizeof n->addr, "%s", addr);
        snprintf(n->a, sizeof n->a, "%s", a);
        snprintf(n->b, sizeof n->b, "%s", b ? b : "");
        n->has_b = b != NULL;
    }
    pthread_mutex_unlock(&o->notice_lock);
}

static void send_one(struct osc *o, const struct osc_addr *to, const struct osc_notice_item *n)
{
    struct osc_out out;
    out_init(&out, o, to);
    if (n->has_b)
        out_msg(&out, n->addr, "ss", n->a, n->b);
    else
        out_msg(&out, n->addr, "s", n->a);
    out_flush(&out);
}

void osc_notices_flush(struct osc *o)
{
    struct osc_notice_item q[16];
    unsigned n;
    pthread_mutex_lock(&o->notice_lock);
    n = o->nnotices;
    memcpy(q, o->notices, n * sizeof q[0]);
    o->nnotices = 0;
    pthread_mutex_unlock(&o->notice_lock);
    for (unsigned i = 0; i < n; i++) {
        int extra_done = !o->ext_from_set;
        for (unsigned k = 0; k < OSC_MAX_CLIENTS; k++) {
            struct osc_client *c = &o->clients[k];
            if (!c->used || !c->sub) continue;
            send_one(o, &c->dst, &q[i]);
            if (!extra_done && osc_addr_eq(&c->dst, &o->ext_from)) extra_done = 1;
        }
        if (!extra_done) send_one(o, &o->ext_from, &q[i]);
    }
}
