/* tests/test_params.c: the parameter table, paths, values, tapers and presets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/params.h"
#include "dsp/preset.h"
#include "tests/tap.h"

static const char *const names4[] = {"drums", "bass", "music", "vocals"};
static const struct params_names pn4 = {4, names4};

struct errs {
    int n;
    char last[256];
    unsigned lines[16];
};

static void collect(void *ctx, const char *file, unsigned line, const char *reason)
{
    struct errs *e = ctx;
    if (e->n < 16) e->lines[e->n] = line;
    e->n++;
    snprintf(e->last, sizeof e->last, "%s:%u: %s", file, line, reason);
}

static void test_table(void)
{
    unsigned n = params_count(4), bad_range = 0, bad_enum = 0, dup = 0, bad_norm = 0;
    char(*paths)[128] = calloc(n, 128);
    for (unsigned i = 0; i < n; i++) {
        struct param_ref ref;
        params_ref_at(4, i, &ref);
        const struct param_def *d = ref.def;
        params_path(&ref, &pn4, paths[i], 128);
        for (unsigned j = 0; j < i; j++)
            dup += strcmp(paths[i], paths[j]) == 0;
        char err[128];
        if (params_check(&ref, d->def, 4, err, sizeof err) != 0 || !(d->min < d->max) || !d->desc ||
            !d->desc[0]) {
            bad_range++;
            diag("bad row %s: %s", paths[i], err);
        }
        if (d->type == PT_ENUM && params_enum_count(d) != (unsigned)d->max + 1) {
            bad_enum++;
            diag("enum %s has %u names for max %g", paths[i], params_enum_count(d), (double)d->max);
        }
        if (d->taper == TAPER_LOG && d->min <= 0) bad_range++;
        /* norm round trip at a few points */
        for (int k = 0; k <= 4; k++) {
            float v = d->min + (d->max - d->min) * (float)k / 4;
            if (d->type != PT_FLOAT) v = roundf(v);
            float back = params_from_norm(d, params_to_norm(d, v));
            if (fabsf(back - v) > 1e-3f * (fabsf(v) + 1)) {
                bad_norm++;
                diag("norm round trip %s: %g -> %g", paths[i], (double)v, (double)back);
            }
        }
        /* the path resolves back to itself */
        struct param_ref r2;
        if (params_resolve(paths[i], &pn4, &r2, err, sizeof err) != 0 || r2.def != ref.def ||
            r2.index != ref.index || r2.stem != ref.stem) {
            dup++;
            diag("path %s does not resolve back: %s", paths[i], err);
        }
    }
    ok(dup == 0, "%u paths for 4 stems, all unique and resolving to themselves", n);
    ok(bad_range == 0, "every default inside its range, every row described");
    ok(bad_enum == 0, "every enum row names each of its values");
    ok(bad_norm == 0, "norm taper round-trips every row");
    ok(params_to_norm(&params_rows(SCOPE_STEM, &n)[0], 0) == 0.5f, "trim 0 dB is the middle");
    /* A stem selector's /norm spans the mix's stems: every value round-trips through it. */
    struct param_ref sc;
    unsigned sc_bad = 0;
    char err[128];
    ok(params_resolve("/stem/1/comp/sidechain", &pn4, &sc, err, sizeof err) == 0,
       "sidechain resolves");
    for (unsigned k = 0; k <= 4; k++)
        if (params_ref_from_norm(&sc, params_ref_to_norm(&sc, (float)k, 4), 4) != (float)k ||
            params_ref_to_norm(&sc, (float)k, 4) != (float)k / 4)
            sc_bad++;
    ok(sc_bad == 0 && params_ref_from_norm(&sc, 0.37f, 4) == 1,
       "a stem selector's /norm spans 0..4 with 4 stems (0.37 -> stem 1, stem k -> k/4)");
    free(paths);
}

static void test_resolve(void)
{
    struct param_ref r;
    char err[256];
    ok(params_resolve("/stem/2/eq/3/gain", &pn4, &r, err, sizeof err) == 0 && r.stem == 1 &&
           r.index == 2 && r.def->id == STEM_EQ_GAIN,
       "/stem/2/eq/3/gain resolves by index");
    ok(params_resolve("/stem/bass/comp/ratio", &pn4, &r, err, sizeof err) == 0 && r.stem == 1 &&
           r.def->id == STEM_COMP_RATIO,
       "/stem/bass/comp/ratio resolves by name");
    ok(params_resolve("/bus/limiter/ceiling", &pn4, &r, err, sizeof err) == 0 && r.stem == -1 &&
           r.def->id == BUS_LIM_CEILING,
       "/bus/limiter/ceiling resolves");
    static const char *const bad[] = {"/stem/0/fader",     "/stem/5/fader",
                                      "/stem/bas/fader",   "/stem/2/eq/7/gain",
                                      "/stem/2/eq/0/gain", "/stem/2/eq/01/gain",
                                      "/bus/nothing",      "/stem/2",
                                      "/stem/2/",          "",
                                      "bus/input",         "/bus/eq/1/gain/x",
                                      "/stem//fader",      "/bus/mb/4/ratio"};
    int all_bad = 1;
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        int rc = params_resolve(bad[i], &pn4, &r, err, sizeof err);
        if (rc == 0 || !err[0]) {
            all_bad = 0;
            diag("accepted or silent: '%s'", bad[i]);
        }
    }
    ok(all_bad, "14 bad paths refused, each with a reason");
    params_resolve("/stem/bas/fader", &pn4, &r, err, sizeof err);
    ok(strstr(err, "bass") != NULL, "an unknown stem lists the stems: %s", err);
}

