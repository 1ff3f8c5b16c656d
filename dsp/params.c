/* dsp/params.c: the parameter table's rows, snapshots, path resolution and value text. */
#include "dsp/params.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STEM_ROW(...) PARAMS_ROW_(SCOPE_STEM, __VA_ARGS__)
#define BUS_ROW(...)  PARAMS_ROW_(SCOPE_BUS, __VA_ARGS__)
#define PARAMS_ROW_(SCOPE, id_, name_, count_, type_, unit_, min_, max_, def_, taper_, enums_,     \
                    desc_)                                                                         \
    {.scope = SCOPE,                                                                               \
     .id = id_,                                                                                    \
     .count = count_,                                                                              \
     .type = PT_##type_,                                                                           \
     .name = name_,                                                                                \
     .unit = unit_,                                                                                \
     .min = (float)(min_),                                                                         \
     .max = (float)(max_),                                                                         \
     .def = (float)(def_),                                                                         \
     .taper = TAPER_##taper_,                                                                      \
     .enums = enums_,                                                                              \
     .desc = desc_},

static const struct param_def stem_rows[] = {STEMD_STEM_PARAMS(STEM_ROW)};
static const struct param_def bus_rows[] = {STEMD_BUS_PARAMS(BUS_ROW)};
#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

const struct param_def *params_rows(enum param_scope scope, unsigned *n)
{
    if (scope == SCOPE_STEM) {
        *n = NROWS(stem_rows);
        return stem_rows;
    }
    *n = NROWS(bus_rows);
    return bus_rows;
}

const struct param_def *params_row(enum param_scope scope, int id)
{
    unsigned n;
    const struct param_def *r = params_rows(scope, &n);
    for (unsigned i = 0; i < n; i++)
        if (r[i].id == id) return &r[i];
    return NULL;
}

size_t params_size(unsigned nstems)
{
    return sizeof(struct params) + (size_t)nstems * sizeof(float[STEM_NPARAMS]);
}

void params_set_defaults(struct params *p)
{
    for (unsigned r = 0; r < NROWS(bus_rows); r++)
        for (int i = 0; i < bus_rows[r].count; i++)
            p->bus[bus_rows[r].id + i] = bus_rows[r].def;
    for (unsigned s = 0; s < p->nstems; s++)
        for (unsigned r = 0; r < NROWS(stem_rows); r++)
            for (int i = 0; i < stem_rows[r].count; i++)
                p->stem[s][stem_rows[r].id + i] = stem_rows[r].def;
}

struct params *params_new(unsigned nstems)
{
    if (nstems == 0 || nstems > STEMD_MAX_STEMS) return NULL;
    struct params *p = calloc(1, params_size(nstems));
    if (!p) return NULL;
    p->nstems = nstems;
    params_set_defaults(p);
    return p;
}

struct params *params_dup(const struct params *p)
{
    struct params *q = malloc(params_size(p->nstems));
    if (q) memcpy(q, p, params_size(p->nstems));
    return q;
}

void params_free(struct params *p)
{
    free(p);
}

int params_stem_name_valid(const char *name, char *err, size_t errlen)
{
    size_t len = strlen(name);
    if (len == 0 || len >= STEMD_STEM_NAME_MAX) {
        snprintf(err, errlen, "a stem name has 1 to %d characters", STEMD_STEM_NAME_MAX - 1);
        return -1;
    }
    if (!isalpha((unsigned char)name[0])) {
        snprintf(err, errlen, "stem name '%.40s' must start with a letter", name);
        return -1;
    }
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-') {
            snprintf(err, errlen, "stem name '%.40s' may hold only letters, digits, _ and -", name);
            return -1;
        }
    /* A sidechain value of "self" or "none" means the stem's own signal. */
    if (strcasecmp(name, "self") == 0 || strcasecmp(name, "none") == 0) {
        snprintf(err, errlen,
                 "'%s' is reserved (it means 'no other stem'); name the stem "
                 "otherwise",
                 name);
        return -1;
    }
    return 0;
}

unsigned params_count(unsigned nstems)
{
    return BUS_NPARAMS + nstems * STEM_NPARAMS;
}

