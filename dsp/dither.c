/* dsp/dither.c: TPDF dither (see dither.h). */
#include "dsp/dither.h"

#include <math.h>

void dither_init(struct dither *d)
{
    d->seed = 0x9e3779b9u;
}

static inline uint32_t xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Uniform in [0, 1). */
static inline float unit(uint32_t *s)
{
    return (float)(xorshift32(s) >> 8) * (1.0f / 16777216.0f);
}

void dither_process(struct dither *d, enum dither_mode mode, float *l, float *r, unsigned n)
{
    if (mode == DITHER_OFF) return;
    const float steps = mode == DITHER_16 ? 32768.0f : 8388608.0f, lsb = 1.0f / steps;
    uint32_t s = d->seed;
    for (unsigned i = 0; i < n; i++) {
        /* Sum of two uniforms minus one: triangular on (-1, 1) LSB. */
        float tl = unit(&s) + unit(&s) - 1.0f, tr = unit(&s) + unit(&s) - 1.0f;
        l[i] = floorf(l[i] * steps + tl + 0.5f) * lsb;
        r[i] = floorf(r[i] * steps + tr + 0.5f) * lsb;
    }
    d->seed = s;
}
