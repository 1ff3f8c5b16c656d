/* server/scenes.c: the scene slots: stored copies of every value, recalled at once or with a
 * morph, kept in STATE_DIR/JACKNAME.sceneN (the design is server/scenes.h's). */
#include "server/scenes.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsp/morph.h"
#include "dsp/preset.h"
#include "server/log.h"
#include "server/server.h"
#include "server/state.h"
#include "server/undo.h"

#define SCENE_HEADER "# stemd scene "

static void scene_file(struct stemd *sd, int n, char *buf, size_t len)
{
    snprintf(buf, len, "%s.scene%d", sd->cfg.jack_name, n);
}

static void log_bad(void *ctx, const char *file, unsigned line, const char *reason)
{
    (void)ctx;
    log_err("%s:%u: %s", file, line, reason);
}

/* "# stemd scene N: NAME" and, on the next line, "# stored UNIX_SECONDS ...". */
static int parse_header(const char *text, int n, char *name, int64_t *stored)
{
    char want[32];
    snprintf(want, sizeof want, SCENE_HEADER "%d: ", n);
    if (strncmp(text, want, strlen(want))) return -1;
    const char *s = text + strlen(want), *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    if (len == 0 || len >= STEMD_SCENE_NAME_MAX) return -1;
    memcpy(name, s, len);
    name[len] = 0;
    char why[160];
    if (presetlib_name_check(name, why, sizeof why) < 0) return -1;
    long long t = 0;
    if (nl && sscanf(nl + 1, "# stored %lld", &t) == 1) *stored = t;
    return 0;
}

static void load(struct stemd *sd, struct scenes *sc, int n)
{
    char name[CONFIG_NAME_MAX + 16], label[CONFIG_PATH_MAX + 80], *text;
    scene_file(sd, n, name, sizeof name);
    snprintf(label, sizeof label, "%s/%s", sd->cfg.state_dir, name);
    int rc = state_read(sd->cfg.state_dir, name, &text);
    if (rc < 0) {
        if (rc != -ENOENT) log_err("cannot read %s: %s", label, strerror(-rc));
        return;
    }
    struct scene *s = &sc->slot[n - 1];
    char sname[STEMD_SCENE_NAME_MAX];
    int64_t stored = 0;
    rc = parse_header(text, n, sname, &stored) < 0
             ? -2
             : preset_apply(s->p, text, label, &sd->names, log_bad, NULL);
    free(text);
    if (rc == -1) { /* out of memory: the file may be good; keep it for the next start */
        log_err("scene %d not restored: out of memory", n);
        return;
    }
    if (rc != 0) {
        char bad[CONFIG_PATH_MAX + 100];
        snprintf(bad, sizeof bad, "%s.rejected", label);
        rename(label, bad);
        log_err("scene %d not restored (%s); moved to %s", n,
                rc == -2 ? "no valid '# stemd scene N: NAME' line" : "bad lines", bad);
        params_set_defaults(s->p);
        return;
    }
    s->used = 1;
    snprintf(s->name, sizeof s->name, "%s", sname);
    s->stored_s = stored;
}

int scenes_init(struct stemd *sd)
{
    struct scenes *sc = &sd->scenes;
    unsigned n = params_count(sd->cfg.nstems);
    memset(sc, 0, sizeof *sc);
    pthread_mutex_init(&sc->lock, NULL);
    sc->scratch = calloc(n, sizeof *sc->scratch);
    int ok = sc->scratch != NULL;
    for (int i = 0; i < STEMD_SCENES && ok; i++)
        ok = (sc->slot[i].p = params_new(sd->cfg.nstems)) != NULL;
    if (!ok) {
        sc->ready = 1;
        scenes_fini(sd);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < n; i++)
        params_ref_at(sd->cfg.nstems, i, &sc->scratch[i].ref);
    if (sd->cfg.state_dir[0]) {
        for (int i = 1; i <= STEMD_SCENES; i++)
            load(sd, sc, i);
    }
    sc->ready = 1;
    return 0;
}

void scenes_fini(struct stemd *sd)
{
    struct scenes *sc = &sd->scenes;
    if (!sc->ready) return;
    for (int i = 0; i < STEMD_SCENES; i++)
        params_free(sc->slot[i].p);
    free(sc->scratch);
    pthread_mutex_destroy(&sc->lock);
    sc->ready = 0;
}

static int slot_ok(int n, char *err, size_t errlen)
{
    if (n >= 1 && n <= STEMD_SCENES) return 0;
    snprintf(err, errlen, "the scenes are 1 to %d", STEMD_SCENES);
    return -EINVAL;
}