/* The row owning slot id of a scope. */
static const struct param_def *row_of(enum param_scope scope, int id)
{
    unsigned n;
    const struct param_def *rows = params_rows(scope, &n);
    for (unsigned r = 0; r < n; r++)
        if (id >= rows[r].id && id < rows[r].id + rows[r].count) return &rows[r];
    return NULL;
}

int params_ref_at(unsigned nstems, unsigned i, struct param_ref *ref)
{
    if (i >= params_count(nstems)) return -1;
    if (i < BUS_NPARAMS) {
        ref->def = row_of(SCOPE_BUS, (int)i);
        ref->stem = -1;
        ref->index = i - (unsigned)ref->def->id;
        return 0;
    }
    i -= BUS_NPARAMS;
    ref->stem = (int)(i / STEM_NPARAMS);
    ref->def = row_of(SCOPE_STEM, (int)(i % STEM_NPARAMS));
    ref->index = i % STEM_NPARAMS - (unsigned)ref->def->id;
    return 0;
}

int params_ref_valid(const struct param_ref *ref, unsigned nstems)
{
    const struct param_def *d = ref->def;
    int bus = d >= bus_rows && d < bus_rows + NROWS(bus_rows);
    int stem = d >= stem_rows && d < stem_rows + NROWS(stem_rows);
    if (!bus && !stem) return 0;
    if (ref->index >= (unsigned)d->count) return 0;
    return bus ? ref->stem == -1 : ref->stem >= 0 && (unsigned)ref->stem < nstems;
}

int params_ref_eq(const struct param_ref *a, const struct param_ref *b)
{
    return a->def == b->def && a->index == b->index && a->stem == b->stem;
}

float *params_slot(struct params *p, const struct param_ref *ref)
{
    int slot = ref->def->id + (int)ref->index;
    return ref->stem < 0 ? &p->bus[slot] : &p->stem[ref->stem][slot];
}

float params_get(const struct params *p, const struct param_ref *ref)
{
    return params_slot((struct params *)p, ref)[0];
}

/* Match the row name pattern (one optional "%d") against s; sets *index (0-based). */
static int match_name(const struct param_def *d, const char *s, unsigned *index, int *bad_index)
{
    *bad_index = 0;
    /* Most rows differ at once: the first byte settles them without a string search. */
    if (d->name[0] != s[0] && d->name[0] != '%') return 0;
    const char *pct = strstr(d->name, "%d");
    if (!pct) {
        *index = 0;
        return strcmp(d->name, s) == 0;
    }
    size_t pre = (size_t)(pct - d->name);
    if (strncmp(d->name, s, pre) != 0) return 0;
    const char *num = s + pre;
    if (!isdigit((unsigned char)num[0])) return 0;
    char *end;
    long v = strtol(num, &end, 10);
    if (strcmp(end, pct + 2) != 0) return 0;
    if (v < 1 || v > d->count || (num[0] == '0')) {
        *bad_index = 1;
        return 0;
    }
    *index = (unsigned)(v - 1);
    return 1;
}

static int name_is(const char *name, const char *tok, size_t len)
{
    return name && name[0] == tok[0] && strncmp(name, tok, len) == 0 && name[len] == 0;
}

/* hint: a stem to try first (-1: none). */
static int find_stem(const char *tok, size_t len, const struct params_names *names, int hint)
{
    unsigned n = names ? names->n : 0;
    if (len == 0) return -1;
    if (isdigit((unsigned char)tok[0])) {
        if (tok[0] == '0' || len > 4) return -1;
        unsigned v = 0;
        for (size_t i = 0; i < len; i++) {
            if (!isdigit((unsigned char)tok[i])) return -1;
            v = v * 10 + (unsigned)(tok[i] - '0');
        }
        return v >= 1 && v <= n ? (int)v - 1 : -1;
    }
    if (!names->names) return -1;
    if (hint >= 0 && (unsigned)hint < n && name_is(names->names[hint], tok, len)) return hint;
    for (unsigned k = 0; k < n; k++)
        if (name_is(names->names[k], tok, len)) return (int)k;
    return -1;
}

