/* osc/session.c: the session commands: the preset library (/preset/save, load, list, delete,
 * rename: server/presetlib.h), undo (/undo, /redo, /undo/list: server/undo.h), the A/B
 * slots (/ab, /ab/select, /ab/copy: server/ab.h) and the scenes (/scene/store, /scene/recall,
 * /scene/list: server/scenes.h). dispatch.c
 * checks their arguments; here they run and answer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osc/internal.h"
#include "server/ab.h"
#include "server/presetlib.h"
#include "server/scenes.h"
#include "server/undo.h"

/* One /error per line of err (a preset's bad lines), at most max; returns how many. */
static unsigned errors(struct osc_out *out, const char *path, char *err, unsigned max)
{
    unsigned n = 0;
    for (char *line = err; line && *line && n < max; n++) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        out_error(out, path, line);
        line = nl ? nl + 1 : NULL;
    }
    return n;
}

static void utc(int64_t s, char *buf, size_t len)
{
    time_t t = (time_t)s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

unsigned osc_session_run(struct osc *o, struct osc_out *out, enum osc_session_op op, int source,
                         const char *a, const char *b, int slot, double secs)
{
    char err[2048], desc[UNDO_DESC_MAX];
    unsigned n = 0;
    int rc = 0;
    switch (op) {
    case SES_SAVE:
        if ((rc = stemd_preset_save(o->sd, a, b, &n, err, sizeof err)) == 0)
            out_msg(out, "/preset/saved", "si", a, (int)n);
        return rc < 0 ? errors(out, "/preset/save", err, 1) : 0;
    case SES_LOAD:
        if ((rc = stemd_preset_load(o->sd, a, source, &n, err, sizeof err)) == 0)
            out_msg(out, "/preset/loaded", "si", a, (int)n);
        return rc < 0 ? errors(out, "/preset/load", err, OSC_MAX_ERRORS) : 0;
    case SES_DELETE:
        if ((rc = stemd_preset_delete(o->sd, a, err, sizeof err)) == 0)
            out_msg(out, "/preset/deleted", "s", a);
        return rc < 0 ? errors(out, "/preset/delete", err, 1) : 0;
    case SES_RENAME:
        if ((rc = stemd_preset_rename(o->sd, a, b, err, sizeof err)) == 0)
            out_msg(out, "/preset/renamed", "ss", a, b);
        return rc < 0 ? errors(out, "/preset/rename", err, 1) : 0;
    case SES_LIST: {
        struct stemd_preset_info *v;
        size_t k;
        if (stemd_preset_list(o->sd, &v, &k, err, sizeof err) < 0)
            return errors(out, "/preset/list", err, 1);
        for (size_t i = 0; i < k; i++) {
            char when[32];
            utc(v[i].mtime_s, when, sizeof when);
            out_msg(out, "/preset/list/reply", "ss", v[i].name, when);
        }
        out_msg(out, "/preset/list/end", "i", (int)k);
        free(v);
        return 0;
    }
    case SES_UNDO:
    case SES_REDO:
        rc = op == SES_UNDO ? stemd_undo(o->sd, desc, sizeof desc, err, sizeof err)
                            : stemd_redo(o->sd, desc, sizeof desc, err, sizeof err);
        if (rc < 0) return errors(out, op == SES_UNDO ? "/undo" : "/redo", err, 1);
        out_msg(out, op == SES_UNDO ? "/undo/done" : "/redo/done", "s", desc);
        return 0;
    case SES_UNDO_LIST: {
        struct stemd_undo_entry *v;
        size_t k;
        unsigned undone = 0;
        if (stemd_undo_list(o->sd, &v, &k) < 0) {
            snprintf(err, sizeof err, "undo is not running or out of memory");
            return errors(out, "/undo/list", err, 1);
        }
        for (size_t i = 0; i < k; i++) {
            out_msg(out, "/undo/list/reply", "iss", (int)i + 1, v[i].desc,
                    v[i].undone ? "redo" : "undo");
            undone += (unsigned)v[i].undone;
        }
        out_msg(out, "/undo/list/end", "ii", (int)(k - undone), (int)undone);
        free(v);
        return 0;
    }
    case SES_AB_SELECT:
        if (stemd_ab_select(o->sd, a[0], source, err, sizeof err) < 0)
            return errors(out, "/ab/select", err, 1);
        out_msg(out, "/ab", "s", a);
        return 0;
    case SES_AB_COPY:
        if (stemd_ab_copy(o->sd, a[0], a[2], source, err, sizeof err) < 0)
            return errors(out, "/ab/copy", err, 1);
        out_msg(out, "/ab/copied", "s", a);
        return 0;
    case SES_AB_STATUS: {
        char active[2] = {stemd_ab_active(o->sd), 0};
        out_msg(out, "/ab", "s", active);
        return 0;
    }
    case SES_SCENE_STORE:
        /* A state file that cannot be written is an error, but the slot holds the scene. */
        rc = stemd_scene_store(o->sd, slot, a, err, sizeof err);
        if (rc < 0 && rc != -EINVAL && rc != -ENOMEM) errors(out, "/scene/store", err, 1);
        if (rc == -EINVAL || rc == -ENOMEM) return errors(out, "/scene/store", err, 1);
        {
            struct stemd_scene_info v[STEMD_SCENES];
            stemd_scene_list(o->sd, v);
            out_msg(out, "/scene/stored", "is", slot, v[slot - 1].name);
        }
        return rc < 0;
    case SES_SCENE_RECALL:
        if (stemd_scene_recall(o->sd, slot, secs, source, err, sizeof err) < 0)
            return errors(out, "/scene/recall", err, 1);
        out_msg(out, "/scene/recalled", "if", slot, (float)secs);
        return 0;
    case SES_SCENE_LIST: {
        struct stemd_scene_info v[STEMD_SCENES];
        struct stemd_scene_morph mo;
        stemd_scene_list(o->sd, v);
        for (int i = 0; i < STEMD_SCENES; i++) {
            char when[32] = "";
            if (v[i].used) utc(v[i].stored_s, when, sizeof when);
            out_msg(out, "/scene/list/reply", "iiss", i + 1, v[i].used, v[i].name, when);
        }
        /* the last recall: slot, seconds, its morph (pending|running|done|none), first frame */
        stemd_scene_morph(o->sd, &mo);
        static const char *const state[] = {"pending", "running", "done"};
        out_msg(out, "/scene/list/end", "ifsh", mo.slot, mo.seconds,
                mo.seconds > 0 ? state[mo.state] : "none", (int64_t)mo.frame);
        return 0;
    }
    }
    return 0;
}
