/* tests/measure.h: the measurements the DSP tests share (the level of a stretch of signal). */
#ifndef STEMD_TESTS_MEASURE_H
#define STEMD_TESTS_MEASURE_H

#include <math.h>

static inline double db(double lin)
{
    return 20.0 * log10(lin);
}

/* Root mean square of x[from..to). */
static inline double rms(const float *x, unsigned from, unsigned to)
{
    double e = 0;
    for (unsigned i = from; i < to; i++)
        e += (double)x[i] * x[i];
    return sqrt(e / (to - from));
}

#endif
