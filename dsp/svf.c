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
    double A = pow(10.0, gain_db / 40.0); /* sqrt of the linear gain, as in the RBJ cookbook */
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

void svf_process2(const struct svf_coefs *c, struct svf_state *s, float *l, float *r, unsigned n)
{
    const float a1 = c->a1, a2 = c->a2, a3 = c->a3, m0 = c->m0, m1 = c->m1, m2 = c->m2;
    float p1 = s->ic1[0], p2 = s->ic2[0], q1 = s->ic1[1], q2 = s->ic2[1];

    /* Both channels in one loop: two independent recurrences the CPU overlaps. */
    for (unsigned i = 0; i < n; i++) {
        float x = l[i], y = r[i];
        float xv3 = x - p2, yv3 = y - q2;
        float xv1 = a1 * p1 + a2 * xv3, yv1 = a1 * q1 + a2 * yv3;
        float xv2 = p2 + a2 * p1 + a3 * xv3, yv2 = q2 + a2 * q1 + a3 * yv3;
        p1 = 2.0f * xv1 - p1;
        q1 = 2.0f * yv1 - q1;
        p2 = 2.0f * xv2 - p2;
        q2 = 2.0f * yv2 - q2;
        l[i] = m0 * x + m1 * xv1 + m2 * xv2;
        r[i] = m0 * y + m1 * yv1 + m2 * yv2;
    }
    s->ic1[0] = p1, s->ic2[0] = p2, s->ic1[1] = q1, s->ic2[1] = q2;
}

int svf_sanitize(struct svf_state *s)
{
    float sum = s->ic1[0] + s->ic1[1] + s->ic2[0] + s->ic2[1];
    if (isfinite(sum)) return 0;
    svf_reset(s);
    return 1;
}
