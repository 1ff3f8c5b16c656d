/* dsp/lookup.h: path -> parameter without string scans: hashes of the table's row names (every
 * slot of an indexed row spelled out: "eq/3/gain") and of the stem names, built once for one
 * mix. What the hot paths resolve through (an OSC fader, a 14 000-line preset); params_resolve
 * stays the definition, and the fallback that words every refusal. */
#ifndef STEMD_LOOKUP_H
#define STEMD_LOOKUP_H

#include <stddef.h>

#include "dsp/params.h"

struct params_lookup;

/* A lookup for the stems of names (which must outlive it and not change). NULL when out of
 * memory. */
struct params_lookup *params_lookup_new(const struct params_names *names);
void params_lookup_free(struct params_lookup *lk);
/* The names it was built for. */
const struct params_names *params_lookup_names(const struct params_lookup *lk);

/* Exactly params_resolve_hint(path, names, hint, ...) for lk's names: the same ref for every
 * path it accepts, the same refusal (a path it does not find goes to params_resolve_hint, which
 * words the error). */
int params_lookup_resolve(const struct params_lookup *lk, const char *path, int hint,
                          struct param_ref *ref, char *err, size_t errlen);

/* The fast path alone: 0 with *ref set when path resolves, -1 otherwise (no text: the caller
 * that needs the reason asks params_resolve_hint). It never finds a path holding an OSC pattern
 * character (* ? [ ] { }): a stem name with one is left to params_resolve. */
int params_lookup_find(const struct params_lookup *lk, const char *path, int hint,
                       struct param_ref *ref);

#endif
