/* tools/report.h: the loudness report of a master (stemd-render, the demo, the tests). */
#ifndef STEMD_REPORT_H
#define STEMD_REPORT_H

#include <stdio.h>

#include "dsp/loudness.h"
#include "dsp/truepeak.h"

struct report {
    struct loudness_meter lm;
    struct truepeak tp;
    float true_peak, sample_peak; /* linear */
};

/* Not RT. Returns 0 or a negative errno. */
int report_init(struct report *r, double rate);
void report_free(struct report *r);
void report_add(struct report *r, const float *l, const float *r_, unsigned n);

/* Values in LUFS, LU, dBTP and dBFS (-inf when nothing was measured). */
struct report_values {
    double integrated_lufs, lra_lu, true_peak_dbtp, sample_peak_dbfs, momentary_max_lufs,
        short_term_max_lufs;
};
void report_values(const struct report *r, struct report_values *v);

/* Print the report for people, or as one JSON object (non-finite values as null). */
void report_print(FILE *f, const struct report_values *v, int json);

#endif
