/* osc/address.c: the OSC address space derived from the parameter table: flavours (/norm,
 * /text), canonical paths, and OSC pattern matching over every parameter. */
#include <stdio.h>
#include <string.h>

#include "osc/internal.h"

int osc_is_pattern(const char *s)
{
    return strpbrk(s, "*?[]{}") != NULL;
}

static int has_prefix(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++) return 0;
    return 1;
}

int osc_split_flavour(const char *addr, char *base, enum osc_flavour *fl)
{
    if (!has_prefix(addr, "/bus/") && !has_prefix(addr, "/stem/")) return -1;
    size_t l = strlen(addr);
    *fl = FL_UNITS;
    /* the last 5 bytes: as strcmp with the suffix, without its call */
    if (l > 5 && memcmp(addr + l - 5, "/norm", 5) == 0)
        *fl = FL_NORM, l -= 5;
    else if (l > 5 && memcmp(addr + l - 5, "/text", 5) == 0)
        *fl = FL_TEXT, l -= 5;
    if (l >= OSC_PATH_MAX) return -1;
    memcpy(base, addr, l);
    base[l] = 0;
    return 0;
}

/* OSC 1.0 matching: ? one character, * any run, [a-z] [!a-z] a set, {a,b} alternatives; none of
 * them crosses '/'. Recursion on '*' and '{' is bounded by *budget so that a hostile pattern
 * ("*a*a*a*a...") costs a bounded amount of work: it then counts as malformed. */
static int glob(const char *p, const char *s, long *budget)
{
    for (;;) {
        if (--*budget < 0) return -1;
        switch (*p) {
        case 0:
            return *s == 0;
        case '*': {
            while (*p == '*')
                p++;
            for (const char *t = s;; t++) {
                int r = glob(p, t, budget);
                if (r != 0) return r;
                if (*t == 0 || *t == '/') return 0;
            }
        }
        case '?':
            if (*s == 0 || *s == '/') return 0;
            p++, s++;
            break;
        case '[': {
            const char *q = p + 1;
            int neg = 0, hit = 0;
            if (*q == '!') neg = 1, q++;
            if (*q == ']' || !*q) return -1;
            while (*q && *q != ']') {
                if (q[1] == '-' && q[2] && q[2] != ']') {
                    if ((unsigned char)*s >= (unsigned char)q[0] &&
                        (unsigned char)*s <= (unsigned char)q[2])
                        hit = 1;
                    q += 3;
                } else {
                    hit |= *s == *q;
                    q++;
                }
            }
            if (*q != ']') return -1;
            if (*s == 0 || *s == '/' || hit == neg) return 0;
            p = q + 1, s++;
            break;
        }
        case '{': {
            const char *close = strchr(p, '}');
            if (!close) return -1;
            const char *alt = p + 1;
            for (;;) {
                size_t al = strcspn(alt, ",}");
                if (strncmp(alt, s, al) == 0 && !memchr(alt, '/', al)) {
                    int r = glob(close + 1, s + al, budget);
                    if (r != 0) return r;
                }
                if (alt[al] == '}') return 0;
                alt += al + 1;
            }
        }
        case ']':
        case '}':
            return -1;
        default:
            if (*p != *s) return 0;
            p++, s++;
        }
    }
}

int osc_glob(const char *pat, const char *s)
{
    long budget = 20000;
    return glob(pat, s, &budget);
}

unsigned osc_param_index(const struct osc *o, const struct param_ref *ref)
{
    unsigned slot = (unsigned)ref->def->id + ref->index;
    (void)o;
    return ref->stem < 0 ? slot : BUS_NPARAMS + (unsigned)ref->stem * STEM_NPARAMS + slot;
}

void osc_param_path(const struct osc *o, const struct param_ref *ref, int by_name,
                    enum osc_flavour fl, char *buf, size_t len)
{
    int n = params_path(ref, by_name ? o->names : NULL, buf, len);
    if (n > 0 && (size_t)n < len && fl != FL_UNITS)
        snprintf(buf + n, len - (size_t)n, "%s", fl == FL_NORM ? "/norm" : "/text");
}

/* The part of a parameter's path below /bus/ or /stem/S/ ("eq/3/gain"). */
static void row_name(const struct param_ref *ref, char *buf, size_t len)
{
    const char *pct = strstr(ref->def->name, "%d");
    if (pct)
        snprintf(buf, len, "%.*s%u%s", (int)(pct - ref->def->name), ref->def->name, ref->index + 1,
                 pct + 2);
    else
        snprintf(buf, len, "%s", ref->def->name);
}

int osc_match_params(struct osc *o, const char *base,
                     int (*fn)(void *ctx, const struct param_ref *ref), void *ctx, char *err,
                     size_t errlen)
{
    /* Split "/SCOPE[/STEM]/REST": the scope and stem segments are matched once each, the rest
     * once per row slot, so the cost is rows + stems, not rows * stems. */
    const char *p = base + 1, *slash = strchr(p, '/');
    char seg[OSC_PATH_MAX], stemseg[OSC_PATH_MAX], name[96];
    int count = 0, r;
    if (base[0] != '/' || !slash) goto malformed;
    memcpy(seg, p, (size_t)(slash - p));
    seg[slash - p] = 0;
    for (int scope = 0; scope < 2; scope++) {
        const char *rest = slash + 1;
        if ((r = osc_glob(seg, scope == 0 ? "bus" : "stem")) < 0) goto malformed;
        if (r == 0) continue;
        if (scope == 1) {
            const char *s2 = strchr(rest, '/');
            if (!s2) continue;
            memcpy(stemseg, rest, (size_t)(s2 - rest));
            stemseg[s2 - rest] = 0;
            rest = s2 + 1;
        }
        unsigned nrows;
        const struct param_def *rows = params_rows(scope == 0 ? SCOPE_BUS : SCOPE_STEM, &nrows);
        /* Which row slots match the rest (same for every stem). */
        unsigned char
            hit[(int)STEM_NPARAMS > (int)BUS_NPARAMS ? (int)STEM_NPARAMS : (int)BUS_NPARAMS];
        memset(hit, 0, sizeof hit);
        int any = 0;
        for (unsigned i = 0; i < nrows; i++)
            for (int k = 0; k < rows[i].count; k++) {
                struct param_ref ref = {&rows[i], (unsigned)k, -1};
                row_name(&ref, name, sizeof name);
                if ((r = osc_glob(rest, name)) < 0) goto malformed;
                if (r) hit[rows[i].id + k] = 1, any = 1;
            }
        if (!any) continue;
        int nst = scope == 0 ? 1 : (int)o->nstems;
        for (int s = 0; s < nst; s++) {
            if (scope == 1) {
                char idx[16];
                snprintf(idx, sizeof idx, "%d", s + 1);
                int a = osc_glob(stemseg, idx), b = 0;
                if (a == 0 && o->names->names && o->names->names[s])
                    b = osc_glob(stemseg, o->names->names[s]);
                if (a < 0 || b < 0) goto malformed;
                if (!a && !b) continue;
            }
            for (unsigned i = 0; i < nrows; i++)
                for (int k = 0; k < rows[i].count; k++) {
                    if (!hit[rows[i].id + k]) continue;
                    struct param_ref ref = {&rows[i], (unsigned)k, scope == 0 ? -1 : s};
                    count++;
                    if (fn(ctx, &ref) < 0) return -1;
                }
        }
    }
    return count;
malformed:
    snprintf(err, errlen,
             "malformed or too complex address pattern (OSC 1.0: ? * [a-z] [!a] "
             "{a,b}, within one segment)");
    return -1;
}
