/* tools/params.c: stemd-params, the parameter table printed for people and for other tools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/params.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: stemd-params [--markdown | --paths N | --defaults N]\n"
               "  --markdown   the table as Markdown (the README's parameter section)\n"
               "  --paths N    every path of a mix of N stems, one a line\n"
               "  --defaults N a preset of the defaults for N stems\n");
}

static void range_text(const struct param_def *d, char *buf, size_t len)
{
    if (d->type == PT_BOOL)
        snprintf(buf, len, "0/1");
    else if (d->type == PT_ENUM) {
        /* a '|' would split the Markdown cell: list the names with commas */
        size_t o = 0;
        for (const char *c = d->enums; *c && o + 3 < len; c++)
            if (*c == '|')
                buf[o++] = ',', buf[o++] = ' ';
            else
                buf[o++] = *c;
        buf[o] = 0;
    } else if (d->type == PT_STEM)
        snprintf(buf, len, "0..N");
    else if (d->taper == TAPER_FADER)
        snprintf(buf, len, "-inf (%g)..%g", (double)d->min, (double)d->max);
    else
        snprintf(buf, len, "%g..%g", (double)d->min, (double)d->max);
}

static void markdown(void)
{
    static const char *const taper[] = {"lin", "log", "fader"};
    for (int sc = 0; sc < 2; sc++) {
        unsigned n;
        const struct param_def *rows = params_rows(sc ? SCOPE_STEM : SCOPE_BUS, &n);
        printf("\n%s\n\n",
               sc ? "Per stem, below `/stem/<index or name>/`:" : "Master bus, below `/bus/`:");
        printf("| path | unit | range | default | taper | description |\n");
        printf("|---|---|---|---|---|---|\n");
        for (unsigned r = 0; r < n; r++) {
            const struct param_def *d = &rows[r];
            char name[64], range[64], def[32];
            const char *pct = strstr(d->name, "%d");
            if (pct)
                snprintf(name, sizeof name, "%.*s{1..%d}%s", (int)(pct - d->name), d->name,
                         d->count, pct + 2);
            else
                snprintf(name, sizeof name, "%s", d->name);
            range_text(d, range, sizeof range);
            struct param_ref ref = {.def = d, .index = 0, .stem = -1};
            params_format_value(&ref, d->def, NULL, def, sizeof def);
            printf("| `%s` | %s | %s | %s | %s | %s |\n", name, d->unit, range, def,
                   taper[d->taper], d->desc);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--markdown") == 0) {
        markdown();
        return 0;
    }
    if (argc == 3 && (!strcmp(argv[1], "--paths") || !strcmp(argv[1], "--defaults"))) {
        int n = atoi(argv[2]);
        if (n < 1 || n > STEMD_MAX_STEMS) {
            fprintf(stderr, "stemd-params: N is 1..%d\n", STEMD_MAX_STEMS);
            return 2;
        }
        struct params *p = params_new((unsigned)n);
        if (!p) return 1;
        for (unsigned i = 0; i < params_count((unsigned)n); i++) {
            struct param_ref ref;
            char path[128], val[64];
            params_ref_at((unsigned)n, i, &ref);
            params_path(&ref, NULL, path, sizeof path);
            if (argv[1][2] == 'p') {
                printf("%s\n", path);
            } else {
                params_format_value(&ref, params_get(p, &ref), NULL, val, sizeof val);
                printf("%s %s\n", path, val);
            }
        }
        params_free(p);
        return 0;
    }
    usage(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
    return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
