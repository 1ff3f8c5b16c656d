/* server/ab.c: the A/B slots: a full copy of the slot not live, swapped in one snapshot, kept in
 * STATE_DIR/JACKNAME.ab (the design is server/ab.h's). */
#include "server/ab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/preset.h"
#include "server/log.h"
#include "server/server.h"
#include "server/state.h"
#include "server/undo.h"

#define AB_HEADER "# stemd A/B slots: active "

static void ab_file(struct stemd *sd, char *buf, size_t len)
{
    snprintf(buf, len, "%s.ab", sd->cfg.jack_name);
}

static void log_bad(void *ctx, const char *file, unsigned line, const char *reason)
{
    (void)ctx;
    log_err("%s:%u: %s", file, line, reason);
}

/* Read the .ab file into the other slot: 0, or -1 when there is none or it does not fit. */
static int load(struct stemd *sd, struct ab *ab)
{
    char name[CONFIG_NAME_MAX + 8], label[CONFIG_PATH_MAX + 80];
    char *text;
    ab_file(sd, name, sizeof name);
    snprintf(label, sizeof label, "%s/%s", sd->cfg.state_dir, name);
    int rc = state_read(sd->cfg.state_dir, name, &text);
    if (rc < 0) {
        if (rc != -ENOENT) log_err("cannot read %s: %s", label, strerror(-rc));
        return -1;
    }
    char active = 0;
    if (strncmp(text, AB_HEADER, strlen(AB_HEADER)) == 0) active = text[strlen(AB_HEADER)];
    struct params *p = params_new(sd->cfg.nstems);
    rc = p && (active == 'A' || active == 'B')
             ? preset_apply(p, text, label, &sd->names, log_bad, NULL)
             : -2;
    free(text);
    if (rc != 0) {
        char bad[CONFIG_PATH_MAX + 100];
        snprintf(bad, sizeof bad, "%s.rejected", label);
        rename(label, bad);
        log_err("A/B slots not restored (%s); moved to %s", rc == -2 ? "no header" : "bad lines",
                bad);
        params_free(p);
        return -1;
    }
    memcpy(ab->other, p, params_size(sd->cfg.nstems));
    params_free(p);
    ab->active = active;
    log_notice("A/B slots restored from %s: %c active", label, active);
    return 0;
}

int ab_init(struct stemd *sd)
{
    struct ab *ab = &sd->ab;
    unsigned n = params_count(sd->cfg.nstems);
    memset(ab, 0, sizeof *ab);
    pthread_mutex_init(&ab->lock, NULL);
    ab->active = 'A';
    ab->scratch = calloc(n, sizeof *ab->scratch);
    pthread_mutex_lock(&sd->ctl.wlock);
    ab->other = params_dup(sd->ctl.cur->p);
    pthread_mutex_unlock(&sd->ctl.wlock);
    if (!ab->scratch || !ab->other) {
        free(ab->scratch);
        params_free(ab->other);
        pthread_mutex_destroy(&ab->lock);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < n; i++)
        params_ref_at(sd->cfg.nstems, i, &ab->scratch[i].ref);
    if (sd->cfg.state_dir[0]) load(sd, ab);
    ab->ready = 1;
    return 0;
}

void ab_fini(struct stemd *sd)
{
    struct ab *ab = &sd->ab;
    if (!ab->ready) return;
    free(ab->scratch);
    params_free(ab->other);
    pthread_mutex_destroy(&ab->lock);
    ab->ready = 0;
}

/* Keep the slots (ab->lock held): the active name and the other slot's every value. */
static void save(struct stemd *sd, struct ab *ab)
{
    if (!sd->cfg.state_dir[0]) return;
    char *body = preset_format(ab->other, &sd->names, 0);
    size_t len = body ? strlen(body) + 64 : 0;
    char *text = body ? malloc(len) : NULL;
    char name[CONFIG_NAME_MAX + 8];
    if (!text) {
        log_err("cannot save the A/B slots: out of memory");
        free(body);
        return;
    }
    snprintf(text, len, AB_HEADER "%c; the other slot below\n%s", ab->active, body);
    free(body);
    ab_file(sd, name, sizeof name);
    state_write_atomic(sd->cfg.state_dir, name, text);
    free(text);
}

/* Make the live values those of p (wlock held), one snapshot labelled as given. */
static int apply_all(struct stemd *sd, struct ab *ab, const struct params *p, const char *label,
                     int source, char *err, size_t errlen)
{
    unsigned n = params_count(sd->cfg.nstems);
    for (unsigned i = 0; i < n; i++)
        ab->scratch[i].value = params_get(p, &ab->scratch[i].ref);
    size_t bad;
    undo_label_next(sd, label);
    int rc = stemd_apply(sd, ab->scratch, n, source, NULL, &bad, err, errlen);
    undo_label_next(sd, NULL);
    return rc;
}

static int slot_ok(char s, char *err, size_t errlen)
{
    if (s == 'A' || s == 'B') return 0;
    snprintf(err, errlen, "the slots are A and B");
    return -EINVAL;
}

int stemd_ab_select(struct stemd *sd, char slot, int source, char *err, size_t errlen)
{
    struct ab *ab = &sd->ab;
    int rc = slot_ok(slot, err, errlen);
    if (rc < 0) return rc;
    pthread_mutex_lock(&ab->lock);
    if (slot == ab->active) {
        pthread_mutex_unlock(&ab->lock);
        return 0;
    }
    char label[32];
    snprintf(label, sizeof label, "A/B select %c", slot);
    pthread_mutex_lock(&sd->ctl.wlock);
    struct params *live = params_dup(sd->ctl.cur->p);
    rc = live ? apply_all(sd, ab, ab->other, label, source, err, errlen) : -ENOMEM;
    if (rc == 0) {
        memcpy(ab->other, live, params_size(sd->cfg.nstems));
        ab->active = slot;
    }
    pthread_mutex_unlock(&sd->ctl.wlock);
    params_free(live);
    if (rc == -ENOMEM) snprintf(err, errlen, "out of memory");
    if (rc == 0) save(sd, ab);
    pthread_mutex_unlock(&ab->lock);
    return rc;
}

int stemd_ab_copy(struct stemd *sd, char from, char to, int source, char *err, size_t errlen)
{
    struct ab *ab = &sd->ab;
    int rc = slot_ok(from, err, errlen);
    if (rc < 0 || (rc = slot_ok(to, err, errlen)) < 0) return rc;
    if (from == to) {
        snprintf(err, errlen, "copy one slot onto the other: A>B or B>A");
        return -EINVAL;
    }
    pthread_mutex_lock(&ab->lock);
    pthread_mutex_lock(&sd->ctl.wlock);
    if (from == ab->active) { /* the live values into the other slot: nothing audible */
        memcpy(ab->other, sd->ctl.cur->p, params_size(sd->cfg.nstems));
    } else { /* the other slot's values become live */
        char label[32];
        snprintf(label, sizeof label, "A/B copy %c>%c", from, to);
        rc = apply_all(sd, ab, ab->other, label, source, err, errlen);
    }
    pthread_mutex_unlock(&sd->ctl.wlock);
    if (rc == 0) save(sd, ab);
    pthread_mutex_unlock(&ab->lock);
    return rc;
}

char stemd_ab_active(struct stemd *sd)
{
    pthread_mutex_lock(&sd->ab.lock);
    char c = sd->ab.active;
    pthread_mutex_unlock(&sd->ab.lock);
    return c;
}
