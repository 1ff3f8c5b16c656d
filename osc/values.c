/* osc/values.c: OSC argument coercion (i h f d T F, names for choices) into parameter values,
 * and a parameter's value as an OSC message in each flavour. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "osc/internal.h"

int osc_arg_number(char type, const void *argp, double *out)
{
    /* liblo hands arguments 4-byte aligned only: copy them out as bytes (not through an lo_arg
     * pointer, whose 8-byte alignment UBSan checks) instead of reading ->f / ->d. */
    const unsigned char *arg = argp;
    switch (type) {
    case LO_INT32: {
        int32_t v;
        memcpy(&v, arg, 4);
        *out = v;
        return 0;
    }
    case LO_FLOAT: {
        float v;
        memcpy(&v, arg, 4);
        *out = v;
        return 0;
    }
    case LO_INT64: {
        int64_t v;
        memcpy(&v, arg, 8);
        *out = (double)v;
        return 0;
    }
    case LO_DOUBLE: {
        double v;
        memcpy(&v, arg, 8);
        *out = v;
        return 0;
    }
    case LO_TRUE:
        *out = 1;
        return 0;
    case LO_FALSE:
        *out = 0;
        return 0;
    default:
        return -1;
    }
}

int osc_coerce(struct osc *o, const struct param_ref *ref, enum osc_flavour fl, char type,
               lo_arg *arg, float *value, float *sent, char *err, size_t errlen)
{
    double d;
    float v;
    if (fl == FL_TEXT) {
        snprintf(err, errlen, "read-only: /text gives a label; set the path itself or its /norm");
        return -1;
    }
    if (type == LO_STRING || type == LO_SYMBOL) {
        if (fl == FL_NORM) {
            snprintf(err, errlen, "a /norm value is a number from 0 to 1");
            return -1;
        }
        const char *s = (const char *)arg;
        if (params_parse_value(ref, s, o->names, &v, err, errlen) == -1) return -1;
        *sent = *value = v;
        return 0;
    }
    if (osc_arg_number(type, arg, &d) < 0) {
        snprintf(err, errlen, "wrong type '%c': send a number (i h f d), T/F, or a name", type);
        return -1;
    }
    if (!isfinite(d)) {
        snprintf(err, errlen, "value must be a finite number");
        return -1;
    }
    if (fl == FL_NORM) {
        *sent = (float)d;
        double n = d < 0 ? 0 : d > 1 ? 1 : d;
        /* within the row (a stem selector: the live stems), whole where it must be */
        *value = params_ref_from_norm(ref, (float)n, o->nstems);
        return 0;
    }
    /* Far outside any range: clamp in double first, so the float stays finite. */
    if (d > 1e30) d = 1e30;
    if (d < -1e30) d = -1e30;
    *sent = *value = (float)d;
    return 0;
}

void osc_add_value(struct osc *o, struct osc_out *out, const char *addr,
                   const struct param_ref *ref, float v, enum osc_flavour fl)
{
    if (fl == FL_TEXT) {
        char label[64];
        params_format_label(ref, v, o->names, label, sizeof label);
        out_msg(out, addr, "s", label);
    } else if (fl == FL_NORM) {
        out_msg(out, addr, "f", (double)params_ref_to_norm(ref, v, o->nstems));
    } else {
        out_msg(out, addr, "f", (double)v);
    }
}
