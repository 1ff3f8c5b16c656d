/* dsp/multiband.c: 3-band compressor and imager on a Linkwitz-Riley split (see multiband.h). */
#include "dsp/multiband.h"

#include <string.h>

int multiband_init(struct multiband *mb, double rate)
{
    memset(mb, 0, sizeof *mb);
    mb->k = smooth_coef(rate, SMOOTH_TAU_MS);
    crossover3_init(&mb->xo, rate);
    for (unsigned b = 0; b < STEMD_MB_BANDS; b++) {
        compressor_init(&mb->comp[b], rate);
        smooth_jump(&mb->gain[b][0], 1.0f);
        smooth_jump(&mb->gain[b][1], 0.0f);
    }
    xfade_init(&mb->active, rate, 0);
    mb->idle = 1;
    return 0;
}

void multiband_free(struct multiband *mb)
{
    (void)mb;
}

void multiband_reset(struct multiband *mb)
{
    crossover3_reset(&mb->xo);
    for (unsigned b = 0; b < STEMD_MB_BANDS; b++)
        compressor_reset(&mb->comp[b]);
}

void multiband_set(struct multiband *mb, const float *bp)
{
    int on = bp[BUS_MB_ON] != 0.0f, any_solo = 0, need = on;

    for (unsigned b = 0; b < STEMD_MB_BANDS; b++)
        any_solo |= bp[BUS_MB_SOLO + b] != 0.0f;
    crossover3_set(&mb->xo, bp[BUS_MB_XOVER_LOW], bp[BUS_MB_XOVER_HIGH]);
    for (unsigned b = 0; b < STEMD_MB_BANDS; b++) {
        /* Band compressors: RMS detection and a 6 dB knee, the usual choice for a master bus
         * (smooth, programme-dependent); stereo-linked so the image does not wander. */
        struct compressor_params cp = {
            .on = on && bp[BUS_MB_BYPASS + b] == 0.0f,
            .threshold_db = bp[BUS_MB_THRESHOLD + b],
            .ratio = bp[BUS_MB_RATIO + b],
            .knee_db = 6.0f,
            .attack_ms = bp[BUS_MB_ATTACK + b],
            .release_ms = bp[BUS_MB_RELEASE + b],
            .makeup_db = bp[BUS_MB_MAKEUP + b],
            .detector = 1,
            .link = 1.0f,
        };
        compressor_set(&mb->comp[b], &cp);
        float w = bp[BUS_IMG_WIDTH + b] * 0.01f;
        float audible = (!on || !any_solo || bp[BUS_MB_SOLO + b] != 0.0f) ? 1.0f : 0.0f;
        mb->gain[b][0].target = audible * (1.0f + w) * 0.5f;
        mb->gain[b][1].target = audible * (1.0f - w) * 0.5f;
        smooth_tick(&mb->gain[b][0], mb->k);
        smooth_tick(&mb->gain[b][1], mb->k);
        need |= w != 1.0f;
    }
    /* Stay on the split path until its band gains have settled back to neutral. */
    for (unsigned b = 0; b < STEMD_MB_BANDS; b++)
        need |= !smooth_still(&mb->gain[b][0]) || mb->gain[b][0].cur != 1.0f ||
                mb->gain[b][1].cur != 0.0f;
    /* Coming back from the bypass, the split starts from rest rather than from stale state. */
    if (need && xfade_idle_off(&mb->active)) crossover3_reset(&mb->xo);
    xfade_set(&mb->active, need);
    /* Decided once per sub-block: deciding per call would make the output (and the band
     * compressors' states) depend on where the host cuts the signal. */
    mb->idle = xfade_idle_off(&mb->active);
    mb->full = xfade_full_on(&mb->active);
}

void multiband_process(struct multiband *mb, float *l, float *r, unsigned off, unsigned n)
{
    if (mb->idle) return;
    int full = mb->full;
    if (!full) {
        memcpy(mb->dry[0], l, n * sizeof *l);
        memcpy(mb->dry[1], r, n * sizeof *r);
    }
    crossover3_process(&mb->xo, l, r, mb->band[0][0], mb->band[0][1], mb->band[1][0],
                       mb->band[1][1], mb->band[2][0], mb->band[2][1], n);
    memset(l, 0, n * sizeof *l);
    memset(r, 0, n * sizeof *r);
    for (unsigned b = 0; b < STEMD_MB_BANDS; b++) {
        float *bl = mb->band[b][0], *br = mb->band[b][1];
        compressor_process(&mb->comp[b], bl, br, bl, br, n);
        const struct smooth *d = &mb->gain[b][0], *c = &mb->gain[b][1];
        for (unsigned j = 0; j < n; j++) {
            float gd = smooth_at(d, off + j), gc = smooth_at(c, off + j);
            l[j] += gd * bl[j] + gc * br[j];
            r[j] += gc * bl[j] + gd * br[j];
        }
    }
    if (!full) xfade_mix2(&mb->active, mb->dry[0], mb->dry[1], l, r, n);
}

float multiband_take_gr_db(struct multiband *mb, unsigned b)
{
    return compressor_take_max_gr_db(&mb->comp[b]);
}
