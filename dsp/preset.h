/* dsp/preset.h: presets and saved state as text, one "path value" a line, '#' comments. */
#ifndef STEMD_PRESET_H
#define STEMD_PRESET_H

#include "dsp/params.h"

struct params_lookup;

/* Called once for every bad line: file name, 1-based line, a reason a person can act on. */
typedef void (*preset_error_fn)(void *ctx, const char *file, unsigned line, const char *reason);

/* Parse the preset in text (NUL-terminated) into its settings, in line order, without applying
 * them: *out (malloc'd, the caller frees it; NULL when there are none) gets *n changes. Every
 * line is checked (as preset_apply says) and each bad one reported through fn (may be NULL);
 * values are in range, as a file must hold them. Returns 0; the number of bad lines (then *out
 * is NULL and *n 0); -1 when out of memory. Not real-time. */
int preset_parse(const char *text, const char *fname, const struct params_names *names,
                 preset_error_fn fn, void *ctx, struct param_change **out, size_t *n);

/* preset_parse through a lookup already built for the mix (dsp/lookup.h): the server keeps one,
 * so a preset costs no table build. */
int preset_parse_lookup(const char *text, const char *fname, const struct params_lookup *lk,
                        preset_error_fn fn, void *ctx, struct param_change **out, size_t *n);

/* Apply the preset in text (NUL-terminated) to p, all or nothing: every line is checked first;
 * if any is bad (unknown path or stem, not a number, NaN/inf, out of range, missing value,
 * trailing junk, a line over 1000 bytes) each bad line is reported through fn and p is left
 * untouched. Lines not mentioned keep their values in p (start from params_set_defaults for a
 * complete preset). fname only labels errors. Returns 0, the number of bad lines, or -1 when out
 * of memory. Not real-time. */
int preset_apply(struct params *p, const char *text, const char *fname,
                 const struct params_names *names, preset_error_fn fn, void *ctx);

/* p as preset text: a header comment, then every parameter (or, with only_changed, those not at
 * their default) as "path value", bus first, stems by name. malloc'd; NULL when out of memory. */
char *preset_format(const struct params *p, const struct params_names *names, int only_changed);

#endif