static void list_stems(const struct params_names *names, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (unsigned k = 0; names && k < names->n && o + 1 < len; k++) {
        const char *nm = names->names && names->names[k] ? names->names[k] : "?";
        int w = snprintf(buf + o, len - o, "%s%u=%s", k ? ", " : "", k + 1, nm);
        if (w < 0) break;
        o += (size_t)w;
    }
}

int params_resolve(const char *path, const struct params_names *names, struct param_ref *ref,
                   char *err, size_t errlen)
{
    return params_resolve_hint(path, names, -1, ref, err, errlen);
}

int params_resolve_hint(const char *path, const struct params_names *names, int hint,
                        struct param_ref *ref, char *err, size_t errlen)
{
    enum param_scope scope;
    const char *rest;
    int stem = -1;

    if (!path || path[0] != '/') {
        snprintf(err, errlen, "a path starts with /bus/ or /stem/");
        return -1;
    }
    if (strncmp(path, "/bus/", 5) == 0) {
        scope = SCOPE_BUS;
        rest = path + 5;
    } else if (strncmp(path, "/stem/", 6) == 0) {
        scope = SCOPE_STEM;
        const char *tok = path + 6, *slash = strchr(tok, '/');
        size_t len = slash ? (size_t)(slash - tok) : strlen(tok);
        stem = find_stem(tok, len, names, hint);
        if (stem < 0) {
            char list[256];
            list_stems(names, list, sizeof list);
            snprintf(err, errlen, "unknown stem '%.*s' (stems: %s)", (int)(len > 40 ? 40 : len),
                     tok, list[0] ? list : "none");
            return -1;
        }
        if (!slash) {
            snprintf(err, errlen, "a stem path needs a parameter, e.g. /stem/%.*s/fader",
                     (int)(len > 40 ? 40 : len), tok);
            return -1;
        }
        rest = slash + 1;
    } else {
        snprintf(err, errlen, "a path starts with /bus/ or /stem/");
        return -1;
    }

    unsigned n;
    const struct param_def *rows = params_rows(scope, &n);
    int bad_index = 0;
    for (unsigned r = 0; r < n; r++) {
        unsigned index;
        int bad;
        if (match_name(&rows[r], rest, &index, &bad)) {
            ref->def = &rows[r];
            ref->index = index;
            ref->stem = stem;
            return 0;
        }
        if (bad) {
            bad_index = 1;
            snprintf(err, errlen, "no parameter '%.60s': '%s' has indices 1-%d", rest, rows[r].name,
                     rows[r].count);
        }
    }
    if (!bad_index)
        snprintf(err, errlen, "no parameter '%.60s' on the %s (send /list for all)", rest,
                 scope == SCOPE_BUS ? "bus" : "stem");
    return -1;
}

int params_path(const struct param_ref *ref, const struct params_names *names, char *buf,
                size_t len)
{
    char name[64];
    const char *pct = strstr(ref->def->name, "%d");
    if (pct)
        snprintf(name, sizeof name, "%.*s%u%s", (int)(pct - ref->def->name), ref->def->name,
                 ref->index + 1, pct + 2);
    else
        snprintf(name, sizeof name, "%s", ref->def->name);
    if (ref->stem < 0) return snprintf(buf, len, "/bus/%s", name);
    if (names && names->names && (unsigned)ref->stem < names->n && names->names[ref->stem])
        return snprintf(buf, len, "/stem/%s/%s", names->names[ref->stem], name);
    return snprintf(buf, len, "/stem/%d/%s", ref->stem + 1, name);
}

static float row_max(const struct param_ref *ref, unsigned nstems)
{
    if (ref->def->type == PT_STEM) return (float)nstems;
    return ref->def->max;
}

