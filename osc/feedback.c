/* osc/feedback.c: every applied change, from any source, to every subscriber: recorded by the
 * server's listener (in whichever thread changed it), coalesced per address (last value wins,
 * at most 30 Hz each), and sent from the OSC thread, never echoed to the client that made it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "osc/internal.h"

int osc_feedback_init(struct osc *o)
{
    o->fb = calloc(o->nparams, sizeof *o->fb);
    o->dirty = calloc(o->nparams, sizeof *o->dirty);
    if (!o->fb || !o->dirty) return -ENOMEM;
    pthread_mutex_init(&o->fb_lock, NULL);
    return 0;
}

void osc_feedback_fini(struct osc *o)
{
    if (o->fb) pthread_mutex_destroy(&o->fb_lock);
    free(o->fb);
    free(o->dirty);
}

/* The server calls this with its writer lock held: record and return at once. The path is
 * formatted only when a feedback message is sent (osc_feedback_flush), and feedback coalesces
 * per address, so batches need no grouping here. */
void osc_listener(void *ctx, const struct param_ref *ref, float value, int source, uint64_t batch)
{
    struct osc *o = ctx;
    (void)batch;
    unsigned i = osc_param_index(o, ref);
    pthread_mutex_lock(&o->fb_lock);
    struct osc_fb *f = &o->fb[i];
    f->value = value;
    f->source = source;
    if (!f->pending) {
        f->pending = 1;
        o->dirty[o->ndirty++] = i; /* at most once per parameter: ndirty <= nparams */
    }
    pthread_mutex_unlock(&o->fb_lock);
}

struct due {
    unsigned index;
    float value;
    int source;
};

void osc_feedback_flush(struct osc *o, int64_t now)
{
    struct due batch[256];
    unsigned n = 0;

    /* Take the changes whose 30 Hz slot has come (the rest wait, keeping their latest value). */
    pthread_mutex_lock(&o->fb_lock);
    unsigned keep = 0;
    for (unsigned k = 0; k < o->ndirty; k++) {
        unsigned i = o->dirty[k];
        struct osc_fb *f = &o->fb[i];
        if (n < 256 && now - f->sent_ms >= OSC_FB_PERIOD_MS) {
            batch[n++] = (struct due){i, f->value, f->source};
            f->pending = 0;
            f->sent_ms = now;
        } else {
            o->dirty[keep++] = i;
        }
    }
    o->ndirty = keep;
    pthread_mutex_unlock(&o->fb_lock);
    if (!n) return;

    for (unsigned s = 0; s < OSC_MAX_CLIENTS; s++) {
        struct osc_client *c = &o->clients[s];
        if (!c->used || !c->sub) continue;
        struct osc_out out;
        out_init(&out, o, &c->dst);
        for (unsigned k = 0; k < n; k++) {
            struct param_ref ref;
            char path[OSC_PATH_MAX];
            if (batch[k].source == STEMD_SRC_USER + (int)c->id)
                continue; /* its own change: it was answered directly if clamped */
            params_ref_at(o->nstems, batch[k].index, &ref);
            if (c->flavour == FL_NORM) {
                osc_param_path(o, &ref, c->by_name, FL_NORM, path, sizeof path);
                osc_add_value(o, &out, path, &ref, batch[k].value, FL_NORM);
                osc_param_path(o, &ref, c->by_name, FL_TEXT, path, sizeof path);
                osc_add_value(o, &out, path, &ref, batch[k].value, FL_TEXT);
            } else {
                osc_param_path(o, &ref, c->by_name, FL_UNITS, path, sizeof path);
                osc_add_value(o, &out, path, &ref, batch[k].value, FL_UNITS);
            }
        }
        out_flush(&out);
    }
}
