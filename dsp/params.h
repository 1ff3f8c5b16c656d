/* dsp/params.h: the parameter table (params.def) as C: ids, rows, snapshots, paths, values. */
#ifndef STEMD_PARAMS_H
#define STEMD_PARAMS_H

#include <stddef.h>

#include "dsp/params.def"

#define STEMD_MAX_STEMS     256
#define STEMD_STEM_NAME_MAX 32 /* bytes, including the terminating NUL */

enum param_type { PT_FLOAT, PT_BOOL, PT_ENUM, PT_STEM };
enum param_taper { TAPER_LIN, TAPER_LOG, TAPER_FADER };
enum param_scope { SCOPE_BUS, SCOPE_STEM };

/* Ids: an indexed row ID owns ID .. ID+COUNT-1. */
#define PARAMS_ENUM_ROW(id, name, count, ...) id, id##_LAST_ = id + (count)-1,
enum stem_param { STEMD_STEM_PARAMS(PARAMS_ENUM_ROW) STEM_NPARAMS };
enum bus_param { STEMD_BUS_PARAMS(PARAMS_ENUM_ROW) BUS_NPARAMS };
#undef PARAMS_ENUM_ROW

struct param_def {
    enum param_scope scope;
    int id;    /* first slot, an enum stem_param or enum bus_param */
    int count; /* slots (1, or the band count of an indexed row) */
    enum param_type type;
    const char *name; /* below /stem/<s>/ or /bus/, "%d" for the 1-based index */
    const char *unit; /* "" when unitless */
    float min, max, def;
    enum param_taper taper;
    const char *enums; /* "a|b|c" for PT_ENUM, else NULL */
    const char *desc;
};

/* The rows of one scope, in table order; *n gets their number. Never fails. */
const struct param_def *params_rows(enum param_scope scope, unsigned *n);
/* The row of parameter id (a STEM_* or BUS_* enumerator of that scope), NULL for none. */
const struct param_def *params_row(enum param_scope scope, int id);

/* A parameter snapshot: every value of a mix with nstems stems. One allocation, plain data, so
 * copying it (memcpy of params_size()) is how a writer builds the next snapshot. */
struct params {
    unsigned nstems;
    float bus[BUS_NPARAMS];
    float stem[][STEM_NPARAMS];
};

size_t params_size(unsigned nstems);
/* A snapshot at the table's defaults; NULL when out of memory or nstems is 0 or too large. */
struct params *params_new(unsigned nstems);
struct params *params_dup(const struct params *p);
void params_free(struct params *p);
void params_set_defaults(struct params *p);

/* Stem names, for paths: names[k] is stem k+1's name. May be NULL (then stems are indices). */
struct params_names {
    unsigned n;
    const char *const *names;
};

/* One concrete parameter: a row, which of its slots, which stem (-1 for the bus). */
struct param_ref {
    const struct param_def *def;
    unsigned index; /* 0-based slot within the row */
    int stem;       /* 0-based, or -1 on the bus */
};

/* One typed change: a parameter and the value asked for (in its units, maybe out of range).
 * What every surface hands the server (server/control.h stemd_apply) and what a preset parses
 * into (dsp/preset.h preset_parse): no text past the surface that received it. */
struct param_change {
    struct param_ref ref;
    float value;
};

/* Does ref name a parameter of a mix with nstems stems: a row of the table, a slot of that row,
 * a stem in range (or -1 on the bus)? Returns 1 or 0. */
int params_ref_valid(const struct param_ref *ref, unsigned nstems);
/* Do a and b name the same parameter? */
int params_ref_eq(const struct param_ref *a, const struct param_ref *b);

/* Is name a valid stem name: 1..STEMD_STEM_NAME_MAX-1 bytes of [A-Za-z0-9_-], starting with a
 * letter, and not a word with a meaning of its own in a value ("self", "none", case aside)?
 * Returns 0, or -1 with the reason in err. */