int params_check(const struct param_ref *ref, float v, unsigned nstems, char *err, size_t errlen)
{
    const struct param_def *d = ref->def;
    if (!isfinite(v)) {
        snprintf(err, errlen, "value must be a finite number");
        return -1;
    }
    if (d->type != PT_FLOAT && v != floorf(v)) {
        snprintf(err, errlen, "value must be a whole number for this %s",
                 d->type == PT_BOOL ? "switch (0 or 1)" : "choice");
        return -1;
    }
    float hi = row_max(ref, nstems);
    if (v < d->min || v > hi) {
        snprintf(err, errlen, "%g is out of range %g..%g%s%s", (double)v, (double)d->min,
                 (double)hi, d->unit[0] ? " " : "", d->unit);
        return -2;
    }
    return 0;
}

float params_clamp(const struct param_ref *ref, float v, unsigned nstems)
{
    float hi = row_max(ref, nstems);
    if (ref->def->type != PT_FLOAT) v = roundf(v);
    return v < ref->def->min ? ref->def->min : v > hi ? hi : v;
}

unsigned params_enum_count(const struct param_def *def)
{
    if (!def->enums) return 0;
    unsigned n = 1;
    for (const char *c = def->enums; *c; c++)
        n += *c == '|';
    return n;
}

const char *params_enum_name(const struct param_def *def, unsigned i, char *buf, size_t len)
{
    const char *s = def->enums;
    if (!s || len == 0) return NULL;
    while (i > 0) {
        s = strchr(s, '|');
        if (!s) return NULL;
        s++;
        i--;
    }
    size_t l = strcspn(s, "|");
    if (l >= len) l = len - 1;
    memcpy(buf, s, l);
    buf[l] = 0;
    return buf;
}

int params_parse_value(const struct param_ref *ref, const char *text,
                       const struct params_names *names, float *out, char *err, size_t errlen)
{
    const struct param_def *d = ref->def;
    unsigned nstems = names ? names->n : 0;
    char *end;

    if (!text || !text[0]) {
        snprintf(err, errlen, "missing value");
        return -1;
    }
    double v = strtod(text, &end);
    if (end != text && *end == 0) {
        if (!isfinite(v) || fabs(v) > 3.0e38) {
            snprintf(err, errlen, "value must be a finite number");
            return -1;
        }
        *out = (float)v;
        return params_check(ref, *out, nstems, err, errlen);
    }
    /* Not a number: a word. */
    if (d->type == PT_BOOL) {
        static const char *const yes[] = {"on", "true", "yes"}, *const no[] = {"off", "false",
                                                                               "no"};
        for (unsigned i = 0; i < 3; i++) {
            if (strcasecmp(text, yes[i]) == 0) return *out = 1.0f, 0;
            if (strcasecmp(text, no[i]) == 0) return *out = 0.0f, 0;
        }
        snprintf(err, errlen, "'%.40s' is not a switch value (0/1, on/off)", text);
        return -1;
    }
    if (d->type == PT_ENUM) {
        char nm[32], all[128] = "";
        unsigned n = params_enum_count(d);
        for (unsigned i = 0; i < n; i++)
            if (strcasecmp(text, params_enum_name(d, i, nm, sizeof nm)) == 0)
                return *out = (float)i, 0;
        for (const char *c = d->enums; *c && strlen(all) < sizeof all - 2; c++)
            strncat(all, *c == '|' ? ", " : (char[]){*c, 0}, sizeof all - strlen(all) - 1);
        snprintf(err, errlen, "'%.40s' is not one of: %s", text, all);
        return -1;
    }
    if (d->type == PT_STEM) {
        if (strcasecmp(text, "self") == 0 || strcasecmp(text, "none") == 0) return *out = 0.0f, 0;
        int k = find_stem(text, strlen(text), names, -1);
        if (k >= 0) return *out = (float)(k + 1), 0;
        snprintf(err, errlen, "unknown stem '%.40s'", text);
        return -1;
    }
    snprintf(err, errlen, "'%.40s' is not a number", text);
    return -1;
}

int params_format_value(const struct param_ref *ref, float v, const struct params_names *names,
                        char *buf, size_t len)
{
    const struct param_def *d = ref->def;
    char nm[32];
    if (d->type == PT_ENUM && params_enum_name(d, (unsigned)v, nm, sizeof nm))
        return snprintf(buf, len, "%s", nm);
    if (d->type == PT_STEM && v >= 1 && names && names->names && (unsigned)v <= names->n &&
        names->names[(unsigned)v - 1])
        return snprintf(buf, len, "%s", names->names[(unsigned)v - 1]);
    return snprintf(buf, len, "%.6g", (double)v);
}