/* Keep slot n (sc->lock held). */
static int save(struct stemd *sd, struct scenes *sc, int n, char *err, size_t errlen)
{
    if (!sd->cfg.state_dir[0]) return 0;
    const struct scene *s = &sc->slot[n - 1];
    char *body = preset_format(s->p, &sd->names, 0);
    size_t len = body ? strlen(body) + 200 : 0;
    char *text = body ? malloc(len) : NULL, name[CONFIG_NAME_MAX + 16], when[32];
    if (!text) {
        free(body);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    time_t t = (time_t)s->stored_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(text, len, SCENE_HEADER "%d: %s\n# stored %lld (%s)\n%s", n, s->name,
             (long long)s->stored_s, when, body);
    free(body);
    scene_file(sd, n, name, sizeof name);
    int rc = state_write_atomic(sd->cfg.state_dir, name, text);
    free(text);
    if (rc < 0)
        snprintf(err, errlen, "scene %d kept in memory, but %s/%s cannot be written: %s", n,
                 sd->cfg.state_dir, name, strerror(-rc));
    return rc;
}

int stemd_scene_store(struct stemd *sd, int n, const char *name, char *err, size_t errlen)
{
    struct scenes *sc = &sd->scenes;
    char dflt[16];
    int rc = slot_ok(n, err, errlen);
    if (rc < 0) return rc;
    if (!name || !name[0]) {
        snprintf(dflt, sizeof dflt, "scene %d", n);
        name = dflt;
    }
    if ((rc = presetlib_name_check(name, err, errlen)) < 0) return rc;
    pthread_mutex_lock(&sc->lock);
    struct scene *s = &sc->slot[n - 1];
    pthread_mutex_lock(&sd->ctl.wlock);
    memcpy(s->p, sd->ctl.cur->p, params_size(sd->cfg.nstems));
    pthread_mutex_unlock(&sd->ctl.wlock);
    s->used = 1;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->stored_s = (int64_t)time(NULL);
    rc = save(sd, sc, n, err, errlen);
    pthread_mutex_unlock(&sc->lock);
    return rc;
}

int stemd_scene_recall(struct stemd *sd, int n, double seconds, int source, char *err,
                       size_t errlen)
{
    struct scenes *sc = &sd->scenes;
    int rc = slot_ok(n, err, errlen);
    if (rc < 0) return rc;
    if (!(seconds >= 0.0 && seconds <= MORPH_MAX_SECONDS)) {
        snprintf(err, errlen, "SECONDS is 0 (at once) to %g", (double)MORPH_MAX_SECONDS);
        return -EINVAL;
    }
    pthread_mutex_lock(&sc->lock);
    const struct scene *s = &sc->slot[n - 1];
    if (!s->used) {
        pthread_mutex_unlock(&sc->lock);
        snprintf(err, errlen, "scene %d is empty (store it first: /scene/store %d)", n, n);
        return -EINVAL;
    }
    unsigned count = params_count(sd->cfg.nstems);
    for (unsigned i = 0; i < count; i++)
        sc->scratch[i].value = params_get(s->p, &sc->scratch[i].ref);
    /* No JACK server yet: the plan's length at the rate stemd will most likely run at. */
    unsigned rate = atomic_load(&sd->eng.rate_hz);
    char label[STEMD_SCENE_NAME_MAX + 32];
    snprintf(label, sizeof label, "scene recall %d (%s)", n, s->name);

    pthread_mutex_lock(&sd->ctl.wlock);
    struct morph_plan *plan = NULL;
    if (seconds > 0.0) {
        plan = morph_plan_new(sc->next_id + 1, sd->ctl.cur->p, seconds, rate ? rate : 48000);
        if (!plan) {
            pthread_mutex_unlock(&sd->ctl.wlock);
            pthread_mutex_unlock(&sc->lock);
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        sc->next_id++;
        /* Two recalls within a period: the process thread may never start the first. */
        if (sd->ctl.plan && morph_plan_follow(plan, sd->ctl.plan) < 0) {
            pthread_mutex_unlock(&sd->ctl.wlock);
            pthread_mutex_unlock(&sc->lock);
            morph_plan_free(plan);
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        sd->ctl.next_plan = plan;
    }
    size_t bad;
    undo_label_next(sd, label);
    rc = stemd_apply(sd, sc->scratch, count, source, NULL, &bad, err, errlen);
    undo_label_next(sd, NULL);
    if (sd->ctl.next_plan == plan && plan) {
        /* Nothing was published (the live values were the scene's already): no morph. */
        sd->ctl.next_plan = NULL;
        morph_plan_free(plan);
        plan = NULL;
    }
    /* The plan is the control core's once published: a later change may retire it. */
    uint64_t id = plan ? plan->id : 0;
    pthread_mutex_unlock(&sd->ctl.wlock);
    if (rc == 0) {
        sc->last = n;
        sc->last_seconds = plan ? (float)seconds : 0.0f; /* no plan: nothing to wait for */
        sc->last_id = id;
    }
    pthread_mutex_unlock(&sc->lock);
    return rc;
}

void stemd_scene_list(struct stemd *sd, struct stemd_scene_info out[STEMD_SCENES])
{
    struct scenes *sc = &sd->scenes;
    pthread_mutex_lock(&sc->lock);
    for (int i = 0; i < STEMD_SCENES; i++) {
        out[i].used = sc->slot[i].used;
        snprintf(out[i].name, sizeof out[i].name, "%s", sc->slot[i].name);
        out[i].stored_s = sc->slot[i].stored_s;
    }
    pthread_mutex_unlock(&sc->lock);
}

void stemd_scene_morph(struct stemd *sd, struct stemd_scene_morph *m)
{
    struct scenes *sc = &sd->scenes;
    pthread_mutex_lock(&sc->lock);
    m->slot = sc->last;
    m->seconds = sc->last_seconds;
    uint64_t id = sc->last_id;
    pthread_mutex_unlock(&sc->lock);
    uint64_t frame = 0;
    uint64_t started = id ? engine_morph_started(&sd->eng, &frame) : 0;
    m->state = !id || started < id ? 0 : engine_morph_done(&sd->eng) >= id ? 2 : 1;
    m->frame = m->state ? frame : 0;
    if (m->state && started != id) m->frame = 0; /* a later one started: this one's is gone */
}
