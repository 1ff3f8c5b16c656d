/* dsp/svf.c: Simper's trapezoidal state-variable filter (see svf.h for why this topology). */
#include "dsp/svf.h"

#include <math.h>

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

double svf_prewarp(double freq_hz, double rate)
{
    return tan(M_PI * clampd(freq_hz, 1.0, 0.49 * rate) / rate);
}

void svf_design(struct svf_coefs *c, enum svf_type type, double freq_hz, double q, double gain_db,
                double rate)
{
    svf_design_warped(c, type, svf_prewarp(freq_hz, rate), q, gain_db);
}

void svf_design_warped(struct svf_coefs *c, enum svf_type type, double g, double q, double gain_db)
{
    double k = 1.0 / clampd(q, 0.025, 40.0);
    /* sqrt of the linear gain, as in the RBJ cookbook: 10^(gain/40), by exp (3.5 ns against pow's
     * 9.6 here, and the dynamic EQ redesigns a band every sub-block while it works); exactly 1 at
     * 0 dB, where every shape is the identity */
    double A = exp(gain_db * (M_LN10 / 40.0));
    double m0 = 0, m1 = 0, m2 = 0;

    switch (type) {
    case SVF_LOWPASS:
        m2 = 1;
        break;
    case SVF_HIGHPASS:
        m0 = 1, m1 = -k, m2 = -1;
        break;
    case SVF_BANDPASS:
        m1 = k; /* k*band has unity gain at the centre */
        break;
    case SVF_NOTCH:
        m0 = 1, m1 = -k;
        break;
    case SVF_ALLPASS:
        m0 = 1, m1 = -2 * k;
        break;
    case SVF_BELL:
        /* Constant-Q-in-dB bell: the bandwidth is symmetric for boost and cut (k scaled by A). */
        k = k / A;
        m0 = 1, m1 = k * (A * A - 1);
        break;
    case SVF_LOWSHELF:
        g = g / sqrt(A);
        m0 = 1, m1 = k * (A - 1), m2 = A * A - 1;
        break;
    case SVF_HIGHSHELF:
        g = g * sqrt(A);
        m0 = A * A, m1 = k * (1 - A) * A, m2 = 1 - A * A;
        break;
    }
    double a1 = 1.0 / (1.0 + g * (g + k));
    c->a1 = (float)a1;
    c->a2 = (float)(g * a1);
    c->a3 = (float)(g * g * a1);
    c->m0 = (float)m0;
    c->m1 = (float)m1;
    c->m2 = (float)m2;
}

void svf_reset(struct svf_state *s)
{
    s->ic1[0] = s->ic1[1] = 0.0f;
    s->ic2[0] = s->ic2[1] = 0.0f;
}

/* Left and right in lanes 0 and 1 of one SSE register (2 and 3 ride along on zeros): half the
 * instructions of two scalar channels and no spills in the recurrence, each lane doing the
 * scalar sequence, so the output is what the scalar loop gave, bit for bit. */
typedef float v4 __attribute__((vector_size(16)));

void svf_process2(const struct svf_coefs *c, struct svf_state *s, float *l, float *r, unsigned n)
{
    const v4 z = {0.0f, 0.0f, 0.0f, 0.0f};
    const v4 a1 = z + c->a1, a2 = z + c->a2, a3 = z + c->a3;
    const v4 m0 = z + c->m0, m1 = z + c->m1, m2 = z + c->m2;
    v4 p1 = {s->ic1[0], s->ic1[1]}, p2 = {s->ic2[0], s->ic2[1]};

    for (unsigned i = 0; i < n; i++) {
        v4 x = {l[i], r[i]};
        v4 v3 = x - p2;
        v4 v1 = a1 * p1 + a2 * v3;
        v4 v2 = p2 + a2 * p1 + a3 * v3;
        p1 = 2.0f * v1 - p1;
        p2 = 2.0f * v2 - p2;
        v4 y = m0 * x + m1 * v1 + m2 * v2;
        l[i] = y[0];
        r[i] = y[1];
    }
    s->ic1[0] = p1[0], s->ic2[0] = p2[0], s->ic1[1] = p1[1], s->ic2[1] = p2[1];
}

int svf_sanitize(struct svf_state *s)
{
    float sum = s->ic1[0] + s->ic1[1] + s->ic2[0] + s->ic2[1];
    if (isfinite(sum)) return 0;
    svf_reset(s);
    return 1;
}