int params_format_label(const struct param_ref *ref, float v, const struct params_names *names,
                        char *buf, size_t len)
{
    const struct param_def *d = ref->def;
    switch (d->type) {
    case PT_BOOL:
        return snprintf(buf, len, "%s", v != 0 ? "on" : "off");
    case PT_ENUM:
        return params_format_value(ref, v, names, buf, len);
    case PT_STEM:
        if (v == 0) return snprintf(buf, len, "self");
        return params_format_value(ref, v, names, buf, len);
    case PT_FLOAT:
        break;
    }
    if (d->taper == TAPER_FADER && v <= d->min) return snprintf(buf, len, "-inf %s", d->unit);
    if (strcmp(d->unit, "Hz") == 0 && v >= 1000)
        return snprintf(buf, len, "%.2f kHz", (double)v / 1000);
    if (strcmp(d->unit, "Hz") == 0) return snprintf(buf, len, "%.0f Hz", (double)v);
    if (strcmp(d->unit, ":1") == 0) return snprintf(buf, len, "%.1f:1", (double)v);
    if (d->unit[0]) return snprintf(buf, len, "%.*f %s", fabsf(v) < 10 ? 2 : 1, (double)v, d->unit);
    return snprintf(buf, len, "%.2f", (double)v);
}

/* FADER taper: the upper part of the travel is linear in dB (the way a console fader reads),
 * the bottom quarter falls off steeply towards silence. norm 0.75 = 0 dB when max = +12 dB. */
float params_to_norm(const struct param_def *d, float v)
{
    float n;
    v = v < d->min ? d->min : v > d->max ? d->max : v;
    switch (d->taper) {
    case TAPER_LOG:
        n = logf(v / d->min) / logf(d->max / d->min);
        break;
    case TAPER_FADER: {
        const float knee_db = -30.0f, knee_n = 0.25f;
        if (v >= knee_db)
            n = knee_n + (1 - knee_n) * (v - knee_db) / (d->max - knee_db);
        else
            n = knee_n * (v - d->min) / (knee_db - d->min);
        break;
    }
    default:
        n = (v - d->min) / (d->max - d->min);
    }
    return n < 0 ? 0 : n > 1 ? 1 : n;
}

float params_from_norm(const struct param_def *d, float n)
{
    float v;
    n = n < 0 ? 0 : n > 1 ? 1 : n;
    switch (d->taper) {
    case TAPER_LOG:
        v = d->min * expf(n * logf(d->max / d->min));
        break;
    case TAPER_FADER: {
        const float knee_db = -30.0f, knee_n = 0.25f;
        if (n >= knee_n)
            v = knee_db + (n - knee_n) / (1 - knee_n) * (d->max - knee_db);
        else
            v = d->min + n / knee_n * (knee_db - d->min);
        break;
    }
    default:
        v = d->min + n * (d->max - d->min);
    }
    if (d->type != PT_FLOAT) v = roundf(v);
    return v < d->min ? d->min : v > d->max ? d->max : v;
}

/* A stem selector's travel is the live stem count: a surface's 0..1 then reaches every stem and
 * a /norm sent reads back the same (with 4 stems, 0.37 selects stem 1 and answers 0.25). */
static struct param_def live_def(const struct param_ref *ref, unsigned nstems)
{
    struct param_def d = *ref->def;
    if (d.type == PT_STEM && nstems > 0 && (float)nstems < d.max) d.max = (float)nstems;
    return d;
}

float params_ref_to_norm(const struct param_ref *ref, float v, unsigned nstems)
{
    struct param_def d = live_def(ref, nstems);
    return params_to_norm(&d, v);
}

float params_ref_from_norm(const struct param_ref *ref, float n, unsigned nstems)
{
    struct param_def d = live_def(ref, nstems);
    return params_from_norm(&d, n);
}
