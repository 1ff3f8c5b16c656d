/* tests/ref_ideal_tp.h: a near-ideal true-peak reference, independent of every meter's short
 * interpolator: 32x oversampling, sinc under a Kaiser window (beta 12) over +-64 input samples.
 * Slow (4096 multiply-adds a sample): for test signals of a second or so. */
#ifndef STEMD_REF_IDEAL_TP_H
#define STEMD_REF_IDEAL_TP_H

#include <math.h>

/* Largest |x(t)| of the band-limited signal through x[0..n) (away from the ends). Not
 * instrumented under the sanitizers: it is the reference, not the code under test, its reads stay
 * inside x[0..n) by the loop bounds, and instrumented it made a sanitized test run minutes. */
#if defined(__GNUC__)
__attribute__((no_sanitize("address", "undefined")))
#endif
static inline double
ideal_tp(const float *x, unsigned n)
{
    enum { L = 32, H = 64 };
    static double c[L][2 * H];
    static int made;
    if (!made) {
        double i0b = 0;
        for (int k = 0; k < 80; k++) { /* I0(12) by its series */
            double t = 1;
            for (int j = 1; j <= k; j++)
                t *= 6.0 / j;
            i0b += t * t;
        }
        for (int p = 0; p < L; p++)
            for (int i = -H + 1; i <= H; i++) {
                double d = (double)p / L - i, u = d / H, a = 12 * sqrt(1 - u * u) / 2, i0 = 0;
                for (int k = 0; k < 80; k++) {
                    double t = 1;
                    for (int j = 1; j <= k; j++)
                        t *= a / j;
                    i0 += t * t;
                }
                c[p][i + H - 1] = (i0 / i0b) * (fabs(d) < 1e-12 ? 1 : sin(M_PI * d) / (M_PI * d));
            }
        made = 1;
    }
    double mx = 0;
    for (unsigned m = H; m + H < n; m++)
        for (int p = 0; p < L; p++) {
            double acc = 0;
            for (int i = -H + 1; i <= H; i++)
                acc += x[m + i] * c[p][i + H - 1];
            mx = fabs(acc) > mx ? fabs(acc) : mx;
        }
    return mx;
}

#endif