int params_stem_name_valid(const char *name, char *err, size_t errlen);

/* Addressable parameters of a mix with nstems stems (bus first, then stem 1, stem 2, ...). */
unsigned params_count(unsigned nstems);
/* The i-th of those, 0 <= i < params_count(). Returns 0, or -1 when i is out of range. */
int params_ref_at(unsigned nstems, unsigned i, struct param_ref *ref);

/* Resolve "/bus/limiter/ceiling", "/stem/2/eq/3/gain" or "/stem/bass/comp/ratio". A stem is its
 * 1-based index or its name. Returns 0, or -1 with a reason a person can act on in err
 * ("unknown stem 'bas' (stems: drums, bass, ...)", "no parameter 'eq/7/gain' (bands 1-6)"). */
int params_resolve(const char *path, const struct params_names *names, struct param_ref *ref,
                   char *err, size_t errlen);

/* params_resolve, trying stem hint (0-based; -1 for none) first when the path names a stem by
 * name: a caller resolving many paths in stem order (a preset, the state file) passes the stem
 * of the path before, and a line costs one name comparison instead of a search of them all. */
int params_resolve_hint(const char *path, const struct params_names *names, int hint,
                        struct param_ref *ref, char *err, size_t errlen);

/* The canonical path of ref (stems by name when names has one, else by index). Returns the
 * length written (truncated to len-1), like snprintf. */
int params_path(const struct param_ref *ref, const struct params_names *names, char *buf,
                size_t len);

/* Where ref's value lives in p. */
float *params_slot(struct params *p, const struct param_ref *ref);
float params_get(const struct params *p, const struct param_ref *ref);

/* Check a value for ref: finite, whole for BOOL/ENUM/STEM, within [min, max] (for STEM, at most
 * nstems). Returns 0; -1 for a value that can never be right (NaN, inf, not whole): -2 for one
 * merely out of range (the caller may clamp it). err says why. */
int params_check(const struct param_ref *ref, float v, unsigned nstems, char *err, size_t errlen);
/* The nearest valid value (v must be finite). */
float params_clamp(const struct param_ref *ref, float v, unsigned nstems);

/* Parse a value as a person writes it: a number, an enum name ("lowshelf"), on/off/true/false
 * for BOOL, a stem name or "self"/"none" for STEM. The result is checked as params_check does,
 * with the same return values; *out holds the (unclamped) value when the return is 0 or -2. */
int params_parse_value(const struct param_ref *ref, const char *text,
                       const struct params_names *names, float *out, char *err, size_t errlen);

/* Canonical text of a value, parseable by params_parse_value: numbers with up to 6 significant
 * digits, enum names, 0/1 for BOOL, a stem name (or index) or 0 for STEM. snprintf-like. */
int params_format_value(const struct param_ref *ref, float v, const struct params_names *names,
                        char *buf, size_t len);
/* A short label for a display: "-3.0 dB", "1000 Hz", "bell", "on". snprintf-like. */
int params_format_label(const struct param_ref *ref, float v, const struct params_names *names,
                        char *buf, size_t len);

/* The taper: value <-> 0..1 for faders and encoders. Both clamp. */
float params_to_norm(const struct param_def *def, float v);
float params_from_norm(const struct param_def *def, float norm);
/* The same for one parameter of a mix with nstems stems: a stem selector (PT_STEM) spans
 * 0..nstems (0 = this stem), the stems the mix has, not the table's STEMD_MAX_STEMS; every other
 * row is params_to_norm/params_from_norm of its def. */
float params_ref_to_norm(const struct param_ref *ref, float v, unsigned nstems);
float params_ref_from_norm(const struct param_ref *ref, float norm, unsigned nstems);

/* Number of names of an ENUM row and the i-th of them (NULL past the end); copies into buf. */
unsigned params_enum_count(const struct param_def *def);
const char *params_enum_name(const struct param_def *def, unsigned i, char *buf, size_t len);

#endif
