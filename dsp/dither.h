/* dsp/dither.h: TPDF dither and word-length reduction to 16 or 24 bits. */
#ifndef STEMD_DITHER_H
#define STEMD_DITHER_H

#include <stdint.h>

enum dither_mode { DITHER_OFF, DITHER_16, DITHER_24 };

struct dither {
    uint32_t seed; /* xorshift32 state: deterministic, so renders repeat exactly */
};

void dither_init(struct dither *d);

/* RT: quantize l/r in place to the mode's word length with triangular (TPDF, +-1 LSB) dither,
 * the minimum that makes the error independent of the signal (Lipshitz, Wannamaker and
 * Vanderkooy, "Quantization and Dither: A Theoretical Survey", JAES 1992). Full scale is 1.0;
 * the LSB is 2^-15 (16 bits) or 2^-23 (24 bits). DITHER_OFF leaves the samples untouched. */
void dither_process(struct dither *d, enum dither_mode mode, float *l, float *r, unsigned n);

#endif
