/* dsp/lookup.c: open-addressing hashes of row names (per scope, each slot its own key) and of
 * stem names. params_resolve accepts a row name only as written in the table with the index in
 * canonical decimal (1..count, no sign, no leading zero), so the spelled-out keys are exactly
 * the names it accepts; a key it would not accept is never in the table. */
#include "dsp/lookup.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_SLOTS  256 /* per scope; a power of two, at least twice the slots of a scope */
#define STEM_SLOTS 512 /* a power of two, at least twice STEMD_MAX_STEMS */
#define KEY_MAX    48  /* a longer row name is left to params_resolve (none is today) */

_Static_assert(STEM_NPARAMS * 2 <= ROW_SLOTS && BUS_NPARAMS * 2 <= ROW_SLOTS,
               "the row hash must stay at most half full");
_Static_assert(STEMD_MAX_STEMS * 2 <= STEM_SLOTS, "the stem hash must stay at most half full");

struct row_key {
    const struct param_def *def; /* NULL: an empty slot */
    unsigned index;
    uint32_t hash;
    unsigned len;
    char key[KEY_MAX];
};

struct params_lookup {
    const struct params_names *names;
    struct row_key rows[2][ROW_SLOTS]; /* [SCOPE_BUS], [SCOPE_STEM] */
    uint16_t stems[STEM_SLOTS];        /* stem k+1; 0: empty */
    uint32_t stem_hash[STEM_SLOTS];
    uint8_t stem_len[STEM_SLOTS];
    uint8_t hashed[STEMD_MAX_STEMS]; /* stem k's name is in the hash (a hint may be taken) */
};

/* FNV-1a over s up to (not including) the first stop byte or NUL; *len gets the length. */
static uint32_t hash_to(const char *s, char stop, size_t *len)
{
    uint32_t h = 2166136261u;
    size_t i = 0;
    for (; s[i] && s[i] != stop; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    *len = i;
    return h;
}

static int has_prefix(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++) return 0;
    return 1;
}

static void add_row(struct params_lookup *lk, const struct param_def *d, unsigned index)
{
    char key[KEY_MAX];
    const char *pct = strstr(d->name, "%d");
    size_t len;
    int w = pct ? snprintf(key, sizeof key, "%.*s%u%s", (int)(pct - d->name), d->name, index + 1,
                           pct + 2)
                : snprintf(key, sizeof key, "%s", d->name);
    if (w < 0 || (size_t)w >= sizeof key) return;
    uint32_t h = hash_to(key, 0, &len);
    struct row_key *tab = lk->rows[d->scope];
    for (uint32_t i = h;; i++) {
        struct row_key *e = &tab[i & (ROW_SLOTS - 1)];
        if (!e->def) {
            e->def = d;
            e->index = index;
            e->hash = h;
            e->len = (unsigned)len;
            memcpy(e->key, key, len + 1);
            return;
        }
        /* The same name twice: params_resolve takes the first row in table order. */
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0) return;
    }
}

static void add_stem(struct params_lookup *lk, unsigned k)
{
    const char *nm = lk->names->names[k];
    size_t len;
    /* A name with an OSC pattern character is left to params_resolve: what the fast path finds
     * is then never a pattern (the OSC layer relies on it). Valid names have none. */
    if (!nm || strpbrk(nm, "*?[]{}")) return;
    uint32_t h = hash_to(nm, 0, &len);
    if (len >= STEMD_STEM_NAME_MAX) return;
    for (uint32_t i = h;; i++) {
        uint32_t s = i & (STEM_SLOTS - 1);
        if (!lk->stems[s]) {
            lk->stems[s] = (uint16_t)(k + 1);
            lk->stem_hash[s] = h;
            lk->stem_len[s] = (uint8_t)len;
            lk->hashed[k] = 1;
            return;
        }
        /* A name twice: params_resolve's search finds the first (or the hint). */
        if (lk->stem_hash[s] == h && strcmp(lk->names->names[lk->stems[s] - 1], nm) == 0) {
            lk->hashed[k] = 1;
            return;
        }
    }
}

