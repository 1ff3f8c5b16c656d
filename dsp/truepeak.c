/* dsp/truepeak.c: the oversampling true-peak detector (see truepeak.h for the filter's design). */
#include "dsp/truepeak.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define KAISER_BETA 4.5

/* Modified Bessel function of the first kind, order 0 (power series; converges fast for the
 * small arguments a Kaiser window uses). */
static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0;
    for (int k = 1; k < 64; k++) {
        double h = x / (2.0 * k);
        term *= h * h;
        sum += term;
        if (term < sum * 1e-17) break;
    }
    return sum;
}

static void design(struct truepeak *tp);

void truepeak_init(struct truepeak *tp, double rate_hz)
{
    memset(tp, 0, sizeof *tp);
    /* The smallest factor that reaches 176.4 kHz (Annex 2: ~192 kHz at 48 kHz, 2x at 96 kHz). */
    tp->factor = rate_hz * 2.0 >= 176400.0 * 0.999 ? (rate_hz >= 176400.0 * 0.999 ? 1 : 2) : 4;
    tp->taps = tp->factor == 4 ? TRUEPEAK_TAPS_4X : tp->factor == 2 ? TRUEPEAK_TAPS_2X : 0;
    design(tp);
}

void truepeak_init_fine(struct truepeak *tp, double rate_hz, double min_rate_hz, unsigned taps)
{
    memset(tp, 0, sizeof *tp);
    tp->factor = 1;
    while (tp->factor < TRUEPEAK_FACTOR_MAX && rate_hz * tp->factor < min_rate_hz * 0.999)
        tp->factor *= 2;
    taps = taps > TRUEPEAK_TAPS_MAX ? TRUEPEAK_TAPS_MAX : taps < 4 ? 4 : taps & ~1u;
    tp->taps = tp->factor > 1 ? taps : 0;
    design(tp);
}

void truepeak_init_meter(struct truepeak *tp, double rate_hz)
{
    memset(tp, 0, sizeof *tp);
    /* libebur128: interp_create(49, 4) under 96 kHz, (49, 2) under 192 kHz, none above. */
    tp->factor = rate_hz < 96000.0 ? 4 : rate_hz < 192000.0 ? 2 : 1;
    tp->taps = tp->factor > 1 ? 48 / tp->factor : 0;
    tp->hann = 1;
    design(tp);
}

static void design(struct truepeak *tp)
{
    tp->delay = tp->factor > 1 ? tp->taps / 2 - 1 : 0;
    const double half = tp->taps / 2; /* window half-width in input samples */
    const double i0b = bessel_i0(KAISER_BETA);
    for (unsigned p = 0; p + 1 < tp->factor; p++) {
        double f = (double)(p + 1) / tp->factor;
        for (unsigned k = 0; k < tp->taps; k++) {
            double d = f - ((double)k - (half - 1)); /* point time - tap time, never 0 */
            double x = d / half;
            double w = tp->hann ? 0.5 * (1.0 + cos(M_PI * x))
                                : bessel_i0(KAISER_BETA * sqrt(1.0 - x * x)) / i0b;
            tp->coef[p * tp->taps + k] = (float)(w * sin(M_PI * d) / (M_PI * d));
        }
    }
}

void truepeak_reset(struct truepeak *tp)
{
    memset(tp->hist, 0, sizeof tp->hist);
    tp->max_lin = 0.0f;
}

unsigned truepeak_delay(const struct truepeak *tp)
{
    return tp->delay;
}

/* The block kernel: pk[j] for j < m (rounded up to 8; the extra outputs are garbage nobody reads)
 * from bl/br, which hold taps - 1 frames of history then the block. Written as groups of 8 frames
 * with a fixed inner trip count so the compiler vectorizes across frames (each lane runs the same
 * sequence of scalar operations, so the result is bit-identical to a scalar loop and does not
 * depend on the grouping; ISO C mode keeps the compiler from fusing multiply-adds). No clones
 * under ASan or TSan: the ifunc resolver runs during relocation, before the sanitizer's runtime is
 * up, and an instrumented resolver crashes at start-up. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx2", "default")))
#endif
static void
tp_block(const float *coef, unsigned nph, unsigned taps, const float *restrict bl,
         const float *restrict br, float *restrict pk, unsigned m)
{
    for (size_t j0 = 0; j0 < m; j0 += 8) {
        const float *xl = bl + j0, *xr = br + j0;
        float v[8];
        for (size_t j = 0; j < 8; j++) {
            /* phase 0: the sample itself, taps/2 - 1 frames back from the newest */
            float a = fabsf(xl[j + taps / 2]);
            float b = fabsf(xr[j + taps / 2]);
            v[j] = a > b ? a : b;
        }
        for (unsigned p = 0; p < nph; p++) {
            const float *c = coef + p * taps;
            float al[8] = {0}, ar[8] = {0};
            for (size_t k = 0; k < taps; k++) {
                for (size_t j = 0; j < 8; j++) {
                    al[j] += c[k] * xl[j + k];
                    ar[j] += c[k] * xr[j + k];
                }
            }
            for (size_t j = 0; j < 8; j++) {
                float a = fabsf(al[j]), b = fabsf(ar[j]);
                a = a > b ? a : b;
                v[j] = a > v[j] ? a : v[j];
            }
        }
        for (size_t j = 0; j < 8; j++)
            pk[j0 + j] = v[j];
    }
}

void truepeak_process(struct truepeak *tp, const float *l, const float *r, unsigned n,
                      float *peak_out)
{
    float mx = tp->max_lin;
    const unsigned hist = tp->taps ? tp->taps - 1 : 0;
    while (n > 0) {
        unsigned m = n < TRUEPEAK_BLOCK ? n : TRUEPEAK_BLOCK;
        if (tp->factor == 1) {
            /* 176.4 kHz and up: the samples are the oversampled signal. */
            for (unsigned j = 0; j < m; j++) {
                float a = fabsf(l[j]), b = fabsf(r[j]);
                tp->pk[j] = a > b ? a : b;
            }
        } else {
            memcpy(tp->hist[0] + hist, l, m * sizeof *l);
            memcpy(tp->hist[1] + hist, r, m * sizeof *r);
            tp_block(tp->coef, tp->factor - 1, tp->taps, tp->hist[0], tp->hist[1], tp->pk, m);
            memmove(tp->hist[0], tp->hist[0] + m, hist * sizeof(float));
            memmove(tp->hist[1], tp->hist[1] + m, hist * sizeof(float));
        }
        for (unsigned j = 0; j < m; j++)
            mx = tp->pk[j] > mx ? tp->pk[j] : mx; /* NaN never wins */
        if (peak_out) {
            memcpy(peak_out, tp->pk, m * sizeof *peak_out);
            peak_out += m;
        }
        l += m;
        r += m;
        n -= m;
    }
    tp->max_lin = mx;
}

float truepeak_take_max(struct truepeak *tp)
{
    float mx = tp->max_lin;
    tp->max_lin = 0.0f;
    return mx;
}
