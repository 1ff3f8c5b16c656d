/* tests/ref_ebur128.h: libebur128, the independent meter the tests check ours against. */
#ifndef STEMD_REF_EBUR128_H
#define STEMD_REF_EBUR128_H

#include <ebur128.h>
#include <stdlib.h>

#include "tests/tap.h"

/* Whole-signal true peak (linear, the larger of the two channels) of n stereo frames. */
static inline double ref_true_peak(const float *l, const float *r, size_t n, unsigned rate)
{
    ebur128_state *st = ebur128_init(2, rate, EBUR128_MODE_TRUE_PEAK);
    float *il = malloc(2 * n * sizeof *il + 1);
    if (!st || !il) bail("libebur128: out of memory");
    for (size_t i = 0; i < n; i++) {
        il[2 * i] = l[i];
        il[2 * i + 1] = r[i];
    }
    ebur128_add_frames_float(st, il, n);
    double a = 0, b = 0;
    ebur128_true_peak(st, 0, &a);
    ebur128_true_peak(st, 1, &b);
    ebur128_destroy(&st);
    free(il);
    return a > b ? a : b;
}

#endif
