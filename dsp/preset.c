/* dsp/preset.c: parse and format presets and state ("path value" lines). No file I/O here. */
#include "dsp/preset.h"

#include "dsp/lookup.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRESET_LINE_MAX 1000

/* Parse one line into (ref, value). Returns 1 for a setting, 0 for blank/comment, -1 bad. */
static int parse_line(const char *line, size_t len, const struct params_lookup *lk, int hint,
                      struct param_ref *ref, float *v, char *err, size_t errlen)
{
    const struct params_names *names = params_lookup_names(lk);
    char buf[PRESET_LINE_MAX + 1], *s, *path, *val, *end;

    if (len > PRESET_LINE_MAX) {
        snprintf(err, errlen, "line longer than %d bytes", PRESET_LINE_MAX);
        return -1;
    }
    memcpy(buf, line, len);
    buf[len] = 0;
    if ((s = strchr(buf, '#'))) *s = 0;
    for (s = buf; isspace((unsigned char)*s); s++)
        ;
    if (!*s) return 0;
    path = s;
    while (*s && !isspace((unsigned char)*s) && *s != '=')
        s++;
    if (*s) *s++ = 0;
    while (isspace((unsigned char)*s) || *s == '=')
        s++;
    val = s;
    while (*s && !isspace((unsigned char)*s))
        s++;
    end = s;
    while (isspace((unsigned char)*s))
        s++;
    if (*s) {
        snprintf(err, errlen, "unexpected text after the value: '%.40s'", s);
        return -1;
    }
    *end = 0;
    if (params_lookup_resolve(lk, path, hint, ref, err, errlen) < 0) return -1;
    if (!*val) {
        snprintf(err, errlen, "%.200s has no value", path);
        return -1;
    }
    /* In a file, out of range is an error too: stemd never writes such a value. */
    if (params_parse_value(ref, val, names, v, err, errlen) != 0) return -1;
    return 1;
}

int preset_parse(const char *text, const char *fname, const struct params_names *names,
                 preset_error_fn fn, void *ctx, struct param_change **out, size_t *n)
{
    struct params_lookup *lk = params_lookup_new(names);
    *out = NULL;
    *n = 0;
    if (!lk) return -1;
    int rc = preset_parse_lookup(text, fname, lk, fn, ctx, out, n);
    params_lookup_free(lk);
    return rc;
}

int preset_parse_lookup(const char *text, const char *fname, const struct params_lookup *lk,
                        preset_error_fn fn, void *ctx, struct param_change **out, size_t *n)
{
    struct param_change *c = NULL;
    size_t nc = 0, cap = 0;
    unsigned lineno = 0;
    int bad = 0, hint = -1; /* the stem of the line before: presets list stems in order */

    *out = NULL;
    *n = 0;
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        struct param_ref ref;
        float v;
        char err[256];

        lineno++;
        if (len && line[len - 1] == '\r') len--;
        int r = parse_line(line, len, lk, hint, &ref, &v, err, sizeof err);
        if (r > 0) hint = ref.stem;
        if (r < 0) {
            bad++;
            if (fn) fn(ctx, fname, lineno, err);
        } else if (r > 0 && !bad) {
            if (nc == cap) {
                /* A first guess from the text's size: one setting per ~24 bytes. */
                size_t ncap = cap ? cap * 2 : strlen(line) / 24 + 16;
                struct param_change *g = realloc(c, ncap * sizeof *c);
                if (!g) {
                    free(c);
                    return -1;
                }
                c = g;
                cap = ncap;
            }
            c[nc++] = (struct param_change){ref, v};
        }
        if (!nl) break;
        line = nl + 1;
    }
    if (bad) {
        free(c);
        return bad;
    }
    *out = c;
    *n = nc;
    return 0;
}

int preset_apply(struct params *p, const char *text, const char *fname,
                 const struct params_names *names, preset_error_fn fn, void *ctx)
{
    struct param_change *c;
    size_t n;
    int bad = preset_parse(text, fname, names, fn, ctx, &c, &n);
    if (bad != 0) return bad;
    for (size_t i = 0; i < n; i++)
        *params_slot(p, &c[i].ref) = c[i].value;
    free(c);
    return 0;
}

char *preset_format(const struct params *p, const struct params_names *names, int only_changed)
{
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    len = (size_t)snprintf(out, cap, "# stemd %s preset: one 'path value' a line\n", STEMD_VERSION);
    unsigned n = params_count(p->nstems);
    for (unsigned i = 0; i < n; i++) {
        struct param_ref ref;
        char path[128], val[64];
        params_ref_at(p->nstems, i, &ref);
        float v = params_get(p, &ref);
        if (only_changed && v == ref.def->def) continue;
        params_path(&ref, names, path, sizeof path);
        params_format_value(&ref, v, names, val, sizeof val);
        if (len + strlen(path) + strlen(val) + 3 > cap) {
            cap *= 2;
            char *grown = realloc(out, cap);
            if (!grown) {
                free(out);
                return NULL;
            }
            out = grown;
        }
        len += (size_t)snprintf(out + len, cap - len, "%s %s\n", path, val);
    }
    return out;
}
