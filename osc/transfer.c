/* osc/transfer.c: a preset too large for one datagram (more than ~27 stems: a bundle holds at
 * most 64 kB), sent as its text in numbered parts and applied as one snapshot when the last
 * part is in:
 *
 *   /preset/part i:ID i:INDEX i:COUNT s:TEXT   -> /preset/part/ok i:ID i:INDEX
 *   after the last part                        -> /preset/applied i:ID, or /error with the
 *                                                 preset's own file:line reasons (nothing applied)
 *
 * Stop-and-wait: the sender sends part INDEX + 1 after the ok of INDEX. A repeated part (its ok
 * was lost) is acknowledged again and not appended twice, and a repeat of the last part gets the
 * verdict again (kept until the transfer expires), so a lost reply never applies a preset twice
 * or reports a failure that was a success; a part out of order drops the transfer. Bounded: one
 * transfer per sender, OSC_MAX_TRANSFERS at once, OSC_TRANSFER_MAX bytes and
 * OSC_TRANSFER_PARTS parts each, dropped after OSC_TRANSFER_IDLE_MS without a part. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osc/internal.h"

static void drop(struct osc_transfer *t)
{
    free(t->text);
    memset(t, 0, sizeof *t);
}

static struct osc_transfer *find(struct osc *o, const struct osc_addr *from, int32_t id)
{
    for (unsigned i = 0; i < OSC_MAX_TRANSFERS; i++) {
        struct osc_transfer *t = &o->transfers[i];
        if (t->used && t->id == id && osc_addr_eq(&t->from, from)) return t;
    }
    return NULL;
}

/* The verdict on a whole preset: /preset/applied, or the reasons it was refused. */
static void verdict(struct osc_out *out, const struct osc_transfer *t)
{
    if (t->applied)
        out_msg(out, "/preset/applied", "i", t->id);
    else
        out_error(out, "/preset/part", t->why);
}

void osc_transfer_part(struct osc *o, struct osc_out *out, const struct osc_addr *from, int source,
                       int32_t id, int32_t index, int32_t count, const char *text, int64_t now)
{
    static const char *const ep = "/preset/part";
    struct osc_transfer *t = find(o, from, id);
    char err[512];
    if (count < 1 || count > OSC_TRANSFER_PARTS || index < 0 || index >= count) {
        out_error(out, ep,
                  "use /preset/part i:ID i:INDEX i:COUNT s:TEXT, 0 <= INDEX < COUNT <= 65536");
        return;
    }
    if (t && count == t->count && index < (int32_t)t->next) {
        /* A repeat (its ok was lost) or a late duplicate: acknowledged again, not taken twice;
         * the last part's repeat gets the verdict again. */
        out_msg(out, "/preset/part/ok", "ii", id, index);
        if (t->finished && index == t->count - 1) verdict(out, t);
        return;
    }
    if (index == 0) {
        /* One transfer per sender: a new one replaces its earlier one, finished or not. */
        t = NULL;
        for (unsigned i = 0; i < OSC_MAX_TRANSFERS; i++)
            if (o->transfers[i].used && osc_addr_eq(&o->transfers[i].from, from))
                drop(&o->transfers[i]);
        for (unsigned i = 0; !t && i < OSC_MAX_TRANSFERS; i++)
            if (!o->transfers[i].used) t = &o->transfers[i];
        for (unsigned i = 0; !t && i < OSC_MAX_TRANSFERS; i++)
            if (o->transfers[i].finished) { /* a verdict kept for a lost reply: the oldest goes */
                t = &o->transfers[i];
                for (unsigned k = i + 1; k < OSC_MAX_TRANSFERS; k++)
                    if (o->transfers[k].finished && o->transfers[k].last_ms < t->last_ms)
                        t = &o->transfers[k];
                drop(t);
            }
        if (!t) {
            out_error(out, ep, "busy: other presets are being sent; try again in a few seconds");
            return;
        }
        t->used = 1;
        t->from = *from;
        t->id = id;
        t->count = count;
    } else if (!t || t->finished || index != (int32_t)t->next || count != t->count) {
        snprintf(err, sizeof err,
                 "part %d of %d out of order (expected %d): transfer dropped; "
                 "send it again from part 0",
                 index, count, t && !t->finished ? (int)t->next : 0);
        if (t && !t->finished) drop(t);
        out_error(out, ep, err);
        return;
    }
    size_t n = strlen(text);
    if (t->len + n + 1 > OSC_TRANSFER_MAX) {
        drop(t);
        out_error(out, ep, "preset larger than 4 MB: transfer dropped");
        return;
    }
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 65536;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *g = realloc(t->text, cap);
        if (!g) {
            drop(t);
            out_error(out, ep, "out of memory: transfer dropped");
            return;
        }
        t->text = g;
        t->cap = cap;
    }
    memcpy(t->text + t->len, text, n + 1);
    t->len += n;
    t->next++;
    t->last_ms = now;
    out_msg(out, "/preset/part/ok", "ii", id, index);
    if ((int32_t)t->next < t->count) return;
    /* The whole preset: validated as a whole, applied as one snapshot, or not at all. The
     * verdict is kept until the transfer expires, for a sender whose reply was lost. */
    t->applied =
        stemd_apply_preset(o->sd, t->text, "preset", 0, source, t->why, sizeof t->why) == 0;
    t->finished = 1;
    free(t->text);
    t->text = NULL;
    t->len = t->cap = 0;
    verdict(out, t);
}

void osc_transfers_expire(struct osc *o, int64_t now)
{
    for (unsigned i = 0; i < OSC_MAX_TRANSFERS; i++) {
        struct osc_transfer *t = &o->transfers[i];
        if (t->used && now - t->last_ms > OSC_TRANSFER_IDLE_MS) drop(t);
    }
}

void osc_transfers_free(struct osc *o)
{
    for (unsigned i = 0; i < OSC_MAX_TRANSFERS; i++)
        drop(&o->transfers[i]);
}
