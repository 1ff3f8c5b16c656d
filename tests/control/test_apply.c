/* tests/control/test_apply.c: the typed change API (server/control.h stemd_apply) on a server
 * that is initialised but never connected to JACK: one call is one snapshot, all or nothing,
 * values checked and clamped against the table, listeners told each changed parameter once with
 * the call's source and batch. Run by tests/osc/15-apply.t. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "server/config.h"
#include "server/server.h"
#include "tests/tap.h"

#define MAXHEARD 64

struct heard {
    unsigned n;
    struct {
        struct param_ref ref;
        float value;
        int source;
        uint64_t batch;
    } e[MAXHEARD];
};

static void listener(void *ctx, const struct param_ref *ref, float value, int source,
                     uint64_t batch)
{
    struct heard *h = ctx;
    if (h->n < MAXHEARD) {
        h->e[h->n].ref = *ref;
        h->e[h->n].value = value;
        h->e[h->n].source = source;
        h->e[h->n].batch = batch;
    }
    h->n++;
}

static struct param_change change(struct stemd *sd, const char *path, float v)
{
    struct param_change c = {.value = v};
    char err[256];
    if (params_resolve(path, stemd_names(sd), &c.ref, err, sizeof err) < 0) {
        diag("%s: %s", path, err);
        exit(1);
    }
    return c;
}

static float get(struct stemd *sd, const char *path)
{
    float v = NAN;
    char err[256];
    stemd_get(sd, path, &v, err, sizeof err);
    return v;
}

int main(void)
{
    char *args[] = {"test_apply", "--stems", "drums,bass,music", "--log-level", "error", NULL};
    struct stemd *sd = calloc(1, sizeof *sd);
    struct heard h = {0};
    char err[512];
    size_t bad = 99;
    float applied[4];

    if (!sd || config_from_args(&sd->cfg, 5, args) != 0 || stemd_init(sd) < 0 ||
        stemd_add_listener(sd, listener, &h) < 0) {
        printf("Bail out! cannot initialise the server\n");
        return 1;
    }

    /* Three changes, one out of range: one snapshot, clamped, every one heard in one batch. */
    uint64_t seq0 = stemd_published_seq(sd);
    struct param_change c[4] = {change(sd, "/stem/bass/eq/3/gain", -3),
                                change(sd, "/stem/2/fader", 100),
                                change(sd, "/bus/limiter/ceiling", -2)};
    int rc = stemd_apply(sd, c, 3, STEMD_SRC_USER + 5, applied, NULL, err, sizeof err);
    ok(rc == 0, "three changes applied (rc %d)", rc);
    ok(stemd_published_seq(sd) == seq0 + 1, "as one snapshot (seq %llu -> %llu)",
       (unsigned long long)seq0, (unsigned long long)stemd_published_seq(sd));
    ok(get(sd, "/stem/bass/eq/3/gain") == -3 && get(sd, "/bus/limiter/ceiling") == -2,
       "the values are in the snapshot");
    ok(applied[1] == 12 && get(sd, "/stem/bass/fader") == 12,
       "out of range: clamped, the applied value returned (%g)", (double)applied[1]);
    int same = h.n == 3;
    for (unsigned i = 0; same && i < 3; i++)
        same = params_ref_eq(&h.e[i].ref, &c[i].ref) && h.e[i].value == applied[i] &&
               h.e[i].source == STEMD_SRC_USER + 5 && h.e[i].batch == seq0 + 1;
    ok(same, "the listener heard each change once, with its ref, value, source and batch (%u)",
       h.n);

    /* All or nothing: a NaN in the middle refuses the whole call. */
    h.n = 0;
    uint64_t seq1 = stemd_published_seq(sd);
    c[0] = change(sd, "/stem/drums/trim", 6);
    c[1] = change(sd, "/stem/music/pan", NAN);
    c[2] = change(sd, "/stem/music/mute", 1);
    rc = stemd_apply(sd, c, 3, STEMD_SRC_API, NULL, &bad, err, sizeof err);
    ok(rc == -EINVAL && bad == 1, "a NaN refuses the call: -EINVAL, the bad change's index (%zu)",
       bad);
    ok(strcmp(err, "value must be a finite number") == 0, "... and its reason alone: '%s'", err);
    ok(stemd_published_seq(sd) == seq1 && get(sd, "/stem/drums/trim") == 0 && h.n == 0,
       "nothing published, nothing changed, nobody told");
    rc = stemd_apply(sd, c, 3, STEMD_SRC_API, NULL, NULL, err, sizeof err);
    ok(rc == -EINVAL && strncmp(err, "change 2 (/stem/music/pan): value must be", 41) == 0,
       "without an index: err names the change: '%s'", err);
    c[1] = change(sd, "/stem/music/mute", 0.5f);
    rc = stemd_apply(sd, c, 2, STEMD_SRC_API, NULL, &bad, err, sizeof err);
    ok(rc == -EINVAL && bad == 1 && strstr(err, "whole number"), "a switch at 0.5: refused (%s)",
       err);
    struct param_change wrong = change(sd, "/stem/3/trim", 1);
    wrong.ref.stem = 3; /* a fourth stem in a mix of three */
    rc = stemd_apply(sd, &wrong, 1, STEMD_SRC_API, NULL, &bad, err, sizeof err);
    ok(rc == -EINVAL && bad == 0, "a reference outside the mix: refused (%s)", err);

    /* A later change of the same parameter wins, and is heard once. */
    h.n = 0;
    c[0] = change(sd, "/stem/drums/trim", 3);
    c[1] = change(sd, "/stem/1/trim", 4);
    rc = stemd_apply(sd, c, 2, STEMD_SRC_API, applied, NULL, err, sizeof err);
    ok(rc == 0 && get(sd, "/stem/drums/trim") == 4 && h.n == 1 && h.e[0].value == 4,
       "the same parameter twice: the last wins, heard once (%u)", h.n);

    /* Nothing different: nothing published. */
    h.n = 0;
    uint64_t seq2 = stemd_published_seq(sd);
    rc = stemd_apply(sd, c, 2, STEMD_SRC_API, NULL, NULL, err, sizeof err);
    ok(rc == 0 && stemd_published_seq(sd) == seq2 && h.n == 0,
       "values already in place: no snapshot, no listener call");

    /* A preset with reset: one batch, each parameter that moved heard once. */
    h.n = 0;
    rc = stemd_apply_preset(sd, "/stem/music/width 50\n/bus/input 1.5\n", "t", 1, STEMD_SRC_API,
                            err, sizeof err);
    uint64_t b = stemd_published_seq(sd);
    int batch_ok = 1;
    for (unsigned i = 0; i < h.n && i < MAXHEARD; i++)
        batch_ok &= h.e[i].batch == b;
    /* moved: width, input, and back to defaults: eq/3/gain, fader, ceiling, trim */
    ok(rc == 0 && b == seq2 + 1 && h.n == 6 && batch_ok,
       "a preset with reset: one snapshot, one batch, the 6 parameters that moved (%u)", h.n);
    ok(get(sd, "/stem/drums/trim") == 0 && get(sd, "/stem/music/width") == 50,
       "the defaults and the preset's values");
    rc = stemd_apply_preset(sd, "/stem/music/width 50\n/stem/bass/nope 1\n", "f.preset", 0,
                            STEMD_SRC_API, err, sizeof err);
    ok(rc == -EINVAL && strncmp(err, "f.preset:2: ", 12) == 0, "a bad preset line: '%s'", err);

    /* The text wrappers keep their messages. */
    rc = stemd_set(sd, "/stem/drums/fader", INFINITY, STEMD_SRC_API, NULL, err, sizeof err);
    ok(rc == -EINVAL && strcmp(err, "value must be a finite number") == 0, "stemd_set: '%s'", err);
    rc = stemd_set_text(sd, "/stem/bass/eq/1/type", "lowshelf", STEMD_SRC_API, applied, err,
                        sizeof err);
    ok(rc == 0 && get(sd, "/stem/bass/eq/1/type") == applied[0], "stemd_set_text: a name");

    stemd_fini(sd);
    free(sd);
    return done_testing();
}
