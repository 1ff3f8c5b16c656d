/* tests/test_lookup.c: the path lookup (dsp/lookup.h) against params_resolve, its definition:
 * every parameter of mixes of 1, 4 and 64 stems, by stem name and by index, resolves through the
 * fast path to exactly what params_resolve gives; near misses fail the same way, word for word. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/lookup.h"
#include "dsp/params.h"
#include "tests/tap.h"

/* Does the lookup agree with params_resolve_hint on path (and, with fast, does the fast path
 * alone find what it resolves)? Counts disagreements in *bad. */
static void agree_(const struct params_lookup *lk, const struct params_names *pn, const char *path,
                   int hint, int fast, unsigned *bad)
{
    struct param_ref a = {0}, b = {0}, f = {0};
    char ea[256] = "", eb[256] = "";
    int ra = params_lookup_resolve(lk, path, hint, &a, ea, sizeof ea);
    int rb = params_resolve_hint(path, pn, hint, &b, eb, sizeof eb);
    int rf = params_lookup_find(lk, path, hint, &f);
    int same = ra == rb &&
               (rb < 0 ? strcmp(ea, eb) == 0 && rf < 0
                       : params_ref_eq(&a, &b) && (!fast || (rf == 0 && params_ref_eq(&f, &b))));
    if (!same && (*bad)++ < 5)
        diag("'%s' (hint %d): lookup %d '%s', params_resolve %d '%s'", path, hint, ra, ea, rb, eb);
}

static void agree(const struct params_lookup *lk, const struct params_names *pn, const char *path,
                  int hint, unsigned *bad)
{
    agree_(lk, pn, path, hint, 1, bad);
}

/* Near misses of a valid path: a byte more or less, the index out of range or spelled oddly,
 * the stem one past the end or misspelt. */
static void near_misses(const struct params_lookup *lk, const struct params_names *pn,
                        const char *path, unsigned *bad)
{
    char buf[160];
    size_t l = strlen(path);
    snprintf(buf, sizeof buf, "%sx", path);
    agree(lk, pn, buf, -1, bad);
    snprintf(buf, sizeof buf, "%s/", path);
    agree(lk, pn, buf, -1, bad);
    snprintf(buf, sizeof buf, "%.*s", (int)(l - 1), path);
    agree(lk, pn, buf, -1, bad);
    /* every digit run: 0, a leading zero, a sign, one more than any count */
    for (size_t i = 0; i < l; i++) {
        if (path[i] < '0' || path[i] > '9' || (i && path[i - 1] >= '0' && path[i - 1] <= '9'))
            continue;
        size_t j = i;
        while (path[j] >= '0' && path[j] <= '9')
            j++;
        static const char *const subs[] = {"0", "0%.*s", "+%.*s", "99999", "%.*s0", "-1"};
        for (unsigned s = 0; s < sizeof subs / sizeof subs[0]; s++) {
            char num[32];
            snprintf(num, sizeof num, subs[s], (int)(j - i), path + i);
            snprintf(buf, sizeof buf, "%.*s%s%s", (int)i, path, num, path + j);
            agree(lk, pn, buf, -1, bad);
        }
    }
    /* the stem segment: upper case first letter, a prefix of it */
    if (strncmp(path, "/stem/", 6) == 0) {
        const char *seg = path + 6, *slash = strchr(seg, '/');
        size_t sl = (size_t)(slash - seg);
        snprintf(buf, sizeof buf, "/stem/%c%.*s%s", seg[0] ^ 0x20, (int)sl - 1, seg + 1, slash);
        agree(lk, pn, buf, -1, bad);
        snprintf(buf, sizeof buf, "/stem/%.*s%s", (int)sl - 1, seg, slash);
        agree(lk, pn, buf, -1, bad);
        snprintf(buf, sizeof buf, "/stem/%.*s", (int)sl, seg);
        agree(lk, pn, buf, -1, bad);
    }
}