static void test_values(void)
{
    struct param_ref r;
    char err[256];
    float v;
    params_resolve("/stem/1/eq/1/type", &pn4, &r, err, sizeof err);
    ok(params_parse_value(&r, "lowshelf", &pn4, &v, err, sizeof err) == 0 && v == 1.0f,
       "enum by name");
    ok(params_parse_value(&r, "3", &pn4, &v, err, sizeof err) == 0 && v == 3.0f, "enum by number");
    ok(params_parse_value(&r, "4", &pn4, &v, err, sizeof err) == -2, "enum past its end: range");
    ok(params_parse_value(&r, "1.5", &pn4, &v, err, sizeof err) == -1, "enum not whole: refused");
    ok(params_parse_value(&r, "shelf", &pn4, &v, err, sizeof err) == -1 && strstr(err, "bell"),
       "unknown enum name lists the names: %s", err);
    params_resolve("/stem/1/comp/sidechain", &pn4, &r, err, sizeof err);
    ok(params_parse_value(&r, "bass", &pn4, &v, err, sizeof err) == 0 && v == 2.0f,
       "sidechain by stem name");
    ok(params_parse_value(&r, "5", &pn4, &v, err, sizeof err) == -2, "sidechain past N stems");
    params_resolve("/bus/limiter/ceiling", &pn4, &r, err, sizeof err);
    const char *nonfinite[] = {"nan", "NaN", "inf", "-inf", "1e39", ""};
    int refused = 1;
    for (unsigned i = 0; i < 6; i++)
        refused &= params_parse_value(&r, nonfinite[i], &pn4, &v, err, sizeof err) == -1;
    ok(refused, "NaN, inf, overflow and empty refused");
    ok(params_parse_value(&r, "-13", &pn4, &v, err, sizeof err) == -2 &&
           params_clamp(&r, v, 4) == -12.0f,
       "out of range reported and clamps to the edge");
    ok(params_check(&r, NAN, 4, err, sizeof err) == -1, "check refuses NaN");
    params_resolve("/stem/1/mute", &pn4, &r, err, sizeof err);
    ok(params_parse_value(&r, "on", &pn4, &v, err, sizeof err) == 0 && v == 1.0f, "switch 'on'");
    char label[64];
    params_resolve("/stem/1/fader", &pn4, &r, err, sizeof err);
    params_format_label(&r, -3.0f, &pn4, label, sizeof label);
    ok(strcmp(label, "-3.00 dB") == 0, "label '%s'", label);
    params_format_label(&r, -90.0f, &pn4, label, sizeof label);
    ok(strncmp(label, "-inf", 4) == 0, "fader at its bottom reads '%s'", label);
}

static void test_presets(void)
{
    struct params *p = params_new(4), *q = params_new(4);
    struct errs e = {0};
    /* change everything to a non-default value, format, parse back: identical */
    for (unsigned i = 0; i < params_count(4); i++) {
        struct param_ref r;
        params_ref_at(4, i, &r);
        float v = r.def->type == PT_STEM ? 3.0f : r.def->max;
        *params_slot(p, &r) = v;
    }
    char *text = preset_format(p, &pn4, 0);
    int bad = preset_apply(q, text, "all", &pn4, collect, &e);
    ok(bad == 0 && memcmp(p, q, params_size(4)) == 0, "a full preset round-trips (%d bad)", bad);
    free(text);
    text = preset_format(q, &pn4, 1);
    ok(text && strstr(text, "/stem/drums/fader 12") != NULL, "only-changed preset names stems");
    free(text);

    params_set_defaults(q);
    struct params *before = params_dup(q);
    e.n = 0;
    const char *broken = "# a preset with three bad lines\n"
                         "/bus/limiter/ceiling -2\n"
                         "/stem/bass/nothing 1\n"
                         "/stem/drums/fader nan\n"
                         "\n"
                         "/bus/input 30\n"
                         "/stem/vocals/width 50 # fine\n";
    bad = preset_apply(q, broken, "x.preset", &pn4, collect, &e);
    ok(bad == 3 && e.n == 3 && e.lines[0] == 3 && e.lines[1] == 4 && e.lines[2] == 6,
       "three bad lines reported by number (%d): %s", bad, e.last);
    ok(memcmp(q, before, params_size(4)) == 0, "a preset with a bad line changes nothing");
    e.n = 0;
    bad = preset_apply(q, "/bus/limiter/ceiling -2\r\n/stem/2/width = 50\n/stem/2/mute on", "ok",
                       &pn4, collect, &e);
    ok(bad == 0 && q->bus[BUS_LIM_CEILING] == -2.0f && q->stem[1][STEM_WIDTH] == 50.0f &&
           q->stem[1][STEM_MUTE] == 1.0f,
       "CRLF, '=' and words accepted");
    e.n = 0;
    bad = preset_apply(q, "/bus/input 1 2\n/bus/input\n", "junk", &pn4, collect, &e);
    ok(bad == 2, "trailing junk and missing values refused: %s", e.last);
    char *longline = malloc(3000);
    memset(longline, 'a', 2999);
    longline[2999] = 0;
    e.n = 0;
    ok(preset_apply(q, longline, "long", &pn4, collect, &e) == 1, "an over-long line refused");
    free(longline);
    params_free(before);
    params_free(p);
    params_free(q);
}

int main(void)
{
    test_table();
    test_resolve();
    test_values();
    test_presets();
    return done_testing();
}
