/* tests/control/test_session.c: the preset name checker (server/presetlib.h) against the rules
 * of issue 13, and the undo history (server/undo.h) on a server that is initialised but never
 * connected to JACK: steps one per batch, the ring's bound (the oldest dropped past 256 steps),
 * redo cleared by a new change, nothing to undo, and a step as large as every parameter. Run by
 * tests/osc/17-session-unit.t. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"
#include "server/presetlib.h"
#include "server/server.h"
#include "server/undo.h"
#include "tests/tap.h"

static void names(void)
{
    char err[160], n64[65], n65[66];
    memset(n64, 'a', 64);
    n64[64] = 0;
    memset(n65, 'b', 65);
    n65[65] = 0;
    const char *good[] = {"mix1", "My mix v2.1_final-b", "a", "A-B_C.D E", "x.", n64, "9"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ok(presetlib_name_check(good[i], err, sizeof err) == 0, "'%.20s' is a name", good[i]);
    const struct {
        const char *name, *why;
    } bad[] = {
        {"", "give a preset name"},
        {"../x", "dot"},
        {"a/b", "'/'"},
        {"/abs", "'/'"},
        {".hidden", "dot"},
        {".", "dot"},
        {"..", "dot"},
        {"a..b", "'..'"},
        {"x/..", "'..'"},
        {n65, "longer than 64"},
        {"semi;colon", "not 0x3b"},
        {"tab\there", "not 0x09"},
        {"caf\xc3\xa9", "not 0xc3"},
        {"star*", "not 0x2a"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        int rc = presetlib_name_check(bad[i].name, err, sizeof err);
        ok(rc == -EINVAL && strstr(err, bad[i].why), "'%.20s' is refused: %s", bad[i].name, err);
    }
}

static float get(struct stemd *sd, const char *path)
{
    float v = 0;
    char err[256];
    stemd_get(sd, path, &v, err, sizeof err);
    return v;
}

static void undo(struct stemd *sd)
{
    char err[512], desc[UNDO_DESC_MAX];
    int rc = stemd_undo(sd, desc, sizeof desc, err, sizeof err);
    ok(rc == -ENOENT && strstr(err, "nothing to undo"), "a fresh server has nothing to undo (%s)",
       err);
    rc = stemd_redo(sd, desc, sizeof desc, err, sizeof err);
    ok(rc == -ENOENT && strstr(err, "nothing to redo"), "... nor to redo (%s)", err);

    /* 300 single changes: the ring keeps the newest UNDO_MAX_STEPS. */
    for (int i = 1; i <= 300; i++)
        stemd_set(sd, "/stem/drums/fader", -(float)i / 10, STEMD_SRC_API, NULL, err, sizeof err);
    struct stemd_undo_entry *v;
    size_t n;
    ok(stemd_undo_list(sd, &v, &n) == 0 && n == UNDO_MAX_STEPS, "300 changes: %zu steps kept", n);
    ok(n && strcmp(v[n - 1].desc, "/stem/drums/fader -29.9 -> -30") == 0 && !v[n - 1].undone,
       "the newest step says what it changed: '%s'", n ? v[n - 1].desc : "");
    free(v);
    int undone = 0;
    while (stemd_undo(sd, desc, sizeof desc, err, sizeof err) == 0)
        undone++;
    ok(undone == UNDO_MAX_STEPS, "%d undos, then nothing to undo", undone);
    ok(get(sd, "/stem/drums/fader") == -4.4f, "back to the value before the oldest step kept (%g)",
       get(sd, "/stem/drums/fader"));
    ok(stemd_redo(sd, desc, sizeof desc, err, sizeof err) == 0 &&
           get(sd, "/stem/drums/fader") == -4.5f,
       "a redo steps forward (%g)", get(sd, "/stem/drums/fader"));

    /* A new change clears the redo list. */
    stemd_set(sd, "/stem/bass/fader", -1, STEMD_SRC_API, NULL, err, sizeof err);
    ok(stemd_redo(sd, desc, sizeof desc, err, sizeof err) == -ENOENT,
       "after a new change there is nothing to redo");
    ok(stemd_undo_list(sd, &v, &n) == 0 && n == 2 && !v[0].undone && !v[1].undone,
       "... the list holds the redone step and the new one (%zu)", n);
    free(v);

    /* One batch of every parameter is one step, undone whole. */
    char *before = stemd_format_state(sd, 0);
    unsigned np = params_count(stemd_nstems(sd));
    struct param_change *c = calloc(np, sizeof *c);
    for (unsigned i = 0; i < np; i++) {
        params_ref_at(stemd_nstems(sd), i, &c[i].ref);
        c[i].value = c[i].ref.def->max;
    }
    size_t bad;
    pthread_mutex_lock(&sd->ctl.wlock);
    undo_label_next(sd, "preset everything");
    int arc = stemd_apply(sd, c, np, STEMD_SRC_API, NULL, &bad, err, sizeof err);
    undo_label_next(sd, NULL);
    pthread_mutex_unlock(&sd->ctl.wlock);
    ok(arc == 0, "a change of all %u parameters at their maximum", np);
    ok(stemd_undo_list(sd, &v, &n) == 0 && n == 3 && strstr(v[2].desc, "preset everything ("),
       "... is one step: '%s'", n == 3 ? v[2].desc : "");
    free(v);
    ok(stemd_undo(sd, desc, sizeof desc, err, sizeof err) == 0, "undone: %s", desc);
    char *after = stemd_format_state(sd, 0);
    ok(before && after && strcmp(before, after) == 0, "every parameter is back as it was");
    free(before);
    free(after);
    free(c);
    ok(stemd_undo(sd, desc, sizeof desc, err, sizeof err) == 0 &&
           strcmp(desc, "/stem/bass/fader 0 -> -1") == 0,
       "the step before it comes next: '%s'", desc);
}

int main(void)
{
    char *args[] = {"test_session", "--stems", "drums,bass", "--log-level", "error", NULL};
    struct stemd *sd = calloc(1, sizeof *sd);
    names();
    if (!sd || config_from_args(&sd->cfg, 5, args) != 0 || stemd_init(sd) < 0) {
        printf("Bail out! cannot initialise the server\n");
        return 1;
    }
    undo(sd);
    stemd_fini(sd);
    free(sd);
    return done_testing();
}