static void test_mix(unsigned n, int with_names)
{
    char(*store)[16] = calloc(n, 16);
    const char **names = calloc(n, sizeof *names);
    for (unsigned k = 0; k < n; k++) {
        snprintf(store[k], 16, k % 3 == 0 ? "stem%u" : k % 3 == 1 ? "b%u-x" : "v_%u", k + 1);
        names[k] = store[k];
    }
    struct params_names pn = {n, with_names ? names : NULL};
    struct params_lookup *lk = params_lookup_new(&pn);
    if (!lk) bail("out of memory");
    ok(params_lookup_names(lk) == &pn, "%u stems%s: the lookup keeps its names", n,
       with_names ? "" : " (no names)");

    unsigned total = params_count(n), bad = 0, fast_bad = 0, miss_bad = 0;
    for (unsigned i = 0; i < total; i++) {
        struct param_ref ref, got;
        char path[128];
        params_ref_at(n, i, &ref);
        for (int by_name = 0; by_name <= 1; by_name++) {
            params_path(&ref, by_name ? &pn : NULL, path, sizeof path);
            if (params_lookup_find(lk, path, -1, &got) != 0 || !params_ref_eq(&got, &ref)) {
                if (fast_bad++ < 5) diag("fast path misses %s", path);
            }
            /* with a hint: right, wrong, out of range */
            int hints[] = {-1, ref.stem, ref.stem >= 0 ? (ref.stem + 1) % (int)n : 0, (int)n + 3};
            for (unsigned h = 0; h < 4; h++)
                agree(lk, &pn, path, hints[h], &bad);
            if (i % 7 == 0 || i < BUS_NPARAMS + STEM_NPARAMS) near_misses(lk, &pn, path, &miss_bad);
        }
    }
    ok(fast_bad == 0, "%u stems%s: all %u parameters resolve through the fast path", n,
       with_names ? "" : " (no names)", total);
    ok(bad == 0, "%u stems%s: the same refs as params_resolve, by name and index, any hint", n,
       with_names ? "" : " (no names)");
    ok(miss_bad == 0, "%u stems%s: near misses fail as params_resolve fails, word for word", n,
       with_names ? "" : " (no names)");

    /* Paths that are wrong from the start. */
    static const char *const odd[] = {"",
                                      "/",
                                      "bus/fader",
                                      "/bus",
                                      "/bus/",
                                      "/stem",
                                      "/stem/",
                                      "/stem//fader",
                                      "//bus/fader",
                                      "/stem/0/fader",
                                      "/stem/01/fader",
                                      "/stem/1x/fader",
                                      "/stem/12345/fader",
                                      "/stem/self/fader",
                                      "/stem/stem1",
                                      "/stem/stem1/",
                                      "/stem/stem1/eq",
                                      "/stem/stem1/eq/",
                                      "/stem/stem1/eq//gain",
                                      "/stem/1/eq/1/gain/norm",
                                      "/bus/limiter/ceiling\n",
                                      "/BUS/limiter/ceiling"};
    unsigned odd_bad = 0;
    for (unsigned i = 0; i < sizeof odd / sizeof odd[0]; i++)
        agree(lk, &pn, odd[i], -1, &odd_bad);
    agree(lk, &pn, NULL, -1, &odd_bad);
    ok(odd_bad == 0, "%u stems%s: malformed paths fail as params_resolve fails", n,
       with_names ? "" : " (no names)");
    params_lookup_free(lk);
    free(names);
    free(store);
}

/* Names the fast path leaves to params_resolve (a pattern character; too long to be valid)
 * resolve all the same, by the slow path, and the fast path never finds them: the OSC layer
 * takes what it finds for a plain path, not a pattern. */
static void test_odd_names(void)
{
    static const char *const names[] = {"drums", "b*ss", "x{a,b}", "drums",
                                        "a-name-far-longer-than-thirty-one-bytes"};
    struct params_names pn = {5, names};
    struct params_lookup *lk = params_lookup_new(&pn);
    if (!lk) bail("out of memory");
    unsigned bad = 0, found = 0;
    static const char *const paths[] = {"/stem/drums/fader", "/stem/b*ss/fader",
                                        "/stem/x{a,b}/fader", "/stem/4/fader",
                                        "/stem/a-name-far-longer-than-thirty-one-bytes/fader"};
    for (unsigned i = 0; i < 5; i++)
        for (int hint = -1; hint < 5; hint++) {
            struct param_ref ref;
            agree_(lk, &pn, paths[i], hint, i == 0 || i == 3, &bad);
            found += i != 0 && i != 3 && params_lookup_find(lk, paths[i], hint, &ref) == 0;
        }
    ok(bad == 0, "odd stem names (patterns, a repeat, too long) resolve as params_resolve does");
    ok(found == 0, "the fast path never finds a stem name with a pattern character");
    params_lookup_free(lk);
}

int main(void)
{
    test_odd_names();
    unsigned sizes[] = {1, 4, 64};
    for (unsigned i = 0; i < 3; i++) {
        test_mix(sizes[i], 1);
        test_mix(sizes[i], 0);
    }
    test_mix(STEMD_MAX_STEMS, 1);
    return done_testing();
}
