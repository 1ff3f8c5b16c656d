/* osc/transfer.c: a preset too large for one datagram (more than ~27 stems: a bundle holds at
 * most 64 kB), sent as its text in numbered parts and applied as one snapshot when the last
 * part is in:
 *
 *   /preset/part i:ID i:INDEX i:COUNT s:TEXT   -> /preset/part/ok i:ID i:INDEX
 *   after the last part                        -> /preset/applied i:ID, or /error with the
 *                                                 preset's own file:line reasons (nothing applied)
 *
 * Stop-and-wait: the sender sends part INDEX + 1 after the ok of INDEX. A repeated part (its ok
 * was lost) is acknowledged again and not appended twice; a part out of order drops the
 * transfer. Bounded: OSC_MAX_TRANSFERS at once, OSC_TRANSFER_MAX bytes each, dropped after
 * OSC_TRANSFER_IDLE_MS without a part. */
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

void osc_transfer_part(struct osc *o, struct osc_out *out, const struct osc_addr *from, int source,
                       int32_t id, int32_t index, int32_t count, const char *text, int64_t now)
{
    static const char *const ep = "/preset/part";
    struct osc_transfer *t = find(o, from, id);
    char err[1024];
    if (count < 1 || index < 0 || index >= count) {
        out_error(out, ep, "use /preset/part i:ID i:INDEX i:COUNT s:TEXT, 0 <= INDEX < COUNT");
        return;
    }
    if (t && index == (int32_t)t->next - 1 && count == t->count) {
        out_msg(out, "/preset/part/ok", "ii", id, index); /* a repeat: its ok was lost */
        return;
    }
    if (index == 0) {
        if (t) drop(t);
        for (unsigned i = 0; !t && i < OSC_MAX_TRANSFERS; i++)
            if (!o->transfers[i].used) t = &o->transfers[i];
        if (!t) {
            out_error(out, ep, "busy: other presets are being sent; try again in a few seconds");
            return;
        }
        t->used = 1;
        t->from = *from;
        t->id = id;
        t->count = count;
    } else if (!t || index != (int32_t)t->next || count != t->count) {
        snprintf(err, sizeof err,
                 "part %d of %d out of order (expected %d): transfer dropped; "
                 "send it again from part 0",
                 index, count, t ? (int)t->next : 0);
        if (t) drop(t);
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
    /* The whole preset: validated as a whole, applied as one snapshot, or not at all. */
    if (stemd_apply_preset(o->sd, t->text, "preset", 0, source, err, sizeof err) < 0)
        out_error(out, ep, err);
    else
        out_msg(out, "/preset/applied", "i", id);
    drop(t);
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