struct params_lookup *params_lookup_new(const struct params_names *names)
{
    struct params_lookup *lk = calloc(1, sizeof *lk);
    if (!lk) return NULL;
    lk->names = names;
    for (int scope = SCOPE_BUS; scope <= SCOPE_STEM; scope++) {
        unsigned n;
        const struct param_def *rows = params_rows((enum param_scope)scope, &n);
        for (unsigned r = 0; r < n; r++)
            for (int i = 0; i < rows[r].count; i++)
                add_row(lk, &rows[r], (unsigned)i);
    }
    unsigned n = names ? names->n : 0;
    if (n > STEMD_MAX_STEMS) n = STEMD_MAX_STEMS; /* more stems: by index, or the slow path */
    for (unsigned k = 0; names && names->names && k < n; k++)
        add_stem(lk, k);
    return lk;
}

void params_lookup_free(struct params_lookup *lk)
{
    free(lk);
}

const struct params_names *params_lookup_names(const struct params_lookup *lk)
{
    return lk->names;
}

/* The stem token tok (len bytes, not NUL-terminated): as params.c's find_stem. -1: not found. */
static int find_stem(const struct params_lookup *lk, const char *tok, size_t len, uint32_t h,
                     int hint)
{
    const struct params_names *names = lk->names;
    unsigned n = names ? names->n : 0;
    if (len == 0) return -1;
    if (tok[0] >= '0' && tok[0] <= '9') {
        if (tok[0] == '0' || len > 4) return -1;
        unsigned v = 0;
        for (size_t i = 0; i < len; i++) {
            if (tok[i] < '0' || tok[i] > '9') return -1;
            v = v * 10 + (unsigned)(tok[i] - '0');
        }
        return v >= 1 && v <= n ? (int)v - 1 : -1;
    }
    if (!names || !names->names) return -1;
    if (hint >= 0 && (unsigned)hint < n && hint < STEMD_MAX_STEMS && lk->hashed[hint]) {
        const char *nm = names->names[hint];
        if (nm && strncmp(nm, tok, len) == 0 && nm[len] == 0) return hint;
    }
    for (uint32_t i = h;; i++) {
        uint32_t s = i & (STEM_SLOTS - 1);
        if (!lk->stems[s]) return -1;
        if (lk->stem_hash[s] == h && lk->stem_len[s] == len &&
            memcmp(names->names[lk->stems[s] - 1], tok, len) == 0)
            return lk->stems[s] - 1;
    }
}

int params_lookup_find(const struct params_lookup *lk, const char *path, int hint,
                       struct param_ref *ref)
{
    enum param_scope scope;
    const char *rest;
    int stem = -1;
    size_t len;

    if (!lk || !path || path[0] != '/') return -1;
    if (has_prefix(path, "/bus/")) {
        scope = SCOPE_BUS;
        rest = path + 5;
    } else if (has_prefix(path, "/stem/")) {
        scope = SCOPE_STEM;
        const char *tok = path + 6;
        uint32_t h = hash_to(tok, '/', &len);
        if (tok[len] != '/') return -1; /* no parameter after the stem */
        stem = find_stem(lk, tok, len, h, hint);
        if (stem < 0) return -1;
        rest = tok + len + 1;
    } else {
        return -1;
    }
    uint32_t h = hash_to(rest, 0, &len);
    const struct row_key *tab = lk->rows[scope];
    for (uint32_t i = h;; i++) {
        const struct row_key *e = &tab[i & (ROW_SLOTS - 1)];
        if (!e->def) return -1;
        if (e->hash == h && e->len == len && memcmp(e->key, rest, len) == 0) {
            ref->def = e->def;
            ref->index = e->index;
            ref->stem = stem;
            return 0;
        }
    }
}

int params_lookup_resolve(const struct params_lookup *lk, const char *path, int hint,
                          struct param_ref *ref, char *err, size_t errlen)
{
    if (params_lookup_find(lk, path, hint, ref) == 0) return 0;
    return params_resolve_hint(path, lk ? lk->names : NULL, hint, ref, err, errlen);
}
